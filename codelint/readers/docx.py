"""DOCX reader: zipfile + lxml over the WordprocessingML, never python-docx's ``paragraph.text``.

What the reader makes of a Word file (the choices are deliberate; see also docs/architecture.md):

* **Text** reads with tracked changes accepted (insertions and moves kept, deletions dropped),
  field results kept and field instructions dropped, content controls, smart tags, custom XML
  and hyperlinks kept. A paragraph whose mark was deleted is joined to the next paragraph, as
  accepting the change would do. Block text is exactly ``"".join`` of
  :func:`codelint.ooxml.paragraph_segments` for each paragraph, so ``annotate`` can map spans.
* **List numbers are not put into the text.** The printed label goes to ``Block.clause`` with
  trailing punctuation removed ("4.2." -> "4.2", "b)" -> "b"); a label with both brackets stays
  as printed ("(b)"), because that is how a clause is cited. Bullets set no clause. Paragraphs
  without numbering whose text starts with a clause number ("4.2 ", "12.3.1 ", "4.2. ", "4. ")
  take it as their clause; the text is left alone. Fidelity tests against ``pandoc -t plain``
  must therefore ignore list markers (pandoc prints its own "1." / "a." renumbering anyway).
* **Headings** come from the paragraph's outline level or its style chain ("heading N", outline
  levels, "Title" = level 1). ``Block.section`` is the path of enclosing headings, each written
  as printed: "4 Social value" when the heading is numbered. Headings inside table cells and
  text boxes do not open sections.
* **Tables** give one ``table-cell`` block per cell (paragraphs joined with "\\n"); ``cell`` is
  (table, row, grid column), 1-based, counting tables in reading order including nested ones,
  whose cells follow the cell that holds them. Rows deleted as tracked changes are skipped.
* **Text boxes** become blocks after the paragraph that anchors them (one ``mc:AlternateContent``
  branch only, so they are never read twice).
* **Footnotes and endnotes** become one block each, placed right after the block that first
  references them, with that block's section and page; notes never referenced come last.
* **Comments** go to ``Document.comments``, anchored on the block holding their range start
  (or reference mark).
* **Pages** are counted from explicit page breaks, page-starting section breaks,
  ``w:pageBreakBefore`` and Word's saved layout (``w:lastRenderedPageBreak``); markers with no
  text between them count once. With no markers at all, ``page`` and ``pages`` stay None.
* Running headers and footers are page furniture and are not read (as for PDF). Hidden text
  (``w:vanish``) is read: it is in the file, and a reviewer can reveal it. Image alt text is not.
* **A file whose body gives no text is an error**, never an empty, clean-looking result, even
  when its headers, footers or comments hold text (pandoc and LibreOffice show such a body as
  empty too). The cause says where the text is: deleted as tracked changes, only in headers
  or footers, only in comments, only in pictures or embedded objects, or nowhere.
* A damaged styles, numbering, notes or comments part is noted and the body is still read; a
  DTD, a zip bomb or an oversized part anywhere refuses the whole file.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from lxml import etree

from codelint.document import Block, Comment, Document
from codelint.errors import ReadError
from codelint.limits import Limits
from codelint.ooxml import (
    C_NS,
    DGM_NS,
    MC_ALTERNATE_CONTENT,
    OLE_SIGNATURE,
    W_BODY,
    W_CUSTOM_XML,
    W_DEL,
    W_DOCUMENT,
    W_ID,
    W_MOVE_FROM,
    W_OBJECT,
    W_P,
    W_PPR,
    W_RPR,
    W_SDT,
    W_SDT_CONTENT,
    W_SECT_PR,
    W_SYM,
    W_T,
    W_TBL,
    W_TC,
    W_TR,
    W_TYPE,
    W_VAL,
    OoxmlError,
    Package,
    Segment,
    choose_branch,
    int_attr,
    is_on,
    paragraph_locator,
    paragraph_text,
    w,
    walk_paragraph,
)

W_STYLE = w("style")
W_STYLE_ID = w("styleId")
W_NAME = w("name")
W_BASED_ON = w("basedOn")
W_PSTYLE = w("pStyle")
W_NUMPR = w("numPr")
W_NUM_ID = w("numId")
W_ILVL = w("ilvl")
W_OUTLINE_LVL = w("outlineLvl")
W_PAGE_BREAK_BEFORE = w("pageBreakBefore")
W_ABSTRACT_NUM = w("abstractNum")
W_ABSTRACT_NUM_ID = w("abstractNumId")
W_NUM = w("num")
W_LVL = w("lvl")
W_LVL_OVERRIDE = w("lvlOverride")
W_START_OVERRIDE = w("startOverride")
W_NUM_STYLE_LINK = w("numStyleLink")
W_TRPR = w("trPr")
W_TCPR = w("tcPr")
W_GRID_SPAN = w("gridSpan")
W_GRID_BEFORE = w("gridBefore")
W_CELL_DEL = w("cellDel")
W_ALT_CHUNK = w("altChunk")
W_FOOTNOTE = w("footnote")
W_ENDNOTE = w("endnote")
W_FOOTNOTE_REFERENCE = w("footnoteReference")
W_ENDNOTE_REFERENCE = w("endnoteReference")
W_COMMENT = w("comment")
W_COMMENT_RANGE_START = w("commentRangeStart")
W_COMMENT_REFERENCE = w("commentReference")
W_AUTHOR = w("author")
W_DEL_TEXT = w("delText")

#: What is missing from the reading when an auxiliary part is damaged.
_LOST_WITH = {
    "styles": "headings and style-based list numbers were",
    "numbering": "list numbers were",
    "footnotes": "footnotes were",
    "endnotes": "endnotes were",
    "comments": "comments (and suppressions in them) were",
}

#: Section types that start the next section on a new page (absent type = nextPage).
PAGE_SECTION_TYPES = frozenset({"nextPage", "oddPage", "evenPage"})

_HEADING_STYLE = re.compile(r"^heading\s*([1-9])$")
#: A clause number typed at the start of a paragraph: "4.2 ", "12.3.1 ", "4.2. ", "4. ".
_TEXT_CLAUSE = re.compile(r"^\s*(\d{1,3}(?:\.\d{1,3})+|\d{1,3}(?=\.))\.?(?=[ \t\u00a0])")


def read_docx(path: str, data: bytes, limits: Limits) -> Document:
    """Read a .docx (or .docm/.dotx) held in ``data`` into a Document, or raise ReadError."""
    if data.startswith(OLE_SIGNATURE):
        raise ReadError(
            path,
            "the Word file is password-protected (encrypted) or a legacy .doc; save an "
            "unprotected .docx copy",
        )
    try:
        return _DocxReader(path, data, limits).read()
    except ReadError:
        raise
    except OoxmlError as exc:
        raise ReadError(path, str(exc)) from None
    except MemoryError:
        raise ReadError(path, "ran out of memory reading the Word file") from None
    except RecursionError:
        raise ReadError(path, "the Word file's XML is nested too deeply to read") from None
    except Exception as exc:  # a hostile or broken file must never escape as a traceback
        raise ReadError(
            path,
            f"unexpected problem reading the Word file ({type(exc).__name__}: {exc}); "
            "please report it",
        ) from exc


# --- styles -------------------------------------------------------------------------------------


@dataclass
class _StyleDef:
    name: str
    based_on: str | None
    outline: int | None
    num_id: str | None
    ilvl: int | None
    page_break: bool | None


@dataclass(frozen=True)
class StyleInfo:
    """What a paragraph style (with its basedOn chain) says about its paragraphs."""

    heading: int | None = None
    title: bool = False
    num_id: str | None = None
    ilvl: int | None = None
    page_break: bool = False
    toc: bool = False


class Styles:
    """Paragraph and numbering styles from styles.xml, resolved through ``w:basedOn``."""

    def __init__(self, root: etree._Element | None) -> None:
        self.defs: dict[str, _StyleDef] = {}
        self.default: str | None = None
        self._memo: dict[str | None, StyleInfo] = {}
        if root is None:
            return
        for style in root.iterchildren(W_STYLE):
            kind = style.get(W_TYPE, "paragraph")
            style_id = style.get(W_STYLE_ID)
            if kind not in ("paragraph", "numbering") or not style_id:
                continue
            self.defs[style_id] = _parse_style(style)
            if kind == "paragraph" and style.get(w("default")) in ("1", "true", "on"):
                self.default = style_id

    def info(self, style_id: str | None) -> StyleInfo:
        """Resolved properties of ``style_id`` (the default paragraph style when None/unknown)."""
        if style_id not in self.defs:
            style_id = self.default
        cached = self._memo.get(style_id)
        if cached is None:
            cached = self._memo[style_id] = self._resolve(style_id)
        return cached

    def _chain(self, style_id: str | None) -> Iterator[_StyleDef]:
        seen: set[str] = set()
        while style_id and style_id in self.defs and style_id not in seen and len(seen) < 64:
            seen.add(style_id)
            style = self.defs[style_id]
            yield style
            style_id = style.based_on

    def _resolve(self, style_id: str | None) -> StyleInfo:
        chain = list(self._chain(style_id))
        heading, title = _heading_of(chain)
        num_id = next((s.num_id for s in chain if s.num_id is not None), None)
        ilvl = next((s.ilvl for s in chain if s.ilvl is not None), None)
        page_break = next((s.page_break for s in chain if s.page_break is not None), False)
        toc = bool(chain) and chain[0].name.startswith("toc")
        return StyleInfo(heading, title, num_id, ilvl, page_break, toc)


def _parse_style(style: etree._Element) -> _StyleDef:
    name_el = style.find(W_NAME)
    name = (name_el.get(W_VAL, "") if name_el is not None else "").strip().lower()
    based = style.find(W_BASED_ON)
    ppr = style.find(W_PPR)
    outline = num_id = ilvl = page_break = None
    if ppr is not None:
        outline = int_attr(ppr.find(W_OUTLINE_LVL))
        numpr = ppr.find(W_NUMPR)
        if numpr is not None:
            num_el = numpr.find(W_NUM_ID)
            num_id = num_el.get(W_VAL) if num_el is not None else None
            ilvl = int_attr(numpr.find(W_ILVL))
        pbb = ppr.find(W_PAGE_BREAK_BEFORE)
        page_break = is_on(pbb) if pbb is not None else None
    return _StyleDef(
        name, based.get(W_VAL) if based is not None else None, outline, num_id, ilvl, page_break
    )


def _heading_of(chain: list[_StyleDef]) -> tuple[int | None, bool]:
    """Heading level from the nearest style in the chain that says anything about it."""
    for style in chain:
        if style.outline is not None:
            return (style.outline + 1 if 0 <= style.outline <= 8 else None), False
        match = _HEADING_STYLE.match(style.name)
        if match:
            return int(match.group(1)), False
        if style.name == "title":
            return 1, True
    return None, False


# --- numbering ----------------------------------------------------------------------------------


@dataclass
class _Level:
    start: int = 1
    fmt: str = "decimal"
    text: str | None = None
    restart: int | None = None
    legal: bool = False
    style: str | None = None


def _parse_level(lvl: etree._Element) -> tuple[int, _Level]:
    def val(local: str) -> str | None:
        child = lvl.find(w(local))
        return child.get(W_VAL) if child is not None else None

    level = _Level()
    level.start = int_attr(lvl.find(w("start")), default=1) or 0
    level.fmt = val("numFmt") or "decimal"
    level.text = val("lvlText")
    level.restart = int_attr(lvl.find(w("lvlRestart")))
    level.legal = is_on(lvl.find(w("isLgl")))
    level.style = val("pStyle")
    return int_attr(lvl, w("ilvl"), 0) or 0, level


@dataclass
class _Num:
    abstract: str
    starts: dict[int, int] = field(default_factory=dict)
    levels: dict[int, _Level] = field(default_factory=dict)


class Numbering:
    """List definitions from numbering.xml (abstract lists, instances, overrides, style links)."""

    def __init__(self, root: etree._Element | None, styles: Styles) -> None:
        self.styles = styles
        self.abstract: dict[str, dict[int, _Level]] = {}
        self.style_links: dict[str, str] = {}
        self.nums: dict[str, _Num] = {}
        self._memo: dict[str, tuple[str, dict[int, _Level]] | None] = {}
        if root is None:
            return
        for abstract in root.iterchildren(W_ABSTRACT_NUM):
            abstract_id = abstract.get(W_ABSTRACT_NUM_ID, "")
            levels = dict(_parse_level(lvl) for lvl in abstract.iterchildren(W_LVL))
            self.abstract[abstract_id] = levels
            link = abstract.find(W_NUM_STYLE_LINK)
            if link is not None and link.get(W_VAL):
                self.style_links[abstract_id] = link.get(W_VAL, "")
        for num in root.iterchildren(W_NUM):
            ref = num.find(W_ABSTRACT_NUM_ID)
            entry = _Num(ref.get(W_VAL, "") if ref is not None else "")
            for override in num.iterchildren(W_LVL_OVERRIDE):
                ilvl = int_attr(override, w("ilvl"), 0) or 0
                start = int_attr(override.find(W_START_OVERRIDE))
                if start is not None:
                    entry.starts[ilvl] = start
                lvl = override.find(W_LVL)
                if lvl is not None:
                    entry.levels[ilvl] = _parse_level(lvl)[1]
            self.nums[num.get(W_NUM_ID, "")] = entry

    def resolve(self, num_id: str) -> tuple[str, dict[int, _Level]] | None:
        """(counter key, level definitions) of list instance ``num_id``; None if undefined."""
        if num_id not in self._memo:
            self._memo[num_id] = self._resolve(num_id)
        return self._memo[num_id]

    def _resolve(self, num_id: str) -> tuple[str, dict[int, _Level]] | None:
        num = self.nums.get(num_id)
        if num is None:
            return None
        abstract_id = num.abstract
        seen: set[str] = set()
        # A list can point at a numbering style that points at the list actually used.
        while abstract_id in self.style_links and abstract_id not in seen:
            seen.add(abstract_id)
            style_id = self.style_links[abstract_id]
            if style_id not in self.styles.defs:
                break
            linked = self.nums.get(self.styles.info(style_id).num_id or "")
            if linked is None:
                break
            abstract_id = linked.abstract
        levels = dict(self.abstract.get(abstract_id, {}))
        levels.update(num.levels)
        return abstract_id, levels

    def level_for_style(self, num_id: str, style_id: str | None) -> int | None:
        """The level whose ``w:pStyle`` names ``style_id`` (style-linked list levels)."""
        resolved = self.resolve(num_id)
        if resolved is None or style_id is None:
            return None
        for ilvl, level in sorted(resolved[1].items()):
            if level.style == style_id:
                return ilvl
        return None


class Counters:
    """The running counters of the lists, shared by instances of one abstract list as in Word."""

    def __init__(self, numbering: Numbering) -> None:
        self.numbering = numbering
        self.values: dict[str, list[int | None]] = {}
        self.applied: set[tuple[str, int]] = set()

    def advance(self, num_id: str, ilvl: int) -> tuple[str, bool] | None:
        """Count one paragraph of list ``num_id`` at level ``ilvl``; return (label, is_bullet)."""
        resolved = self.numbering.resolve(num_id)
        if resolved is None:
            return None
        key, levels = resolved
        level = levels.get(ilvl)
        if level is None:
            return None
        values = self.values.setdefault(key, [None] * 10)
        start = self.numbering.nums[num_id].starts.get(ilvl)
        if start is not None and (num_id, ilvl) not in self.applied:
            self.applied.add((num_id, ilvl))
            values[ilvl] = start
        elif values[ilvl] is None:
            values[ilvl] = level.start
        else:
            values[ilvl] = (values[ilvl] or 0) + 1
        for deeper in range(ilvl + 1, 10):
            restart = levels[deeper].restart if deeper in levels else None
            if restart != 0 and (restart is None or ilvl < restart):
                values[deeper] = None
        if level.fmt == "bullet":
            return level.text or "", True
        return _format_label(level, levels, values, ilvl), False


def _format_label(
    level: _Level, levels: dict[int, _Level], values: list[int | None], ilvl: int
) -> str:
    template = level.text if level.text is not None else f"%{ilvl + 1}."

    def number(match: re.Match[str]) -> str:
        k = int(match.group(1)) - 1
        ref = levels.get(k, _Level())
        value = values[k] if values[k] is not None else ref.start
        return format_number(value or 0, "decimal" if level.legal else ref.fmt)

    return re.sub(r"%([1-9])", number, template)


def format_number(n: int, fmt: str) -> str:
    """``n`` in Word number format ``fmt`` (decimal, lowerLetter, upperRoman, ...)."""
    if fmt in ("none", "bullet"):
        return ""
    if fmt in ("lowerLetter", "upperLetter") and n > 0:
        letters = chr(ord("a") + (n - 1) % 26) * ((n - 1) // 26 + 1)
        return letters if fmt == "lowerLetter" else letters.upper()
    if fmt in ("lowerRoman", "upperRoman") and 0 < n < 4000:
        roman = _roman(n)
        return roman if fmt == "upperRoman" else roman.lower()
    if fmt == "decimalZero":
        return f"{n:02d}"
    if fmt == "ordinal":
        suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
        return f"{n}{suffix}"
    if fmt == "decimalEnclosedParen":
        return f"({n})"
    return str(n)


def _roman(n: int) -> str:
    out = []
    for value, numeral in (
        (1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
        (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"),
    ):  # fmt: skip
        count, n = divmod(n, value)
        out.append(numeral * count)
    return "".join(out)


def clause_from_label(label: str) -> str | None:
    """The clause a printed list label stands for: "4.2." -> "4.2", "b)" -> "b", "(b)" stays."""
    clause = label.strip().rstrip(".:;,-–—\t \u00a0")
    if clause.endswith(")") and "(" not in clause:
        clause = clause[:-1].rstrip()
    return clause or None


def clause_from_text(text: str) -> str | None:
    """A clause number typed at the start of ``text`` ("4.2 ...", "12.3.1 ...", "4.2. ...")."""
    match = _TEXT_CLAUSE.match(text)
    return match.group(1) if match else None


# --- pages --------------------------------------------------------------------------------------


class _Pages:
    """Page counting from break markers.

    An explicit break (page break, page-starting section, page-break-before) and Word's saved
    layout marker (``w:lastRenderedPageBreak``) with no text between them are one page start:
    Word writes the marker again right after a hard break. Two saved-layout markers with no
    text between them are two pages (the page between holds only a picture or a table
    without text). Breaks before any text, and after the last, start no page.
    """

    def __init__(self) -> None:
        self.page = 1
        #: Page starts seen since the last text.
        self.pending = 0
        self.last_rendered = False
        self.has_text = False
        self.seen = False
        self.rendered = False

    def mark(self, rendered: bool = False) -> None:
        self.seen = True
        self.rendered = self.rendered or rendered
        if not self.has_text:
            return
        if not self.pending:
            self.pending = 1
        elif rendered and self.last_rendered:
            self.pending += 1
        self.last_rendered = rendered

    def text(self) -> int:
        if self.pending:
            self.page += self.pending
            self.pending = 0
        self.has_text = True
        return self.page


# --- the reader ---------------------------------------------------------------------------------


@dataclass
class _Para:
    """One ``w:p`` as walked, with the properties the reader needs."""

    element: etree._Element
    segments: list[Segment]
    boxes: list[etree._Element]
    text: str
    style_id: str | None = None
    num_id: str | None = None
    ilvl: int | None = None
    outline: int | None = None
    page_break: bool | None = None
    mark_deleted: bool = False
    section_break: bool = False


@dataclass
class _Line:
    """A paragraph as it reads: one ``w:p``, or several joined where marks were deleted."""

    paras: list[_Para]
    text: str
    info: StyleInfo
    heading: int | None
    label: str | None
    bullet: bool
    #: List level (ilvl) when the paragraph is numbered.
    level: int | None = None


@dataclass
class _Compound:
    """The paragraphs of a table cell or note, joined with newlines."""

    text: str = ""
    parts: list[tuple[int, str]] = field(default_factory=list)
    paras: list[_Para] = field(default_factory=list)
    page: int | None = None
    clause: str | None = None
    tables: list[etree._Element] = field(default_factory=list)


class _DocxReader:
    def __init__(self, path: str, data: bytes, limits: Limits) -> None:
        self.path = path
        self.package = Package(data, limits.max_part_bytes, limits.max_zip_ratio)
        self.doc = Document(path=path, format="docx")
        self.pages = _Pages()
        self.locators: dict[etree._Element, str] = {}
        self.block_of: dict[etree._Element, int] = {}
        self.note_refs: dict[etree._Element, list[tuple[str, str]]] = {}
        self.notes: dict[str, dict[str, etree._Element]] = {"footnote": {}, "endnote": {}}
        self.emitted_notes: set[tuple[str, str]] = set()
        self.anchors: dict[str, list[etree._Element]] = {}
        self.section_breaks: set[etree._Element] = set()
        self.headings: list[tuple[int, str]] = []
        self.tables = 0
        self.unmapped_symbols = 0
        self.alt_chunks = 0

    # -- package -------------------------------------------------------------------------------

    def read(self) -> Document:
        main = self.package.main_document_part()
        root = self.package.xml(main)
        if root.tag != W_DOCUMENT:
            local = etree.QName(root).localname if isinstance(root.tag, str) else "?"
            raise ReadError(
                self.path, f"{main} is not a WordprocessingML document (its root is <{local}>)"
            )
        body = root.find(W_BODY)
        if body is None:
            raise ReadError(self.path, f"{main} has no body (w:body); the file is damaged")
        self.styles = Styles(self._related_xml(main, "styles"))
        self.numbering = Numbering(self._related_xml(main, "numbering"), self.styles)
        self.counters = Counters(self.numbering)
        self.note_counters = Counters(self.numbering)
        self._index_part(main, root)
        for kind, element_tag in (("footnote", W_FOOTNOTE), ("endnote", W_ENDNOTE)):
            self._load_notes(main, kind, element_tag)
        self._find_section_breaks(body)
        self._body(body)
        self._orphan_notes()
        self._comments(main)
        self._finish(root)
        if not any(block.text.strip() for block in self.doc.blocks):
            raise ReadError(self.path, self._empty_cause(main, body))
        return self.doc

    def _empty_cause(self, main: str, body: etree._Element) -> str:
        """Why a Word file gave no block: where its text is, if it has any elsewhere.

        Such a file is an error, never a clean result; the cause tells the user whether the
        text is deleted, in page furniture or comments (which are not linted), or absent.
        """
        if any((t.text or "").strip() for t in body.iter(W_DEL_TEXT)) or any(
            "".join(t.text or "" for t in moved.iter(W_T)).strip()
            for moved in body.iter(W_MOVE_FROM)
        ):
            return (
                "the document body has no text once tracked changes are accepted (all of it "
                "is deleted or moved away)"
            )
        furniture = [
            rel.target
            for rel in self.package.relationships(main)
            if rel.type.endswith(("/header", "/footer")) and rel.target
        ]
        for name in furniture:
            part = self._furniture_xml(name)
            if part is not None and any((t.text or "").strip() for t in part.iter(W_T)):
                return (
                    "the document body has no text; its only text is in running headers or "
                    "footers, which codelint does not check"
                )
        if self.doc.comments:
            return "the document body has no text; its only text is in reviewers' comments"
        if next(body.iter(w("drawing"), w("pict"), W_OBJECT), None) is not None:
            return (
                "the document body has no text, only pictures, charts or embedded objects "
                "(text inside them is not read)"
            )
        return "the document body is empty (no text)"

    def _furniture_xml(self, name: str) -> etree._Element | None:
        if not self.package.has(name):
            return None
        try:
            return self.package.xml(name)
        except OoxmlError as exc:
            if exc.refused:
                raise
            return None

    def _related_xml(self, source: str, rel_type: str) -> etree._Element | None:
        """The part related to ``source`` by ``rel_type``, parsed; None when it is absent.

        A damaged auxiliary part (styles, numbering, notes, comments) does not stop the
        reading of the body, as Word offers to repair such files: what is lost is said in
        ``Document.notes``. Hostile content is still refused outright.
        """
        name = self.package.related(source, rel_type)
        if not name:
            return None
        try:
            return self.package.xml(name)
        except OoxmlError as exc:
            if exc.refused:
                raise
            self.doc.notes.append(f"{exc}: {_LOST_WITH[rel_type]} not read")
            return None

    def _index_part(self, part: str, root: etree._Element) -> None:
        """Locators for every paragraph; note references and comment anchors by paragraph."""
        for number, p in enumerate(root.iter(W_P), start=1):
            self.locators[p] = paragraph_locator(part, number)
        for ref in root.iter(W_FOOTNOTE_REFERENCE, W_ENDNOTE_REFERENCE):
            p = _enclosing_paragraph(ref, skip_deleted=True)
            if p is not None:
                kind = "footnote" if ref.tag == W_FOOTNOTE_REFERENCE else "endnote"
                self.note_refs.setdefault(p, []).append((kind, ref.get(W_ID, "")))
        starts: dict[str, list[etree._Element]] = {}
        marks: dict[str, list[etree._Element]] = {}
        for anchor in root.iter(W_COMMENT_RANGE_START, W_COMMENT_REFERENCE):
            p = _enclosing_paragraph(anchor)
            if p is None:
                p = _next_paragraph(anchor)
            if p is not None:
                found = starts if anchor.tag == W_COMMENT_RANGE_START else marks
                found.setdefault(anchor.get(W_ID, ""), []).append(p)
        for comment_id in {*starts, *marks}:
            candidates = starts.get(comment_id, []) + marks.get(comment_id, [])
            self.anchors.setdefault(comment_id, []).extend(candidates)

    def _load_notes(self, main: str, kind: str, tag: str) -> None:
        root = self._related_xml(main, kind + "s")
        if root is None:
            return
        part = self.package.related(main, kind + "s") or ""
        self._index_part(part, root)
        for note in root.iterchildren(tag):
            if note.get(W_TYPE, "normal") == "normal":
                self.notes[kind][note.get(W_ID, "")] = note

    def _find_section_breaks(self, body: etree._Element) -> None:
        """Paragraphs after which a section break starts a new page.

        A ``w:sectPr`` in a paragraph ends its section; whether the *next* section starts on a
        new page is said by the next ``w:sectPr`` (the body's last one for the last section).
        """
        sections = [
            s
            for s in body.iter(W_SECT_PR)
            if s.getparent() is not None and s.getparent().tag in (W_PPR, W_BODY)
        ]
        for current, following in itertools.pairwise(sections):
            parent = current.getparent()
            if parent is None or parent.tag != W_PPR:
                continue
            type_el = following.find(W_TYPE)
            kind = type_el.get(W_VAL, "nextPage") if type_el is not None else "nextPage"
            paragraph = parent.getparent()
            if kind in PAGE_SECTION_TYPES and paragraph is not None:
                self.section_breaks.add(paragraph)

    # -- stories -------------------------------------------------------------------------------

    def _block_items(self, container: etree._Element) -> Iterator[etree._Element]:
        """Paragraphs and tables of a story, through content controls and custom XML."""
        for child in container:
            tag = child.tag
            if tag in (W_P, W_TBL):
                yield child
            elif tag == W_SDT:
                content = child.find(W_SDT_CONTENT)
                if content is not None:
                    yield from self._block_items(content)
            elif tag == W_CUSTOM_XML:
                yield from self._block_items(child)
            elif tag == MC_ALTERNATE_CONTENT:
                branch = choose_branch(child)
                if branch is not None:
                    yield from self._block_items(branch)
            elif tag == W_ALT_CHUNK:
                self.alt_chunks += 1

    def _logical(self, container: etree._Element) -> Iterator[etree._Element | list[_Para]]:
        """Tables, and paragraphs as they read (joined where a paragraph mark was deleted)."""
        carry: list[_Para] = []
        for item in self._block_items(container):
            if item.tag == W_TBL:
                if carry:
                    yield carry
                    carry = []
                yield item
                continue
            para = self._para(item)
            carry.append(para)
            if not para.mark_deleted:
                yield carry
                carry = []
        if carry:
            yield carry

    def _para(self, p: etree._Element) -> _Para:
        segments, boxes = walk_paragraph(p)
        para = _Para(p, segments, boxes, "".join(s.text for s in segments))
        self.unmapped_symbols += sum(1 for s in segments if not s.text and s.element.tag == W_SYM)
        para.section_break = p in self.section_breaks
        ppr = p.find(W_PPR)
        if ppr is None:
            return para
        for child in ppr:
            tag = child.tag
            if tag == W_PSTYLE:
                para.style_id = child.get(W_VAL)
            elif tag == W_NUMPR:
                num = child.find(W_NUM_ID)
                para.num_id = num.get(W_VAL) if num is not None else None
                para.ilvl = int_attr(child.find(W_ILVL))
            elif tag == W_OUTLINE_LVL:
                para.outline = int_attr(child)
            elif tag == W_PAGE_BREAK_BEFORE:
                para.page_break = is_on(child)
            elif tag == W_RPR:
                para.mark_deleted = (
                    child.find(W_DEL) is not None or child.find(W_MOVE_FROM) is not None
                )
        return para

    def _line(self, paras: list[_Para], counters: Counters) -> _Line:
        last = paras[-1]
        info = self.styles.info(last.style_id)
        if last.outline is not None:
            heading = last.outline + 1 if 0 <= last.outline <= 8 else None
        else:
            heading = info.heading
        label = bullet = level = None
        numbered = self._numbering(last, info)
        if numbered is not None:
            advanced = counters.advance(*numbered)
            if advanced is not None:
                label, bullet = advanced
                level = numbered[1]
        text = "".join(p.text for p in paras)
        return _Line(paras, text, info, heading, label, bool(bullet), level)

    def _numbering(self, para: _Para, info: StyleInfo) -> tuple[str, int] | None:
        """(numId, ilvl) that applies to ``para``, directly or through its style."""
        num_id = para.num_id if para.num_id is not None else info.num_id
        if not num_id or num_id == "0":
            return None
        ilvl = para.ilvl
        if ilvl is None and para.num_id is None:
            ilvl = info.ilvl
            if ilvl is None:
                ilvl = self.numbering.level_for_style(num_id, para.style_id)
        ilvl = ilvl if ilvl is not None and 0 <= ilvl <= 9 else 0
        return num_id, ilvl

    def _track_pages(self, line: _Line) -> int | None:
        """Advance the page counter through ``line``; the page of its first text."""
        pages = self.pages
        page_break = line.paras[-1].page_break
        if page_break if page_break is not None else line.info.page_break:
            pages.mark()
        first = None
        for para in line.paras:
            for segment in para.segments:
                if segment.text:
                    page = pages.text()
                    if first is None:
                        first = page
                elif segment.is_page_break:
                    pages.mark(rendered=segment.element.tag != w("br"))
            if para.section_break:
                pages.mark()
        return first

    def _body(self, body: etree._Element) -> None:
        for item in self._logical(body):
            if isinstance(item, list):
                self._paragraph(item, floating=False)
            else:
                self._table(item, floating=False)

    def _story(self, container: etree._Element) -> None:
        """A text box: its paragraphs and tables become blocks; pages and sections unchanged."""
        for item in self._logical(container):
            if isinstance(item, list):
                self._paragraph(item, floating=True)
            else:
                self._table(item, floating=True)

    def _paragraph(self, paras: list[_Para], floating: bool) -> None:
        line = self._line(paras, self.counters)
        page = self.pages.page if floating else self._track_pages(line)
        text = line.text
        if text.strip():
            heading = None if floating else line.heading
            label = line.label if line.label and line.label.strip() else None
            kind = "heading" if heading else "list-item" if label else "paragraph"
            level = heading if heading else line.level if label else None
            if heading:
                self._close_headings(heading)
            block = Block(
                kind,
                text,
                page=page,
                section=self._section(),
                clause=self._clause(line),
                level=level,
                parts=tuple(_parts(paras, 0, self.locators)),
            )
            self._add(block, paras)
            if heading:
                self._open_heading(heading, text, label if not line.bullet else None, line)
        self._followers(paras)

    def _open_heading(self, level: int, text: str, label: str | None, line: _Line) -> None:
        title = " ".join(text.split())
        if label:
            title = f"{' '.join(label.split())} {title}"
        self._close_headings(level)
        self.headings.append((level, title))
        if line.info.title and self.doc.title is None:
            self.doc.title = " ".join(text.split())[:200]

    def _close_headings(self, level: int) -> None:
        """End the sections a heading at ``level`` closes (its own level and deeper)."""
        while self.headings and self.headings[-1][0] >= level:
            self.headings.pop()

    def _section(self) -> tuple[str, ...]:
        return tuple(title for _level, title in self.headings)

    def _clause(self, line: _Line) -> str | None:
        if line.label and not line.bullet:
            clause = clause_from_label(line.label)
            if clause:
                return clause
        if line.info.toc:
            return None
        return clause_from_text(line.text)

    def _add(self, block: Block, paras: list[_Para]) -> None:
        self.doc.blocks.append(block)
        index = len(self.doc.blocks)
        for para in paras:
            self.block_of[para.element] = index

    def _followers(self, paras: list[_Para]) -> None:
        """What reads after a paragraph or cell: the notes it references, then its text boxes."""
        for para in paras:
            for kind, note_id in self.note_refs.get(para.element, ()):
                self._note(kind, note_id, self.pages.page, self._section())
        for para in paras:
            for box in para.boxes:
                self._story(box)

    # -- tables --------------------------------------------------------------------------------

    def _table(self, table: etree._Element, floating: bool) -> None:
        self.tables += 1
        number = self.tables
        row = 0
        for tr in _children(table, W_TR):
            trpr = tr.find(W_TRPR)
            if trpr is not None and trpr.find(W_DEL) is not None:
                continue  # a row deleted as a tracked change
            row += 1
            column = 1 + (
                int_attr(trpr.find(W_GRID_BEFORE), default=0) or 0 if trpr is not None else 0
            )
            for tc in _children(tr, W_TC):
                tcpr = tc.find(W_TCPR)
                span = int_attr(tcpr.find(W_GRID_SPAN), default=1) if tcpr is not None else 1
                span = max(1, min(span or 1, 1000))
                if tcpr is None or tcpr.find(W_CELL_DEL) is None:
                    self._cell(tc, (number, row, column), floating)
                column += span

    def _cell(self, tc: etree._Element, position: tuple[int, int, int], floating: bool) -> None:
        # A vertically merged continuation cell holds an empty paragraph, so it gives no block;
        # should one hold text, that text is read rather than lost.
        compound = self._compound(tc, self.counters, floating)
        if compound.text.strip():
            block = Block(
                "table-cell",
                compound.text,
                page=compound.page if not floating else self.pages.page,
                section=self._section(),
                clause=compound.clause,
                cell=position,
                parts=tuple(compound.parts),
            )
            self._add(block, compound.paras)
        self._followers(compound.paras)
        for nested in compound.tables:
            self._table(nested, floating)

    def _compound(self, container: etree._Element, counters: Counters, floating: bool) -> _Compound:
        out = _Compound()
        pieces: list[str] = []
        offset = 0
        first = True
        for item in self._logical(container):
            if not isinstance(item, list):
                out.tables.append(item)
                continue
            line = self._line(item, counters)
            page = None if floating else self._track_pages(line)
            out.paras.extend(item)
            if not line.text.strip():
                continue
            if pieces:
                pieces.append("\n")
                offset += 1
            if first:
                out.clause = self._clause(line)
                out.page = page
                first = False
            out.parts.extend(_parts(item, offset, self.locators))
            pieces.append(line.text)
            offset += len(line.text)
        out.text = "".join(pieces)
        return out

    # -- notes and comments --------------------------------------------------------------------

    def _note(self, kind: str, note_id: str, page: int | None, section: tuple[str, ...]) -> None:
        key = (kind, note_id)
        element = self.notes[kind].get(note_id)
        if element is None or key in self.emitted_notes:
            return
        self.emitted_notes.add(key)
        compound = self._compound(element, self.note_counters, floating=True)
        if compound.text.strip():
            block = Block(
                kind, compound.text, page=page, section=section, parts=tuple(compound.parts)
            )
            self._add(block, compound.paras)
        self._followers(compound.paras)
        for nested in compound.tables:
            self._table(nested, floating=True)

    def _orphan_notes(self) -> None:
        for kind, notes in self.notes.items():
            for note_id in notes:
                self._note(kind, note_id, None, ())

    def _comments(self, main: str) -> None:
        root = self._related_xml(main, "comments")
        if root is None:
            return
        for comment in root.iterchildren(W_COMMENT):
            text = "\n".join(t for t in (paragraph_text(p) for p in comment.iter(W_P)) if t.strip())
            if not text.strip():
                continue
            block = self._anchor_block(comment.get(W_ID, ""))
            self.doc.comments.append(Comment(text, block, comment.get(W_AUTHOR) or None))

    def _anchor_block(self, comment_id: str) -> int | None:
        """Block of the paragraph holding the comment's start, or the nearest block after it."""
        candidates = self.anchors.get(comment_id, [])
        for p in candidates:
            if p in self.block_of:
                return self.block_of[p]
        for p in candidates:
            for following in p.itersiblings(W_P):
                if following in self.block_of:
                    return self.block_of[following]
            for preceding in p.itersiblings(W_P, preceding=True):
                if preceding in self.block_of:
                    return self.block_of[preceding]
        return None

    # -- notes to the user -----------------------------------------------------------------------

    def _finish(self, root: etree._Element) -> None:
        doc = self.doc
        if self.pages.seen and doc.blocks:
            doc.pages = max(self.pages.page, max(b.page or 1 for b in doc.blocks))
            if not self.pages.rendered:
                doc.notes.append(
                    "page numbers count only explicit page and section breaks (the file has no "
                    "saved page layout), so they may be lower than Word shows"
                )
        else:
            for block in doc.blocks:
                block.page = None
        if self.unmapped_symbols:
            doc.notes.append(
                f"{self.unmapped_symbols} symbol character(s) from symbol fonts have no Unicode "
                "equivalent and were left out"
            )
        if self.alt_chunks:
            doc.notes.append(
                f"{self.alt_chunks} embedded document part(s) (altChunk) were not read; save the "
                "file in Word to merge them"
            )
        objects = sum(1 for _ in root.iter(W_OBJECT, f"{{{C_NS}}}chart", f"{{{DGM_NS}}}relIds"))
        if objects:
            doc.notes.append(
                f"{objects} embedded object(s), chart(s) or diagram(s) were not read; any text "
                "inside them is not checked"
            )
        orphans = [c for c in doc.comments if c.block is None]
        if orphans:
            doc.notes.append(f"{len(orphans)} comment(s) could not be placed on a block")


def _parts(
    paras: list[_Para], offset: int, locators: dict[etree._Element, str]
) -> list[tuple[int, str]]:
    """(offset, locator) for each paragraph contributing text, starting at ``offset``."""
    parts = []
    for para in paras:
        if para.text:
            parts.append((offset, locators.get(para.element, "")))
            offset += len(para.text)
    return parts


def _children(parent: etree._Element, tag: str) -> Iterator[etree._Element]:
    """Children ``tag`` of a table or row, through row/cell-level content controls."""
    for child in parent:
        if child.tag == tag:
            yield child
        elif child.tag == W_SDT:
            content = child.find(W_SDT_CONTENT)
            if content is not None:
                yield from _children(content, tag)
        elif child.tag == W_CUSTOM_XML:
            yield from _children(child, tag)
        elif child.tag == MC_ALTERNATE_CONTENT:
            branch = choose_branch(child)
            if branch is not None:
                yield from _children(branch, tag)


_STORY_ROOTS = frozenset({W_BODY, W_TC, W_FOOTNOTE, W_ENDNOTE, W_COMMENT, w("txbxContent")})


def _enclosing_paragraph(
    element: etree._Element, skip_deleted: bool = False
) -> etree._Element | None:
    """The ``w:p`` holding ``element`` (None at block level, or inside deleted text)."""
    node = element.getparent()
    while node is not None:
        tag = node.tag
        if tag == W_P:
            return node
        if skip_deleted and (tag in (W_DEL, W_MOVE_FROM)):
            return None
        if tag in _STORY_ROOTS:
            return None
        node = node.getparent()
    return None


def _next_paragraph(element: etree._Element) -> etree._Element | None:
    """First ``w:p`` at or after a block-level marker such as ``w:commentRangeStart``."""
    for sibling in element.itersiblings():
        if sibling.tag == W_P:
            return sibling
        found = next(sibling.iter(W_P), None)
        if found is not None:
            return found
    return None
