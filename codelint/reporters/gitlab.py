"""GitLab Code Quality JSON (the ``codequality`` report artifact).

A list of issues, each ``{description, check_name, fingerprint, severity, location: {path,
lines: {begin}}}``. GitLab compares fingerprints between the source and target branches to
show new and fixed issues, so each must be unique in the report and stable across runs: it is
an MD5 of the displayed path and the finding's own fingerprint (which ignores text elsewhere).

Severities: info -> info, warning -> major, error -> critical. A file that could not be read
is a ``blocker`` issue (check ``codelint/read-error``): the code was not checked at all.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from codelint.findings import FileResult, Finding
from codelint.reporters import RunInfo
from codelint.reporters._common import display_path, line_of, redraft_line, where

SEVERITIES = {"info": "info", "warning": "major", "error": "critical"}


def _fingerprint(*parts: str) -> str:
    return hashlib.md5("\0".join(parts).encode("utf-8"), usedforsecurity=False).hexdigest()


def _description(finding: Finding) -> str:
    text = f"{finding.rule} ({where(finding)}): {finding.message}"
    redraft = redraft_line(finding)
    return f"{text} {redraft}" if redraft else text


def build(results: list[FileResult], info: RunInfo) -> list[dict[str, Any]]:
    issues: list[dict[str, Any]] = []
    seen: set[str] = set()
    for result in results:
        path = display_path(result.path)
        if result.error:
            issues.append(
                {
                    "description": f"The file could not be read: {result.error}",
                    "check_name": "codelint/read-error",
                    "fingerprint": _fingerprint(path, "read-error"),
                    "severity": "blocker",
                    "location": {"path": path, "lines": {"begin": 1}},
                }
            )
            continue
        for finding in result.findings:
            fingerprint = _fingerprint(path, finding.rule, finding.fingerprint)
            # Two findings can share a fingerprint only if a reader produced identical
            # blocks with identical matches; keep GitLab's uniqueness promise regardless.
            serial = 1
            while fingerprint in seen:
                serial += 1
                fingerprint = _fingerprint(path, finding.rule, finding.fingerprint, str(serial))
            seen.add(fingerprint)
            issues.append(
                {
                    "description": _description(finding),
                    "check_name": finding.rule,
                    "fingerprint": fingerprint,
                    "severity": SEVERITIES.get(finding.severity, "major"),
                    "location": {"path": path, "lines": {"begin": line_of(finding)}},
                }
            )
    return issues


def render(results: list[FileResult], info: RunInfo) -> str:
    return json.dumps(build(results, info), indent=2, ensure_ascii=False) + "\n"
