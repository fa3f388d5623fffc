"""Suppressions: a reviewer silences a finding where they work, with a reason.

In a Word file, a comment on a paragraph whose text is
``codelint: ignore CODE[, CODE] -- reason``; in Markdown, HTML and text, an HTML comment of the
same form (the readers attach both kinds to the block they sit on, as ``Document.comments``).
``codelint: ignore-file CODE -- reason`` anywhere silences the codes for the whole file. A code
may be a prefix (``OL`` silences every outdated-law rule). Configuration can also ignore codes
per file (``per-file-ignores``).

A suppression that silences nothing is reported as a finding of its own (``CL100``), as Ruff
reports an unused ``noqa``: a stale suppression hides the next real problem in that paragraph.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from codelint.document import Document
from codelint.findings import Finding

DIRECTIVE = re.compile(
    r"codelint\s*:\s*ignore(?P<file>-file)?\s+"
    r"(?P<codes>(?:ALL|[A-Za-z]{2}\d{0,3})(?:\s*,\s*(?:ALL|[A-Za-z]{2}\d{0,3}))*)"
    r"(?:\s*(?:--|—|–|:)\s*(?P<reason>.+))?",
    re.IGNORECASE | re.DOTALL,
)

UNUSED_CODE = "CL100"
UNUSED_FAMILY = "codelint"


@dataclass
class Suppression:
    codes: tuple[str, ...]
    reason: str
    block: int | None  # None: the whole file
    origin: str
    used: bool = False

    def covers(self, finding: Finding) -> bool:
        if self.block is not None and finding.paragraph != self.block:
            return False
        return any(code == "ALL" or finding.rule.startswith(code) for code in self.codes)


def parse_suppressions(document: Document) -> list[Suppression]:
    found = []
    for comment in document.comments:
        match = DIRECTIVE.search(comment.text)
        if not match:
            continue
        codes = tuple(c.strip().upper() for c in match.group("codes").split(","))
        reason = " ".join((match.group("reason") or "").split())
        block = None if match.group("file") else comment.block
        origin = "Word comment" if document.format == "docx" else "comment"
        found.append(Suppression(codes, reason, block, origin))
    return found


def apply_suppressions(
    findings: list[Finding], document: Document, file_ignores: tuple[str, ...] = ()
) -> tuple[list[Finding], list[Finding], list[Finding]]:
    """Split findings into (kept, silenced), and report suppressions that silenced nothing."""
    suppressions = parse_suppressions(document)
    kept: list[Finding] = []
    silenced: list[Finding] = []
    for finding in findings:
        if any(finding.rule.startswith(code) for code in file_ignores):
            finding.suppressed = {"by": "per-file-ignores", "reason": "configuration"}
            silenced.append(finding)
            continue
        for suppression in suppressions:
            if suppression.covers(finding):
                suppression.used = True
                finding.suppressed = {"by": suppression.origin, "reason": suppression.reason}
                silenced.append(finding)
                break
        else:
            kept.append(finding)
    unused = [_unused_finding(s, document) for s in suppressions if not s.used]
    return kept, silenced, unused


def _unused_finding(suppression: Suppression, document: Document) -> Finding:
    block = document.blocks[suppression.block - 1] if suppression.block else None
    codes = ", ".join(suppression.codes)
    where = "this paragraph" if block else "this file"
    key = f"{UNUSED_CODE}|{codes}|{block.text if block else ''}"
    return Finding(
        rule=UNUSED_CODE,
        family=UNUSED_FAMILY,
        severity="warning",
        title="Unused suppression",
        message=f"the suppression 'codelint: ignore {codes}' silences nothing in {where}; "
        "remove it so it cannot hide a later problem",
        source="codelint",
        paragraph=block.index if block else None,
        page=block.page if block else None,
        section=list(block.section) if block else [],
        clause=block.clause if block else None,
        span=None,
        excerpt=" ".join(block.text.split())[:200] if block else "",
        match="",
        suggestion=None,
        fingerprint=hashlib.sha256(key.encode()).hexdigest()[:16],
        document_level=block is None,
    )
