"""Suppressions: a reviewer silences a finding where they work, with a reason.

In a Word file, a comment on a paragraph whose text is
``codelint: ignore CODE[, CODE] -- reason``; in Markdown, HTML and text, an HTML comment of the
same form (the readers attach both kinds to the block they sit on, as ``Document.comments``;
the plain-text reader keeps such comments as text, so they are found in its blocks here).
``codelint: ignore-file CODE -- reason`` anywhere silences the codes for the whole file. A code
may be a prefix (``OL`` silences every outdated-law rule). Configuration can also ignore codes
per file (``per-file-ignores``).

A suppression that silences nothing is reported as a finding of its own (``CL100``), as Ruff
reports an unused ``noqa``: a stale suppression hides the next real problem in that paragraph.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from codelint.document import Comment, Document
from codelint.findings import Finding

DIRECTIVE = re.compile(
    r"codelint\s*:\s*ignore(?P<file>-file)?\s+"
    r"(?P<codes>(?:ALL|[A-Za-z]{2}\d{0,3})(?:\s*,\s*(?:ALL|[A-Za-z]{2}\d{0,3}))*)"
    r"(?:\s*(?:--|—|–|:)\s*(?P<reason>.+))?",
    re.IGNORECASE | re.DOTALL,
)

HTML_COMMENT = re.compile(r"<!--(.*?)-->", re.DOTALL)

UNUSED_CODE = "CL100"
UNUSED_FAMILY = "codelint"


@dataclass
class Suppression:
    codes: tuple[str, ...]
    reason: str
    block: int | None  # None: the whole file
    origin: str
    #: The codes that silenced at least one finding.
    used: set[str] = field(default_factory=set)

    def match(self, finding: Finding) -> str | None:
        """The code of this suppression that covers ``finding``, or None."""
        if self.block is not None and finding.paragraph != self.block:
            return None
        for code in self.codes:
            if code == "ALL" or finding.rule.startswith(code):
                return code
        return None

    def covers(self, finding: Finding) -> bool:
        return self.match(finding) is not None


def _text_comments(document: Document) -> list[Comment]:
    """HTML comments written in a plain-text file (its reader keeps them as text).

    A comment inside a paragraph belongs to it; a paragraph that is nothing but comments
    belongs to the next paragraph, as in Markdown.
    """
    found: list[Comment] = []
    blocks = document.blocks
    for position, block in enumerate(blocks):
        bodies = HTML_COMMENT.findall(block.text)
        if not bodies:
            continue
        alone = not HTML_COMMENT.sub("", block.text).strip()
        target = block.index
        if alone and position + 1 < len(blocks):
            target = blocks[position + 1].index
        found.extend(Comment(body.strip(), target) for body in bodies)
    return found


def parse_suppressions(document: Document) -> list[Suppression]:
    found = []
    comments = list(document.comments)
    if document.format == "text":
        comments += _text_comments(document)
    for comment in comments:
        match = DIRECTIVE.search(comment.text)
        if not match:
            continue
        codes = tuple(dict.fromkeys(c.strip().upper() for c in match.group("codes").split(",")))
        reason = " ".join((match.group("reason") or "").split())
        block = None if match.group("file") else comment.block
        origin = "Word comment" if document.format == "docx" else "comment"
        found.append(Suppression(codes, reason, block, origin))
    return found


def apply_suppressions(
    findings: list[Finding],
    document: Document,
    file_ignores: tuple[str, ...] = (),
    selected: Callable[[str], bool] | None = None,
    report_unused: bool = True,
) -> tuple[list[Finding], list[Finding], list[Finding]]:
    """Split findings into (kept, silenced), and report suppressions that silenced nothing.

    ``selected(code)`` says whether any rule the run checks falls under ``code``: a
    suppression of rules that were not run (``--select`` chose others) is not reported as
    unused, as Ruff does not report a ``noqa`` for a rule that is not enabled. A suppression
    naming several codes is reported for the codes that silenced nothing.
    ``report_unused=False`` (CL100 not selected) reports none.
    """
    suppressions = parse_suppressions(document)
    kept: list[Finding] = []
    silenced: list[Finding] = []
    for finding in findings:
        if any(finding.rule.startswith(code) for code in file_ignores):
            finding.suppressed = {"by": "per-file-ignores", "reason": "configuration"}
            silenced.append(finding)
            continue
        for suppression in suppressions:
            code = suppression.match(finding)
            if code is not None:
                suppression.used.add(code)
                finding.suppressed = {"by": suppression.origin, "reason": suppression.reason}
                silenced.append(finding)
                break
        else:
            kept.append(finding)
    unused: list[Finding] = []
    if report_unused:
        for suppression in suppressions:
            idle = tuple(
                code
                for code in suppression.codes
                if code not in suppression.used and (selected is None or selected(code))
            )
            if not idle:
                continue
            finding = _unused_finding(suppression, idle, document)
            if any(UNUSED_CODE.startswith(code) for code in file_ignores):
                finding.suppressed = {"by": "per-file-ignores", "reason": "configuration"}
                silenced.append(finding)
            else:
                unused.append(finding)
    return kept, silenced, unused


def unused_rule_info() -> dict[str, object]:
    """What ``explain.rule_info`` would say about CL100 (it is the engine's, not a pack's)."""
    return {
        "code": UNUSED_CODE,
        "title": "Unused suppression",
        "family": UNUSED_FAMILY,
        "family_description": "Problems with codelint's own directives in the document.",
        "kind": "engine",
        "severity": "warning",
        "status": "stable",
        "document_level": False,
        "rationale": "A suppression that silences nothing is stale: the wording it was written "
        "for has changed or gone, and it would hide the next real problem in that paragraph.",
        "source": "codelint",
        "message": "the suppression silences nothing; remove it",
        "suggestion": None,
        "examples": {"flag": [], "pass": []},
        "pack_file": None,
    }


def _unused_finding(suppression: Suppression, idle: tuple[str, ...], document: Document) -> Finding:
    block = document.blocks[suppression.block - 1] if suppression.block else None
    codes = ", ".join(suppression.codes)
    where = "this paragraph" if block else "this file"
    directive = "ignore" if block else "ignore-file"
    detail = "" if idle == suppression.codes else f" for {', '.join(idle)}"
    key = f"{UNUSED_CODE}|{codes}|{','.join(idle)}|{' '.join(block.text.split()) if block else ''}"
    return Finding(
        rule=UNUSED_CODE,
        family=UNUSED_FAMILY,
        severity="warning",
        title="Unused suppression",
        message=f"the suppression 'codelint: {directive} {codes}' silences nothing{detail} in "
        f"{where}; remove it so it cannot hide a later problem",
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
