"""``codelint annotate``: the findings written into a copy of a Word file.

Each finding becomes a Word comment (author "codelint", initials "CL") anchored on the exact
words it is about; a finding whose suggestion is a direct replacement (``fix == "replace"``)
also becomes a tracked change (the words deleted, the redraft inserted) that Word's and
LibreOffice's Accept and Reject act on. Findings about the document as a whole are comments on
its title. The input file is never written to (unless ``--in-place``), and the output is written
atomically.

How it works, in four passes over the package (all XML through lxml and
:class:`codelint.ooxml.Package`, never python-docx):

1. **Plan.** A finding's span is in block coordinates. ``Block.parts`` (offset, locator) pairs
   map it to one or more ``w:p`` elements (a table cell or note joins its paragraphs with
   "\\n"); each paragraph's text is :func:`codelint.ooxml.paragraph_text`, exactly what the
   reader put in the block, which is checked before anything is touched.
2. **Split.** Runs are split (``w:rPr`` copied) at every offset where a span starts or ends, so
   each span covers whole runs. Splitting moves elements and never changes the text, so every
   span is still valid after all the splits in a paragraph.
3. **Track.** For each replacement, the covered runs are wrapped in ``w:del`` (``w:t`` becomes
   ``w:delText``) and a ``w:ins`` with the redraft follows. Runs inside someone else's tracked
   insertion are handled as Word and LibreOffice do: the insertion is split around them, the
   middle piece holds our ``w:del``, and our ``w:ins`` follows it outside the other author's
   insertion. Two findings on overlapping words: only the first gets a tracked change.
4. **Comment.** ``w:commentRangeStart`` before the first covered run, ``w:commentRangeEnd``
   after the last one (after the inserted redraft when there is one), then the
   ``w:commentReference`` run, outside any tracked change so rejecting a change never removes
   a comment mark. The comments go to ``word/comments.xml`` (created with its relationship and
   content type when the file has none). A comment on words in a footnote or endnote goes on
   the note's reference mark in the body (LibreOffice cannot open a file with a comment mark
   inside a note), unless ``comments_in_notes`` asks for it in the note, as Word allows.

The choices, and what Word and LibreOffice were seen to do, are in ``docs/annotate.md``.

Every new ``w:id`` (comments, insertions, deletions, split insertions, copied format changes) is
above every ``w:id`` already in the story parts, so nothing clashes. Zip members that are not
changed are copied with their content, names, order, dates and compression as they were.
"""

from __future__ import annotations

import copy
import datetime as dt
import os
import posixpath
import re
import shlex
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from lxml import etree

from codelint.atomic import write_atomically
from codelint.document import Block, Document
from codelint.errors import CodelintError, ReadError
from codelint.findings import Finding
from codelint.limits import Limits
from codelint.ooxml import (
    CT_NS,
    M_NS,
    RATIO_FLOOR_BYTES,
    REL_NS,
    W_BR,
    W_CR,
    W_DEL,
    W_FLD_CHAR,
    W_FLD_SIMPLE,
    W_ID,
    W_INS,
    W_LAST_RENDERED_PAGE_BREAK,
    W_MOVE_FROM,
    W_MOVE_TO,
    W_NO_BREAK_HYPHEN,
    W_NS,
    W_P,
    W_PPR,
    W_PTAB,
    W_R,
    W_RPR,
    W_SOFT_HYPHEN,
    W_SYM,
    W_T,
    W_TAB,
    W_VAL,
    XML_SPACE,
    OoxmlError,
    Package,
    iter_paragraphs,
    paragraph_segments,
    paragraph_text,
    parse_locator,
    rels_name,
    w,
)

#: Who the comments and tracked changes are by.
AUTHOR = "codelint"
INITIALS = "CL"

COMMENTS_REL_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/comments"
COMMENTS_CONTENT_TYPE = (
    "application/vnd.openxmlformats-officedocument.wordprocessingml.comments+xml"
)

W_DEL_TEXT = w("delText")
W_COMMENTS = w("comments")
W_COMMENT = w("comment")
W_COMMENT_RANGE_START = w("commentRangeStart")
W_COMMENT_RANGE_END = w("commentRangeEnd")
W_COMMENT_REFERENCE = w("commentReference")
W_ANNOTATION_REF = w("annotationRef")
W_AUTHOR = w("author")
W_DATE = w("date")
W_INITIALS = w("initials")
W_PSTYLE = w("pStyle")
W_RSTYLE = w("rStyle")
W_RPR_CHANGE = w("rPrChange")
W_INSTR_TEXT = w("instrText")
W_FOOTNOTE = w("footnote")
W_ENDNOTE = w("endnote")
W_FOOTNOTE_REFERENCE = w("footnoteReference")
W_ENDNOTE_REFERENCE = w("endnoteReference")

#: Elements that mark a tracked change; comment marks are hoisted out of them where they can be.
_TRACKED = frozenset({W_INS, W_DEL, W_MOVE_TO, W_MOVE_FROM})
#: Children a run may have for its text to be deleted as a tracked change; a run holding
#: anything else (a field character, a note reference, a drawing) is left as it is.
_DELETABLE_RUN_CHILDREN = frozenset(
    {W_RPR, W_T, W_TAB, W_PTAB, W_BR, W_CR, W_NO_BREAK_HYPHEN, W_SOFT_HYPHEN, W_SYM,
     W_LAST_RENDERED_PAGE_BREAK}
)  # fmt: skip
#: Markup that may sit between the runs one deletion wraps (spelling marks). Bookmarks,
#: permission ranges and other comments' marks are kept outside deletions, so accepting a
#: change never removes them: the runs either side get a deletion each.
_PASSIVE_MARKUP = frozenset({w("proofErr")})
#: Story parts whose ``w:id`` values the new ids must not clash with (besides the main part).
_STORY_REL_TYPES = ("footnotes", "endnotes", "comments", "header", "footer")
#: The namespace that marks an ISO/IEC 29500 Strict document.
_STRICT_MARK = b"purl.oclc.org/ooxml/wordprocessingml/main"
#: Largest id Word accepts (a signed 32-bit integer).
_MAX_ID = 2**31 - 1
#: Characters XML 1.0 cannot hold.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
#: Input kinds that are not Word files, with what to say about them.
_NOT_DOCX = {
    "pdf": "a PDF",
    "html": "an HTML page",
    "markdown": "a Markdown file",
    "text": "a text file",
}
_LEGACY = {"doc": "a legacy Word .doc", "rtf": "an RTF file", "odt": "an OpenDocument .odt"}


class AnnotateError(CodelintError):
    """Annotating cannot go ahead; ``cause`` is one line about ``path`` (exit code 2)."""

    def __init__(self, path: str, cause: str) -> None:
        super().__init__(f"{path}: {cause}")
        self.path = path
        self.cause = cause


@dataclass
class AnnotateStats:
    """What was written: counts for the one-line summary and notes for the user."""

    comments: int = 0
    tracked_changes: int = 0
    #: Replacements given as comments only (overlapping another change, or awkward markup).
    untracked_replacements: int = 0
    #: Findings whose exact words could not be found, commented on their whole paragraph.
    approximate: int = 0
    output: str = ""

    def summary(self, source: str) -> str:
        """The one line printed when the file is written."""
        extras = []
        if self.untracked_replacements:
            extras.append(f"{self.untracked_replacements} replacement(s) left in comments only")
        if self.approximate:
            extras.append(f"{self.approximate} comment(s) on a whole paragraph")
        extra = f" ({'; '.join(extras)})" if extras else ""
        return (
            f"{source}: {_plural(self.comments, 'comment')}, "
            f"{_plural(self.tracked_changes, 'tracked change')}, written to {self.output}{extra}"
        )


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


# --- the command: paths, checks, atomic write --------------------------------------------------


def default_output(path: str) -> str:
    """Where ``codelint annotate draft.docx`` writes without ``-o``: ``draft.annotated.docx``."""
    base, ext = os.path.splitext(path)
    return f"{base}.annotated{ext or '.docx'}"


def annotate_file(
    path: str,
    output: str | None,
    runner: Any,
    *,
    force: bool = False,
    in_place: bool = False,
    now: dt.datetime | None = None,
    comments_in_notes: bool = False,
) -> AnnotateStats:
    """Lint the Word file ``path`` with ``runner`` and write the annotated copy to ``output``.

    Raises :class:`ReadError` when the input cannot be read (as ``check`` would) and
    :class:`AnnotateError` for everything else that stops the write (wrong kind of input,
    existing output without ``force``, output that is the input without ``in_place``).
    """
    from codelint.readers import read, read_bytes, sniff

    settings = runner.settings(path)
    limits: Limits = settings.limits
    data = _read_input(path, limits, read)
    kind = sniff(path, data)
    if kind in _NOT_DOCX:
        raise AnnotateError(path, _not_docx_message(path, kind))
    if kind in _LEGACY:
        raise AnnotateError(
            path,
            f"annotate writes into .docx files and this is {_LEGACY[kind]}; save it as .docx "
            f"first (soffice --headless --convert-to docx {shlex.quote(path)}) and annotate that",
        )
    target = _output_path(path, output, force=force, in_place=in_place)
    document = read_bytes(path, data, limits)
    result = runner.lint_document(document, settings)
    shown = output if output is not None else path if in_place else str(target)
    stats = AnnotateStats(output=shown)
    as_of = runner.as_of(settings)

    def produce(stream: IO[bytes]) -> None:
        annotate_docx(
            data,
            document,
            result.findings,
            stream,
            limits=limits,
            now=now,
            as_of=as_of,
            stats=stats,
            comments_in_notes=comments_in_notes,
        )

    write_atomically(target, produce)
    return stats


def _output_path(path: str, output: str | None, *, force: bool, in_place: bool) -> Path:
    """Decide and check where to write (before any work is done)."""
    source = Path(path)
    if in_place:
        if output is not None and not _same_file(source, Path(output)):
            raise AnnotateError(
                output, "--in-place writes over the input; give no -o, or -o naming the input"
            )
        return Path(os.path.realpath(source))
    target = Path(output) if output is not None else Path(default_output(path))
    if _same_file(source, target):
        raise AnnotateError(
            str(target),
            "is the input file; annotate writes a copy (use --in-place to write over the input)",
        )
    if target.is_dir():
        raise AnnotateError(str(target), "is a folder; give a file name for the annotated copy")
    if (target.exists() or target.is_symlink()) and not force:
        raise AnnotateError(str(target), "already exists; use --force to overwrite it")
    return target


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.realpath(a) == os.path.realpath(b)


def _read_input(path: str, limits: Limits, read: Any) -> bytes:
    """The input's bytes, read once; any failure is the ReadError ``check`` reports."""
    try:
        if os.path.getsize(path) <= limits.max_file_bytes:
            with open(path, "rb") as handle:
                return handle.read(limits.max_file_bytes + 1)
    except OSError:
        pass
    read(path, limits)  # raises the ReadError ``check`` gives for this file
    raise ReadError(path, "cannot be read")


def _not_docx_message(path: str, kind: str) -> str:
    from codelint.reporters import REPORTERS

    fmt = "html" if "html" in REPORTERS else "text"
    report = f"report.{'html' if fmt == 'html' else 'txt'}"
    return (
        f"annotate writes comments into Word files and needs a .docx, but this is "
        f"{_NOT_DOCX[kind]}; for a report run: codelint check {shlex.quote(path)} "
        f"--format {fmt} -o {report}"
    )


# --- the package writer -------------------------------------------------------------------------


def annotate_docx(
    data: bytes,
    document: Document,
    findings: list[Finding],
    stream: IO[bytes],
    *,
    limits: Limits | None = None,
    now: dt.datetime | None = None,
    as_of: dt.date | None = None,
    stats: AnnotateStats | None = None,
    comments_in_notes: bool = False,
) -> AnnotateStats:
    """Write ``data`` (a .docx whose reading is ``document``) with ``findings`` to ``stream``.

    ``comments_in_notes``: put comments on words in footnotes and endnotes in the notes
    themselves (Word shows them; LibreOffice cannot open such a file) rather than on the
    note's reference mark in the body.
    """
    limits = limits or Limits()
    stats = stats if stats is not None else AnnotateStats()
    try:
        package = Package(data, limits.max_part_bytes, limits.max_zip_ratio)
        writer = _Annotator(
            package, document, now or dt.datetime.now(dt.UTC), as_of, stats, comments_in_notes
        )
        writer.annotate(findings)
        writer.save(stream, limits)
    except OoxmlError as exc:
        raise ReadError(document.path, str(exc)) from None
    return stats


def word_date(moment: dt.datetime) -> str:
    """A UTC timestamp as Word writes it in ``w:date``: ``2026-11-25T09:06:46Z``."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


class _Ids:
    """Fresh ``w:id`` values above every id already used in the package."""

    def __init__(self, used: set[int]) -> None:
        self.used = used
        self.next = max((i for i in used if i <= _MAX_ID), default=0) + 1

    def take(self) -> str:
        if self.next > _MAX_ID:
            self.next = 1
        while self.next in self.used:
            self.next += 1
        value = self.next
        self.used.add(value)
        self.next += 1
        return str(value)


@dataclass
class _Part:
    """One XML part being edited."""

    name: str
    root: etree._Element
    changed: bool = False
    _paragraphs: list[etree._Element] | None = None

    def paragraph(self, number: int) -> etree._Element | None:
        if self._paragraphs is None:
            self._paragraphs = list(iter_paragraphs(self.root))
        if 1 <= number <= len(self._paragraphs):
            return self._paragraphs[number - 1]
        return None


@dataclass
class _Piece:
    """The part of a finding's span that falls in one paragraph (offsets in its text)."""

    part: _Part
    paragraph: etree._Element
    start: int
    end: int
    units: list[etree._Element] = field(default_factory=list)


@dataclass
class _Target:
    """A finding and where it goes."""

    finding: Finding
    pieces: list[_Piece]
    block: int
    start: int
    end: int
    #: The redraft to insert as a tracked change (None: comment only).
    replacement: str | None = None
    approximate: bool = False
    #: Why a direct replacement was left in the comment ("" when it was made).
    untracked_because: str = ""
    tracked: bool = False
    #: Where the comment goes when not on the words themselves (a finding in a note; see
    #: :class:`_Annotator`): the note's reference mark, or a whole paragraph.
    comment_on: etree._Element | None = None
    #: A line saying where the words are when the comment is not on them.
    where: str = ""


class _Annotator:
    """Edits the parts of one package; :meth:`save` writes the new zip.

    Comments on words in a footnote or endnote go, by default, on the note's reference mark
    in the body, naming the words: LibreOffice (7.4) refuses to open a .docx with a comment
    reference inside a note, and its own .docx export drops such comments. Tracked changes stay
    in the note, where LibreOffice reads them. ``comments_in_notes`` puts the comments on the
    words in the note instead, as Word allows.
    """

    def __init__(
        self,
        package: Package,
        document: Document,
        now: dt.datetime,
        as_of: dt.date | None,
        stats: AnnotateStats,
        comments_in_notes: bool = False,
    ) -> None:
        self.package = package
        self.comments_in_notes = comments_in_notes
        self._note_marks: dict[tuple[str, str], etree._Element] | None = None
        self.document = document
        self.date = word_date(now)
        self.as_of = as_of
        self.stats = stats
        self.main = package.main_document_part()
        if _STRICT_MARK in package.read(self.main):
            raise AnnotateError(
                document.path,
                "is a Strict Open XML document, which annotate cannot write back faithfully; "
                "save it from Word as an ordinary Word Document (.docx) and annotate that",
            )
        self.parts: dict[str, _Part] = {}
        self.texts: dict[etree._Element, str] = {}
        #: Our deletion (or split insertion holding it) -> the insertion that follows it.
        self.insertion_after: dict[etree._Element, etree._Element] = {}
        self.added: dict[str, bytes] = {}
        self.comments: _Part | None = None
        self.ids = _Ids(self._used_ids())

    # -- parts and ids ----------------------------------------------------------------------

    def part(self, name: str) -> _Part | None:
        key = name.lower()
        if key not in self.parts:
            if not self.package.has(name):
                return None
            self.parts[key] = _Part(name, self.package.xml(name))
        return self.parts[key]

    def _story_names(self) -> Iterator[str]:
        yield self.main
        for rel in self.package.relationships(self.main):
            story = any(rel.type.endswith("/" + kind) for kind in _STORY_REL_TYPES)
            if story and rel.target and not rel.external and self.package.has(rel.target):
                yield rel.target

    def _used_ids(self) -> set[int]:
        used: set[int] = set()
        for name in self._story_names():
            part = self.part(name)
            if part is None:
                continue
            for value in part.root.xpath("//@w:id", namespaces={"w": W_NS}):
                try:
                    used.add(int(str(value).strip()))
                except ValueError:
                    continue
        return used

    # -- 1. plan --------------------------------------------------------------------------------

    def annotate(self, findings: list[Finding]) -> None:
        targets = [self._plan(finding) for finding in findings]
        targets = [t for t in targets if t is not None]
        targets.sort(key=lambda t: (t.block, t.start, t.end))
        if not self.comments_in_notes:
            for target in targets:
                self._move_out_of_note(target)
        self._split_runs(targets)
        for target in targets:
            for piece in target.pieces:
                piece.part.changed = True
        self._choose_tracked(targets)
        for target in targets:
            if target.tracked:
                self._track(target)
        for target in targets:
            self._comment(target)
        for part in self.parts.values():
            if part.changed:
                self.added[part.name] = _serialise(part.root)

    def _text(self, paragraph: etree._Element) -> str:
        if paragraph not in self.texts:
            self.texts[paragraph] = paragraph_text(paragraph)
        return self.texts[paragraph]

    def _locate(self, locator: str) -> tuple[_Part, etree._Element] | None:
        try:
            name, number = parse_locator(locator)
        except ValueError:
            return None
        part = self.part(name)
        paragraph = part.paragraph(number) if part is not None else None
        return (part, paragraph) if part is not None and paragraph is not None else None

    def _anchor_block(self, finding: Finding) -> Block | None:
        """The block a finding sits on; for a whole-document finding, the title block."""
        blocks = self.document.blocks
        if finding.paragraph is not None and 1 <= finding.paragraph <= len(blocks):
            block = blocks[finding.paragraph - 1]
            if block.parts:
                return block
        return next((b for b in blocks if b.parts and b.text.strip()), None)

    def _plan(self, finding: Finding) -> _Target | None:
        block = self._anchor_block(finding)
        if block is None:
            return None
        whole = finding.document_level or finding.span is None
        if not whole and finding.paragraph is not None and block.index == finding.paragraph:
            assert finding.span is not None
            start, end = finding.span
            pieces = self._pieces(block, start, end)
            if pieces:
                target = _Target(finding, pieces, block.index, start, end)
                suggestion = finding.suggestion or {}
                if suggestion.get("fix") == "replace" and suggestion.get("text") is not None:
                    target.replacement = fit_replacement(
                        block.text, start, end, str(suggestion["text"])
                    )
                return target
        located = self._locate(block.parts[0][1])
        if located is None:
            return None
        part, paragraph = located
        text = self._text(paragraph)
        target = _Target(finding, [_Piece(part, paragraph, 0, len(text))], block.index, -1, -1)
        target.approximate = not whole
        return target

    def _pieces(self, block: Block, start: int, end: int) -> list[_Piece]:
        """The span in paragraph coordinates; empty when the block does not match the file."""
        start, end = max(0, start), min(len(block.text), end)
        if start >= end:
            return []
        pieces = []
        for offset, locator in block.parts:
            located = self._locate(locator)
            if located is None:
                return []
            part, paragraph = located
            text = self._text(paragraph)
            if block.text[offset : offset + len(text)] != text:
                return []  # the reading and the file disagree: do not guess
            low, high = max(start, offset), min(end, offset + len(text))
            if low < high:
                pieces.append(_Piece(part, paragraph, low - offset, high - offset))
        return pieces

    # -- 2. split runs --------------------------------------------------------------------------

    def _split_runs(self, targets: list[_Target]) -> None:
        boundaries: dict[etree._Element, set[int]] = {}
        for target in targets:
            for piece in target.pieces:
                boundaries.setdefault(piece.paragraph, set()).update((piece.start, piece.end))
        for paragraph, offsets in boundaries.items():
            for offset in sorted(offsets):
                self._split_at(paragraph, offset)
        for target in targets:
            for piece in target.pieces:
                piece.units = _units(piece.paragraph, piece.start, piece.end)

    def _split_at(self, paragraph: etree._Element, offset: int) -> None:
        """Make ``offset`` a run boundary in ``paragraph`` (the text stays the same)."""
        position = 0
        before = after = None
        for segment in paragraph_segments(paragraph):
            length = len(segment.text)
            if not length:
                continue
            if position < offset < position + length:
                element = segment.element
                if element.tag == W_T and _parent_tag(element) == W_R:
                    tail = etree.Element(W_T)
                    text = element.text or ""
                    cut = offset - position
                    element.text, tail.text = text[:cut], text[cut:]
                    element.set(XML_SPACE, "preserve")
                    tail.set(XML_SPACE, "preserve")
                    element.addnext(tail)
                    self._split_run_before(tail)
                return
            if position + length == offset:
                before = segment.element
            if position == offset:
                after = segment.element
                break
            position += length
        if before is not None and _parent_tag(before) == W_R:
            self._split_run_after(before)
        if after is not None and _parent_tag(after) == W_R:
            self._split_run_before(after)

    def _split_run_before(self, child: etree._Element) -> None:
        run = child.getparent()
        index = run.index(child)
        if any(c.tag != W_RPR for c in run[:index]):
            self._split_run(run, index)

    def _split_run_after(self, child: etree._Element) -> None:
        run = child.getparent()
        index = run.index(child) + 1
        if index < len(run):
            self._split_run(run, index)

    def _split_run(self, run: etree._Element, index: int) -> None:
        """Move the children of ``run`` from ``index`` on into a new run right after it."""
        second = etree.Element(run.tag, attrib=dict(run.attrib))
        rpr = run.find(W_RPR)
        if rpr is not None:
            second.append(self._copy_rpr(rpr))
        for child in list(run)[index:]:
            second.append(child)
        run.addnext(second)

    def _copy_rpr(self, rpr: etree._Element, keep_changes: bool = True) -> etree._Element:
        """A copy of run properties; a tracked format change in it gets a fresh id (or is
        dropped, for the inserted redraft)."""
        duplicate = copy.deepcopy(rpr)
        for change in duplicate.findall(W_RPR_CHANGE):
            if keep_changes:
                change.set(W_ID, self.ids.take())
            else:
                duplicate.remove(change)
        return duplicate

    # -- 3. tracked changes ---------------------------------------------------------------------

    def _choose_tracked(self, targets: list[_Target]) -> None:
        """Which replacements become tracked changes: never two on overlapping words."""
        changed: dict[int, list[tuple[int, int]]] = {}
        for target in targets:
            if target.replacement is None:
                continue
            reason = self._untrackable(target)
            if not reason:
                spans = changed.setdefault(target.block, [])
                if any(s < target.end and target.start < e for s, e in spans):
                    reason = "another finding's tracked change already covers these words"
                else:
                    spans.append((target.start, target.end))
            if reason:
                target.untracked_because = reason
                self.stats.untracked_replacements += 1
            else:
                target.tracked = True

    def _untrackable(self, target: _Target) -> str:
        if len(target.pieces) != 1:
            return "the words run across paragraphs"
        units = target.pieces[0].units
        if not units:
            return "the words could not be found in the file"
        fields = _field_instructions(target.pieces[0].paragraph)
        for unit in units:
            instruction = fields.get(unit)
            if instruction is not None and instruction.split()[:1] != ["HYPERLINK"]:
                return (
                    "the words are the result of a field (a cross-reference or similar), which "
                    "Word rewrites when fields are updated; change the field's source instead"
                )
            if unit.tag != W_R or any(c.tag not in _DELETABLE_RUN_CHILDREN for c in unit):
                return "the words share a run with a field, note mark or picture"
            parent = unit.getparent()
            if parent is None or parent.tag in (W_DEL, W_MOVE_FROM, W_MOVE_TO):
                return "the words are inside a tracked move"
            if parent.tag == W_INS:
                outer = parent.getparent()
                if outer is None or outer.tag in _TRACKED:
                    return "the words are inside nested tracked changes"
        return ""

    def _track(self, target: _Target) -> None:
        """Wrap the covered runs in ``w:del`` and insert the redraft after them."""
        units = target.pieces[0].units
        last = None
        for group in _groups(units):
            last = self._delete(group)
        assert last is not None and target.replacement is not None
        if target.replacement:
            first_rpr = units[0].find(W_RPR)
            insertion = self._tracked(W_INS)
            run = etree.SubElement(insertion, W_R)
            if first_rpr is not None:
                run.append(self._copy_rpr(first_rpr, keep_changes=False))
            _append_text(run, target.replacement)
            last.addnext(insertion)
            self.insertion_after[last] = insertion
        self.stats.tracked_changes += 1

    def _tracked(self, tag: str) -> etree._Element:
        element = etree.Element(tag)
        element.set(W_ID, self.ids.take())
        element.set(W_AUTHOR, AUTHOR)
        element.set(W_DATE, self.date)
        return element

    def _delete(self, group: list[etree._Element]) -> etree._Element:
        """Wrap one group of sibling runs in a deletion; return the outermost new element."""
        parent = group[0].getparent()
        children = list(parent)
        first, last = children.index(group[0]), children.index(group[-1])
        span = children[first : last + 1]
        outermost = None
        if parent.tag == W_INS:
            outermost = self._split_insertion(parent, span)
        deletion = self._tracked(W_DEL)
        span[0].addprevious(deletion)
        for element in span:
            deletion.append(element)
        for unit in group:
            for text in unit.iter(W_T):
                text.tag = W_DEL_TEXT
        return outermost if outermost is not None else deletion

    def _split_insertion(
        self, insertion: etree._Element, span: list[etree._Element]
    ) -> etree._Element:
        """Split another author's ``w:ins`` so ``span`` sits alone in one piece; return it.

        The pieces keep the author and date; the new ones get fresh ids.
        """
        children = list(insertion)
        first, last = children.index(span[0]), children.index(span[-1])
        after = children[last + 1 :]
        if after:
            tail = self._shell(insertion)
            for element in after:
                tail.append(element)
            insertion.addnext(tail)
        if first == 0:
            return insertion
        middle = self._shell(insertion)
        for element in span:
            middle.append(element)
        insertion.addnext(middle)
        return middle

    def _shell(self, element: etree._Element) -> etree._Element:
        shell = etree.Element(element.tag, attrib=dict(element.attrib))
        shell.set(W_ID, self.ids.take())
        return shell

    # -- 4. comments ----------------------------------------------------------------------------

    def _comment(self, target: _Target) -> None:
        comment_id = self.ids.take()
        pieces = [p for p in target.pieces if p.units]
        first = last = None
        if target.comment_on is not None:
            self.parts[self.main.lower()].changed = True
            if target.comment_on.tag == W_P:
                self._paragraph_anchor(target.comment_on, comment_id, whole=True)
            else:  # a note reference: the run holding it now (runs may have been split)
                first = last = target.comment_on.getparent()
        elif pieces:
            first, last = pieces[0].units[0], pieces[-1].units[-1]
        else:
            piece = target.pieces[0]
            self._paragraph_anchor(piece.paragraph, comment_id, whole=False)
            target.approximate = True
        if first is not None and last is not None:
            start = _hoist(first, first=True)
            end = _hoist(last, first=False)
            end = self.insertion_after.get(end, end)
            start.addprevious(_marker(W_COMMENT_RANGE_START, comment_id))
            end_marker = _marker(W_COMMENT_RANGE_END, comment_id)
            end.addnext(end_marker)
            self._reference_after(end_marker, comment_id)
        if target.approximate:
            self.stats.approximate += 1
        self._write_comment(target, comment_id)
        self.stats.comments += 1

    # -- notes ----------------------------------------------------------------------------------

    def _move_out_of_note(self, target: _Target) -> None:
        """Send the comment of a finding in a note to the note's reference mark in the body."""
        kind = self.document.blocks[target.block - 1].kind
        if kind not in ("footnote", "endnote"):
            return
        words = self.document.blocks[target.block - 1].text
        quoted = " ".join(words[target.start : target.end].split()) if target.start >= 0 else ""
        on = f"On the words \u201c{quoted}\u201d in" if quoted else "On"
        note = _note_of(target.pieces[0].paragraph)
        mark = self._note_mark(note) if note is not None else None
        if mark is not None:
            target.comment_on = mark
            target.where = f"{on} the {kind} marked here."
            return
        title = self._anchor_block_at(1)
        located = self._locate(title.parts[0][1]) if title is not None else None
        if located is not None:
            target.comment_on = located[1]
            target.where = f"{on} a {kind} that the text never refers to."

    def _anchor_block_at(self, index: int) -> Block | None:
        blocks = self.document.blocks
        candidates = blocks[index - 1 :] + blocks[: index - 1]
        return next(
            (b for b in candidates if b.parts and b.kind not in ("footnote", "endnote")), None
        )

    def _note_mark(self, note: etree._Element) -> etree._Element | None:
        """The body's reference mark for ``note`` (in a run, not in deleted text)."""
        if self._note_marks is None:
            self._note_marks = {}
            main = self.part(self.main)
            if main is not None:
                for reference in main.root.iter(W_FOOTNOTE_REFERENCE, W_ENDNOTE_REFERENCE):
                    run = reference.getparent()
                    if run is None or run.tag != W_R or _deleted(run):
                        continue
                    kind = "footnote" if reference.tag == W_FOOTNOTE_REFERENCE else "endnote"
                    self._note_marks.setdefault((kind, reference.get(W_ID, "")), reference)
        kind = "footnote" if note.tag == W_FOOTNOTE else "endnote"
        return self._note_marks.get((kind, note.get(W_ID, "")))

    def _reference_after(self, end_marker: etree._Element, comment_id: str) -> None:
        """Put the reference mark after the range end, outside any tracked change."""
        anchor = end_marker
        node = end_marker
        while node.getparent() is not None and node.getparent().tag in _TRACKED:
            node = node.getparent()
            anchor = self.insertion_after.get(node, node)
        anchor.addnext(_reference_run(comment_id))

    def _paragraph_anchor(self, paragraph: etree._Element, comment_id: str, whole: bool) -> None:
        """A comment on the whole paragraph (``whole``), or at its start."""
        index = 1 if len(paragraph) and paragraph[0].tag == W_PPR else 0
        start = _marker(W_COMMENT_RANGE_START, comment_id)
        paragraph.insert(index, start)
        end = _marker(W_COMMENT_RANGE_END, comment_id)
        if whole:
            paragraph.append(end)
        else:
            start.addnext(end)
        end.addnext(_reference_run(comment_id))

    def _write_comment(self, target: _Target, comment_id: str) -> None:
        comments = self._comments_root()
        comment = etree.SubElement(comments, W_COMMENT)
        comment.set(W_ID, comment_id)
        comment.set(W_AUTHOR, AUTHOR)
        comment.set(W_DATE, self.date)
        comment.set(W_INITIALS, INITIALS)
        for number, (text, style) in enumerate(comment_lines(target.finding, target, self.as_of)):
            paragraph = etree.SubElement(comment, W_P)
            ppr = etree.SubElement(paragraph, W_PPR)
            etree.SubElement(ppr, W_PSTYLE).set(W_VAL, "CommentText")
            if number == 0:
                mark = etree.SubElement(paragraph, W_R)
                etree.SubElement(etree.SubElement(mark, W_RPR), W_RSTYLE).set(
                    W_VAL, "CommentReference"
                )
                etree.SubElement(mark, W_ANNOTATION_REF)
            run = etree.SubElement(paragraph, W_R)
            if style:
                etree.SubElement(etree.SubElement(run, W_RPR), w(style))
            _append_text(run, text)

    # -- the comments part ----------------------------------------------------------------------

    def _comments_root(self) -> etree._Element:
        if self.comments is None:
            self.comments = self._open_comments()
        return self.comments.root

    def _open_comments(self) -> _Part:
        for rel in self.package.relationships(self.main):
            if rel.type.endswith("/comments") and rel.target and not rel.external:
                if self.package.has(rel.target):
                    part = self.part(rel.target)
                    if part is not None and part.root.tag == W_COMMENTS:
                        part.changed = True
                        return part
                    raise OoxmlError(f"{rel.target} is not a comments part; the file is damaged")
                return self._new_comments(rel.target, relate=False)
        folder = posixpath.dirname(self.main)
        name = f"{folder}/comments.xml" if folder else "comments.xml"
        number = 1
        while self.package.has(name):
            number += 1
            name = f"{folder}/comments{number}.xml" if folder else f"comments{number}.xml"
        return self._new_comments(name, relate=True)

    def _new_comments(self, name: str, relate: bool) -> _Part:
        root = etree.Element(W_COMMENTS, nsmap={"w": W_NS})
        part = _Part(name, root, changed=True)
        self.parts[name.lower()] = part
        if relate:
            self._relate(name)
        self._declare_content_type(name)
        return part

    def _relate(self, name: str) -> None:
        rels = rels_name(self.main)
        root = (
            self.package.xml(rels)
            if self.package.has(rels)
            else etree.Element(f"{{{REL_NS}}}Relationships", nsmap={None: REL_NS})
        )
        taken = {rel.get("Id") for rel in root}
        number = len(taken) + 1
        while f"rId{number}" in taken:
            number += 1
        relation = etree.SubElement(root, f"{{{REL_NS}}}Relationship")
        relation.set("Id", f"rId{number}")
        relation.set("Type", COMMENTS_REL_TYPE)
        relation.set("Target", posixpath.relpath(name, posixpath.dirname(self.main) or "."))
        self.added[rels] = _serialise(root)

    def _declare_content_type(self, name: str) -> None:
        types = self.package.xml("[Content_Types].xml")
        part_name = "/" + name
        for override in types.iter(f"{{{CT_NS}}}Override"):
            if override.get("PartName", "").lower() == part_name.lower():
                override.set("ContentType", COMMENTS_CONTENT_TYPE)
                break
        else:
            override = etree.SubElement(types, f"{{{CT_NS}}}Override")
            override.set("PartName", part_name)
            override.set("ContentType", COMMENTS_CONTENT_TYPE)
        self.added["[Content_Types].xml"] = _serialise(types)

    # -- the zip --------------------------------------------------------------------------------

    def save(self, stream: IO[bytes], limits: Limits) -> None:
        """Write the package: changed parts re-serialised, every other member copied as it is."""
        changed = {name.lower(): content for name, content in self.added.items()}
        with zipfile.ZipFile(stream, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as out:
            for info in self.package.zip.infolist():
                key = info.filename.replace("\\", "/").lstrip("/").lower()
                if key in changed:
                    _write_member(out, _clone_info(info), changed.pop(key))
                else:
                    _copy_member(self.package, out, info, limits)
            for name, content in self.added.items():
                if name.lower() in changed:
                    info = zipfile.ZipInfo(name, _zip_time(self.date))
                    info.compress_type = zipfile.ZIP_DEFLATED
                    _write_member(out, info, content)


def _serialise(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _zip_time(date: str) -> tuple[int, int, int, int, int, int]:
    moment = dt.datetime.strptime(date, "%Y-%m-%dT%H:%M:%SZ")
    return (max(moment.year, 1980), moment.month, moment.day, moment.hour, moment.minute,
            moment.second)  # fmt: skip


def _clone_info(info: zipfile.ZipInfo) -> zipfile.ZipInfo:
    """A fresh ZipInfo with the member's name, date, method and attributes."""
    clone = zipfile.ZipInfo(info.filename, info.date_time)
    clone.compress_type = info.compress_type
    clone.external_attr = info.external_attr
    clone.create_system = info.create_system
    clone.comment = info.comment
    return clone


def _write_member(out: zipfile.ZipFile, info: zipfile.ZipInfo, content: bytes) -> None:
    """Write one member (a seam the tests use to make a write fail midway)."""
    out.writestr(info, content)


def _copy_member(
    package: Package, out: zipfile.ZipFile, info: zipfile.ZipInfo, limits: Limits
) -> None:
    """Copy an untouched member's content as it is, under the reader's size and ratio limits."""
    ratio_cap = max(RATIO_FLOOR_BYTES, int(limits.max_zip_ratio * max(info.compress_size, 1)))
    if info.file_size > limits.max_part_bytes or info.file_size > ratio_cap:
        raise OoxmlError(
            f"{info.filename} inflates to {info.file_size:,} bytes, over the limits "
            "(max_part_mb, max_zip_ratio); refused",
            refused=True,
        )
    if info.is_dir():
        _write_member(out, _clone_info(info), b"")
        return
    try:
        with package.zip.open(info) as source:
            content = source.read()
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, RuntimeError) as exc:
        raise OoxmlError(f"the zip container is corrupt ({info.filename}: {exc})") from None
    _write_member(out, _clone_info(info), content)


# --- helpers on the XML -------------------------------------------------------------------------


def _parent_tag(element: etree._Element) -> str | None:
    parent = element.getparent()
    return parent.tag if parent is not None else None


def _unit_of(element: etree._Element) -> etree._Element:
    """The run holding a text element; for math, the outermost math element."""
    parent = element.getparent()
    if parent is not None and parent.tag == W_R:
        return parent
    node = element
    while node.getparent() is not None and str(node.getparent().tag).startswith(f"{{{M_NS}}}"):
        node = node.getparent()
    return node


def _units(paragraph: etree._Element, start: int, end: int) -> list[etree._Element]:
    """The runs (in order) whose text lies in ``[start, end)`` of the paragraph."""
    units: list[etree._Element] = []
    seen: set[etree._Element] = set()
    position = 0
    for segment in paragraph_segments(paragraph):
        length = len(segment.text)
        if length and position < end and position + length > start:
            unit = _unit_of(segment.element)
            if unit not in seen:
                seen.add(unit)
                units.append(unit)
        position += length
        if position >= end:
            break
    return units


def _groups(units: list[etree._Element]) -> list[list[etree._Element]]:
    """Split runs into groups of siblings with only zero-width markup between them."""
    groups: list[list[etree._Element]] = []
    for unit in units:
        if groups and _adjacent(groups[-1][-1], unit):
            groups[-1].append(unit)
        else:
            groups.append([unit])
    return groups


def _adjacent(previous: etree._Element, unit: etree._Element) -> bool:
    if previous.getparent() is not unit.getparent():
        return False
    for sibling in previous.itersiblings():
        if sibling is unit:
            return True
        if sibling.tag not in _PASSIVE_MARKUP:
            return False
    return False


def _field_instructions(paragraph: etree._Element) -> dict[etree._Element, str]:
    """Runs of ``paragraph`` that are a field's result, with the field's instruction."""
    found: dict[etree._Element, str] = {}
    stack: list[list[Any]] = []  # [instruction, in the result yet] per open complex field
    for element in paragraph.iter(W_R, W_FLD_CHAR, W_INSTR_TEXT):
        if _deleted(element):
            continue
        if element.tag == W_FLD_CHAR:
            kind = element.get(w("fldCharType"))
            if kind == "begin":
                stack.append(["", False])
            elif kind == "separate" and stack:
                stack[-1][1] = True
            elif kind == "end" and stack:
                stack.pop()
        elif element.tag == W_INSTR_TEXT:
            if stack and not stack[-1][1]:
                stack[-1][0] += element.text or ""
        elif stack and stack[-1][1]:
            found[element] = str(stack[-1][0]).strip().upper()
        else:
            simple = next(element.iterancestors(W_FLD_SIMPLE), None)
            if simple is not None:
                found[element] = simple.get(w("instr"), "").strip().upper()
    return found


def _note_of(paragraph: etree._Element) -> etree._Element | None:
    """The ``w:footnote`` or ``w:endnote`` holding a paragraph."""
    for ancestor in paragraph.iterancestors(W_FOOTNOTE, W_ENDNOTE):
        return ancestor
    return None


def _deleted(element: etree._Element) -> bool:
    """Whether ``element`` sits in deleted or moved-away text."""
    return any(True for _ in element.iterancestors(W_DEL, W_MOVE_FROM))


def _hoist(element: etree._Element, first: bool) -> etree._Element:
    """Climb out of tracked changes the element starts (``first``) or ends."""
    while True:
        parent = element.getparent()
        if parent is None or parent.tag not in _TRACKED:
            return element
        index = parent.index(element)
        if (index != 0) if first else (index != len(parent) - 1):
            return element
        element = parent


def _marker(tag: str, comment_id: str) -> etree._Element:
    marker = etree.Element(tag)
    marker.set(W_ID, comment_id)
    return marker


def _reference_run(comment_id: str) -> etree._Element:
    run = etree.Element(W_R)
    etree.SubElement(etree.SubElement(run, W_RPR), W_RSTYLE).set(W_VAL, "CommentReference")
    etree.SubElement(run, W_COMMENT_REFERENCE).set(W_ID, comment_id)
    return run


def _append_text(run: etree._Element, text: str) -> None:
    """Text into a run: ``w:t`` pieces, tabs as ``w:tab``, line breaks as ``w:br``."""
    for piece in re.split(r"(\t|\r\n|\n|\r)", clean_text(text)):
        if piece == "\t":
            etree.SubElement(run, W_TAB)
        elif piece in ("\n", "\r", "\r\n"):
            etree.SubElement(run, W_BR)
        elif piece:
            element = etree.SubElement(run, W_T)
            element.text = piece
            element.set(XML_SPACE, "preserve")


def clean_text(text: str) -> str:
    """``text`` without the characters XML cannot hold."""
    return _XML_INVALID.sub("", text)


# --- what the comment and the redraft say -------------------------------------------------------

#: A clause number standing alone before the span ("4.2", "4.", "(b)", "12(a)").
_CLAUSE_ONLY = re.compile(r"\(?[0-9]+(?:\.[0-9]+)*[.)]?(?:\([a-z0-9]{1,4}\))?|\(?[a-z]{1,3}[.)]")


def fit_replacement(text: str, start: int, end: int, replacement: str) -> str:
    """The redraft as it should be typed over ``text[start:end]``.

    Two small repairs so accepting the change reads well: a leading word the text already has
    just before the span is not repeated ("governed by the" + "the Procurement Act 2023" gives
    "governed by the Procurement Act 2023"), and a redraft at the start of a sentence or
    clause starts with a capital.
    """
    before = text[:start]
    word = re.search(r"(\w+)\s+$", before)
    if word and replacement.lower().startswith(word.group(1).lower() + " "):
        replacement = replacement[len(word.group(1)) + 1 :]
    lead = before.rstrip(" \t\u00a0\"'\u201c\u2018([").strip()
    starts_sentence = not lead or lead[-1] in ".!?" or bool(_CLAUSE_ONLY.fullmatch(lead))
    if replacement[:1].islower() and starts_sentence:
        replacement = replacement[0].upper() + replacement[1:]
    return replacement


def comment_lines(
    finding: Finding, target: _Target | None = None, as_of: dt.date | None = None
) -> list[tuple[str, str | None]]:
    """The paragraphs of a finding's comment, each with a run style ("b", "i" or None)."""
    lines: list[tuple[str, str | None]] = []
    heading = f"{finding.rule} ({finding.severity}): {finding.title}"
    if finding.document_level or finding.span is None:
        heading += " [about the whole document]"
    lines.append((heading, "b"))
    if target is not None and target.where:
        lines.append((target.where, "i"))
    lines.append((f"Why: {finding.message}", None))
    if finding.source:
        lines.append((f"Source: {finding.source}", "i"))
    suggestion = finding.suggestion or {}
    text = suggestion.get("text")
    if not text:
        lines.append(("Suggested redraft: none ready-made; this needs the council's words.", None))
    elif target is not None and target.tracked:
        lines.append((f"Suggested redraft: {target.replacement or text}", None))
        lines.append(("Made as a tracked change on these words: accept or reject it.", "i"))
    elif suggestion.get("fix") == "replace":
        lines.append((f"Suggested redraft: {text}", None))
        if target is not None and target.untracked_because:
            lines.append((f"Not made as a tracked change: {target.untracked_because}.", "i"))
    else:
        lines.append((f"Suggested redraft: {text}", None))
    if target is not None and target.approximate:
        lines.append(("The exact words could not be marked, so this is on the paragraph.", "i"))
    if as_of is not None:
        lines.append((f"Law as of {as_of.isoformat()} ({finding.family}).", "i"))
    return lines
