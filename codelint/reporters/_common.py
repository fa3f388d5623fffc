"""Helpers the machine-readable and HTML reporters share: paths, places, counts, rule text.

Kept private (leading underscore) because none of it is a contract: each reporter's output is.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections import Counter
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import quote

from codelint.findings import SEVERITY_ORDER, FileResult, Finding
from codelint.reporters import RunInfo

#: Characters XML 1.0 forbids (and HTML treats as parse errors). A document can carry them,
#: e.g. a vertical tab Word wrote for a manual line break, so they are dropped before writing.
_FORBIDDEN_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


def clean(text: str) -> str:
    """``text`` without the control characters XML and HTML cannot carry."""
    return _FORBIDDEN_CHARACTERS.sub("", text)


def project_url() -> str | None:
    """The project's home page from the installed package metadata, if it names one."""
    try:
        from importlib.metadata import PackageNotFoundError, metadata

        meta = metadata("codelint")
    except (ImportError, PackageNotFoundError):  # pragma: no cover - running from a checkout
        return None
    candidates = [meta.get("Home-page") or ""]
    for entry in meta.get_all("Project-URL") or []:
        label, _, url = entry.partition(",")
        if label.strip().lower() in {"homepage", "home", "documentation", "source", "repository"}:
            candidates.insert(0, url)
    for url in candidates:
        if url.strip().startswith("https://"):
            return url.strip()
    return None


_MARKDOWN_INLINE = re.compile(r"([\\`*_\[\]<>|~])")
#: What would open a block (heading, list item) if it began a line or a list item's text.
_MARKDOWN_BLOCK_START = re.compile(r"^(\d{1,9}(?=[.)])|#{0,5}(?=#)|(?=[-+*=]))(.)(?=\s|$)")


def md_escape(text: str) -> str:
    """Text made literal in GitHub Markdown: what could start emphasis, code, a link, raw
    HTML or a new table cell is backslash-escaped, as is a block marker at the start; ``&``
    becomes an entity (no entity in a document is decoded); line breaks become spaces, so the
    text stays inside one table cell or list item."""
    text = " ".join(clean(text).split())
    text = _MARKDOWN_INLINE.sub(r"\\\1", text).replace("&", "&amp;")
    return _MARKDOWN_BLOCK_START.sub(r"\1\\\2", text)


def is_url(path: str) -> bool:
    return re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", path) is not None


def display_path(path: str) -> str:
    """The path as CI tools want it: relative to the working folder where it lies inside it,
    forward slashes, no leading ``./``. Paths outside the working folder stay absolute."""
    if is_url(path):
        return path
    native = os.path.normpath(path)
    if os.path.isabs(native):
        cwd = os.getcwd()
        if native == cwd or native.startswith(cwd.rstrip(os.sep) + os.sep):
            native = os.path.relpath(native, cwd)
    return native.replace(os.sep, "/")


def artifact_uri(path: str) -> tuple[str, bool]:
    """A URI for the document and whether it is relative (to the repository root).

    Relative paths are percent-encoded (a colon too, so the first segment cannot read as a
    scheme); absolute paths become ``file://`` URIs; URLs pass through.
    """
    if is_url(path):
        return path, False
    shown = display_path(path)
    if shown.startswith("/"):
        return PurePosixPath(shown).as_uri(), False
    return quote(shown, safe="/!$&'()*+,;=@-._~"), True


def where(finding: Finding) -> str:
    """Where a finding sits, in words: "clause 4.2, page 3, paragraph 17"."""
    if finding.document_level:
        return "the whole document"
    parts = []
    if finding.clause:
        parts.append(f"clause {finding.clause}")
    if finding.page is not None:
        parts.append(f"page {finding.page}")
    if finding.paragraph is not None:
        parts.append(f"paragraph {finding.paragraph}")
    return ", ".join(parts) or "an unknown place"


def line_of(finding: Finding) -> int:
    """The synthetic line CI tools need: the paragraph index (1 for the whole document)."""
    if finding.document_level or not finding.paragraph or finding.paragraph < 1:
        return 1
    return finding.paragraph


def redraft_line(finding: Finding) -> str:
    """One sentence with the redraft, or "" where the rule has none."""
    if not finding.suggestion:
        return ""
    if finding.suggestion.get("fix") == "replace":
        return f"Replace with: {finding.suggestion['text']}"
    return f"Suggested redraft (advisory): {finding.suggestion['text']}"


def rule_meta(info: RunInfo, finding: Finding) -> dict[str, Any]:
    """The rule's documentation from the run, filled from the finding where the catalogue
    has no entry (e.g. CL100, which codelint itself raises for an unused suppression)."""
    meta = dict(info.rules.get(finding.rule) or {})
    meta["code"] = finding.rule
    for key in ("title", "family", "severity", "source"):
        if not meta.get(key):
            meta[key] = getattr(finding, key)
    meta.setdefault("rationale", "")
    meta.setdefault("family_description", "")
    meta.setdefault("examples", {"flag": [], "pass": []})
    return meta


def example_texts(meta: dict[str, Any], key: str) -> list[str]:
    """The rule's "flag" or "pass" examples, without repeats. An example given as
    ``{"text", "as_of"}`` is shown with its date, since it holds only on that date."""
    texts = []
    for example in (meta.get("examples") or {}).get(key) or []:
        if isinstance(example, dict):
            text = str(example.get("text", ""))
            if example.get("as_of"):
                text += f" (as of {example['as_of']})"
        else:
            text = str(example)
        if text and text not in texts:
            texts.append(text)
    return texts


def family_counts(results: list[FileResult]) -> Counter[str]:
    return Counter(f.family for r in results for f in r.findings)


def rule_counts(results: list[FileResult]) -> Counter[str]:
    return Counter(f.rule for r in results for f in r.findings)


def severity_phrase(findings: list[Finding]) -> str:
    """ "1 error, 3 warnings, 2 info": the counts by severity, most severe first."""
    counts = Counter(f.severity for f in findings)
    return ", ".join(
        plural(counts[level], level, "info" if level == "info" else None)
        for level in sorted(counts, key=lambda level: -SEVERITY_ORDER.get(level, 0))
    )


def by_severity(findings: list[Finding]) -> list[Finding]:
    """Most severe first, keeping the original order within a severity."""
    return sorted(findings, key=lambda f: -SEVERITY_ORDER.get(f.severity, 0))


def in_document_order(findings: list[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: (f.paragraph or 0) if not f.document_level else -1)


def plural(count: int, word: str, many: str | None = None) -> str:
    return f"{count} {word if count == 1 else (many or word + 's')}"


def report_time(info: RunInfo) -> dt.datetime:
    """When the report was made: ``info.created`` if the caller fixed it, else now (local)."""
    return info.created or dt.datetime.now().astimezone()


def long_date(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"
