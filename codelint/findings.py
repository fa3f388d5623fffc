"""Findings and per-file results: what the engine hands to reporters (and the cache)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

#: Bumped when the JSON output changes incompatibly (see docs/json-schema.md).
JSON_SCHEMA_VERSION = 1

SEVERITY_ORDER = {"info": 0, "warning": 1, "error": 2}


@dataclass
class Finding:
    rule: str
    family: str
    severity: str
    title: str
    message: str
    #: The legal or Compact source the rule cites.
    source: str
    #: Index of the block the finding sits in (the title block for document-level findings).
    paragraph: int | None
    page: int | None
    section: list[str]
    clause: str | None
    #: Character span of the matched words in the block's text (None: about the whole document).
    span: tuple[int, int] | None
    excerpt: str
    match: str
    #: ``{"text": ..., "fix": "replace" | "advisory"}`` or None where no redraft fits.
    suggestion: dict[str, str] | None
    fingerprint: str
    document_level: bool = False
    #: Set when a suppression silenced the finding: ``{"reason": ..., "by": ...}``.
    suppressed: dict[str, str] | None = None
    #: Character span of the finding's sentence in its block: the engine's, to report one
    #: finding per family and sentence; not part of the output.
    sentence: tuple[int, int] | None = field(default=None, compare=False, repr=False)

    def to_dict(self) -> dict[str, Any]:
        data = {
            "rule": self.rule,
            "family": self.family,
            "severity": self.severity,
            "title": self.title,
            "message": self.message,
            "source": self.source,
            "location": {
                "page": self.page,
                "paragraph": self.paragraph,
                "section": list(self.section),
                "clause": self.clause,
                "span": list(self.span) if self.span else None,
            },
            "excerpt": self.excerpt,
            "match": self.match,
            "suggestion": self.suggestion,
            "fingerprint": self.fingerprint,
            "document_level": self.document_level,
        }
        if self.suppressed is not None:
            data["suppressed"] = self.suppressed
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Finding:
        location = data["location"]
        span = location.get("span")
        return cls(
            rule=data["rule"],
            family=data["family"],
            severity=data["severity"],
            title=data["title"],
            message=data["message"],
            source=data["source"],
            paragraph=location.get("paragraph"),
            page=location.get("page"),
            section=list(location.get("section") or []),
            clause=location.get("clause"),
            span=(span[0], span[1]) if span else None,
            excerpt=data["excerpt"],
            match=data["match"],
            suggestion=data.get("suggestion"),
            fingerprint=data["fingerprint"],
            document_level=bool(data.get("document_level")),
            suppressed=data.get("suppressed"),
        )


@dataclass
class ChecklistEntry:
    """One action of the Compact checklist: found (with where) or missing in the document."""

    id: str
    title: str
    #: "found", "missing", or "outside" (an action no document can show).
    status: str
    locations: list[dict[str, Any]] = field(default_factory=list)
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class FileResult:
    path: str
    format: str | None = None
    findings: list[Finding] = field(default_factory=list)
    #: Findings silenced by a suppression, kept with their reason.
    suppressed: list[Finding] = field(default_factory=list)
    #: One line naming the cause when the file could not be read or linted.
    error: str | None = None
    notes: list[str] = field(default_factory=list)
    checklist: list[ChecklistEntry] = field(default_factory=list)
    title: str | None = None
    pages: int | None = None
    blocks: int = 0
    words: int = 0
    #: Whether the document reads as a procurement code (document-level rules apply).
    procurement_document: bool | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "format": self.format,
            "error": self.error,
            "title": self.title,
            "pages": self.pages,
            "blocks": self.blocks,
            "words": self.words,
            "procurement_document": self.procurement_document,
            "notes": list(self.notes),
            "findings": [f.to_dict() for f in self.findings],
            "suppressed": [f.to_dict() for f in self.suppressed],
            "checklist": [c.to_dict() for c in self.checklist],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FileResult:
        return cls(
            path=data["path"],
            format=data.get("format"),
            findings=[Finding.from_dict(f) for f in data.get("findings", [])],
            suppressed=[Finding.from_dict(f) for f in data.get("suppressed", [])],
            error=data.get("error"),
            notes=list(data.get("notes", [])),
            checklist=[ChecklistEntry(**c) for c in data.get("checklist", [])],
            title=data.get("title"),
            pages=data.get("pages"),
            blocks=data.get("blocks", 0),
            words=data.get("words", 0),
            procurement_document=data.get("procurement_document"),
        )
