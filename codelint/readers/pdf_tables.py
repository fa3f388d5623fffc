"""Tables in PDFs: cells from the ruling lines a page draws, or from aligned text columns.

The PDF reader (``codelint/readers/pdf.py``) calls this module once per page, while pdfium's
page is open, and only on pages whose text hints at a table (a line cut at a wide gap, a gap
of a font size inside a line, text that goes back up the page into a column further right,
or sits beside the line before it): reading a page's drawing objects costs a microsecond or
more an object, and most pages hold no table.

Ruled tables. Word, LibreOffice and Google Docs draw cell borders as thin lines, thin filled
rectangles or stroked rectangles. Horizontal and vertical rules that touch each other form a
grid; its vertical rules give the column boundaries and its horizontal rules the row
boundaries, so a cell is known whatever order the page's content draws its text in
(LibreOffice writes a table cell by cell, and pdfium then runs the first lines of
neighbouring cells together, or gives the wrapped lines of one cell before the next cell's
first line, higher up the page). A line that runs over a column boundary is cut there. A
missing rule between two grid cells merges them (a spanned or vertically merged cell); the
merged cell's row and column are its top-left grid cell's, which is how Word numbers a
spanned cell (its grid column) and where a vertically merged cell's text sits. A grid is a
table only when rules close a frame round it, text sits in two columns at least, a third of
its cells at least hold text (construction lines in a figure make grids of empty cells), few
lines run over its rules, and it is not a frame round most of the page (two rows or fewer,
over half the page high).

Borderless tables. A table starts at a printed line cut at wide gaps (see
``_TextPageProbe.wide_gaps``: its pieces' left edges are the columns), or at a stack of lines
followed by a line that goes back up beside them to the stack's first baseline (a cell and
the next one, as LibreOffice writes them). The lines that follow in content order join it
while each fits inside one column (starts at or after the column's left edge, ends before
the next column starts) and sits where a cell's line can: on the row's first baseline, right
under the previous line of its own cell (a wrapped line), or, after going back to an earlier
column, a little below the row (a new row). A line that crosses a column boundary is cut
there when a gap of at least 0.6 of the font size lies on it; a line too wide for the columns
that starts at the first one is a row across the table (a merged cell), unless the table ends
with it. Rows at the end holding only a first-column cell are the paragraph after the table.
The table must have two rows or more holding two cells each; otherwise its lines stay
ordinary text (a lone line with a tab stop is a paragraph in Word, and two columns of prose
make one row).

The reader then gives each table's lines in cell order (rows, then columns), one
``table-cell`` block per cell. A table that goes on over a page break (same columns, nothing
in between) keeps its number and counts its rows on; a header row LibreOffice or Word
repeats at the top of the new page is dropped, as the Word file holds it once; and a first
row whose cells all start in lower case is the rest of the row the page break split (Word
lets a row break across pages), so its text joins that row's cells.

Known limits: a borderless table whose rows all wrap, written in printed-line order by its
producer, splits wrapped rows; centred or right-aligned columns narrower than their header can
end a borderless table early; a table drawn with horizontal rules only is read as borderless,
and one whose whole grid is a single path of many segments is not read as ruled; nested
tables are read as their outer table's cell text.
"""

from __future__ import annotations

import bisect
import ctypes
import functools
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pypdfium2.raw as pdfium_c

if TYPE_CHECKING:
    from codelint.readers.pdf import Line

#: Drawing objects on a page beyond which rules are not looked for (a map or a chart).
MAX_OBJECTS = 20_000
#: Rules on a page beyond which no grid is built (a drawing, not a table).
MAX_RULES = 600
#: Segments of a stroked path read to find the sides of a rectangle in it.
MAX_SEGMENTS = 6
#: How thick (points) a rule may be, and how long it must be.
THIN, LONG = 3.0, 6.0
#: The least height and width (points) of a stroked rectangle read as a cell's border.
CELL = 8.0
#: Positions closer than this (points) are the same boundary.
SNAP = 2.0

#: A wrapped line in a borderless cell: its baseline within this many font sizes of the line
#: above it in the cell. A new row: within ROW_GAP font sizes below the row's lowest line.
WRAP = 1.45
ROW_GAP = 2.3


@dataclass(eq=False)
class TablePiece:
    """The part of one table printed on one page.

    ``columns`` are the vertical boundaries of a ruled table, or the left edges of the columns
    of a borderless one: a table on the next page with the same columns continues this one.
    """

    page: int
    ruled: bool
    columns: tuple[float, ...]
    rows: int
    #: (column, text) of the cells of the piece's first row, to spot a repeated header row.
    first_row: tuple[tuple[int, str], ...] = ()
    #: Rows (of the first two) whose every cell starts in lower case: at the top of a page,
    #: such a row is the rest of a row the page break split.
    carried: frozenset[int] = frozenset()

    def continued_by(self, other: TablePiece) -> bool:
        return (
            other.page == self.page + 1
            and other.ruled == self.ruled
            and len(other.columns) == len(self.columns)
            and all(abs(a - b) <= 3 for a, b in zip(self.columns, other.columns, strict=True))
        )


# --------------------------------------------------------------------------------------------
# Rules from the page's drawing
# --------------------------------------------------------------------------------------------


@dataclass
class Rule:
    """A horizontal (``at`` is y, from ``start`` to ``end`` in x) or vertical rule."""

    horizontal: bool
    at: float
    start: float
    end: float


Matrix = tuple[float, float, float, float, float, float]
_IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


def _apply(m: Matrix, x: float, y: float) -> tuple[float, float]:
    return m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5]


def _compose(inner: Matrix, outer: Matrix) -> Matrix:
    """The matrix that applies ``inner`` and then ``outer``."""
    a, b, c, d, e, f = inner
    x0, y0 = _apply(outer, e, f)
    return (
        outer[0] * a + outer[2] * b,
        outer[1] * a + outer[3] * b,
        outer[0] * c + outer[2] * d,
        outer[1] * c + outer[3] * d,
        x0,
        y0,
    )


class _RuleReader:
    """Collects the rules drawn on one page, in display coordinates."""

    def __init__(self, rotate: Callable[[float, float], tuple[float, float]]) -> None:
        self.rotate = rotate
        self.rules: list[Rule] = []
        self._l, self._b, self._r, self._t = (ctypes.c_float() for _ in range(4))
        self._bounds = tuple(ctypes.byref(v) for v in (self._l, self._b, self._r, self._t))
        self._fill, self._stroke = ctypes.c_int(), ctypes.c_int()
        self._modes = (ctypes.byref(self._fill), ctypes.byref(self._stroke))
        self._matrix = pdfium_c.FS_MATRIX()

    def read(self, page_raw: object) -> list[Rule]:
        count = pdfium_c.FPDFPage_CountObjects(page_raw)
        if 0 < count <= MAX_OBJECTS:
            self._objects(page_raw, count, pdfium_c.FPDFPage_GetObject, _IDENTITY, 0)
        return self.rules

    def _objects(
        self,
        container: object,
        count: int,
        get_object: Callable[[object, int], object],
        outer: Matrix,
        depth: int,
    ) -> None:
        # The loop runs once per object on the page (text runs, mostly): keep it lean.
        get_type = pdfium_c.FPDFPageObj_GetType
        path_kind, form_kind = pdfium_c.FPDF_PAGEOBJ_PATH, pdfium_c.FPDF_PAGEOBJ_FORM
        path = self._path
        for index in range(count):
            obj = get_object(container, index)
            kind = get_type(obj)
            if kind == path_kind:
                path(obj, outer)
            elif kind == form_kind and depth < 2:
                inner = _compose(self._object_matrix(obj), outer)
                children = min(pdfium_c.FPDFFormObj_CountObjects(obj), MAX_OBJECTS)
                self._objects(obj, children, pdfium_c.FPDFFormObj_GetObject, inner, depth + 1)

    def _object_matrix(self, obj: object) -> Matrix:
        m = self._matrix
        if not pdfium_c.FPDFPageObj_GetMatrix(obj, m):
            return _IDENTITY
        return (m.a, m.b, m.c, m.d, m.e, m.f)

    def _display(self, outer: Matrix, x: float, y: float) -> tuple[float, float]:
        return self.rotate(*_apply(outer, x, y))

    def _path(self, obj: object, outer: Matrix) -> None:
        if not pdfium_c.FPDFPageObj_GetBounds(obj, *self._bounds):
            return
        left, bottom, right, top = self._l.value, self._b.value, self._r.value, self._t.value
        if outer is not _IDENTITY:
            x1, y1 = _apply(outer, left, bottom)
            x2, y2 = _apply(outer, right, top)
            left, right, bottom, top = min(x1, x2), max(x1, x2), min(y1, y2), max(y1, y2)
        # Page rotation turns by quarter turns, so what is thin stays thin.
        width, height = right - left, top - bottom
        if width < LONG and height < LONG:
            return
        thin = min(width, height)
        if thin <= THIN and max(width, height) >= 3 * thin:
            (x1, y1), (x2, y2) = self.rotate(left, bottom), self.rotate(right, top)
            if abs(y2 - y1) <= THIN:
                self.rules.append(Rule(True, (y1 + y2) / 2, min(x1, x2), max(x1, x2)))
            else:
                self.rules.append(Rule(False, (x1 + x2) / 2, min(y1, y2), max(y1, y2)))
            return
        if thin < CELL:
            return  # an arrowhead, a marker: too small to frame a cell
        segments = pdfium_c.FPDFPath_CountSegments(obj)
        if not 4 <= segments <= MAX_SEGMENTS:
            # A stroked rectangle has four to six segments (a move, three or four lines, a
            # close). A whole grid stroked as one path, which some producers write, has
            # more; reading every figure's curves to find one would cost too much.
            return
        pdfium_c.FPDFPath_GetDrawMode(obj, *self._modes)
        if self._stroke.value:  # filled only: cell shading or a picture, not a border
            self._segments(obj, segments, _compose(self._object_matrix(obj), outer))

    def _segments(self, obj: object, count: int, matrix: Matrix) -> None:
        """The axis-aligned straight segments of a path (the sides of a rectangle; a
        diagonal or a curve gives none)."""
        x, y = ctypes.c_float(), ctypes.c_float()
        current = start = None
        for index in range(count):
            segment = pdfium_c.FPDFPath_GetPathSegment(obj, index)
            if not segment or not pdfium_c.FPDFPathSegment_GetPoint(segment, x, y):
                return
            point = self._display(matrix, x.value, y.value)
            kind = pdfium_c.FPDFPathSegment_GetType(segment)
            if kind == pdfium_c.FPDF_SEGMENT_LINETO and current is not None:
                self._straight(current, point)
            if kind == pdfium_c.FPDF_SEGMENT_MOVETO:
                start = point
            current = point
            if pdfium_c.FPDFPathSegment_GetClose(segment) and start is not None:
                self._straight(point, start)
                current = start

    def _straight(self, a: tuple[float, float], b: tuple[float, float]) -> None:
        (x1, y1), (x2, y2) = a, b
        if abs(y1 - y2) <= 0.5 and abs(x1 - x2) >= LONG:
            self.rules.append(Rule(True, (y1 + y2) / 2, min(x1, x2), max(x1, x2)))
        elif abs(x1 - x2) <= 0.5 and abs(y1 - y2) >= LONG:
            self.rules.append(Rule(False, (x1 + x2) / 2, min(y1, y2), max(y1, y2)))


def page_rules(
    page_raw: object, rotate: Callable[[float, float], tuple[float, float]]
) -> list[Rule]:
    """The horizontal and vertical rules drawn on a page, merged where they continue."""
    return merge_rules(_RuleReader(rotate).read(page_raw))


def merge_rules(rules: list[Rule]) -> list[Rule]:
    """Join rules on one line that touch or overlap (a border drawn cell by cell)."""
    merged: list[Rule] = []
    for horizontal in (True, False):
        same = sorted((r for r in rules if r.horizontal == horizontal), key=lambda r: r.at)
        lines: list[list[Rule]] = []
        for rule in same:
            if lines and rule.at - lines[-1][0].at <= 1.5:
                lines[-1].append(rule)
            else:
                lines.append([rule])
        for group in lines:
            at = sum(r.at for r in group) / len(group)
            group.sort(key=lambda r: r.start)
            current = Rule(horizontal, at, group[0].start, group[0].end)
            for rule in group[1:]:
                if rule.start <= current.end + SNAP:
                    current.end = max(current.end, rule.end)
                else:
                    merged.append(current)
                    current = Rule(horizontal, at, rule.start, rule.end)
            merged.append(current)
    return merged


# --------------------------------------------------------------------------------------------
# Grids
# --------------------------------------------------------------------------------------------


@dataclass(eq=False)
class Grid:
    """A ruled table's boundaries: ``xs`` ascending, ``ys`` descending (top first)."""

    xs: list[float]
    ys: list[float]
    verticals: list[Rule]
    horizontals: list[Rule]
    #: Top-left grid cell (row, column), 0-based, of the merged cell each grid cell is part of.
    anchors: dict[tuple[int, int], tuple[int, int]] = field(default_factory=dict)

    def has_vertical(self, index: int, row: int) -> bool:
        """Whether a rule separates columns ``index - 1`` and ``index`` in ``row``."""
        middle = (self.ys[row] + self.ys[row + 1]) / 2
        x = self.xs[index]
        return any(
            abs(r.at - x) <= SNAP and r.start - 1 <= middle <= r.end + 1 for r in self.verticals
        )

    def has_horizontal(self, index: int, column: int) -> bool:
        """Whether a rule separates rows ``index - 1`` and ``index`` in ``column``."""
        middle = (self.xs[column] + self.xs[column + 1]) / 2
        y = self.ys[index]
        return any(
            abs(r.at - y) <= SNAP and r.start - 1 <= middle <= r.end + 1 for r in self.horizontals
        )

    def contains(self, x: float, y: float) -> bool:
        return self.xs[0] <= x <= self.xs[-1] and self.ys[-1] <= y <= self.ys[0]

    def locate(self, x: float, y: float) -> tuple[int, int]:
        """The merged cell (row, column), 0-based, holding a point inside the grid."""
        column = max(0, min(len(self.xs) - 2, _index_below(self.xs, x)))
        row = 0
        while row < len(self.ys) - 2 and y < self.ys[row + 1]:
            row += 1
        return self.anchors.get((row, column), (row, column))

    def interior(self) -> list[float]:
        return self.xs[1:-1]

    def crosses(self, line: Line, row: int) -> bool:
        """Whether a line runs over a vertical rule between two cells of its row."""
        return any(
            line.x0 < x - 1 and line.x1 > x + 1 and self.has_vertical(i, row)
            for i, x in enumerate(self.xs[1:-1], start=1)
        )


def _index_below(values: list[float], x: float) -> int:
    """Index of the last value <= x (values ascending), or -1."""
    index = -1
    for i, value in enumerate(values):
        if value <= x + 0.5:
            index = i
    return index


def _snap(values: Sequence[float]) -> list[float]:
    """Positions a few points apart collapse to their mean."""
    groups: list[list[float]] = []
    for value in sorted(values):
        if groups and value - groups[-1][-1] <= SNAP:
            groups[-1].append(value)
        else:
            groups.append([value])
    return [sum(g) / len(g) for g in groups]


def find_grids(rules: list[Rule]) -> list[Grid]:
    """Grids of touching horizontal and vertical rules with two columns or more."""
    if len(rules) > MAX_RULES:
        return []
    horizontals = [r for r in rules if r.horizontal]
    verticals = [r for r in rules if not r.horizontal]
    if len(horizontals) < 2 or len(verticals) < 3:
        return []
    parent = list(range(len(rules)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    index = {id(r): i for i, r in enumerate(rules)}
    verticals.sort(key=lambda r: r.at)
    positions = [v.at for v in verticals]
    for h in horizontals:
        low = bisect.bisect_left(positions, h.start - SNAP)
        high = bisect.bisect_right(positions, h.end + SNAP)
        for v in verticals[low:high]:
            if v.start - SNAP <= h.at <= v.end + SNAP:
                parent[find(index[id(h)])] = find(index[id(v)])
    components: dict[int, list[Rule]] = {}
    for i, rule in enumerate(rules):
        components.setdefault(find(i), []).append(rule)
    grids: list[Grid] = []
    for members in components.values():
        hs = [r for r in members if r.horizontal]
        vs = [r for r in members if not r.horizontal]
        if len(hs) < 2 or len(vs) < 3:
            continue
        xs = _snap([r.at for r in vs])
        ys = sorted(_snap([r.at for r in hs]), reverse=True)
        if len(xs) < 3 or len(ys) < 2:
            continue
        grid = Grid(xs, ys, vs, hs)
        _merge_cells(grid)
        grids.append(grid)
    return grids


def _merge_cells(grid: Grid) -> None:
    rows, columns = len(grid.ys) - 1, len(grid.xs) - 1
    parent = {(r, c): (r, c) for r in range(rows) for c in range(columns)}

    def find(cell: tuple[int, int]) -> tuple[int, int]:
        while parent[cell] != cell:
            cell = parent[cell]
        return cell

    def union(a: tuple[int, int], b: tuple[int, int]) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            first, second = sorted((ra, rb))
            parent[second] = first

    for r in range(rows):
        for c in range(columns):
            if c + 1 < columns and not grid.has_vertical(c + 1, r):
                union((r, c), (r, c + 1))
            if r + 1 < rows and not grid.has_horizontal(r + 1, c):
                union((r, c), (r + 1, c))
    grid.anchors = {cell: find(cell) for cell in parent}


def _anchor_point(line: Line) -> tuple[float, float]:
    """Where a line is placed in a grid: the middle of its first printed line's x-height."""
    right = line.x1 if line.end_base >= line.base - 0.3 * line.size else line.x0 + 1
    return (line.x0 + max(line.x0, right)) / 2, line.base + 0.25 * line.size


def _framed(grid: Grid) -> bool:
    """Whether rules run round the whole grid (a table's outer border), as Word,
    LibreOffice and Google Docs draw it; lines in a figure rarely close a frame."""
    left, right, top, bottom = grid.xs[0], grid.xs[-1], grid.ys[0], grid.ys[-1]
    width, height = right - left, top - bottom

    def covered(rules: list[Rule], at: float, low: float, span: float) -> bool:
        reach = sum(
            max(0.0, min(r.end, low + span) - max(r.start, low))
            for r in rules
            if abs(r.at - at) <= SNAP
        )
        return reach >= 0.9 * span

    return (
        covered(grid.horizontals, top, left, width)
        and covered(grid.horizontals, bottom, left, width)
        and covered(grid.verticals, left, bottom, height)
        and covered(grid.verticals, right, bottom, height)
    )


def _table_like(
    grid: Grid, inside: list[tuple[Line, tuple[int, int]]], crossing: int, height: float
) -> bool:
    """Whether a grid with these lines in it reads as a table, not a frame or a drawing.

    Text must sit in two columns at least, a third of the (merged) cells at least must hold
    text (a technical drawing's construction lines make a grid of mostly empty cells), few
    lines may run over its rules, and a grid of two rows or fewer over half the page high is
    a frame round the page.
    """
    cells = {cell for _, cell in inside}
    if len({column for _, column in cells}) < 2 or crossing > 0.25 * len(inside):
        return False
    if not _framed(grid):
        return False
    if len(cells) < len(set(grid.anchors.values())) / 3:
        return False
    rows = len(grid.ys) - 1
    return not (rows <= 2 and height > 0 and grid.ys[0] - grid.ys[-1] > 0.5 * height)


def assign_grids(lines: list[Line], grids: list[Grid], page: int, height: float) -> None:
    """Give the lines inside each acceptable grid their table piece and (row, column)."""
    for grid in grids:
        inside: list[tuple[Line, tuple[int, int]]] = []
        crossing = 0
        for line in lines:
            if line.table is not None:
                continue
            x, y = _anchor_point(line)
            if not grid.contains(x, y):
                continue
            row, column = grid.locate(x, y)
            if grid.crosses(line, row):
                crossing += 1
            inside.append((line, (row, column)))
        if not _table_like(grid, inside, crossing, height):
            continue
        rows = len(grid.ys) - 1
        piece = TablePiece(page, True, tuple(grid.xs), rows)
        for line, (row, column) in inside:
            line.table = piece
            line.cell = (row + 1, column + 1)


# --------------------------------------------------------------------------------------------
# Borderless tables
# --------------------------------------------------------------------------------------------


@dataclass
class _Column:
    left: float
    right: float


@dataclass
class _Row:
    top: float
    bottom: float
    #: Index (in the page's lines) of the row's first line.
    start: int
    #: One cell across the whole table: a line wider than the columns, starting at the left.
    spanning: bool = False
    cells: dict[int, list[Line]] = field(default_factory=dict)  # by id of the _Column

    def add(self, column: _Column, line: Line) -> None:
        self.cells.setdefault(id(column), []).append(line)
        self.bottom = min(self.bottom, line.end_base)


Recut = Callable[["Line", list[float], float], "list[Line] | None"]


def _same_baseline(a: Line, b: Line) -> bool:
    return abs(a.base - b.base) <= 0.3 * max(a.size, b.size)


def _printed_line(lines: list[Line], start: int) -> list[Line]:
    """The pieces of the cut printed line starting at ``lines[start]`` (segment 0)."""
    group = [lines[start]]
    for line in lines[start + 1 :]:
        if line.segment is None or line.segment == 0 or line.page != group[0].page:
            break
        if not _same_baseline(line, group[0]) or line.table is not None:
            break
        group.append(line)
    return group


class _Grower:
    """Grows a borderless table from its first cells over the lines that follow.

    ``seed`` holds the first row's cells, left to right, each a list of lines: the pieces of
    a cut printed line, or a stack of lines and the line that rises beside it.
    """

    def __init__(
        self,
        lines: list[Line],
        start: int,
        seed: list[list[Line]],
        end: int,
        recut: Recut | None,
        unit: float,
    ) -> None:
        self.lines = lines
        self.recut = recut
        first = seed[0][0]
        self.page = first.page
        self.font = max(cell[0].size for cell in seed)
        #: Distances are measured in font sizes; a producer that scales its text by the text
        #: matrix gives pdfium a nominal size of 1, so the page's line pitch stands in.
        self.size = self.font if self.font >= 4 else unit
        self.columns = [
            _Column(min(line.x0 for line in cell), max(line.x1 for line in cell)) for cell in seed
        ]
        self.rows = [_Row(first.base, first.base, start)]
        for column, cell in zip(self.columns, seed, strict=True):
            for line in cell:
                self.rows[-1].add(column, line)
        self.last = self.columns[-1]
        self.end = end
        self.ok = len(seed) >= 2 and all(
            a.right < b.left for a, b in itertools.pairwise(self.columns)
        )

    # -- fitting lines to columns --------------------------------------------------------------

    def fit(self, line: Line) -> _Column | None:
        """The column a line sits in: the last one starting left of it, if the line ends
        before the next column starts."""
        ordered = self.columns
        chosen = None
        for column in ordered:
            if column.left <= line.x0 + 4:
                chosen = column
        if chosen is None:
            if line.x0 < ordered[0].left - 8:
                return None
            chosen = ordered[0]
        following = ordered.index(chosen) + 1
        if following < len(ordered) and line.x1 > ordered[following].left - 2:
            return None
        return chosen

    def fit_new(self, line: Line) -> tuple[_Column | None, bool]:
        """A column for a piece of a cut line, made new if it sits right of or between the
        known columns without touching them; and whether it is new."""
        found = self.fit(line)
        if found is not None:
            return found, False
        ordered = self.columns
        if line.x0 > max(c.right for c in ordered) + 4:
            column = _Column(line.x0, line.x1)
            ordered.append(column)
            return column, True
        for before, after in itertools.pairwise(ordered):
            if before.right + 4 < line.x0 and line.x1 < after.left - 4:
                column = _Column(line.x0, line.x1)
                ordered.insert(ordered.index(after), column)
                return column, True
        return None, False

    def _place(self, row: _Row, column: _Column, line: Line) -> None:
        row.add(column, line)
        column.right = max(column.right, line.x1)

    # -- growing ---------------------------------------------------------------------------------

    def grow(self) -> None:
        k = self.end
        lines = self.lines
        while self.ok and k < len(lines):
            line = lines[k]
            if line.page != self.page or line.table is not None:
                break
            if abs(line.size - self.font) > 1.0:
                break
            if line.segment == 0:
                group = _printed_line(lines, k)
                if not self._add_group(group, k):
                    pieces = self._cut_group(group)
                    if pieces is None:
                        break
                    lines[k : k + len(group)] = pieces
                    continue
                k += len(group)
                continue
            if self._spans_on(line):
                k += 1
                continue
            column = self.fit(line)
            if column is None:
                pieces = self._cut(line)
                if pieces is not None:
                    lines[k : k + 1] = pieces
                    continue
                if not self._start_spanning(line, k):
                    break
            elif not self._add_line(line, column, k):
                break
            k += 1
        self.end = k
        # After the last row, a wide line, or lines in the first column alone, are the text
        # that follows the table (a paragraph spaced like the rows), not a row of it.
        while len(self.rows) > 1 and (self.rows[-1].spanning or self._first_column_only()):
            self.end = self.rows.pop().start

    def _first_column_only(self) -> bool:
        cells = self.rows[-1].cells
        return len(cells) == 1 and id(self.columns[0]) in cells

    def boundaries(self) -> list[float]:
        """Where to cut a line between columns: the middle of the gutter before each column
        after the first (or just left of the column, if text already fills the gutter)."""
        out = []
        for before, after in itertools.pairwise(self.columns):
            out.append((before.right + after.left) / 2 if before.right < after.left else after.left)
        return out

    def _cut(self, line: Line) -> list[Line] | None:
        """A plain line that runs over a column boundary, cut there."""
        if self.recut is None or line.segment is not None:
            return None
        return self.recut(line, self.boundaries(), 0.6 * self.size)

    def _cut_group(self, group: list[Line]) -> list[Line] | None:
        """A cut line with a piece over a column boundary, cut there too (all its pieces
        come from one line of pdfium's text)."""
        if self.recut is None or len({line.source for line in group}) != 1:
            return None
        pieces = self.recut(group[0], self.boundaries(), 0.6 * self.size)
        if pieces is None or len(pieces) <= len(group):
            return None
        return pieces

    def _below(self, row: _Row, line: Line, allowed: float) -> bool:
        """Whether a line starts a row under ``row``, within ``allowed`` font sizes."""
        return line.base < row.bottom - 0.3 * self.size and (
            row.bottom - line.base <= allowed * self.size
        )

    def _start_spanning(self, line: Line, k: int) -> bool:
        row = self.rows[-1]
        first = self.columns[0]
        if abs(line.x0 - first.left) > 4 or not self._below(row, line, ROW_GAP):
            return False
        new = _Row(line.base, line.base, k, spanning=True)
        new.add(first, line)
        self.rows.append(new)
        self.last = first
        return True

    def _spans_on(self, line: Line) -> bool:
        row = self.rows[-1]
        if not row.spanning:
            return False
        cell = next(iter(row.cells.values()))
        under = 0 < cell[-1].end_base - line.base <= WRAP * self.size
        if under and abs(line.x0 - cell[0].x0) <= 4:
            row.add(self.columns[0], line)
            return True
        return False

    def _add_group(self, group: list[Line], k: int) -> bool:
        if not _ascending(group):
            return False
        columns: list[_Column] = []
        aligned = True
        for piece in group:
            column, new = self.fit_new(piece)
            if column is None or any(column is c for c in columns):
                return False
            aligned = aligned and not new
            columns.append(column)
        row = self.rows[-1]
        base = group[0].base
        if base < row.bottom - 0.3 * self.size:
            gap = row.bottom - base
            wrapped = (
                not row.spanning
                and gap <= WRAP * self.size
                and all(p.text[:1].islower() for p in group)
                and all(id(c) in row.cells for c in columns)
            )
            if not wrapped:
                # A cut line whose pieces sit in the table's columns is a row even some way
                # below the last one (rows spaced apart).
                if gap > (2 * ROW_GAP if aligned else ROW_GAP) * self.size:
                    return False
                row = _Row(base, base, k)
                self.rows.append(row)
        elif base > row.top + 0.3 * self.size or row.spanning:
            return False
        for column, piece in zip(columns, group, strict=True):
            self._place(row, column, piece)
        self.last = columns[-1]
        return True

    def _add_line(self, line: Line, column: _Column, k: int) -> bool:
        row = self.rows[-1]
        tolerance = 0.3 * self.size
        if line.base > row.top + tolerance:
            # Above the current row: a column given after the rows it spans (column order).
            for earlier in self.rows[:-1]:
                if (
                    not earlier.spanning
                    and abs(earlier.top - line.base) <= tolerance
                    and id(column) not in earlier.cells
                ):
                    self._place(earlier, column, line)
                    self.last = column
                    return True
            return False
        if abs(line.base - row.top) <= tolerance and not row.spanning:
            self._place(row, column, line)
            self.last = column
            return True
        cell = row.cells.get(id(column))
        under = cell is not None and 0 < cell[-1].end_base - line.base <= WRAP * self.size
        order = self.columns.index(column) - self.columns.index(self.last)
        if order == 0 and under and not row.spanning:
            self._place(row, column, line)
            return True
        if order <= 0 or row.spanning:
            if self._below(row, line, ROW_GAP):
                new = _Row(line.base, line.base, k)
                self.rows.append(new)
                self._place(new, column, line)
                self.last = column
                return True
            if under and not row.spanning:
                self._place(row, column, line)
                self.last = column
                return True
            return False
        # A later column whose text starts lower than the row's first line.
        if under or (cell is None and line.base >= row.bottom - WRAP * self.size):
            self._place(row, column, line)
            self.last = column
            return True
        return False

    # -- result ----------------------------------------------------------------------------------

    def qualifies(self) -> bool:
        if not self.ok or len(self.rows) < 2 or len(self.columns) < 2:
            return False
        full = sum(1 for row in self.rows if len(row.cells) >= 2)
        return full >= 2

    def commit(self) -> TablePiece:
        ordered = sorted(self.columns, key=lambda c: c.left)
        number = {id(c): i for i, c in enumerate(ordered, start=1)}
        piece = TablePiece(
            self.page, False, tuple(round(c.left, 1) for c in ordered), len(self.rows)
        )
        for row_number, row in enumerate(self.rows, start=1):
            for key, cell in row.cells.items():
                for line in cell:
                    line.table = piece
                    line.cell = (row_number, number[key])
        return piece


def _page_unit(lines: list[Line]) -> float:
    """A stand-in for the font size: the page's commonest line pitch over 1.2."""
    gaps = sorted(
        round(a.end_base - b.base)
        for a, b in itertools.pairwise(lines)
        if 2 < a.end_base - b.base < 60
    )
    return gaps[len(gaps) // 2] / 1.2 if gaps else 10.0


def _ascending(group: list[Line]) -> bool:
    return all(b.x0 > a.x1 for a, b in itertools.pairwise(group))


def _seed(lines: list[Line], start: int) -> tuple[list[list[Line]], int] | None:
    """The first cells of a borderless table starting at ``lines[start]``, and the index
    after them: the pieces of a cut printed line, or a stack of lines at one left edge
    followed by a line that goes back up beside them to the stack's first baseline (the
    next cell, as LibreOffice writes a table cell by cell)."""
    first = lines[start]
    if first.table is not None:
        return None
    if first.segment == 0:
        group = _printed_line(lines, start)
        return [[piece] for piece in group], start + len(group)
    if first.segment is not None:
        return None
    stack = [first]
    for index in range(start + 1, min(len(lines), start + 12)):
        line = lines[index]
        if line.page != first.page or line.table is not None or line.segment is not None:
            return None
        right = max(s.x1 for s in stack)
        if _same_baseline(line, first) and line.x0 > right + max(first.size, 4):
            wide = line.x0 - right > 2 * first.size
            return ([stack, [line]], index + 1) if len(stack) >= 2 or wide else None
        under = 0 < stack[-1].end_base - line.base <= WRAP * first.size
        if not (under and abs(line.x0 - first.x0) <= 4 and abs(line.size - first.size) < 0.6):
            return None
        stack.append(line)
    return None


def find_borderless(lines: list[Line], recut: Recut | None) -> None:
    """Mark the lines of borderless tables on one page (``lines`` may be cut further)."""
    index = 0
    unit = 0.0
    while index < len(lines):
        seed = _seed(lines, index)
        if seed is None:
            index += 1
            continue
        if not unit:
            unit = _page_unit(lines)
        grower = _Grower(lines, index, seed[0], seed[1], recut, unit)
        grower.grow()
        if grower.qualifies():
            grower.commit()
            index = grower.end
        else:
            index += 1


# --------------------------------------------------------------------------------------------
# Cell order
# --------------------------------------------------------------------------------------------


def _reading(a: Line, b: Line) -> int:
    """Printed-line order inside a cell: top to bottom, then left to right."""
    if _same_baseline(a, b):
        return -1 if a.x0 < b.x0 else (1 if a.x0 > b.x0 else 0)
    return -1 if a.base > b.base else 1


def in_cell_order(lines: list[Line]) -> list[Line]:
    """The page's lines with each table's lines together, in row and column order, where the
    table's first line was. Within a cell, content order is kept unless it goes back up."""
    pieces: dict[int, list[Line]] = {}
    for line in lines:
        if line.table is not None:
            pieces.setdefault(id(line.table), []).append(line)
    if not pieces:
        return lines
    out: list[Line] = []
    done: set[int] = set()
    for line in lines:
        if line.table is None:
            out.append(line)
            continue
        key = id(line.table)
        if key in done:
            continue
        done.add(key)
        members = pieces[key]
        cells: dict[tuple[int, int], list[Line]] = {}
        for member in members:
            assert member.cell is not None
            cells.setdefault(member.cell, []).append(member)
        for cell in sorted(cells):
            content = cells[cell]
            if any(b.base > a.base + 0.5 * b.size for a, b in itertools.pairwise(content)):
                content = sorted(content, key=functools.cmp_to_key(_reading))
            out.extend(content)
        first = [m for m in members if m.cell is not None and m.cell[0] == 1]
        line.table.first_row = _row_signature(first)
        line.table.carried = frozenset(
            row
            for row in (1, 2)
            if any(cell[0] == row for cell in cells)
            and all(_lower_start(cells[cell][0]) for cell in cells if cell[0] == row)
        )
    return out


def _lower_start(line: Line) -> bool:
    first = line.text[:1]
    return first.isalpha() and first.islower()


def _row_signature(lines: list[Line]) -> tuple[tuple[int, str], ...]:
    texts: dict[int, list[str]] = {}
    for line in lines:
        assert line.cell is not None
        texts.setdefault(line.cell[1], []).append(line.text)
    return tuple(
        (column, "".join("".join(parts).lower().split())) for column, parts in sorted(texts.items())
    )
