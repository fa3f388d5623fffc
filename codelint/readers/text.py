"""Readers for plain text and Markdown, and the text helpers the HTML reader shares.

Plain text has no markup, so structure is inferred from layout: blank lines separate
paragraphs, a line that starts with a clause number ("4.2 The Council...") or a bullet starts a
new block, and a short line in capitals or a short numbered title standing on its own is a
heading. Form feeds are page breaks.

Markdown is read with a small line-based parser that covers what councils' Markdown actually
uses (CommonMark plus GitHub pipe tables and footnotes). It is lenient where CommonMark is strict
in ways that would merge clauses: a line starting with a dotted clause number always starts a new
block.

Comments (``<!-- ... -->``) in Markdown are anchored the same way as in HTML: a comment inside a
block's text belongs to that block; a comment on lines of its own belongs to the next block; a
comment after the last block belongs to the last block.
"""

from __future__ import annotations

import codecs
import html
import itertools
import re
from collections import deque
from dataclasses import dataclass, field

from codelint.document import Block, Comment, Document
from codelint.limits import Limits

# --------------------------------------------------------------------------------------------
# Decoding
# --------------------------------------------------------------------------------------------

#: Windows-1252 leaves five bytes undefined; Python refuses them, browsers map them to the C1
#: control of the same number. Decoding as Latin-1 and translating 0x80-0x9F gives exactly that.
_CP1252_TABLE = {
    byte: bytes([byte]).decode("cp1252", errors="ignore") or chr(byte) for byte in range(0x80, 0xA0)
}

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

CP1252_NOTE = "the file is not valid UTF-8: it was read as Windows-1252 (Western European)"


def decode_windows_1252(data: bytes) -> str:
    """Decode ``data`` as Windows-1252 the way browsers do; never fails."""
    return data.decode("latin-1").translate(_CP1252_TABLE)


def decode_bom(data: bytes) -> str | None:
    """Decode ``data`` by its byte-order mark, or return None when it has none."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(encoding, errors="replace")
    return None


def sniff_utf16(data: bytes) -> str | None:
    """Decode UTF-16 without a byte-order mark, recognised by NULs in every other byte.

    Text in Latin script encoded as UTF-16 has a zero high byte for almost every character,
    so one of the two byte positions is mostly NUL. Returns None when ``data`` does not look
    like UTF-16 or does not decode as it.
    """
    sample = data[:4096]
    half = len(sample) // 2
    if half < 2:
        return None
    even_nuls = sample[0::2].count(0)
    odd_nuls = sample[1::2].count(0)
    if odd_nuls > 0.4 * half and even_nuls < 0.1 * half:
        encoding = "utf-16-le"
    elif even_nuls > 0.4 * half and odd_nuls < 0.1 * half:
        encoding = "utf-16-be"
    else:
        return None
    try:
        return data[: len(data) - len(data) % 2].decode(encoding)
    except UnicodeDecodeError:
        return None


def decode_bytes(data: bytes) -> tuple[str, str | None]:
    """Decode text: byte-order mark, UTF-16 without one, UTF-8, else Windows-1252.

    Returns the text and a note for ``Document.notes`` when the fallback was used.
    """
    text = decode_bom(data)
    if text is None:
        text = sniff_utf16(data)
    if text is not None:
        return text, None
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError:
        return decode_windows_1252(data), CP1252_NOTE


# --------------------------------------------------------------------------------------------
# Clause numbers, headings and section paths (shared with the HTML reader)
# --------------------------------------------------------------------------------------------

# A clause number at the start of a block. Numeric forms must be followed by something that is
# not a lower-case letter, so "4.2 applies" in a hard-wrapped sentence or "10.30 am" is not a
# clause; a single number needs its full stop or bracket ("4. ", "4) ") so that "10 working
# days" is not one either. Lettered forms ("(a) the supplier") are usually followed by lower case.
_CLAUSE_RE = re.compile(
    r"""[ \t]*
    (?:
        (?P<dotted>\d{1,3}(?:\.\d{1,3}){1,5}(?:\([a-z0-9]{1,4}\)){0,3})\.?
      | (?P<bracketed>\d{1,3}(?:\([a-z0-9]{1,4}\)){1,3})\.?
      | (?P<single>\d{1,3})[.)]
      | \((?P<letter>[a-z]{1,2}|[ivxlc]{1,6}|\d{1,3})\)
      | (?P<letter2>[a-z]|[ivx]{2,5})\)
    )
    [ \t\u00a0]+(?P<next>\S)""",
    re.VERBOSE,
)

#: Words that introduce a numbered heading ("Section 4 - Thresholds", "Appendix A").
_HEADING_WORDS = (
    "part|section|chapter|rule|article|schedule|appendix|annex|annexe|clause|paragraph"
    "|standing order"
)

_HEADING_NUMBER_RE = re.compile(
    rf"""(?:
        (?P<word>(?:{_HEADING_WORDS}))[ \t]+
        (?P<wnum>\d{{1,3}}(?:\.\d{{1,3}})*[A-Z]?|[A-Z]|[IVXLC]{{1,6}})
      | (?P<num>\d{{1,3}}(?:\.\d{{1,3}}){{0,5}})
    )
    \.?(?:[ \t]*[-–—:.][ \t]*|[ \t]+|$)(?P<title>.*)$""",
    re.VERBOSE | re.IGNORECASE,
)


def leading_clause(text: str) -> str | None:
    """Return the clause number ``text`` starts with ("4.2", "12(b)", "(a)"), if any."""
    match = _CLAUSE_RE.match(text)
    if not match:
        return None
    letter = match.group("letter") or match.group("letter2")
    if letter:
        return f"({letter})"
    if match.group("next").islower():
        return None
    return match.group("dotted") or match.group("bracketed") or match.group("single")


def heading_clause(text: str) -> str | None:
    """Return the number a heading title starts with ("4", "4.2", "Section 4" -> "4")."""
    match = _HEADING_NUMBER_RE.match(text.strip())
    if not match:
        return None
    if match.group("num") and not match.group("title").strip():
        return None  # a bare number is not a numbered title
    return match.group("wnum") or match.group("num")


class SectionTracker:
    """Keeps the path of enclosing headings as headings arrive in reading order."""

    def __init__(self) -> None:
        self._stack: list[tuple[int, str]] = []

    def heading(self, level: int, title: str) -> tuple[str, ...]:
        """Enter a heading; return its own section (the titles of the headings above it)."""
        while self._stack and self._stack[-1][0] >= level:
            self._stack.pop()
        section = self.path
        self._stack.append((level, title))
        return section

    @property
    def path(self) -> tuple[str, ...]:
        """The section of a block that follows: every open heading, outermost first."""
        return tuple(title for _, title in self._stack)


def normalise_newlines(text: str) -> str:
    if text.startswith("\ufeff"):
        text = text[1:]
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")


# --------------------------------------------------------------------------------------------
# Plain text
# --------------------------------------------------------------------------------------------

_BULLET_RE = re.compile(r"([ \t]*)([•·▪◦‣●○■□➢➤✓–*o-])[ \t]+(.*)$")
_EMPTY_BULLET_RE = re.compile(r"[ \t]*[•·▪◦‣●○■□➢➤]$")
_UNDERLINE_RE = re.compile(r"[ \t]*(=+|-+)[ \t]*$")
_MODAL_RE = re.compile(r"\b(must|shall|will|should|may|can|is|are)\b", re.IGNORECASE)
#: A heading never ends like a sentence or an introduction to a list.
_SENTENCE_END = (".", ",", ";", ":")
MAX_HEADING_CHARS = 100
MAX_HEADING_WORDS = 12


def _indent(line: str) -> int:
    """Width of the leading whitespace, a tab counting as four columns."""
    width = 0
    for char in line:
        if char == " ":
            width += 1
        elif char == "\t":
            width += 4 - width % 4
        else:
            break
    return width


def _is_capitals(line: str) -> bool:
    letters = [c for c in line if c.isalpha()]
    return len(letters) >= 2 and all(not c.islower() for c in letters)


def _short(line: str) -> bool:
    return len(line) <= MAX_HEADING_CHARS and len(line.split()) <= MAX_HEADING_WORDS


def text_heading_level(line: str, alone: bool) -> int | None:
    """Return the heading level of ``line`` in plain text, or None when it is not a heading.

    ``alone`` says the line stands between blank lines. A heading is short and does not end
    like a sentence, and is either in capitals ("4. PROCUREMENT THRESHOLDS", which may also
    open a paragraph) or a numbered title standing alone ("4. Procurement thresholds",
    "Section 4 - Thresholds"). Numbered titles take their level from the number's depth
    ("4" -> 1, "4.2" -> 2); titles introduced by a word ("Part 2") and unnumbered capitals are
    level 1.
    """
    line = line.strip()
    if not line or not _short(line) or line.endswith(_SENTENCE_END):
        return None
    number = _HEADING_NUMBER_RE.match(line)
    if _is_capitals(line):
        if number and number.group("num") and number.group("title").strip():
            return min(6, number.group("num").count(".") + 1)
        return 1
    if not alone or not number:
        return None
    title = number.group("title").strip()
    if number.group("word"):
        return 1 if not title or title[0].isupper() or title[0].isdigit() else None
    if not title or not title[0].isupper() or _MODAL_RE.search(title):
        return None
    if len(title.split()) > 8:
        return None
    return min(6, number.group("num").count(".") + 1)


@dataclass
class _Pending:
    """A block being built from one or more lines."""

    kind: str
    lines: list[str] = field(default_factory=list)
    clause: str | None = None
    level: int | None = None


def join_wrapped(lines: list[str]) -> str:
    """Join hard-wrapped lines with a space; a word hyphenated at the end of a line
    ("well-" + "known") is joined without one, keeping the hyphen."""
    if len(lines) == 1:
        return lines[0]
    out: list[str] = [lines[0]]
    for previous, line in itertools.pairwise(lines):
        glue = (
            ""
            if len(previous) > 1
            and previous.endswith("-")
            and previous[-2].isalpha()
            and line[:1].islower()
            else " "
        )
        out.append(glue)
        out.append(line)
    return "".join(out)


class _TextParser:
    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.sections = SectionTracker()
        self.page: int | None = None
        #: Indentation of each open list level, for the nesting of bullets.
        self.list_indents: list[int] = []

    def parse(self, text: str) -> None:
        pages = normalise_newlines(text).split("\f")
        if len(pages) > 1:
            while pages and not pages[-1].strip():
                pages.pop()
            self.doc.pages = len(pages) or None
        for number, page in enumerate(pages, start=1):
            self.page = number if self.doc.pages else None
            for chunk in _chunks(page.split("\n")):
                self._chunk(chunk)

    def _chunk(self, lines: list[str]) -> None:
        """Turn one run of non-blank lines into blocks."""
        first = lines[0].strip()
        if len(lines) == 2 and _UNDERLINE_RE.match(lines[1]) and _short(first):
            level: int | None = 1 if "=" in lines[1] else 2  # underlined with === or ---
            lines = lines[:1]
        else:
            level = text_heading_level(first, alone=len(lines) == 1)
            if level and len(lines) > 1 and _is_capitals(lines[1]):
                level = None  # a paragraph written in capitals, not a heading
        if level is not None and not _BULLET_RE.match(lines[0]):
            self._heading(first, level)
            lines = lines[1:]
        current: _Pending | None = None
        for line in lines:
            current = self._line(line, current)
        self._emit(current)

    def _line(self, line: str, current: _Pending | None) -> _Pending:
        """Add one line: it starts a new block or continues ``current``."""
        stripped = line.strip()
        bullet = _BULLET_RE.match(line)
        if bullet and bullet.group(3).strip():
            self._emit(current)
            return _Pending("list-item", [bullet.group(3).strip()], None, self._list_level(line))
        if _EMPTY_BULLET_RE.match(line):
            self._emit(current)
            return _Pending("list-item", [], None, self._list_level(line))
        clause = leading_clause(stripped)
        if clause:
            self._emit(current)
            if clause.startswith("("):
                return _Pending("list-item", [stripped], clause, self._list_level(line))
            self.list_indents.clear()
            return _Pending("paragraph", [stripped], clause)
        if current is None:
            self.list_indents.clear()
            return _Pending("paragraph", [stripped])
        current.lines.append(stripped)
        return current

    def _list_level(self, line: str) -> int:
        indent = _indent(line)
        while self.list_indents and self.list_indents[-1] > indent:
            self.list_indents.pop()
        if not self.list_indents or self.list_indents[-1] < indent:
            self.list_indents.append(indent)
        return len(self.list_indents) - 1

    def _heading(self, title: str, level: int) -> None:
        self.list_indents.clear()
        section = self.sections.heading(level, title)
        self.doc.blocks.append(
            Block(
                "heading",
                title,
                page=self.page,
                section=section,
                clause=heading_clause(title),
                level=level,
            )
        )

    def _emit(self, pending: _Pending | None) -> None:
        if pending is None or not pending.lines:
            return
        text = join_wrapped(pending.lines).strip()
        if not text:
            return
        self.doc.blocks.append(
            Block(
                pending.kind,
                text,
                page=self.page,
                section=self.sections.path,
                clause=pending.clause,
                level=pending.level,
            )
        )


def _chunks(lines: list[str]) -> list[list[str]]:
    """Split lines into runs of non-blank lines (trailing whitespace removed)."""
    chunks: list[list[str]] = []
    current: list[str] = []
    for line in lines:
        line = line.rstrip()
        if line.strip():
            current.append(line)
        elif current:
            chunks.append(current)
            current = []
    if current:
        chunks.append(current)
    return chunks


def read_text(path: str, data: bytes, limits: Limits) -> Document:
    """Read plain text: paragraphs, numbered clauses, bullets, headings and form-feed pages."""
    text, note = decode_bytes(data)
    doc = Document(path=path, format="text")
    if note:
        doc.notes.append(note)
    _TextParser(doc).parse(text)
    return doc.finalise()


# --------------------------------------------------------------------------------------------
# Markdown
# --------------------------------------------------------------------------------------------

#: Stands in the text for a comment until the block holding it is emitted (private use area).
COMMENT_MARK = "\ue000"
_ESCAPE_BASE = 0xE100

_FENCE_RE = re.compile(r"([ \t]*)(`{3,}|~{3,})(.*)$")
_ATX_RE = re.compile(r" {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
_SETEXT_RE = re.compile(r" {0,3}(=+|-+)[ \t]*$")
_BREAK_RE = re.compile(r" {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
_QUOTE_RE = re.compile(r"(?:[ \t]{0,3}>[ \t]?)+")
_BULLET_MD_RE = re.compile(r"([ \t]*)([-*+])(?:[ \t]+(.*))?$")
_ORDERED_MD_RE = re.compile(r"([ \t]*)(\d{1,9})([.)])(?:[ \t]+(.*))?$")
_FOOTNOTE_DEF_RE = re.compile(r" {0,3}\[\^([^\]]+)\]:[ \t]*(.*)$")
_LINK_DEF_RE = re.compile(r" {0,3}\[[^\]^][^\]]*\]:[ \t]*\S+")
_TABLE_SEP_RE = re.compile(r"[ \t]*\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$")
_COMMENT_RE = re.compile(r"<!--(.*?)-->", re.DOTALL)

_CODE_SPAN_RE = re.compile(r"(`+)(.+?)(?<!`)\1(?!`)", re.DOTALL)
_ESCAPED_RE = re.compile(r"\\([!-/:-@\[-`{-~])")
_LINK_TEXT = r"\[((?:[^\[\]]|\[[^\[\]]*\])*)\]"
_LINK_DEST = r"\((?:[^()\s]|\([^()]*\))*(?:[ \t]+(?:\"[^\"]*\"|'[^']*'|\([^)]*\)))?[ \t]*\)"
_IMAGE_RE = re.compile(r"!" + _LINK_TEXT + r"(?:" + _LINK_DEST + r"|\[[^\]]*\])")
_LINK_RE = re.compile(_LINK_TEXT + r"(?:" + _LINK_DEST + r"|\[[^\]]*\])")
_AUTOLINK_RE = re.compile(r"<((?:https?|ftp|mailto):[^<>\s]+|[^<>\s@]+@[^<>\s@]+)>")
_TAG_RE = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>")
_FOOTNOTE_REF_RE = re.compile(r"\[\^[^\]\s]+\]")
#: Emphasis and strikethrough, each with the character it needs (to skip it cheaply).
_EMPHASIS = (
    ("*", re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*", re.DOTALL)),
    ("_", re.compile(r"(?<!\w)__(?=\S)(.+?)(?<=\S)__(?!\w)", re.DOTALL)),
    ("~", re.compile(r"~~(?=\S)(.+?)(?<=\S)~~", re.DOTALL)),
    ("*", re.compile(r"(?<![\w*])\*(?=[^\s*])(.+?)(?<=[^\s*])\*(?![\w*])", re.DOTALL)),
    ("_", re.compile(r"(?<![\w_])_(?=[^\s_])(.+?)(?<=[^\s_])_(?![\w_])", re.DOTALL)),
)


def strip_inline(text: str) -> str:
    """Reduce Markdown inline markup to the text a reader sees.

    Code spans keep their content literally; images become their alt text, links their
    text; emphasis markers, raw HTML tags and footnote references go; entities and
    backslash escapes are decoded.
    """
    out: list[str] = []
    position = 0
    for match in _CODE_SPAN_RE.finditer(text) if "`" in text else ():
        out.append(_strip_markup(text[position : match.start()]))
        code = match.group(2)
        if code.startswith(" ") and code.endswith(" ") and code.strip():
            code = code[1:-1]
        out.append(code)
        position = match.end()
    out.append(_strip_markup(text[position:]))
    return " ".join("".join(out).split())


def _strip_markup(text: str) -> str:
    escaped: list[str] = []

    def protect(match: re.Match[str]) -> str:
        escaped.append(match.group(1))
        return chr(_ESCAPE_BASE + len(escaped) - 1)

    if len(escaped) < 0xF00:
        text = _ESCAPED_RE.sub(protect, text)
    if "[" in text:
        text = _IMAGE_RE.sub(lambda m: m.group(1), text)
        text = _LINK_RE.sub(lambda m: m.group(1), text)
        text = _FOOTNOTE_REF_RE.sub("", text)
    if "<" in text:
        text = _AUTOLINK_RE.sub(lambda m: m.group(1), text)
        text = _TAG_RE.sub(" ", text)
    for _ in range(3):  # nested emphasis: ***x*** and **_x_**
        before = text
        for marker, pattern in _EMPHASIS:
            if marker in text:
                text = pattern.sub(lambda m: m.group(1), text)
        if text == before:
            break
    if "&" in text:
        text = html.unescape(text)
    if escaped:
        text = re.sub(
            "[" + chr(_ESCAPE_BASE) + "-" + chr(_ESCAPE_BASE + len(escaped) - 1) + "]",
            lambda m: escaped[ord(m.group(0)) - _ESCAPE_BASE],
            text,
        )
    return text


def _fence_close(line: str, fence: str) -> bool:
    stripped = line.strip()
    return bool(stripped) and set(stripped) == {fence[0]} and len(stripped) >= len(fence)


def _fence_open(line: str) -> re.Match[str] | None:
    match = _FENCE_RE.match(line)
    if match and match.group(2)[0] == "`" and "`" in match.group(3):
        return None  # an info string may not hold a backtick: this is a code span
    return match


def extract_comments(lines: list[str]) -> tuple[list[str], list[str]]:
    """Replace each HTML comment outside code fences with :data:`COMMENT_MARK`.

    Returns the new lines and the comments' texts in order. A comment spanning lines is
    folded into the line it starts on.
    """
    comments: list[str] = []
    out: list[str] = []
    fence: str | None = None
    index = 0
    while index < len(lines):
        line = lines[index].replace(COMMENT_MARK, "")
        index += 1
        if fence is not None:
            if _fence_close(line, fence):
                fence = None
            out.append(line)
            continue
        opened = _fence_open(line)
        if opened:
            fence = opened.group(2)
            out.append(line)
            continue
        while "<!--" in line:
            before, _, rest = line.partition("<!--")
            # Gather following lines until the comment closes (or the text ends).
            while "-->" not in rest and index < len(lines):
                rest += "\n" + lines[index]
                index += 1
            body, closed, after = rest.partition("-->")
            if not closed:
                after = ""
            comments.append(body.strip())
            line = before + COMMENT_MARK + after
        out.append(line)
    return out, comments


def split_front_matter(lines: list[str]) -> tuple[list[str], str | None]:
    """Remove YAML (``---``) or TOML (``+++``) front matter; return the body and its title.

    Only a block whose lines look like key/value pairs is taken as front matter, so a
    document that merely starts with a thematic break loses nothing.
    """
    if not lines or lines[0].strip() not in ("---", "+++"):
        return lines, None
    opener = lines[0].strip()
    closers = ("---", "...") if opener == "---" else ("+++",)
    for end in range(1, min(len(lines), 500)):
        if lines[end].strip() in closers:
            head = lines[1:end]
            if not all(_looks_like_metadata(line) for line in head):
                return lines, None
            return lines[end + 1 :], _front_matter_title(head)
    return lines, None


def _looks_like_metadata(line: str) -> bool:
    return (
        not line.strip()
        or line[:1] in (" ", "\t", "-", "#", "[")
        or bool(re.match(r"[\w.\"'-]+[ \t]*[:=]", line))
    )


def _front_matter_title(head: list[str]) -> str | None:
    for line in head:
        match = re.match(r"title[ \t]*[:=][ \t]*(.+)$", line, re.IGNORECASE)
        if match:
            title = match.group(1).strip().strip("\"'").strip()
            return title or None
    return None


def _split_row(line: str) -> list[str]:
    row = line.strip()
    if row.startswith("|"):
        row = row[1:]
    if row.endswith("|") and not row.endswith("\\|"):
        row = row[:-1]
    return [cell.strip().replace("\\|", "|") for cell in re.split(r"(?<!\\)\|", row)]


def _is_table_start(line: str, following: str) -> bool:
    if "|" not in line or "|" not in following or not _TABLE_SEP_RE.match(following):
        return False
    return len(_split_row(line)) == len(_split_row(following))


@dataclass
class _ListLevel:
    indent: int
    clause: str | None


def compose_clause(parent: str | None, label: str, decimal: bool) -> str:
    """The clause of a generated list number under a parent clause: "4" + "2" -> "4.2",
    "4.2" + "b" -> "4.2(b)"; at the top, "2" or "(b)"."""
    if parent is None:
        return label if decimal else f"({label})"
    if decimal and parent[-1].isdigit():
        return f"{parent}.{label}"
    return f"{parent}({label})"


class _MarkdownParser:
    """Line-based Markdown reader; comments arrive as :data:`COMMENT_MARK` in the lines."""

    def __init__(self, doc: Document, comments: list[str]) -> None:
        self.doc = doc
        self.sections = SectionTracker()
        self.comments = deque(comments)
        #: Comments waiting for the next block.
        self.pending: list[Comment] = []
        self.tables = 0
        self.lists: list[_ListLevel] = []
        self.para: _Pending | None = None
        #: Whether the previous line was blank (a list item's later paragraphs need one).
        self.blank = True

    # -- output --------------------------------------------------------------------------

    def take_comments(self, raw: str) -> list[Comment]:
        count = raw.count(COMMENT_MARK)
        return [Comment(self.comments.popleft(), None) for _ in range(count) if self.comments]

    def emit(self, kind: str, raw: str, *, code: bool = False, **fields: object) -> None:
        """Emit a block from raw Markdown, anchoring the comments it holds."""
        held = self.take_comments(raw)
        raw = raw.replace(COMMENT_MARK, "")
        text = raw.strip("\n") if code else strip_inline(raw)
        if not text.strip():
            self.pending.extend(held)
            return
        if kind == "heading":
            level = fields["level"]
            assert isinstance(level, int)
            fields["section"] = self.sections.heading(level, text)
            fields["clause"] = heading_clause(text)
        else:
            fields["section"] = self.sections.path
        if not code and fields.get("clause") is None and kind in ("paragraph", "list-item"):
            fields["clause"] = leading_clause(text)
        self.doc.blocks.append(Block(kind, text, **fields))  # type: ignore[arg-type]
        position = len(self.doc.blocks)
        for comment in [*self.pending, *held]:
            comment.block = position
            self.doc.comments.append(comment)
        self.pending = []

    def flush(self) -> None:
        para, self.para = self.para, None
        if para is not None:
            self.emit(para.kind, join_wrapped(para.lines), clause=para.clause, level=para.level)

    def finish(self) -> None:
        """Flush the last block; comments after it are anchored on it."""
        self.flush()
        last = len(self.doc.blocks) or None
        for comment in self.pending:
            comment.block = last
            self.doc.comments.append(comment)
        self.pending = []

    # -- block structure ---------------------------------------------------------------------

    def parse(self, lines: list[str]) -> None:
        index = 0
        while index < len(lines):
            index = self.line(lines, index)

    def line(self, lines: list[str], index: int) -> int:
        """Handle ``lines[index]``; return the index of the next line to handle."""
        line = lines[index]
        stripped = line.strip()
        if not stripped:
            self.flush()
            self.blank = True
            return index + 1
        if not stripped.replace(COMMENT_MARK, ""):
            # A comment on lines of its own ends a paragraph and waits for the next block.
            self.flush()
            self.pending.extend(self.take_comments(stripped))
            return index + 1
        fence = _fence_open(line)
        if fence:
            return self.fenced(lines, index, fence)
        if _QUOTE_RE.match(line):
            return self.quote(lines, index)
        following = self.structural(lines, index)
        if following is None:
            self.text_line(line)
            following = index + 1
        self.blank = False
        return following

    def structural(self, lines: list[str], index: int) -> int | None:
        """Headings, breaks, tables, definitions and list items; None for a text line."""
        line = lines[index]
        atx = _ATX_RE.match(line)
        if atx:
            self.flush()
            self.lists.clear()
            self.emit("heading", atx.group(2) or "", level=len(atx.group(1)))
            return index + 1
        setext = _SETEXT_RE.match(line)
        if setext and self.para is not None and self.para.kind == "paragraph" and not self.blank:
            para, self.para = self.para, None
            self.lists.clear()
            level = 1 if setext.group(1)[0] == "=" else 2
            self.emit("heading", join_wrapped(para.lines), level=level)
            return index + 1
        if _BREAK_RE.match(line):
            self.flush()
            self.lists.clear()
            return index + 1
        if index + 1 < len(lines) and _is_table_start(line, lines[index + 1]):
            return self.table(lines, index)
        footnote = _FOOTNOTE_DEF_RE.match(line)
        if footnote:
            self.flush()
            self.para = _Pending("footnote", [footnote.group(2).strip()])
            return index + 1
        if self.para is None and _LINK_DEF_RE.match(line):
            return index + 1  # a link reference definition is not text
        if self.list_item(line):
            return index + 1
        return None

    def list_item(self, line: str) -> bool:
        """Start a list item if ``line`` opens one; its level comes from the indentation."""
        bullet = _BULLET_MD_RE.match(line)
        ordered = None if bullet else _ORDERED_MD_RE.match(line)
        if ordered and self.para is not None and not self.blank and len(ordered.group(2)) > 3:
            ordered = None  # "2024. The year..." wrapped inside a paragraph is text
        if bullet:
            text = bullet.group(3) or ""
        elif ordered:
            text = ordered.group(4) or ""
        else:
            return False
        if not text.strip():
            return False
        self.flush()
        match = bullet or ordered
        assert match is not None
        indent = _indent(match.group(1))
        while self.lists and self.lists[-1].indent >= indent:
            self.lists.pop()
        parent = self.lists[-1].clause if self.lists else None
        clause = leading_clause(strip_inline(text.replace(COMMENT_MARK, "")))
        if ordered and clause is None:
            clause = compose_clause(parent, str(int(ordered.group(2))), decimal=True)
        level = len(self.lists)
        self.lists.append(_ListLevel(indent, clause))
        self.para = _Pending("list-item", [text.strip()], clause, level)
        return True

    def text_line(self, line: str) -> None:
        """A line of running text: continues the open block or starts a new one."""
        stripped = line.strip()
        indent = _indent(line)
        clause = leading_clause(strip_inline(stripped.replace(COMMENT_MARK, "")))
        if clause:
            # Clause lines always start a block, even where CommonMark would run them on.
            self.flush()
            if clause.startswith("("):
                level = len(self.lists) if indent >= 2 else 0
                self.para = _Pending("list-item", [stripped], clause, level)
                return
            if indent < 2:
                self.lists.clear()
            self.para = _Pending("paragraph", [stripped], clause)
            return
        if self.para is not None and not self.blank:
            self.para.lines.append(stripped)  # continuation (or CommonMark's lazy continuation)
            return
        self.flush()
        while self.lists and self.lists[-1].indent >= indent:
            self.lists.pop()
        if self.lists and indent >= 2:
            # A further paragraph of an open list item: same level, no number of its own.
            self.para = _Pending("list-item", [stripped], None, len(self.lists) - 1)
            return
        self.lists.clear()
        self.para = _Pending("paragraph", [stripped])

    def fenced(self, lines: list[str], index: int, fence: re.Match[str]) -> int:
        """Fenced code: kept as paragraphs (one per run of non-blank lines), lines preserved."""
        self.flush()
        marker, margin = fence.group(2), len(fence.group(1))
        body: list[str] = []
        index += 1
        while index < len(lines) and not _fence_close(lines[index], marker):
            line = lines[index].expandtabs(4)
            cut = min(margin, _indent(line))
            body.append(line[cut:].rstrip())
            index += 1
        for chunk in _chunks(body):
            self.emit("paragraph", "\n".join(chunk), code=True)
        self.blank = True
        return index + 1

    def quote(self, lines: list[str], index: int) -> int:
        """A block quote: its lines, markers removed, are read as Markdown in their own right.

        Every level of ``>`` is removed at once, so nested quotes cost no recursion.
        """
        self.flush()
        inner: list[str] = []
        while index < len(lines) and _QUOTE_RE.match(lines[index]):
            inner.append(_QUOTE_RE.sub("", lines[index], count=1))
            index += 1
        saved, self.lists, self.blank = self.lists, [], True
        self.parse(inner)
        self.flush()
        self.lists, self.blank = saved, True
        return index

    def table(self, lines: list[str], index: int) -> int:
        """A pipe table: every non-empty cell becomes a table-cell block; the header is row 1."""
        self.flush()
        self.lists.clear()
        self.tables += 1
        rows = [_split_row(lines[index])]
        index += 2  # the separator row is not content
        while index < len(lines) and "|" in lines[index] and lines[index].strip():
            rows.append(_split_row(lines[index]))
            index += 1
        for row_number, row in enumerate(rows, start=1):
            for column, cell in enumerate(row, start=1):
                self.emit("table-cell", cell, cell=(self.tables, row_number, column))
        self.blank = True
        return index


def read_markdown(path: str, data: bytes, limits: Limits) -> Document:
    """Read Markdown: headings, paragraphs, lists, pipe tables, quotes, code and comments."""
    text, note = decode_bytes(data)
    doc = Document(path=path, format="markdown")
    if note:
        doc.notes.append(note)
    lines, title = split_front_matter(normalise_newlines(text).split("\n"))
    lines, comments = extract_comments(lines)
    parser = _MarkdownParser(doc, comments)
    parser.parse(lines)
    parser.finish()
    doc.title = title or next(
        (b.text for b in doc.blocks if b.kind == "heading" and b.level == 1), None
    )
    return doc.finalise()
