"""Score codelint's findings on the bundled samples against corpora/samples/expected.yaml.

The expectations were written by a reviewer from the samples' text, not from codelint's
output: for each sample and date, the findings a procurement lawyer expects (family and a
verbatim phrase of the block), borderline pairs that may or may not be reported, blocks that
must not carry some families, and the document-level families.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from codelint.document import Document
from codelint.findings import Finding

SAMPLES = Path(__file__).resolve().parent.parent / "corpora" / "samples"
DOCUMENT_FAMILIES = ("social-value-missing", "compact-missing", "reporting-threshold-missing")


def load_expected() -> dict[str, Any]:
    return yaml.safe_load((SAMPLES / "expected.yaml").read_text(encoding="utf-8"))["samples"]


def squash(text: str) -> str:
    """Compare text across readers: case, quotes, dashes, hyphen breaks and spaces ignored."""
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"')
    text = text.replace("\u201d", '"').replace("\u2013", "-").replace("\u2014", "-")
    text = text.replace("\u00ad", "")
    return re.sub(r"[\s\-]+", "", text.lower())


def block_of(document: Document, entry: dict[str, Any] | str) -> int | None:
    """Index of the block an expectation points at: its phrase, narrowed by cell or clause.

    The same phrase can sit in several blocks (a figure in two table rows), so where the
    expectation names a table cell or a clause, the block with that position is preferred.
    """
    phrase = entry if isinstance(entry, str) else entry["phrase"]
    wanted = squash(phrase)
    candidates = [b for b in document.blocks if wanted in squash(b.text)]
    if not candidates:
        return None
    if isinstance(entry, dict):
        if entry.get("cell"):
            cell = tuple(entry["cell"])
            exact = [b for b in candidates if b.cell == cell]
            if exact:
                return exact[0].index
        if entry.get("clause"):
            clause = str(entry["clause"])
            exact = [b for b in candidates if b.clause == clause]
            if exact:
                return exact[0].index
    return candidates[0].index


@dataclass
class Score:
    missing: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    forbidden: list[str] = field(default_factory=list)
    document: list[str] = field(default_factory=list)
    unlocated: list[str] = field(default_factory=list)
    expected_pairs: int = 0
    found_pairs: int = 0

    @property
    def problems(self) -> list[str]:
        return self.missing + self.unexpected + self.forbidden + self.document + self.unlocated


def score(spec: dict[str, Any], as_of: str, document: Document, findings: list[Finding]) -> Score:
    """Compare ``findings`` on ``document`` with the expectations for ``as_of``."""
    result = Score()
    date_spec = spec["as_of"][as_of]
    found = {(f.family, f.paragraph) for f in findings if not f.document_level}
    expected: set[tuple[str, int]] = set()
    for entry in date_spec.get("findings") or []:
        index = block_of(document, entry)
        if index is None:
            result.unlocated.append(f"cannot find {entry['phrase']!r}")
            continue
        expected.add((entry["family"], index))
    allowed = set(expected)
    for entry in spec.get("borderline") or []:
        if entry.get("as_of") and as_of not in entry["as_of"]:
            continue
        index = block_of(document, entry)
        if index is not None:
            allowed.add((entry["family"], index))
    result.expected_pairs = len(expected)
    result.found_pairs = len(expected & found)
    for family, index in sorted(expected - found):
        result.missing.append(f"missing {family} on block {index}: {_text(document, index)}")
    for family, index in sorted(found - allowed):
        result.unexpected.append(f"unexpected {family} on block {index}: {_text(document, index)}")
    for entry in spec.get("must_not_flag") or []:
        if entry.get("as_of") and as_of not in entry["as_of"]:
            continue
        index = block_of(document, entry)
        if index is None:
            result.unlocated.append(f"cannot find {entry['phrase']!r}")
            continue
        for family in entry["families"]:
            if (family, index) in found:
                result.forbidden.append(f"{family} on a must-not-flag block: {entry['phrase']!r}")
    fired = {f.family for f in findings if f.document_level}
    for family, should in (date_spec.get("document") or {}).items():
        if (family in fired) != bool(should):
            result.document.append(f"document-level {family}: expected {should}")
    return result


def _text(document: Document, index: int) -> str:
    return " ".join(document.blocks[index - 1].text.split())[:140]


def as_of_dates(spec: dict[str, Any]) -> list[dt.date]:
    return [dt.date.fromisoformat(str(d)) for d in spec["as_of"]]
