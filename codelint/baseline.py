"""Baselines: accept the findings a body already has, and fail only on new ones.

``codelint check --baseline FILE --update-baseline`` writes the current findings; later runs
with ``--baseline FILE`` move the findings it lists into ``suppressed`` (reason: the baseline)
and fail only on the rest. The file is JSON, versioned and sorted so that it diffs well and a
reviewer can read what was accepted: each entry has the path, the rule, the fingerprint and
the excerpt.

Matching is by (path, rule, fingerprint). The engine's fingerprint is a hash of the rule, the
normalised sentence and the matched words (with an occurrence number for identical
sentences), not of a position, so a paragraph inserted above a finding or a page break moved
does not make the finding new; rewording its sentence does. Entries are counted, so two
identical findings in a file need two entries.

Paths are stored relative to the baseline file's folder (URLs as they are), so the baseline
works whatever folder codelint runs from. Updating keeps the entries of files not linted in
this run (the pre-commit hook passes only changed files) and of files that could not be read.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from codelint.atomic import write_text_atomically
from codelint.errors import ConfigError
from codelint.findings import FileResult

BASELINE_FORMAT = 1


@dataclass(frozen=True, order=True)
class Entry:
    path: str
    rule: str
    fingerprint: str
    excerpt: str = ""

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.path, self.rule, self.fingerprint)


def path_key(path: str, baseline_file: Path) -> str:
    """``path`` as the baseline stores it: relative to the baseline's folder, with ``/``."""
    if "://" in path:
        return path
    base = os.path.abspath(baseline_file.parent)
    full = os.path.abspath(path)
    try:
        relative = os.path.relpath(full, base)
    except ValueError:  # another drive (Windows)
        relative = full
    return Path(relative).as_posix()


def load_baseline(path: Path) -> list[Entry]:
    """The entries of the baseline at ``path``; ConfigError when it is missing or invalid."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(
            f"{path}: baseline not found (create it with --baseline {path} --update-baseline)"
        ) from None
    except OSError as exc:
        raise ConfigError(f"{path}: baseline cannot be read ({exc.strerror})") from None
    except ValueError as exc:
        raise ConfigError(f"{path}: baseline is not valid JSON ({exc})") from None
    if not isinstance(data, dict) or data.get("codelint_baseline") is None:
        raise ConfigError(f"{path}: not a codelint baseline (no `codelint_baseline` version)")
    if data["codelint_baseline"] != BASELINE_FORMAT:
        raise ConfigError(
            f"{path}: baseline format {data['codelint_baseline']!r} is not supported "
            f"(this codelint writes format {BASELINE_FORMAT}); run --update-baseline"
        )
    entries = []
    for number, item in enumerate(data.get("findings") or [], start=1):
        try:
            entries.append(
                Entry(
                    path=str(item["path"]),
                    rule=str(item["rule"]),
                    fingerprint=str(item["fingerprint"]),
                    excerpt=str(item.get("excerpt") or ""),
                )
            )
        except (KeyError, TypeError):
            raise ConfigError(
                f"{path}: baseline entry {number} needs path, rule and fingerprint"
            ) from None
    return entries


def apply_baseline(results: list[FileResult], entries: list[Entry], baseline_file: Path) -> int:
    """Move the findings the baseline lists into ``suppressed``; return how many moved."""
    available = Counter(entry.key for entry in entries)
    reason = {"by": "baseline", "reason": f"accepted in the baseline {baseline_file.name}"}
    moved = 0
    for result in results:
        if result.error:
            continue
        where = path_key(result.path, baseline_file)
        kept = []
        for finding in result.findings:
            key = (where, finding.rule, finding.fingerprint)
            if available[key] > 0:
                available[key] -= 1
                finding.suppressed = dict(reason)
                result.suppressed.append(finding)
                moved += 1
            else:
                kept.append(finding)
        result.findings = kept
    return moved


def update_baseline(
    previous: list[Entry], results: list[FileResult], baseline_file: Path
) -> list[Entry]:
    """The new baseline: this run's findings for the files it read, earlier entries for the
    rest."""
    linted = {path_key(r.path, baseline_file) for r in results if not r.error}
    entries = [entry for entry in previous if entry.path not in linted]
    for result in results:
        if result.error:
            continue
        where = path_key(result.path, baseline_file)
        for finding in result.findings:
            entries.append(Entry(where, finding.rule, finding.fingerprint, finding.excerpt))
    return sorted(entries)


def baseline_document(entries: list[Entry]) -> dict[str, Any]:
    from codelint import __version__

    return {
        "codelint_baseline": BASELINE_FORMAT,
        "written_by": f"codelint {__version__}",
        "findings": [
            {
                "path": entry.path,
                "rule": entry.rule,
                "fingerprint": entry.fingerprint,
                "excerpt": entry.excerpt,
            }
            for entry in sorted(entries)
        ],
    }


def write_baseline(path: Path, entries: list[Entry]) -> None:
    """Write the baseline atomically (see ``codelint.atomic``)."""
    text = json.dumps(baseline_document(entries), indent=2, ensure_ascii=False) + "\n"
    write_text_atomically(path, text)
