"""PDF reader: pypdfium2 text with line geometry, page furniture removed, paragraphs rebuilt.

Backend. pdfium runs in-process and is about 75 times faster than pdfplumber (pdfminer).
Measured with ``python tests/pdf_factory.py --benchmark`` on a 77-page hyphenated rules
document exported by LibreOffice 7.4 (median of runs, 2-core dev machine):

    pdfplumber page.extract_text()      5.83 s   75.7 ms/page
    pypdfium2 get_text_range()          0.081 s   1.1 ms/page
    this reader (read_pdf, everything)  0.176 s   2.3 ms/page   (100 pages: about 0.23 s)

How a page is read. pdfium gives each page's text in content order with ``\r\n`` between
lines; a line-end hyphen it recognises becomes U+FFFE and the two halves are run together on
one line. For each line we ask pdfium for the boxes of its first and last characters, the
baseline, the font size (median of first, middle, last character), whether the font is bold,
and its text rectangles (a wide gap between them separates table cells): a handful of calls
a line, not a call a character, which keeps the cost near pdfium's own. pdfium also breaks
a line where the baseline rises; such pieces of one printed line are put back together. A
line of pdfium's text whose hyphen-joined second half is not on the next printed line (the
page's footer came between, or a column break) is split there.

Tables are found page by page, while pdfium's page is open (see
``codelint/readers/pdf_tables.py``): from the ruling lines the page draws, or from text set
in aligned columns. Their lines come out in cell order, each marked with its table and cell.

Then, in order:

1. Page furniture goes. A running header or footer is a line among the top or bottom three
   lines of a page (within 20% of the page edge) whose text, with digits and roman numerals
   normalised, sits at the same edge of other pages ("Page 3 of 10" matches "Page 4 of 10"):
   of 2 pages in documents up to 5 pages, of 3 pages in longer ones. The normalised numbers
   must stay the same, follow the page number, or take few values (a chapter number), so
   "Schedule 1", "Schedule 2"... at the tops of successive pages stay. Bare page numbers
   ("3", "- 3 -", "Page 3", "3 of 10", "iv") go from the two outermost lines of every page.
   Pages that mostly repeat another page (a form printed twice) keep their lines, and if
   everything would go, nothing goes. Nor does a line of a table that reaches beyond the
   margin bands (a cell at the foot of the page may end with the same words on each page).
2. Footnotes come out of the flow. A line in a smaller font led by a superscript number, or a
   line in the lower half of a page led by a number that a superscript higher up the page
   refers to, starts a footnote; the lines under it on that page continue it (also one led
   by the number of a note already found on the page: "1 January 2026."). Footnotes
   become ``footnote`` blocks after the body (as Word keeps them apart), without their
   number. Superscript numbers that call a footnote found on the page are dropped from the
   body text (Word's text has no such digits); other superscripts (exponents) stay.
3. Lines become blocks. A new block starts at a vertical gap larger than 1.3 line pitches,
   a change of font size, a clause number or bullet starting the line (unless the line
   before ends "paragraph", "clause", "and"...), a first-line indent after a full stop, a
   page without text in between, or after a line that ends a sentence short of the right
   margin (for justified text: any shortfall; for ragged text: 20% of the width). Across a
   page break the paragraph goes on unless one of those says otherwise or the page ended
   early. Lines of one block are joined with a space; line-end hyphens are joined, across
   page breaks too, once the furniture between the halves is gone. A hyphen that breaks a
   real compound ("off-" + "site") is kept when the document prints the hyphenated form
   elsewhere more often than the closed one: pdfium marks both kinds alike. Where the
   document prints neither, the hyphen after a prefix ("non", "pre", "co", "re", "sub",
   "anti", "cross", "multi", "self") stays when the rest is an English word and the closed
   form is not ("Non-commercial"; but "re-quires" is "requires"), by the lemma table the
   engine ships.
4. Tables: each cell of a table found on the page becomes one ``table-cell`` block, its
   (table, row, column) numbered as the Word reader numbers the same table, its wrapped
   lines joined. A table that goes on over a page break keeps its number; a repeated header
   row is read once, and a row the break split is one row.
5. Headings: a short block in a font bigger than the body's (levels by size, largest
   first), or a one-line block up to 12 words without a final stop that is numbered with a
   dot ("4. Procurement thresholds", "4.2 Scope") or set wholly in bold. Section paths follow
   the headings. Clause numbers come from the leading text ("4.2", "12.3.1", "(a)", "b)")
   and stay in the text; bulleted lines become list items without the bullet glyph, their
   level from the bullet's indentation.

Text placed wholly outside the page's crop box is not shown, so it is not read.

Known limits: a borderless table needs a printed line cut at a wide gap, or a cell with a
neighbour beside its first line, to be found (see pdf_tables.py for its other limits); two
paragraphs that meet exactly at a full page break are joined; a compound broken at its hyphen
that the document prints nowhere else keeps it only after the prefixes above; multi-column
pages are read in pdfium's content order; footnote continuations on the next page join the
body there.
"""

from __future__ import annotations

import ctypes
import functools
import itertools
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from codelint.document import Block, Document
from codelint.errors import ReadError
from codelint.limits import Limits
from codelint.readers import pdf_tables
from codelint.readers.pdf_tables import TablePiece

# --------------------------------------------------------------------------------------------
# Lines with geometry
# --------------------------------------------------------------------------------------------

HYPHEN_MARK = "\ufffe"
#: Private-use characters around a superscript number until we know if it calls a footnote.
REF_OPEN, REF_CLOSE = "\ue000", "\ue001"
_WRAPPED_REF = re.compile(REF_OPEN + r"(\d+)" + REF_CLOSE)

#: Characters pdfium or producers emit that Word's text would not contain.
_LIGATURES = str.maketrans({"ﬀ": "ff", "ﬁ": "fi", "ﬂ": "fl", "ﬃ": "ffi", "ﬄ": "ffl", "ﬅ": "st"})
_ODD = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u200b-\u200d\ufeff\ufb00-\ufb06]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u200b-\u200d\ufeff]")
_DIGIT = re.compile(r"\d")
_LINE = re.compile(r"[^\r\n]+")
_BOLD_NAME = re.compile(r"bold|black|heavy|demi|semibold", re.IGNORECASE)
#: A superscript reference number after a word ("value.1"): checked against font size.
_NOTE_REF = re.compile(r"(?<=[A-Za-z.,;:)\]\"'’”])\d{1,3}(?=[\s.,;:)]|$)")
_LEADING_NUMBER = re.compile(r"\d{1,3}")


@dataclass
class Line:
    """One text line of a page, in display coordinates (y grows upwards)."""

    text: str
    page: int
    x0: float
    x1: float
    base: float
    size: float
    #: Baseline of the last character: lower than ``base`` when pdfium ran two printed lines
    #: together around a hyphen it recognised.
    end_base: float = 0.0
    bold: bool = False
    #: A small raised number the line starts with (a footnote's own number, or a call).
    note_mark: str | None = None
    #: Superscript numbers in the line ("value.1"); ``text`` holds them wrapped in
    #: REF_OPEN/REF_CLOSE until :func:`resolve_refs` drops or keeps them.
    refs: tuple[str, ...] = ()
    #: For a line cut at wide gaps (a table row): 0 for the first piece, 1, 2... for the rest.
    segment: int | None = None
    #: Whether pdfium's text had a space before the line (it does when it breaks a printed
    #: line in two, e.g. at a superscript, and the text goes on after a space).
    space_before: bool = True
    #: The table (its part on this page) the line belongs to, and its (row, column) there,
    #: 1-based: see ``codelint/readers/pdf_tables.py``.
    table: TablePiece | None = None
    cell: tuple[int, int] | None = None
    #: Index of the line of pdfium's page text this line came from (to cut it again).
    source: int = -1


@dataclass
class PageInfo:
    number: int
    bottom: float
    top: float
    lines: list[Line] = field(default_factory=list)


class _TextPageProbe:
    """Thin, allocation-free wrappers over the pdfium calls made for every line."""

    def __init__(
        self,
        textpage: pdfium.PdfTextPage,
        text: str,
        rotation: int,
        mapping: list[int] | None,
    ) -> None:
        self.text = text
        self.raw = textpage.raw
        self.rotation = rotation
        self.mapping = mapping
        self._a, self._b, self._c, self._d = (ctypes.c_double() for _ in range(4))
        self._font = ctypes.create_string_buffer(128)
        self._flags = ctypes.c_int()
        #: Set when a line has a gap inside it wide enough to hint at table columns.
        self.table_hint = False

    def box(self, index: int) -> tuple[float, float, float, float]:
        """(left, right, bottom, top) of a character, rotated to display orientation."""
        a, b, c, d = self._a, self._b, self._c, self._d
        pdfium_c.FPDFText_GetCharBox(self.raw, index, a, b, c, d)
        return self._rotate_box(a.value, b.value, c.value, d.value)

    def origin(self, index: int) -> tuple[float, float]:
        x, y = self._a, self._b
        pdfium_c.FPDFText_GetCharOrigin(self.raw, index, x, y)
        return rotate_point(x.value, y.value, self.rotation)

    def char(self, position: int) -> int:
        """The pdfium char index of a position in the page text."""
        return self.mapping[position] if self.mapping is not None else position

    def position(self, index: int) -> int:
        """The position in the page text of a pdfium char index."""
        if self.mapping is None:
            return index
        return self.mapping.index(index) if index in self.mapping else -1

    def size(self, index: int) -> float:
        return float(pdfium_c.FPDFText_GetFontSize(self.raw, index))

    def raised(self, position: int, size: float) -> bool:
        """Whether the character at ``position`` is set smaller and higher than the one
        before it: a superscript, not a subscript or a digit in running text."""
        index, before = self.char(position), self.char(position - 1)
        if self.size(index) >= 0.8 * size:
            return False
        return self.origin(index)[1] - self.origin(before)[1] > 0.15 * size

    def line_size(self, start: int, end: int) -> float:
        """Font size of a line: the median of its first, middle and last characters."""
        sizes = sorted(self.size(self.char(p)) for p in (start, (start + end) // 2, end))
        return sizes[1]

    def wide_gaps(self, start: int, end: int, size: float, forced: Sequence[Cut] = ()) -> list[int]:
        """Text positions where a line jumps a wide horizontal gap (between table cells).

        pdfium gives a rectangle per run of text; a gap of more than twice the font size
        between runs on one printed line, other than after a bullet or clause number,
        separates cells. So does any gap (of at least ``Cut.gap``) that a ``forced`` cut
        position (a table's column boundary) falls in. A gap of more than 0.8 of the font
        size, other than after a short first run (a clause number), sets ``table_hint``.
        """
        first = self.char(start)
        count = self.char(end) - first + 1
        total = pdfium_c.FPDFText_CountRects(self.raw, first, count)
        if total < 2:
            return []
        rects = [self.rect(i) for i in range(total)]
        cuts: list[int] = []
        previous = start
        hint, wide_gap = 0.8 * size, max(2 * size, 12)
        for before, after, leading in _neighbours(rects):
            gap = after[0] - before[1]
            if gap <= hint:
                continue
            if not leading or before[1] - before[0] > 3 * size:
                self.table_hint = True  # not merely the tab after a clause number
            middle = (after[2] + after[3]) / 2
            force = bool(forced) and any(
                before[1] - 1 <= cut.x <= after[0] + 1
                and gap >= cut.gap
                and cut.bottom <= middle <= cut.top
                for cut in forced
            )
            if gap <= wide_gap and not force:
                continue
            index = pdfium_c.FPDFText_GetCharIndexAtPos(
                self.raw, *self._unrotate(after[0] + 0.5, middle), 1.0, 1.0
            )
            position = self.position(index) if index >= 0 else -1
            if not previous < position <= end:
                continue
            if not force and _is_marker(self.text[previous:position]):
                continue  # a bullet or clause number and a tab: not a cell
            cuts.append(position)
            previous = position
        if forced:
            cuts = self._cuts_inside_runs(start, end, rects, cuts, forced, 0.25 * size)
        return cuts

    def _cuts_inside_runs(
        self,
        start: int,
        end: int,
        rects: list[Rect],
        cuts: list[int],
        forced: Sequence[Cut],
        space: float,
    ) -> list[int]:
        """Forced cuts that fall inside one of pdfium's text runs (cells written as one
        run, with the gap between them made by positioning): found character by character,
        which is slow, so only for lines a table needs cut. The gap must be a word space
        at least, so that a word is never cut."""
        inside = [
            cut
            for cut in forced
            if any(
                r[0] + 1 < cut.x < r[1] - 1 and cut.bottom <= (r[2] + r[3]) / 2 <= cut.top
                for r in rects
            )
        ]
        if not inside:
            return cuts
        found = set(cuts)
        previous_right: float | None = None
        for position in range(start, end + 1):
            if self.text[position].isspace() or self.text[position] == HYPHEN_MARK:
                continue
            left, right, bottom, top = self.box(self.char(position))
            if not any(cut.bottom <= (bottom + top) / 2 <= cut.top for cut in inside):
                previous_right = None
                continue
            gap = left - previous_right if previous_right is not None else 0.0
            if previous_right is not None and any(
                previous_right - 1 <= cut.x <= left + 1 and gap >= max(cut.gap, space)
                for cut in inside
            ):
                found.add(position)
            previous_right = right
        return sorted(found)

    def rect(self, number: int) -> tuple[float, float, float, float]:
        """(left, right, bottom, top) of one of the rectangles counted by CountRects."""
        a, b, c, d = self._a, self._b, self._c, self._d
        pdfium_c.FPDFText_GetRect(self.raw, number, a, b, c, d)  # left, top, right, bottom
        return self._rotate_box(a.value, c.value, d.value, b.value)

    def _unrotate(self, x: float, y: float) -> tuple[float, float]:
        for _ in range((360 - self.rotation) // 90 % 4):
            x, y = rotate_point(x, y, 90)
        return x, y

    def bold(self, index: int) -> bool:
        if pdfium_c.FPDFText_GetFontWeight(self.raw, index) >= 600:
            return True
        pdfium_c.FPDFText_GetFontInfo(self.raw, index, self._font, 128, self._flags)
        forced = bool(self._flags.value & (1 << 18))
        return forced or bool(_BOLD_NAME.search(self._font.value.decode("latin-1")))

    def _rotate_box(
        self, left: float, right: float, bottom: float, top: float
    ) -> tuple[float, float, float, float]:
        if not self.rotation:
            return left, right, bottom, top
        x1, y1 = rotate_point(left, bottom, self.rotation)
        x2, y2 = rotate_point(right, top, self.rotation)
        return min(x1, x2), max(x1, x2), min(y1, y2), max(y1, y2)


@dataclass(frozen=True)
class Cut:
    """Where a line must be cut if a gap of at least ``gap`` points lies there: at ``x``, for
    lines whose text sits between ``bottom`` and ``top``."""

    x: float
    bottom: float
    top: float
    gap: float = 0.0


Rect = tuple[float, float, float, float]


def _neighbours(rects: list[Rect]) -> Iterable[tuple[Rect, Rect, bool]]:
    """Pairs of text rectangles next to each other on one printed line, left to right, and
    whether the left one is the first of its printed line.

    pdfium gives the rectangles in text order; a line of its text can run over two printed
    lines (around a hyphen it recognised), whose rectangles must not be compared.
    """
    shared = min(r[3] for r in rects) - max(r[2] for r in rects)
    if shared > 0.3 * max(0.1, min(r[3] - r[2] for r in rects)):  # one printed line: usual
        pairs = itertools.pairwise(sorted(rects))
        return [(a, b, n == 0) for n, (a, b) in enumerate(pairs)]
    out: list[tuple[Rect, Rect, bool]] = []
    first = 0
    count = len(rects)
    for index in range(1, count + 1):
        if index < count:
            a, b = rects[index - 1], rects[index]
            shared = min(a[3], b[3]) - max(a[2], b[2])
            if shared > 0.3 * max(0.1, min(a[3] - a[2], b[3] - b[2])):
                continue  # the same printed line
        if index - first > 1:
            group = sorted(rects[first:index])
            out.extend((x, y, n == 0) for n, (x, y) in enumerate(itertools.pairwise(group)))
        first = index
    return out


_MARKER = re.compile(
    r"\s*(?:[•●▪■◦‣○◆◇➢➤►✓✔·\uf0b7\uf0a7\uf076\uf0d8\uf0fc\uf06e\uf0a8*o–—-]|"
    r"\(?[0-9A-Za-z]{1,3}(?:\.\d{1,3})*[.)]?)\s*"
)


def _is_marker(text: str) -> bool:
    """A bullet or a clause number on its own (a tab follows it, not a table cell)."""
    return bool(_MARKER.fullmatch(text))


def rotate_point(x: float, y: float, rotation: int) -> tuple[float, float]:
    """Page space to display space for a page shown rotated clockwise by ``rotation`` degrees.

    Only distances and order matter to the reader, so the translation is left out.
    """
    if rotation == 90:
        return y, -x
    if rotation == 180:
        return -x, -y
    if rotation == 270:
        return -y, x
    return x, y


def clean_text(text: str) -> str:
    """Normalise one line: ligatures, control characters, runs of spaces, soft hyphens."""
    if _ODD.search(text):  # rare: checking first is much faster than always rewriting
        text = _CONTROL.sub("", text.translate(_LIGATURES))
    text = " ".join(text.split())
    if text.endswith("\u00ad"):
        text = text[:-1] + HYPHEN_MARK
    return text.replace("\u00ad", "")


def _text_to_char_index(textpage: pdfium.PdfTextPage, text: str) -> list[int] | None:
    """Map text positions to pdfium char indexes, or None when they are the same.

    They differ when pdfium leaves characters out of the text or a character needs two UTF-16
    units (outside the Basic Multilingual Plane); both are rare.
    """
    if len(text) == textpage.count_chars() and (not text or max(text) <= "\uffff"):
        return None
    mapping: list[int] = []
    unit = 0
    for char in text:
        mapping.append(pdfium_c.FPDFText_GetCharIndexFromTextIndex(textpage.raw, unit))
        unit += 2 if char > "\uffff" else 1
    return mapping


def read_page_lines(page: pdfium.PdfPage, number: int) -> PageInfo:
    """The text lines of one page with their geometry, tables marked (cells in order)."""
    rotation = page.get_rotation() % 360
    left, bottom, right, top = page.get_cropbox()
    corners = [rotate_point(x, y, rotation) for x, y in ((left, bottom), (right, top))]
    info = PageInfo(number, min(c[1] for c in corners), max(c[1] for c in corners))
    textpage = page.get_textpage()
    try:
        text = textpage.get_text_range()
        if not text.strip():
            return info
        probe = _TextPageProbe(textpage, text, rotation, _text_to_char_index(textpage, text))
        source = _PageSource(probe, number, _spans(text, probe))
        low, high = min(c[0] for c in corners), max(c[0] for c in corners)
        lines = [line for line in _attach_marks(source.lines()) if _on_page(line, low, high, info)]
        if probe.table_hint or _hints_table(lines):
            lines = _find_tables(page, rotation, lines, source, info)
        info.lines = lines
    finally:
        textpage.close()
    return info


class _PageSource:
    """pdfium's text lines of one page, made into Lines and cut again where tables need."""

    def __init__(self, probe: _TextPageProbe, page: int, spans: list[tuple[int, int]]) -> None:
        self.probe = probe
        self.page = page
        self.spans = spans

    def make(self, index: int, forced: Sequence[Cut] = ()) -> list[Line]:
        start, stop = self.spans[index]
        lines = _make_lines(self.probe, start, stop, self.page, forced)
        for line in lines:
            line.source = index
        return lines

    def lines(self) -> list[Line]:
        return [line for index in range(len(self.spans)) for line in self.make(index)]

    def recut(self, line: Line, xs: list[float], gap: float) -> list[Line] | None:
        """The pieces of pdfium's line that ``line`` comes from, cut at the given x positions
        too (where a gap of at least ``gap`` points lies there), or None when there are
        none to cut there."""
        if line.source < 0 or line.note_mark is not None:
            return None
        unit = max(line.size, gap / 0.6)
        cuts = [Cut(x, line.base - 0.4 * unit, line.base + 1.2 * unit, gap) for x in xs]
        pieces = self.make(line.source, cuts)
        if len(pieces) < 2 or any(piece.note_mark is not None for piece in pieces):
            return None
        return pieces


def _hints_table(lines: list[Line]) -> bool:
    """Whether the page's lines suggest a table: a line cut at a wide gap, or text that goes
    back up the page or sits beside the line before it (LibreOffice writes a table cell by
    cell, so the next cell's first line comes after the wrapped lines of the one before)."""
    for prev, cur in itertools.pairwise(lines):
        if cur.segment is not None:
            return True
        rise = cur.base - prev.base
        if rise > 0.8 * cur.size and cur.x0 > prev.x0 + cur.size:
            return True  # up into a column further right
        if abs(rise) <= 0.3 * cur.size and cur.x0 > prev.x1 + cur.size:
            return True  # beside it
    return False


def _find_tables(
    page: pdfium.PdfPage, rotation: int, lines: list[Line], source: _PageSource, info: PageInfo
) -> list[Line]:
    """Mark the lines of ruled and borderless tables; return the lines in cell order."""
    rules = pdf_tables.page_rules(page.raw, lambda x, y: rotate_point(x, y, rotation))
    grids = pdf_tables.find_grids(rules)
    if grids:
        lines = _cut_at_grids(lines, grids, source)
        pdf_tables.assign_grids(lines, grids, info.number, info.top - info.bottom)
    pdf_tables.find_borderless(lines, source.recut)
    return pdf_tables.in_cell_order(lines)


def _cut_at_grids(
    lines: list[Line], grids: list[pdf_tables.Grid], source: _PageSource
) -> list[Line]:
    """Cut lines that run over a grid's inner vertical rules (pdfium runs the first lines of
    neighbouring cells together when the gap between them is narrow)."""
    redo: dict[int, list[Cut]] = {}
    kept: set[int] = set()
    for line in lines:
        if line.note_mark is not None:
            kept.add(line.source)
        for grid in grids:
            if not grid.ys[-1] <= line.base + 0.25 * line.size <= grid.ys[0]:
                continue
            inner = [x for x in grid.interior() if line.x0 < x - 1 and line.x1 > x + 1]
            if inner:
                redo.setdefault(line.source, []).extend(
                    Cut(x, grid.ys[-1], grid.ys[0]) for x in grid.interior()
                )
    redo = {k: v for k, v in redo.items() if k >= 0 and k not in kept}
    if not redo:
        return lines
    out: list[Line] = []
    done: set[int] = set()
    for line in lines:
        cuts = redo.get(line.source)
        if cuts is None:
            out.append(line)
            continue
        if line.source in done:
            continue
        done.add(line.source)
        out.extend(source.make(line.source, cuts))
    return out


def _on_page(line: Line, left: float, right: float, page: PageInfo) -> bool:
    """Whether any of the line lies inside the crop box: text placed wholly off the page is
    never shown or printed (poppler's pdftotext leaves it out too), so it is not read."""
    if page.top <= page.bottom or right <= left:
        return True  # a degenerate box says nothing about where the page is
    return (
        line.x1 > left - 1
        and line.x0 < right + 1
        and line.base < page.top + 1
        and line.base + line.size > page.bottom - 1
    )


def _attach_marks(lines: list[Line]) -> list[Line]:
    """Fold a line that is only a small raised number into the line it precedes.

    pdfium breaks the text where the baseline rises, so a superscript footnote number often
    arrives as a line of its own ("1" then " The footnote text").
    """
    out: list[Line] = []
    for line in lines:
        mark = out[-1] if out else None
        if (
            mark is not None
            and mark.note_mark is None
            and mark.text.isdigit()
            and len(mark.text) <= 3
            and mark.size < 0.8 * line.size
            and line.x0 >= mark.x1 - 1
            and 0 <= mark.base - line.base < 0.8 * line.size
        ):
            out.pop()
            line.note_mark = mark.text
            line.refs += (mark.text,)
            line.text = wrap_ref(mark.text) + line.text
            line.space_before = mark.space_before
            line.x0 = min(line.x0, mark.x0)
        out.append(line)
    return out


def _spans(text: str, probe: _TextPageProbe) -> list[tuple[int, int]]:
    """(start, stop) of each line of pdfium's page text, split after a line-end hyphen where
    the text goes on far from the next printed line.

    pdfium runs the two halves of a hyphenated word together on one line of its text, even
    when the second half is not on the next printed line: at the foot of a page the running
    footer often comes between ("sustainabil-" "Page 2 of 77" ... "ity"). Split there, the
    footer is a line of its own (and goes as furniture), and the halves join across the
    page break as any hyphenated word does.
    """
    spans: list[tuple[int, int]] = []
    for match in _LINE.finditer(text):
        start, stop = match.span()
        if HYPHEN_MARK in match.group():
            for cut in _far_hyphens(text, start, stop, probe):
                spans.append((start, cut))
                start = cut
        spans.append((start, stop))
    return spans


def _far_hyphens(text: str, start: int, stop: int, probe: _TextPageProbe) -> list[int]:
    """Positions after hyphen marks whose following text is not on the next printed line
    (more than two font sizes lower, or higher up)."""
    cuts: list[int] = []
    position = text.find(HYPHEN_MARK, start, stop)
    while position >= 0:
        following = position + 1
        while following < stop and text[following].isspace():
            following += 1
        if following < stop:
            before = probe.char(position - 1 if position > start else position)
            size = probe.size(before)
            if size < 4:  # text scaled by its matrix: pdfium reports a nominal size
                _left, _right, bottom, top = probe.box(before)
                size = (top - bottom) / 0.7
            mark = probe.origin(probe.char(position))[1]
            drop = mark - probe.origin(probe.char(following))[1]
            if size > 0 and (drop > 2.2 * size or drop < -0.5 * size):
                cuts.append(following)
        position = text.find(HYPHEN_MARK, position + 1, stop)
    return cuts


def _make_lines(
    probe: _TextPageProbe, first: int, stop: int, page: int, forced: Sequence[Cut] = ()
) -> list[Line]:
    """The Line (or, for a table row, the Lines) of ``text[first:stop]``, one line of
    pdfium's text (or part of one, see :func:`_spans`)."""
    text = probe.text
    raw = text[first:stop]
    if not raw.strip():
        return []
    start = first + (len(raw) - len(raw.lstrip()))
    end = first + len(raw.rstrip()) - 1
    size = probe.line_size(start, end)
    cuts = probe.wide_gaps(start, end, size, forced)
    pieces: list[Line] = []
    bounds = [start, *cuts, end + 1]
    for number, (a, b) in enumerate(itertools.pairwise(bounds)):
        line = _piece(probe, text, a, b, size, page)
        if line is not None:
            line.segment = number if len(bounds) > 2 else None
            pieces.append(line)
    if len(pieces) == 1:
        pieces[0].segment = None
    return pieces


def _piece(
    probe: _TextPageProbe, text: str, start: int, stop: int, size: float, page: int
) -> Line | None:
    """A Line for ``text[start:stop]`` with the geometry of its first and last characters."""
    raw = text[start:stop]
    lead = len(raw) - len(raw.lstrip())
    spaced = lead > 0 or start == 0 or text[start - 1] == " "
    start, stop = start + lead, start + len(raw.rstrip())
    if start >= stop:
        return None
    first, last = probe.char(start), probe.char(stop - 1)
    left = probe.box(first)[0]
    right = probe.box(last)[1]
    base = probe.origin(first)[1]
    end_base = probe.origin(last)[1] if HYPHEN_MARK in text[start:stop] else base
    body, refs = _mark_note_refs(text, start, stop, size, probe)
    line = Line(
        text="",
        page=page,
        x0=left,
        x1=right,
        base=base,
        size=round(size, 1),
        end_base=min(base, end_base),
        bold=probe.bold(first) and probe.bold(last),
        refs=refs,
        space_before=spaced,
    )
    mark = _LEADING_NUMBER.match(body)
    if mark and probe.size(first) < 0.8 * size and len(body) > mark.end():
        line.note_mark = mark.group()
        body = wrap_ref(mark.group()) + body[mark.end() :]
        # The printed line's baseline is the text's, not the raised number's: otherwise a
        # piece led by a superscript ("R" + "² oder ...") looks like a new, higher line.
        after = start + mark.end()
        while after < stop and text[after].isspace():
            after += 1
        if after < stop:
            line.base = probe.origin(probe.char(after))[1]
            line.end_base = min(line.base, end_base if end_base != base else line.base)
    line.text = clean_text(body)
    return line if line.text else None


def _mark_note_refs(
    text: str, start: int, stop: int, size: float, probe: _TextPageProbe
) -> tuple[str, tuple[str, ...]]:
    """Wrap superscript numbers glued to words ("value.1") in REF_OPEN/REF_CLOSE.

    Whether they are footnote calls (dropped, as Word's text has none) or exponents (kept)
    is decided once the page's footnotes are known: see :func:`resolve_refs`.
    """
    raw = text[start:stop]
    if not _DIGIT.search(raw):
        return raw, ()
    pieces: list[str] = []
    refs: list[str] = []
    kept = 0
    for found in _NOTE_REF.finditer(raw):
        if probe.raised(start + found.start(), size):
            pieces.append(raw[kept : found.start()] + wrap_ref(found.group()))
            refs.append(found.group())
            kept = found.end()
    pieces.append(raw[kept:])
    return "".join(pieces), tuple(refs)


def wrap_ref(number: str) -> str:
    return REF_OPEN + number + REF_CLOSE


def resolve_refs(line: Line, notes: set[tuple[int, str]]) -> None:
    """Drop the superscript numbers that call a footnote on the line's page; keep the rest."""
    if REF_OPEN not in line.text:
        return

    def replace(found: re.Match[str]) -> str:
        if (line.page, found.group(1)) not in notes:
            return found.group(1)
        following = found.string[found.end() : found.end() + 1]
        if found.start() == 0 and following == " ":
            line.space_before = True  # "¹ 83,190" after "750": keep the words apart
        return " " if following.isalnum() else ""  # "750¹83" must not become "75083"

    line.text = " ".join(_WRAPPED_REF.sub(replace, line.text).split())


# --------------------------------------------------------------------------------------------
# Opening the file and reading the pages
# --------------------------------------------------------------------------------------------

ENCRYPTED = (
    "the PDF is encrypted with a password; save or print an unprotected copy (or ask the "
    "publisher for one) and lint that"
)
UNSUPPORTED_SECURITY = (
    "the PDF is protected by a security handler pdfium does not support; save an unprotected "
    "copy and lint that"
)
CORRUPT = (
    "the PDF is corrupt: its structure (cross-reference table) is broken and could not be "
    "repaired; download or export it again"
)
NO_TEXT = (
    "no text layer: the PDF looks scanned (images only); run OCR (e.g. ocrmypdf) and lint "
    "the result"
)


def open_pdf(path: str, data: bytes) -> pdfium.PdfDocument:
    """Open with an empty password, so files with only an owner password open normally."""
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        code = getattr(exc, "err_code", None)
        if code == pdfium_c.FPDF_ERR_PASSWORD:
            raise ReadError(path, ENCRYPTED) from None
        if code == pdfium_c.FPDF_ERR_SECURITY:
            raise ReadError(path, UNSUPPORTED_SECURITY) from None
        raise ReadError(path, CORRUPT) from None


def read_pages(pdf: pdfium.PdfDocument) -> tuple[list[PageInfo], list[int]]:
    """Every page's lines, and the numbers of pages pdfium failed to read."""
    pages: list[PageInfo] = []
    failed: list[int] = []
    for index in range(len(pdf)):
        try:
            page = pdf[index]
        except pdfium.PdfiumError:
            failed.append(index + 1)
            pages.append(PageInfo(index + 1, 0.0, 0.0))
            continue
        try:
            pages.append(read_page_lines(page, index + 1))
        except (pdfium.PdfiumError, ValueError, OSError):
            failed.append(index + 1)
            pages.append(PageInfo(index + 1, 0.0, 0.0))
        finally:
            page.close()
    return pages, failed


def pdf_title(pdf: pdfium.PdfDocument) -> str | None:
    """The Title metadata, unless it is empty or merely a file name."""
    try:
        title = (pdf.get_metadata_value("Title") or "").strip()
    except (pdfium.PdfiumError, ValueError, KeyError):
        return None
    lowered = title.lower()
    if (
        not title
        or lowered.startswith("microsoft word - ")
        or re.search(r"\.(docx?|pdf|odt|rtf|txt)$", lowered)
    ):
        return None
    return title[:200]


# --------------------------------------------------------------------------------------------
# Page furniture: running headers, footers and page numbers
# --------------------------------------------------------------------------------------------

#: How many lines at each edge of a page may be furniture.
EDGE_LINES = 3
#: Share of the page height, from each edge, where furniture may sit.
EDGE_BAND = 0.2

_ROMAN = r"m{0,3}(?:cm|cd|d?c{0,3})(?:xc|xl|l?x{0,3})(?:ix|iv|v?i{0,3})"
_PAGE_NUMBER = re.compile(
    r"(?:page|p\.|pg\.?)?\s*(?:\d{1,4}|(?=[ivxlcdm])" + _ROMAN + r")"
    r"(?:\s*(?:of|/)\s*\d{1,4})?",
    re.IGNORECASE,
)
_DASHED_NUMBER = re.compile(r"[-–—]\s*(?:\d{1,4}|(?=[ivxlcdm])" + _ROMAN + r")\s*[-–—]", re.I)
#: Numbers in furniture: digits, or a whole word that is a roman numeral.
_NUMBERISH = re.compile(r"\d+|\b(?=[ivxlcdm]+\b)" + _ROMAN + r"\b")
_ROMAN_VALUES = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100, "d": 500, "m": 1000}


def is_page_number(text: str) -> bool:
    """True for "3", "- 3 -", "Page 3", "Page 3 of 10", "3 of 10", "3/10", "iv", "[3]"."""
    text = text.strip().strip("[]()").strip()
    if not text:
        return False
    return bool(_PAGE_NUMBER.fullmatch(text) or _DASHED_NUMBER.fullmatch(text))


@functools.lru_cache(maxsize=4096)
def furniture_key(text: str) -> str:
    """Text with digits and roman numerals normalised, so page-dependent lines compare equal."""
    return " ".join(_NUMBERISH.sub("#", text.lower()).split())


def numbers_in(text: str) -> tuple[int, ...]:
    """The numbers :func:`furniture_key` normalises away, in order (roman ones converted)."""
    return tuple(_number_value(m.group()) for m in _NUMBERISH.finditer(text.lower()) if m.group())


def _number_value(token: str) -> int:
    if token.isdigit():
        return int(token[:9])
    total = 0
    for char, following in itertools.zip_longest(token, token[1:], fillvalue=""):
        value = _ROMAN_VALUES[char]
        total += -value if following and _ROMAN_VALUES[following] > value else value
    return total


def runs_like_furniture(members: list[tuple[int, tuple[int, ...]]]) -> bool:
    """Whether the numbers in lines that share a key behave like a header's or footer's.

    ``members`` holds (page, numbers) for each line. Each number must stay the same, follow
    the page (printed number = page + a fixed offset), or take few values (a chapter number
    in the header). "Schedule 1", "Schedule 2"... at the top of successive pages do not.
    """
    if not members or not members[0][1]:
        return True
    for position in range(len(members[0][1])):
        values = [numbers[position] for _, numbers in members if len(numbers) > position]
        offsets = {numbers[position] - page for page, numbers in members if len(numbers) > position}
        if len(offsets) == 1 or len(set(values)) <= max(1, len(values) // 3):
            continue
        return False
    return True


def edge_lines(page: PageInfo) -> tuple[list[Line], list[Line]]:
    """The top and bottom few lines of a page that sit in its margin bands."""
    ordered = sorted(page.lines, key=lambda line: -line.base)
    height = page.top - page.bottom
    if height <= 0:
        return ordered[:EDGE_LINES], ordered[-EDGE_LINES:]
    top = [ln for ln in ordered[:EDGE_LINES] if ln.base >= page.top - EDGE_BAND * height]
    bottom = [ln for ln in ordered[-EDGE_LINES:] if ln.base <= page.bottom + EDGE_BAND * height]
    return top, [ln for ln in bottom if ln not in top]


def remove_furniture(pages: list[PageInfo]) -> int:
    """Drop running headers/footers and page numbers in place; return how many lines went."""
    edges = [edge_lines(page) for page in pages]
    seen: dict[tuple[int, str], list[tuple[int, tuple[int, ...]]]] = defaultdict(list)
    for page, (top, bottom) in zip(pages, edges, strict=True):
        for side, lines in enumerate((top, bottom)):
            for line in lines:
                seen[(side, furniture_key(line.text))].append((page.number, numbers_in(line.text)))
    with_text = sum(1 for page in pages if page.lines)
    needed = 2 if with_text <= 5 else 3
    running = {
        key
        for key, members in seen.items()
        if len({page for page, _ in members}) >= needed and runs_like_furniture(members)
    }
    copies = _copied_pages(pages)
    repeated: set[int] = set()
    numbers: set[int] = set()
    for page, (top, bottom) in zip(pages, edges, strict=True):
        for side, lines in enumerate((top, bottom)):
            outermost = lines[:2] if side == 0 else lines[-2:]
            for line in lines:
                if line in outermost and is_page_number(line.text):
                    numbers.add(id(line))
                elif (side, furniture_key(line.text)) in running and page.number not in copies:
                    repeated.add(id(line))
    doomed = repeated | numbers
    if all(id(line) in doomed for page in pages for line in page.lines):
        doomed = numbers  # every line "repeats": that is content, not furniture
    doomed -= _table_body(pages, doomed)
    if doomed:
        for page in pages:
            page.lines = [line for line in page.lines if id(line) not in doomed]
    return len(doomed)


def _table_body(pages: list[PageInfo], doomed: set[int]) -> set[int]:
    """Lines of a table that reaches beyond the page's margin bands: a cell's last line at
    the foot of a page is content even when the same words end other pages (a register
    whose rows repeat a phrase). A table wholly in the band (a running header set as a
    table) can still go."""
    keep: set[int] = set()
    for page in pages:
        pieces: dict[int, list[Line]] = defaultdict(list)
        for line in page.lines:
            if line.table is not None:
                pieces[id(line.table)].append(line)
        band = EDGE_BAND * (page.top - page.bottom)
        for members in pieces.values():
            inside = any(page.bottom + band < line.base < page.top - band for line in members)
            if inside:
                keep.update(id(line) for line in members if id(line) in doomed)
    return keep


def _copied_pages(pages: list[PageInfo]) -> set[int]:
    """Pages most of whose lines are printed on another page too (a form or invoice
    printed twice, say): their repeated top and bottom lines are content, not furniture."""
    where: dict[str, set[int]] = defaultdict(set)
    for page in pages:
        for line in page.lines:
            where[furniture_key(line.text)].add(page.number)
    copies: set[int] = set()
    for page in pages:
        if len(page.lines) >= 8:
            shared = sum(1 for line in page.lines if len(where[furniture_key(line.text)]) > 1)
            if shared > 0.6 * len(page.lines):
                copies.add(page.number)
    return copies


# --------------------------------------------------------------------------------------------
# Lines to blocks
# --------------------------------------------------------------------------------------------

_BULLET = re.compile(
    r"^(?:[•●▪■◦‣○◆◇➢➤►✓✔·\uf0b7\uf0a7\uf076\uf0d8\uf0fc\uf06e\uf0a8]\s*|[-–—*o]\s+)(?=\S)"
)
_NUMBER_CLAUSE = re.compile(r"^(\d{1,3}(?:\.\d{1,3}){1,4}|\d{1,2})\.?(?=\s+[A-Z(\"“‘'])")
_LETTER_CLAUSE = re.compile(
    r"^(\((?:[a-z]{1,2}|[ivxlc]{1,6}|\d{1,3})\)|(?:[a-z]|[ivx]{1,5})\))(?=\s)"
)
#: A line ending with one of these words refers to the number that follows, e.g.
#: "as set out in paragraph / 4.2 of ..."; a clause number there does not start a block.
_REFERRING = re.compile(
    r"\b(?:paragraphs?|clauses?|sections?|rules?|parts?|regulations?|articles?|schedules?|"
    r"appendix|annex|and|or|to|of|in|under|see|with|at|by|from|than|para|s|reg)$",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"[.!?:;]['\"’”)]?$")


def clause_of(text: str) -> str | None:
    """The clause number the text starts with, as printed (without a trailing full stop)."""
    found = _NUMBER_CLAUSE.match(text) or _LETTER_CLAUSE.match(text)
    return found.group(1) if found else None


def is_bullet(text: str) -> bool:
    return bool(_BULLET.match(text))


@dataclass
class Layout:
    """Document-wide measurements the block rules compare against."""

    body_size: float
    pitch: float
    right: dict[int, float]
    left: dict[int, float]
    #: Pages whose body lines mostly end flush at the right margin.
    justified: dict[int, bool] = field(default_factory=dict)
    #: The vertical middle of each page (footnotes sit below it).
    middle: dict[int, float] = field(default_factory=dict)
    #: Pages whose text stops well short of where text usually stops.
    short_pages: set[int] = field(default_factory=set)

    def frame(self, pages: list[PageInfo]) -> None:
        """Measure the pages themselves: their middles and which of them end early.

        A page that ends early (a page break, a section end) closes its last paragraph; a
        page that is full may end in mid-paragraph. One line short is normal (widow control
        moves a line over), so "early" means more than two lines short of the deepest text,
        or text ending in the upper 30% of the page.
        """
        lows = {p.number: min(line.end_base for line in p.lines) for p in pages if p.lines}
        ordered = sorted(lows.values())
        deepest = ordered[len(ordered) // 4] if len(ordered) >= 4 else ordered[0]
        for page in pages:
            self.middle[page.number] = (page.top + page.bottom) / 2
            if page.number not in lows:
                continue
            low, height = lows[page.number], page.top - page.bottom
            if (height > 0 and low - page.bottom > 0.3 * height) or (
                len(ordered) >= 3 and low - deepest > 2.5 * self.pitch
            ):
                self.short_pages.add(page.number)

    def pitch_for(self, size: float) -> float:
        return self.pitch * (size / self.body_size) if self.body_size else size * 1.2

    def width(self, page: int) -> float:
        return max(1.0, self.right.get(page, 0.0) - self.left.get(page, 0.0))


def measure(lines: list[Line]) -> Layout:
    """Body font size (by characters), usual line pitch, and each page's text margins."""
    sizes: Counter[float] = Counter()
    for line in lines:
        sizes[round(line.size * 2) / 2] += len(line.text)
    body = sizes.most_common(1)[0][0] if sizes else 10.0
    gaps: Counter[float] = Counter()
    for prev, cur in itertools.pairwise(lines):
        same_size = abs(prev.size - body) < 0.6 and abs(cur.size - body) < 0.6
        gap = prev.end_base - cur.base
        tabled = prev.table is not None or cur.table is not None
        if prev.page == cur.page and same_size and not tabled and 0 < gap < 3 * body:
            gaps[round(gap * 2) / 2] += 1
    pitch = gaps.most_common(1)[0][0] if gaps else body * 1.2
    edges: dict[int, list[Line]] = defaultdict(list)
    for line in lines:
        if abs(line.size - body) < 0.6 and line.segment is None and line.table is None:
            edges[line.page].append(line)
    layout = Layout(body, pitch, {}, {})
    for page, page_lines in edges.items():
        layout.left[page] = min(line.x0 for line in page_lines)
        layout.right[page], layout.justified[page] = _right_margin(page_lines)
    return layout


def _right_margin(lines: list[Line]) -> tuple[float, bool]:
    """Where the page's body lines end, and whether most end there (justified text).

    The commonest line end is the margin when at least 40% of lines reach it; otherwise the
    longest line gives it and the text is ragged.
    """
    ends = Counter(round(line.x1) for line in lines)
    common, _ = ends.most_common(1)[0]
    flush = sum(1 for line in lines if abs(line.x1 - common) <= 1.5)
    if len(lines) >= 4 and flush >= 0.4 * len(lines):
        return max(line.x1 for line in lines if abs(line.x1 - common) <= 1.5), True
    return max(line.x1 for line in lines), False


def same_printed_line(prev: Line, cur: Line) -> bool:
    """``cur`` carries on ``prev``'s printed line (pdfium split it, e.g. at a superscript)."""
    return (
        prev.page == cur.page
        and abs(prev.end_base - cur.base) < 0.3 * cur.size
        and cur.x0 >= prev.x1 - 1
    )


def starts_block(prev: Line, cur: Line, layout: Layout) -> bool:
    """Whether ``cur`` starts a new block rather than continuing ``prev``'s."""
    if same_printed_line(prev, cur):
        return False
    previous = prev.text
    if (is_bullet(cur.text) or clause_of(cur.text)) and not _REFERRING.search(previous):
        return True
    if cur.page > prev.page + 1:
        return True  # a page without text (a scan, a figure) came between
    if abs(prev.size - cur.size) > 0.6 or (prev.bold != cur.bold and _is_short(prev, layout)):
        return True
    ends_sentence = bool(_SENTENCE_END.search(previous))
    if prev.page == cur.page:
        gap = prev.end_base - cur.base
        if gap < 0 or gap > 1.3 * layout.pitch_for(cur.size) + 0.5:
            return gap > 0 or ends_sentence or not cur.text[:1].islower()
    if cur.page != prev.page and prev.page in layout.short_pages:
        return ends_sentence or not cur.text[:1].islower()
    if ends_sentence and _is_short(prev, layout):
        return True
    indented = cur.x0 > layout.left.get(cur.page, cur.x0) + 0.8 * cur.size
    return ends_sentence and indented and cur.x0 > prev.x0 + 0.8 * cur.size


def _is_short(line: Line, layout: Layout) -> bool:
    """A line ending well before the right margin: the last line of its paragraph."""
    right = layout.right.get(line.page)
    if right is None:
        return False
    if layout.justified.get(line.page):
        return line.x1 < right - max(2.5, 0.3 * line.size)
    return line.x1 < right - 0.2 * layout.width(line.page)


@dataclass
class Draft:
    """A block being assembled from lines."""

    lines: list[Line]
    kind: str = "paragraph"
    cell: tuple[int, int, int] | None = None

    @property
    def first(self) -> Line:
        return self.lines[0]


class Table:
    """One table's cell drafts as its lines arrive, over the pages it runs across.

    The lines come in cell order with their (row, column) on their page's part of the table
    (see ``pdf_tables.in_cell_order``). A part on a new page counts its rows on from the
    last part's, less a first row that repeats the table's header row (dropped: the Word
    file holds it once) and less a first row that finishes the row the page break split.
    """

    def __init__(self, number: int, piece: TablePiece) -> None:
        self.number = number
        self.piece = piece
        self.header = piece.first_row
        #: Rows before the current part; the current part's repeated header row (1 or 0);
        #: whether its first row goes on with the last part's last row (1 or 0).
        self.offset = 0
        self.skip = 0
        self.carry = 0
        self.drafts: dict[tuple[int, int], Draft] = {}

    def go_on(self, piece: TablePiece) -> None:
        self.offset += self.piece.rows - self.skip - self.carry
        self.skip = 1 if self.header and piece.first_row == self.header else 0
        self.carry = 1 if self.skip + 1 in piece.carried else 0
        self.piece = piece

    def add(self, line: Line) -> Draft | None:
        """Add a line to its cell; return the cell's draft when the line starts it."""
        assert line.cell is not None
        row, column = line.cell
        if row <= self.skip:
            return None
        key = (self.offset + row - self.skip - self.carry, column)
        draft = self.drafts.get(key)
        if draft is not None:
            draft.lines.append(line)
            return None
        draft = Draft([line], "table-cell", (self.number, *key))
        self.drafts[key] = draft
        return draft


class Splitter:
    """Walks the lines in reading order and groups them into drafts."""

    def __init__(self, layout: Layout) -> None:
        self.layout = layout
        self.body: list[Draft] = []
        self.notes: list[Draft] = []
        self.current: Draft | None = None
        self.note: Draft | None = None
        self.table: Table | None = None
        self.tables = 0
        #: The last table closed, and how many body drafts there were then: a table part
        #: on the next page continues it if nothing came between.
        self.closed: Table | None = None
        self.closed_at = -1
        #: Footnote reference numbers seen on each page, and the lowest line holding one.
        self.refs: dict[int, set[str]] = defaultdict(set)
        #: (page, number) of every footnote found: the calls to drop from the text.
        self.confirmed: set[tuple[int, str]] = set()
        self.lines: list[Line] = []
        self.lowest_ref: dict[int, float] = {}

    def feed(self, line: Line) -> None:
        self.lines.append(line)
        if line.refs:
            self.refs[line.page].update(line.refs)
            self.lowest_ref[line.page] = min(self.lowest_ref.get(line.page, line.base), line.base)
        if line.table is not None:
            self.note = None
            self._table_line(line)
            return
        if self._starts_footnote(line):
            self._close_table()
            self.note = Draft([line], "footnote")
            self.notes.append(self.note)
            return
        if self.note is not None:
            last = self.note.lines[-1]
            if line.page == last.page and line.base <= last.end_base + 1 and line.segment is None:
                self.note.lines.append(line)
                return
            self.note = None
        self._close_table()
        self._paragraph_line(line)

    def finish(self) -> tuple[list[Draft], list[Draft]]:
        self._close_table()
        for line in self.lines:
            resolve_refs(line, self.confirmed)
        return self.body, self.notes

    def _table_line(self, line: Line) -> None:
        piece = line.table
        assert piece is not None
        if self.table is None or self.table.piece is not piece:
            previous = self.table
            if previous is None and self.closed_at == len(self.body):
                previous = self.closed
            self._close_table()
            if previous is not None and previous.piece.continued_by(piece):
                previous.go_on(piece)
                self.table = previous
            else:
                self.tables += 1
                self.table = Table(self.tables, piece)
        draft = self.table.add(line)
        if draft is not None:
            self.body.append(draft)
        self.current = None

    def _close_table(self) -> None:
        if self.table is not None:
            self.closed = self.table
            self.closed_at = len(self.body)
            self.table = None

    def _paragraph_line(self, line: Line) -> None:
        current = self.current
        if current is None or starts_block(current.lines[-1], line, self.layout):
            self.current = Draft([line])
            self.body.append(self.current)
        else:
            current.lines.append(line)

    def _starts_footnote(self, line: Line) -> bool:
        """A small-print line led by a superscript number, or led by a number referenced
        (as a superscript) higher up the same page, in the lower half of the page."""
        if line.note_mark is not None and line.text.startswith(REF_OPEN):
            if line.size < self.layout.body_size - 0.4:
                self.confirmed.add((line.page, line.note_mark))
                line.text = line.text[len(wrap_ref(line.note_mark)) :].lstrip()
                return True
            return False
        numbers = self.refs.get(line.page)
        if not numbers or line.base >= self.lowest_ref[line.page]:
            return False
        if line.base > self.layout.middle.get(line.page, line.base):
            return False
        found = re.match(r"(\d{1,3})\s+(?=\S)", line.text)
        if not found or found.group(1) not in numbers:
            return False
        if (line.page, found.group(1)) in self.confirmed:
            return False  # that note is already found: "1 January 2026." goes on its text
        line.note_mark = found.group(1)
        line.text = line.text[found.end() :]
        self.confirmed.add((line.page, line.note_mark))
        return True


def split_blocks(lines: list[Line], layout: Layout) -> tuple[list[Draft], list[Draft]]:
    """Group lines into body drafts (paragraphs, table cells) and footnote drafts."""
    splitter = Splitter(layout)
    for line in lines:
        splitter.feed(line)
    return splitter.finish()


# --------------------------------------------------------------------------------------------
# Hyphenation
# --------------------------------------------------------------------------------------------

_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*[A-Za-z]")
_BROKEN = re.compile(r"([\w'’-]*)" + HYPHEN_MARK + r"\s*([\w'’-]*)")
_HARD_HYPHEN_END = re.compile(r"(?<=[A-Za-z])[-‐]$")


def vocabulary(lines: Iterable[Line]) -> Counter[str]:
    """How often each word form is printed whole (to decide hyphens at line breaks)."""
    counts: Counter[str] = Counter()
    for line in lines:
        text = line.text
        if text.endswith(("-", "‐", HYPHEN_MARK)):
            text = text[:-1] + " "
        for word in _WORD.findall(text):
            counts[word.lower()] += 1
    return counts


def join_lines(lines: list[Line], vocab: Counter[str]) -> str:
    """The block text: lines joined with spaces, line-end hyphenation undone."""
    text = lines[0].text
    for prev, line in itertools.pairwise(lines):
        if _glued(prev, line) or text.endswith(HYPHEN_MARK):
            text += line.text
        elif _HARD_HYPHEN_END.search(text) and line.text[:1].islower():
            if re.match(r"(?:and|or|to)\b", line.text):
                text += " " + line.text  # "pre- and post-contract"
            else:
                text = text[:-1] + HYPHEN_MARK + line.text
        else:
            text += " " + line.text
    if HYPHEN_MARK in text:
        text = _BROKEN.sub(lambda m: _mend(m.group(1), m.group(2), vocab), text)
    return text.replace(HYPHEN_MARK, "")


def _glued(prev: Line, cur: Line) -> bool:
    """Whether two pieces of one printed line touch, with no space between them."""
    if cur.space_before or not same_printed_line(prev, cur):
        return False
    gap = cur.x0 - prev.x1
    # Punctuation's ink starts right of its origin, so allow it a wider gap.
    return gap < (0.3 if cur.text[:1] in ",.;:!?)]" else 0.15) * cur.size


#: Prefixes that British English often joins with a hyphen ("non-commercial", "co-design").
#: Not "well": "wellbeing" and "well-being" are both common, and with no other evidence in
#: the document the closed form is kept (see test_mend_keeps_the_hyphen_of_known_compounds).
_PREFIXES = frozenset(("non", "pre", "co", "re", "sub", "anti", "cross", "multi", "self"))


def _mend(left: str, right: str, vocab: Counter[str]) -> str:
    """Join a word broken at a line end, keeping the hyphen if it belongs to the word.

    pdfium marks a hyphenation break and a compound's own hyphen alike. The form the
    document prints elsewhere wins; failing that, the hyphen stays after a prefix such as
    "non" or "co" when the rest is a word and the closed form is not ("Non-commercial",
    but "re-quires" becomes "requires").
    """
    closed = left + right
    hyphenated = left + "-" + right
    if not left or not right:
        return closed
    seen_hyphenated, seen_closed = vocab[hyphenated.lower()], vocab[closed.lower()]
    if seen_hyphenated > seen_closed:
        return hyphenated
    if seen_closed or left.lower() not in _PREFIXES:
        return closed
    rest, whole = right.lower(), closed.lower()
    known = _known_words()
    if (rest in known or vocab[rest]) and whole not in known:
        return hyphenated
    return closed


@functools.cache
def _known_words() -> frozenset[str]:
    """English word forms from the lemma table shipped with the engine (loaded on first use:
    only a prefix broken at a line end needs it)."""
    from codelint.nlp import lemma_table

    table = lemma_table()
    return frozenset(table) | frozenset(table.values())


# --------------------------------------------------------------------------------------------
# Headings, clauses, list items
# --------------------------------------------------------------------------------------------

_NUMBERED_HEADING = re.compile(
    r"^(?:(?:section|part|chapter|appendix|annex|schedule)\s+[0-9A-Z]{1,3}[.:]?\s+|"
    r"\d{1,2}(?:\.\d{1,2}){0,3}\.?\s+)[A-Z]",
    re.IGNORECASE,
)


def heading_levels(drafts: list[Draft], layout: Layout) -> dict[float, int]:
    """Heading level for each font size bigger than the body's, largest first.

    A document title (the biggest size, used once, by the first big text) shares level 1
    with the top headings below it, as Word's Title style does.
    """
    big = [d for d in drafts if d.kind != "table-cell" and _big(d, layout) and _short_block(d)]
    sizes = sorted({_size_key(d) for d in big}, reverse=True)
    levels = {size: level for level, size in enumerate(sizes, start=1)}
    titled = len(sizes) > 1 and _size_key(big[0]) == sizes[0]
    if titled and sum(1 for d in big if _size_key(d) == sizes[0]) == 1:
        levels = {sizes[0]: 1} | {size: n for n, size in enumerate(sizes[1:], start=1)}
    return levels


def _size_key(draft: Draft) -> float:
    return round(draft.first.size * 2) / 2


def _big(draft: Draft, layout: Layout) -> bool:
    size = draft.first.size
    return size >= layout.body_size * 1.12 and size >= layout.body_size + 1


def _short_block(draft: Draft) -> bool:
    words = sum(len(line.text.split()) for line in draft.lines)
    return len(draft.lines) <= 3 and words <= 30


def heading_level(draft: Draft, text: str, layout: Layout, levels: dict[float, int]) -> int | None:
    """The heading level of a draft, or None when it is not a heading."""
    if _big(draft, layout) and _short_block(draft):
        return levels.get(_size_key(draft))
    if len(draft.lines) != 1 or len(text) > 90 or len(text.split()) > 12:
        return None
    if text.endswith((".", ",", ";", ":")) or not any(c.isalpha() for c in text):
        return None
    deeper = max(levels.values(), default=0) + 1
    numbered = _NUMBERED_HEADING.match(text)
    if numbered and ("." in text.split()[0] or draft.first.bold):
        number = text.split()[0].rstrip(".")
        depth = number.count(".") + 1 if number[:1].isdigit() else 1
        return deeper if levels else min(depth, 6)
    if draft.first.bold and text[:1].isupper() and not is_bullet(text):
        return deeper
    return None


def list_levels(drafts: list[Draft]) -> dict[int, int]:
    """List level by bullet indentation (rounded x position): leftmost bullets are level 0."""
    positions = sorted({round(d.first.x0 / 4) for d in drafts if is_bullet(d.first.text)})
    return {position: level for level, position in enumerate(positions)}


def make_blocks(
    body: list[Draft], notes: list[Draft], layout: Layout, vocab: Counter[str]
) -> list[Block]:
    """Turn drafts into Blocks with kinds, levels, clauses and section paths.

    Each footnote follows the block that calls it (as the Word reader places them); one
    whose call was not found goes at the end.
    """
    builder = _BlockBuilder(body, layout, vocab)
    pending, orphans = _footnote_places(body, notes)
    blocks: list[Block] = []
    for draft in body:
        block = builder.build(draft)
        if block is None:
            continue
        blocks.append(block)
        for note in pending.pop(id(draft), []):
            blocks.extend(_footnote(note, vocab, block.section))
    for note in orphans + [n for notes in pending.values() for n in notes]:
        blocks.extend(_footnote(note, vocab, ()))
    return blocks


def _footnote_places(
    body: list[Draft], notes: list[Draft]
) -> tuple[dict[int, list[Draft]], list[Draft]]:
    """Footnote drafts by the id of the body draft holding their call, and the rest."""
    callers: dict[tuple[int, str], Draft] = {}
    for draft in body:
        for line in draft.lines:
            for ref in line.refs:
                callers.setdefault((line.page, ref), draft)
    pending: dict[int, list[Draft]] = defaultdict(list)
    orphans: list[Draft] = []
    for note in notes:
        caller = callers.get((note.first.page, note.first.note_mark or ""))
        if caller is None:
            orphans.append(note)
        else:
            pending[id(caller)].append(note)
    return pending, orphans


def _footnote(note: Draft, vocab: Counter[str], section: tuple[str, ...]) -> list[Block]:
    text = join_lines(note.lines, vocab).strip()
    return (
        [Block(kind="footnote", text=text, page=note.first.page, section=section)] if text else []
    )


class _BlockBuilder:
    """Makes body blocks in order, keeping the stack of enclosing headings."""

    def __init__(self, body: list[Draft], layout: Layout, vocab: Counter[str]) -> None:
        self.layout = layout
        self.vocab = vocab
        self.levels = heading_levels(body, layout)
        self.bullets = list_levels(body)
        self.stack: list[tuple[int, str]] = []

    def build(self, draft: Draft) -> Block | None:
        text = join_lines(draft.lines, self.vocab).strip()
        if not text:
            return None
        section = tuple(title for _, title in self.stack)
        if draft.kind == "table-cell":
            block = _block("table-cell", text, draft, section, None)
            block.cell = draft.cell
            return block
        level = heading_level(draft, text, self.layout, self.levels)
        if level is not None:
            while self.stack and self.stack[-1][0] >= level:
                self.stack.pop()
            section = tuple(title for _, title in self.stack)
            self.stack.append((level, text))
            return _block("heading", text, draft, section, level)
        if is_bullet(text):
            item = _BULLET.sub("", text, count=1).strip() or text
            level = self.bullets.get(round(draft.first.x0 / 4), 0)
            return _block("list-item", item, draft, section, level)
        return _block("paragraph", text, draft, section, None)


def _block(
    kind: str, text: str, draft: Draft, section: tuple[str, ...], level: int | None
) -> Block:
    return Block(
        kind=kind,
        text=text,
        page=draft.first.page,
        section=section,
        clause=clause_of(text),
        level=level,
    )


# --------------------------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------------------------


def _page_list(numbers: list[int]) -> str:
    shown = ", ".join(str(n) for n in numbers[:20])
    return shown + (f" and {len(numbers) - 20} more" if len(numbers) > 20 else "")


def _notes(pages: list[PageInfo], failed: list[int]) -> list[str]:
    notes: list[str] = []
    if failed:
        notes.append(f"page(s) {_page_list(failed)} could not be read and were skipped")
    blank = [p.number for p in pages if not p.lines and p.number not in failed]
    if blank:
        notes.append(
            f"no text on page(s) {_page_list(blank)}: blank or scanned images; "
            "their content was not linted (run OCR to include it)"
        )
    return notes


def read_pdf(path: str, data: bytes, limits: Limits) -> Document:
    """Read a PDF into a Document, or raise ReadError naming the cause."""
    try:
        return _read(path, data, limits)
    except ReadError:
        raise
    except Exception as exc:  # pdfium on a hostile file can fail in ways we cannot list
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ReadError(path, f"the PDF could not be read ({reason[:120]})") from None


def _read(path: str, data: bytes, limits: Limits) -> Document:
    pdf = open_pdf(path, data)
    try:
        count = len(pdf)
        if count == 0:
            raise ReadError(path, "the PDF has no pages")
        if count > limits.max_pages:
            raise ReadError(
                path,
                f"the PDF has {count:,} pages, over the limit of {limits.max_pages:,} "
                "(limit max_pages)",
            )
        pages, failed = read_pages(pdf)
        title = pdf_title(pdf)
    finally:
        pdf.close()
    if not any(page.lines for page in pages):
        if len(failed) == count:
            raise ReadError(path, CORRUPT)
        raise ReadError(path, NO_TEXT)
    notes = _notes(pages, failed)
    remove_furniture(pages)
    lines = [line for page in pages for line in page.lines]
    if not lines:  # only page numbers: typically a scan stamped with them
        raise ReadError(path, NO_TEXT)
    layout = measure(lines)
    layout.frame(pages)
    body, footnotes = split_blocks(lines, layout)
    blocks = make_blocks(body, footnotes, layout, vocabulary(lines))
    if not blocks:
        raise ReadError(path, NO_TEXT)
    return Document(path=path, format="pdf", blocks=blocks, title=title, pages=count, notes=notes)
