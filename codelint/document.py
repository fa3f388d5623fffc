"""The one document model every reader produces and every rule reads.

A :class:`Document` is a list of :class:`Block` objects in reading order. A block is the
smallest unit a reader can place: a heading, a paragraph, a list item, a table cell, a
footnote or an endnote. Each block carries where it sits (page, paragraph index, the heading
path of its section, the clause number where the document numbers its clauses) so that a
finding can be traced back to the place a reviewer would look.

Readers must never drop text silently: anything they cannot represent goes into
``Document.notes`` so ``codelint dump`` shows it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: Bumped when the JSON shape of ``codelint dump`` changes incompatibly.
DUMP_SCHEMA_VERSION = 1

BLOCK_KINDS = ("heading", "paragraph", "list-item", "table-cell", "footnote", "endnote")


@dataclass
class Block:
    """One unit of text with its place in the document."""

    kind: str
    text: str
    #: 1-based position of the block in reading order; the "paragraph index" of the contract.
    index: int = 0
    #: 1-based page where the block starts, where the format knows it.
    page: int | None = None
    #: Titles of the enclosing headings, outermost first (a heading's own title is not included).
    section: tuple[str, ...] = ()
    #: Clause number as the document prints it ("4.2", "12(b)"), where there is one.
    clause: str | None = None
    #: Heading level (1 = top) for headings; list level (0 = top) for list items.
    level: int | None = None
    #: (table number, row, column), 1-based, for table cells.
    cell: tuple[int, int, int] | None = None
    #: Reader-specific locators for writing back, as (offset in ``text``, locator) pairs.
    #: The DOCX reader uses them so ``annotate`` can find the runs behind a character span.
    parts: tuple[tuple[int, str], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "index": self.index,
            "kind": self.kind,
            "page": self.page,
            "section": list(self.section),
            "clause": self.clause,
            "text": self.text,
        }
        if self.level is not None:
            data["level"] = self.level
        if self.cell is not None:
            data["cell"] = list(self.cell)
        return data


@dataclass
class Comment:
    """A reviewer's comment attached to a block (Word comment, HTML/Markdown comment)."""

    text: str
    #: Index of the block the comment is anchored on; ``None`` for a comment on the whole file.
    block: int | None
    author: str | None = None


@dataclass
class Document:
    """What a reader made of one file."""

    path: str
    #: "docx", "pdf", "html", "markdown" or "text"; "doc", "rtf" or "odt" for a file read
    #: through LibreOffice's conversion to DOCX (see codelint/readers/legacy.py).
    format: str
    blocks: list[Block] = field(default_factory=list)
    title: str | None = None
    pages: int | None = None
    #: Things the user should know about the reading (conversion, skipped images, ...).
    notes: list[str] = field(default_factory=list)
    comments: list[Comment] = field(default_factory=list)

    def finalise(self) -> Document:
        """Number the blocks 1..n in reading order and fill a default title."""
        for number, block in enumerate(self.blocks, start=1):
            block.index = number
        if self.title is None:
            for block in self.blocks:
                if block.text.strip():
                    self.title = block.text.strip()[:200]
                    break
        return self

    @property
    def text(self) -> str:
        return "\n".join(block.text for block in self.blocks)

    def word_count(self) -> int:
        return sum(len(block.text.split()) for block in self.blocks)

    def to_dict(self) -> dict[str, Any]:
        """This document as one file entry of ``codelint dump --format json`` (docs/dump.md)."""
        return {
            "path": self.path,
            "error": None,
            "format": self.format,
            "title": self.title,
            "pages": self.pages,
            "words": self.word_count(),
            "notes": list(self.notes),
            "comments": [
                {"block": c.block, "author": c.author, "text": c.text} for c in self.comments
            ],
            "blocks": [block.to_dict() for block in self.blocks],
        }


def validate_document(doc: Document) -> list[str]:
    """Return every way ``doc`` breaks the model's invariants (empty when it conforms).

    Run on every reader's output in the tests, on our samples and on the wild corpus.
    """
    problems: list[str] = []
    for position, block in enumerate(doc.blocks, start=1):
        where = f"block {position}"
        if block.kind not in BLOCK_KINDS:
            problems.append(f"{where}: unknown kind {block.kind!r}")
        if block.index != position:
            problems.append(f"{where}: index {block.index} out of order")
        if not isinstance(block.text, str):
            problems.append(f"{where}: text is not a string")
        elif not block.text.strip():
            problems.append(f"{where}: empty text")
        if block.page is not None and (block.page < 1 or (doc.pages and block.page > doc.pages)):
            problems.append(f"{where}: page {block.page} outside 1..{doc.pages}")
        if block.kind == "heading" and not block.level:
            problems.append(f"{where}: heading without level")
        if block.kind == "table-cell" and block.cell is None:
            problems.append(f"{where}: table cell without cell position")
        previous = -1
        for offset, _locator in block.parts:
            if not 0 <= offset <= len(block.text) or offset < previous:
                problems.append(f"{where}: part offset {offset} outside text or out of order")
            previous = offset
    for comment in doc.comments:
        if comment.block is not None and not 1 <= comment.block <= len(doc.blocks):
            problems.append(f"comment on missing block {comment.block}")
    return problems
