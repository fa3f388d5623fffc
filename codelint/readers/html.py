"""Reader for published web pages: the page's main text with its headings.

The page is parsed with the standard library's lenient ``html.parser`` into a small tree
(nothing is executed, fetched or resolved: scripts are dropped, entity references other than
HTML's own stay literal, no URL is ever opened). The reader then picks the region to read:

1. the first visible ``<main>`` or ``[role=main]``; else the top-level ``<article>`` elements;
2. else the ``<body>`` without page furniture (nav, header, footer, aside, forms, landmark
   roles, cookie banners, "skip to content" links);
3. else, if that leaves nothing, every visible element of the page.

Inside the region, ``script``, ``style``, ``template``, ``svg``, form controls and hidden
elements (``hidden``, ``aria-hidden="true"``, ``display: none``) are dropped. Text is
collapsed as a browser would (no-break spaces become ordinary spaces), and ``<br>`` becomes a
newline; two ``<br>`` in a row, as old content systems separate paragraphs, start a new block.

Comments are anchored on blocks: a comment inside a block's text belongs to that block; a
comment between blocks belongs to the block that follows it, and one after the last block to
the last block. Comments in ``<head>`` or outside ``<body>`` are on the whole file
(``block=None``); comments inside dropped page furniture are not kept.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from html.parser import HTMLParser

from codelint.document import Block, Comment, Document
from codelint.limits import Limits
from codelint.readers.text import (
    CP1252_NOTE,
    SectionTracker,
    compose_clause,
    decode_bom,
    decode_windows_1252,
    heading_clause,
    leading_clause,
    sniff_utf16,
)

# --------------------------------------------------------------------------------------------
# Decoding
# --------------------------------------------------------------------------------------------

_META_CHARSET_RE = re.compile(rb"<meta[^>]*?charset\s*=\s*[\"']?\s*([A-Za-z0-9._:-]+)", re.I)
_XML_ENCODING_RE = re.compile(rb"<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._-]+)", re.I)


def _declared_encoding(head: bytes) -> str | None:
    match = _META_CHARSET_RE.search(head) or _XML_ENCODING_RE.search(head)
    return match.group(1).decode("ascii").lower() if match else None


def _codec_for(label: str) -> str | None:
    """Map a declared charset to a Python codec as browsers do; None when unknown."""
    try:
        name = codecs.lookup(label).name
    except LookupError:
        return None
    if name in ("latin-1", "iso8859-1", "ascii", "cp1252"):
        return "cp1252"  # browsers read all three as Windows-1252
    if name.startswith(("utf-16", "utf-32")):
        return "utf-8"  # a page that can declare itself in ASCII is not UTF-16
    return name


def decode_html(data: bytes) -> tuple[str, list[str]]:
    """Decode a page: byte-order mark, then the declared charset, else UTF-8, else
    Windows-1252. Returns the text and notes on anything the user should know."""
    text = decode_bom(data)
    if text is not None:
        return text, []
    notes: list[str] = []
    label = _declared_encoding(data[:4096])
    codec = _codec_for(label) if label else None
    if label and codec is None:
        notes.append(f"the page declares an unknown character set {label!r}; it was ignored")
    if codec == "cp1252":
        return decode_windows_1252(data), notes
    if codec and codec != "utf-8":
        try:
            return data.decode(codec), notes
        except UnicodeDecodeError:
            notes.append(f"the page is not valid {label}: undecodable bytes were replaced")
            return data.decode(codec, errors="replace"), notes
    if codec is None:
        utf16 = sniff_utf16(data)
        if utf16 is not None:
            return utf16, notes
    try:
        return data.decode("utf-8"), notes
    except UnicodeDecodeError:
        notes.append(CP1252_NOTE)
        return decode_windows_1252(data), notes


# --------------------------------------------------------------------------------------------
# The tree
# --------------------------------------------------------------------------------------------

VOID = frozenset(
    (
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "param",
        "source",
        "track",
        "wbr",
        "keygen",
    )
)
HEAD_ONLY = frozenset(
    (
        "base",
        "basefont",
        "bgsound",
        "link",
        "meta",
        "noscript",
        "script",
        "style",
        "template",
        "title",
    )
)
HEADINGS = frozenset(("h1", "h2", "h3", "h4", "h5", "h6"))
#: Elements that start on a new line (a flush of the text being gathered).
BLOCK = (
    frozenset(
        (
            "address",
            "article",
            "aside",
            "blockquote",
            "body",
            "center",
            "dd",
            "details",
            "dialog",
            "dir",
            "div",
            "dl",
            "dt",
            "fieldset",
            "figcaption",
            "figure",
            "footer",
            "form",
            "header",
            "hgroup",
            "hr",
            "html",
            "legend",
            "li",
            "main",
            "menu",
            "nav",
            "ol",
            "p",
            "pre",
            "search",
            "section",
            "summary",
            "table",
            "tbody",
            "td",
            "tfoot",
            "th",
            "thead",
            "tr",
            "ul",
            "caption",
        )
    )
    | HEADINGS
)
#: Elements that close an open <p> when they start.
CLOSES_P = BLOCK - {"td", "th", "tr", "tbody", "thead", "tfoot", "caption", "body", "html", "li"}
#: Elements an end tag may not search past (HTML's "scope" markers, simplified).
SCOPE = frozenset(("td", "th", "table", "caption", "template", "html", "#root"))
#: Beyond this depth new elements are not nested, so the walk cannot exhaust the stack.
MAX_DEPTH = 200


class Element:
    """An element of the parsed page."""

    __slots__ = ("attrs", "children", "tag")

    def __init__(self, tag: str, attrs: dict[str, str]) -> None:
        self.tag = tag
        self.attrs = attrs
        self.children: list[Element | str | CommentNode] = []

    def elements(self) -> Iterator[Element]:
        for child in self.children:
            if isinstance(child, Element):
                yield child


class CommentNode:
    __slots__ = ("in_body", "in_head", "text")

    def __init__(self, text: str, in_head: bool, in_body: bool) -> None:
        self.text = text
        self.in_head = in_head
        self.in_body = in_body


class TreeBuilder(HTMLParser):
    """Builds an :class:`Element` tree, closing elements the way browsers imply them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#root", {})
        self.stack: list[Element] = [self.root]
        #: Start tags not nested because of MAX_DEPTH, whose end tags must be ignored.
        self.flattened: dict[str, int] = {}
        self.has_body = False
        self.skip_subset_tail = False

    # -- stack helpers -----------------------------------------------------------------------

    def _open(self, tag: str) -> int | None:
        """Index in the stack of the innermost open ``tag`` within scope, or None."""
        for index in range(len(self.stack) - 1, 0, -1):
            current = self.stack[index].tag
            if current == tag:
                return index
            if current in SCOPE:
                return None
        return None

    def _open_any(self, tags: frozenset[str], stop: frozenset[str]) -> int | None:
        for index in range(len(self.stack) - 1, 0, -1):
            current = self.stack[index].tag
            if current in tags:
                return index
            if current in stop:
                return None
        return None

    def _close_implied(self, tag: str) -> None:
        """Pop what a start tag implicitly ends (<p> before a block, <li> before <li>...)."""
        # <head> can only sit just under the root or <html> (a later <head> is ignored).
        for index, element in enumerate(self.stack[1:3], start=1):
            if element.tag == "head" and tag not in HEAD_ONLY:
                del self.stack[index:]
                break
        checks: list[tuple[frozenset[str], frozenset[str]]] = []
        if tag in CLOSES_P:
            checks.append((frozenset({"p"}), SCOPE | {"button"}))
        if tag == "li":
            checks.append((frozenset({"li"}), SCOPE | {"ul", "ol", "menu", "dir"}))
        if tag in ("dt", "dd"):
            checks.append((frozenset({"dt", "dd"}), SCOPE | {"dl"}))
        if tag in ("td", "th"):
            checks.append((frozenset({"td", "th"}), frozenset({"tr", "table", "#root"})))
        if tag == "tr":
            checks.append((frozenset({"tr"}), frozenset({"table", "#root"})))
        if tag in ("tbody", "thead", "tfoot"):
            checks.append((frozenset({"tbody", "thead", "tfoot"}), frozenset({"table", "#root"})))
        if tag in HEADINGS and self.stack[-1].tag in HEADINGS:
            self.stack.pop()
        for tags, stop in checks:
            index = self._open_any(tags, stop)
            if index is not None:
                del self.stack[index:]

    # -- parser callbacks --------------------------------------------------------------------

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.skip_subset_tail = False
        values: dict[str, str] = {}
        for name, value in attrs:
            values.setdefault(name, value or "")
        if tag in ("html", "body") and any(e.tag == tag for e in self.stack[:3]):
            return  # a repeated <html>/<body>: browsers merge it into the first
        if tag == "head" and (self.has_body or len(self.stack) > 2):
            return  # a <head> after the content has started is ignored
        self._close_implied(tag)
        element = Element(tag, values)
        self.stack[-1].children.append(element)
        self.has_body = self.has_body or tag == "body"
        if tag in VOID:
            return
        if len(self.stack) >= MAX_DEPTH:
            self.flattened[tag] = self.flattened.get(tag, 0) + 1
            return
        self.stack.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        # XHTML style <p/>: an empty element (browsers would leave it open).
        depth = len(self.stack)
        self.handle_starttag(tag, attrs)
        if tag not in VOID and len(self.stack) > depth:
            self.stack.pop()

    def handle_endtag(self, tag: str) -> None:
        self.skip_subset_tail = False
        if tag == "br":
            self.handle_starttag("br", [])  # browsers read </br> as <br>
            return
        if tag in VOID or tag in ("html", "body"):
            return
        if self.flattened.get(tag):
            self.flattened[tag] -= 1
            return
        if tag in HEADINGS:
            index = self._open_any(HEADINGS, SCOPE)
        elif tag in SCOPE:
            index = self._open_any(frozenset({tag}), frozenset({"#root", "html"}))
        else:
            index = self._open(tag)
        if index is not None:
            del self.stack[index:]

    def handle_data(self, data: str) -> None:
        if self.skip_subset_tail:
            # html.parser ends a DOCTYPE's internal subset early and hands back "]>" as text.
            self.skip_subset_tail = False
            data = data.split("]>", 1)[1] if "]>" in data else data
        if not data:
            return
        data = data.replace("\x00", "\ufffd")
        children = self.stack[-1].children
        if children and isinstance(children[-1], str):
            children[-1] += data
        else:
            children.append(data)

    def handle_comment(self, data: str) -> None:
        if data.startswith("[if") or data.startswith("<![endif]"):
            return  # Internet Explorer's conditional comments are markup, not remarks
        tags = {e.tag for e in self.stack}
        self.stack[-1].children.append(CommentNode(data.strip(), "head" in tags, "body" in tags))

    def handle_decl(self, decl: str) -> None:
        # Entity declarations are never honoured; only the tail html.parser leaves is removed.
        self.skip_subset_tail = "[" in decl

    def unknown_decl(self, data: str) -> None:
        """CDATA sections and the like: browsers treat them as bogus comments; so do we."""


def parse_html(text: str) -> TreeBuilder:
    builder = TreeBuilder()
    builder.feed(text)
    builder.close()
    return builder


# --------------------------------------------------------------------------------------------
# What to read
# --------------------------------------------------------------------------------------------

#: Never text: code, styling, embedded objects, form controls, metadata.
NEVER_TEXT = frozenset(
    (
        "script",
        "style",
        "noscript",
        "template",
        "svg",
        "math",
        "head",
        "title",
        "meta",
        "link",
        "iframe",
        "object",
        "embed",
        "canvas",
        "video",
        "audio",
        "button",
        "select",
        "textarea",
        "input",
        "map",
        "area",
        "frameset",
        "frame",
    )
)
FURNITURE_TAGS = frozenset(("nav", "header", "footer", "aside", "form"))
FURNITURE_ROLES = frozenset(("navigation", "banner", "contentinfo", "complementary", "search"))
#: Inside <main>/<article> a header holds the page's h1 and a footer "last updated": kept.
FURNITURE_IN_MAIN = frozenset(("nav", "aside", "form"))
_HIDDEN_STYLE_RE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_COOKIE_RE = re.compile(
    r"cookie[-_ ]?(?:banner|notice|consent|bar|message|popup|law|alert|container)"
    r"|consent[-_ ]?banner|\bcc[-_]banner|gdpr",
    re.I,
)
_SKIP_LINK_RE = re.compile(r"^\s*skip\s+to\b", re.I)
#: Ids and classes older sites give their furniture in place of <header>, <nav>, <footer>.
#: Only honoured when the page marks no main content.
_FURNITURE_NAME_RE = re.compile(
    r"(?:site|page|global|main|top|primary)?[-_]?"
    r"(?:header|footer|nav|navbar|navigation|menu|breadcrumbs?|sidebar|masthead|topbar)",
    re.I,
)

#: How much page furniture is dropped: in the main region, in the body, or none.
MAIN, BODY, ALL = "main", "body", "all"


def is_hidden(element: Element) -> bool:
    """Hidden by attribute or inline style (stylesheets are not consulted)."""
    attrs = element.attrs
    if "hidden" in attrs and attrs["hidden"].strip().lower() != "until-found":
        return True  # "until-found" is collapsed content a reader can open: accordions
    if attrs.get("aria-hidden", "").strip().lower() == "true":
        return True
    if element.tag == "dialog" and "open" not in attrs:
        return True
    return bool(_HIDDEN_STYLE_RE.search(attrs.get("style", "")))


def _role(element: Element) -> str:
    return element.attrs.get("role", "").strip().lower()


def is_furniture(element: Element, profile: str) -> bool:
    """Whether ``element`` is page furniture to drop under ``profile``."""
    if profile == ALL:
        return False
    tags = FURNITURE_IN_MAIN if profile == MAIN else FURNITURE_TAGS
    if element.tag == "form" and profile == BODY:
        # ASP.NET pages wrap the whole page in one <form>: that one is not furniture.
        return not _holds_content(element)
    if element.tag in tags:
        return True
    role = _role(element)
    if role in FURNITURE_ROLES and (profile == BODY or role in ("navigation", "search")):
        return True
    names = element.attrs.get("id", "") + " " + element.attrs.get("class", "")
    if _COOKIE_RE.search(names):
        return True
    if profile == BODY and any(_FURNITURE_NAME_RE.fullmatch(name) for name in names.split()):
        return True
    return (
        profile == BODY
        and element.tag == "a"
        and element.attrs.get("href", "").startswith("#")
        and bool(_SKIP_LINK_RE.match(_plain_text(element)))
    )


def _holds_content(element: Element) -> bool:
    return any(e.tag in HEADINGS or e.tag in ("main", "article") for e, _ in _walk_visible(element))


def _plain_text(element: Element) -> str:
    return " ".join(text for text in _texts(element, skip_hidden=False)).strip()


def _texts(element: Element, skip_hidden: bool = True) -> Iterator[str]:
    """The text nodes under ``element`` that could ever be shown, in document order."""
    stack: list[Element | str | CommentNode] = [element]
    while stack:
        node = stack.pop()
        if isinstance(node, str):
            yield node
        elif isinstance(node, Element):
            if node.tag in NEVER_TEXT or (skip_hidden and is_hidden(node)):
                continue
            if node.tag == "img" and node.attrs.get("alt"):
                yield node.attrs["alt"]
            stack.extend(reversed(node.children))


def _walk_visible(root: Element) -> Iterator[tuple[Element, tuple[Element, ...]]]:
    """Visible elements under ``root`` with their ancestors (preorder, no recursion)."""
    stack: list[tuple[Element, tuple[Element, ...]]] = [(root, ())]
    while stack:
        element, ancestors = stack.pop()
        if element.tag in NEVER_TEXT or is_hidden(element):
            continue
        yield element, ancestors
        inner = (*ancestors, element)
        stack.extend((child, inner) for child in reversed(list(element.elements())))


def find_regions(root: Element) -> tuple[list[Element], str]:
    """The elements to read and the furniture profile to read them with."""
    articles: list[Element] = []
    for element, ancestors in _walk_visible(root):
        if element.tag == "main" or _role(element) == "main":
            return [element], MAIN
        if (
            element.tag == "article"
            and not any(a.tag == "article" for a in ancestors)
            and not any(is_furniture(a, BODY) for a in (*ancestors, element))
        ):
            articles.append(element)
    if articles:
        return articles, MAIN
    body = next((e for e, _ in _walk_visible(root) if e.tag == "body"), root)
    return [body], BODY


# --------------------------------------------------------------------------------------------
# Walking the region into blocks
# --------------------------------------------------------------------------------------------


class _Break:
    """A line break (``<br>``) or, inside a cell or heading, the edge of an inner block."""

    __slots__ = ()


BR = _Break()
_WHITESPACE_RE = re.compile(r"[ \t\n\r\f\u00a0]+")
_INVISIBLE = str.maketrans("", "", "\u00ad\u200b\ufeff")


def collapse(text: str) -> str:
    """Collapse whitespace as a browser does; no-break spaces become ordinary spaces."""
    return _WHITESPACE_RE.sub(" ", text.translate(_INVISIBLE))


@dataclass
class _Item:
    """A list item being read: its level and the clause its list number gives."""

    level: int
    clause: str | None
    #: True until the item's first block is emitted (later blocks carry no number).
    fresh: bool = True


@dataclass(frozen=True)
class _Context:
    #: "flow" emits blocks; "heading" and "cell" gather everything into one block.
    mode: str = "flow"
    profile: str = BODY
    item: _Item | None = None
    #: Number of enclosing lists, the level of a list that starts here.
    list_depth: int = 0


#: Text gathered for the next block: strings, breaks and comment anchors.
_Pieces = list[str | _Break | CommentNode]


class _Walker:
    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.sections = SectionTracker()
        self.pieces: _Pieces = []
        self.pending: list[Comment] = []
        self.tables = 0

    # -- emitting ----------------------------------------------------------------------------

    def emit(self, kind: str, text: str, comments: list[Comment], **fields: object) -> None:
        if not text.strip():
            self.pending.extend(comments)
            return
        if kind == "heading":
            level = fields["level"]
            assert isinstance(level, int)
            fields["section"] = self.sections.heading(level, text)
        else:
            fields["section"] = self.sections.path
        self.doc.blocks.append(Block(kind, text, **fields))  # type: ignore[arg-type]
        position = len(self.doc.blocks)
        for comment in [*self.pending, *comments]:
            comment.block = position
            self.doc.comments.append(comment)
        self.pending = []

    def take(self) -> _Pieces:
        items, self.pieces = self.pieces, []
        return items

    def flush(self, ctx: _Context) -> None:
        """Emit the gathered text as the block(s) the context calls for."""
        if not self.pieces:
            return
        items = self.take()
        lines: list[tuple[str, list[Comment]]] = [("", [])]
        for piece in items:
            if isinstance(piece, _Break):
                lines.append(("", []))
            elif isinstance(piece, CommentNode):
                lines[-1][1].append(Comment(piece.text, None))
            else:
                lines[-1] = (lines[-1][0] + piece, lines[-1][1])
        for text, comments in _split_lines([(collapse(t).strip(), c) for t, c in lines]):
            self.emit_flow(ctx, text, comments)

    def emit_flow(self, ctx: _Context, text: str, comments: list[Comment]) -> None:
        item = ctx.item
        if item is None:
            self.emit("paragraph", text, comments, clause=leading_clause(text))
            return
        clause = leading_clause(text)
        if item.fresh and text.strip():
            item.fresh = False
            item.clause = clause or item.clause
            clause = item.clause
        self.emit("list-item", text, comments, clause=clause, level=item.level)

    def gathered(self) -> tuple[str, list[Comment]]:
        """The gathered text as one block's text (breaks as newlines) and its comments."""
        lines: list[str] = [""]
        comments: list[Comment] = []
        for piece in self.take():
            if isinstance(piece, _Break):
                lines.append("")
            elif isinstance(piece, CommentNode):
                comments.append(Comment(piece.text, None))
            else:
                lines[-1] += piece
        text = "\n".join(line for line in (collapse(x).strip() for x in lines) if line)
        return text, comments

    def comment(self, node: CommentNode) -> None:
        self.pieces.append(node)

    # -- walking -------------------------------------------------------------------------------

    def walk(self, element: Element, ctx: _Context) -> None:
        for child in element.children:
            if isinstance(child, str):
                self.pieces.append(child)
            elif isinstance(child, CommentNode):
                self.comment(child)
            else:
                self.element(child, ctx)

    def boundary(self, ctx: _Context) -> None:
        if ctx.mode == "flow":
            self.flush(ctx)
        elif ctx.mode == "cell":
            self.pieces.append(BR)
        else:
            self.pieces.append(" ")

    def element(self, element: Element, ctx: _Context) -> None:
        tag = element.tag
        if tag in NEVER_TEXT or is_hidden(element) or is_furniture(element, ctx.profile):
            return
        if tag == "br":
            self.pieces.append(BR if ctx.mode != "heading" else " ")
        elif tag == "img":
            alt = element.attrs.get("alt", "").strip()
            if alt:
                self.pieces.append(f" {alt} ")
        elif ctx.mode != "flow":
            self.inline_block(element, ctx)
        elif heading_level(element):
            self.heading(element, ctx)
        elif tag in ("ul", "ol", "menu", "dir"):
            self.list(element, ctx)
        elif tag == "li":
            self.item(element, ctx, ctx.list_depth, None)
        elif tag == "table":
            self.table(element, ctx)
        elif tag == "pre":
            self.pre(element, ctx)
        elif tag in BLOCK:
            self.flush(ctx)
            self.walk(element, ctx)
            self.flush(ctx)
        else:
            self.walk(element, ctx)

    def inline_block(self, element: Element, ctx: _Context) -> None:
        """Inside a heading or a cell: inner blocks only break the line."""
        if element.tag in BLOCK:
            self.boundary(ctx)
            self.walk(element, ctx)
            self.boundary(ctx)
        else:
            self.walk(element, ctx)

    def heading(self, element: Element, ctx: _Context) -> None:
        self.flush(ctx)
        self.walk(element, replace(ctx, mode="heading"))
        text, comments = self.gathered()
        text = text.replace("\n", " ")
        level = heading_level(element) or 1
        self.emit("heading", text, comments, level=level, clause=heading_clause(text))

    def pre(self, element: Element, ctx: _Context) -> None:
        """Preformatted text keeps its lines; the newline right after <pre> is dropped."""
        self.flush(ctx)
        raw: list[str] = []
        comments: list[Comment] = []
        for node in _preorder_text(element):
            if isinstance(node, CommentNode):
                comments.append(Comment(node.text, None))
            else:
                raw.append(node)
        text = "".join(raw).replace("\u00a0", " ")
        text = text[1:] if text.startswith("\n") else text
        lines = [line.rstrip() for line in text.split("\n")]
        while lines and not lines[-1].strip():
            lines.pop()
        while lines and not lines[0].strip():
            lines.pop(0)
        self.emit("paragraph", "\n".join(lines), comments, clause=leading_clause("\n".join(lines)))

    # -- lists ---------------------------------------------------------------------------------

    def list(self, element: Element, ctx: _Context) -> None:
        self.flush(ctx)
        numbers = _Numbering(element) if element.tag == "ol" else None
        level = ctx.list_depth
        parent = ctx.item.clause if ctx.item else None
        last: _Item | None = ctx.item
        for child in element.children:
            if isinstance(child, Element) and child.tag == "li":
                if is_hidden(child):
                    continue
                clause = numbers.clause(child, parent) if numbers else None
                last = self.item(child, ctx, level, clause)
            elif isinstance(child, Element):
                # Invalid but common: a list nested directly in a list, under its last item.
                self.flush(ctx)
                self.element(child, replace(ctx, item=last, list_depth=level + 1))
                self.flush(ctx)
            elif isinstance(child, CommentNode):
                self.comment(child)
            else:
                self.pieces.append(child)
        self.flush(ctx)

    def item(self, element: Element, ctx: _Context, level: int, clause: str | None) -> _Item:
        self.flush(ctx)
        state = _Item(level, clause)
        inner = replace(ctx, item=state, list_depth=level + 1)
        self.walk(element, inner)
        self.flush(inner)
        return state

    # -- tables --------------------------------------------------------------------------------

    def table(self, element: Element, ctx: _Context) -> None:
        self.flush(ctx)
        parts, captions, stray = _table_parts(element)
        rows = [row for row in parts if isinstance(row, Element)]
        if _is_layout(element, rows):
            self.walk(element, ctx)
            self.flush(ctx)
            return
        for node in stray:  # browsers show misplaced content before the table
            if isinstance(node, Element):
                self.element(node, ctx)
            elif isinstance(node, CommentNode):
                self.comment(node)
            else:
                self.pieces.append(node)
        self.flush(ctx)
        for caption in captions:
            self.walk(caption, ctx)
            self.flush(ctx)
        self.tables += 1
        self.cells(parts, replace(ctx, mode="cell", item=None))

    def cells(self, parts: list[Element | CommentNode], ctx: _Context) -> None:
        """One table-cell block per cell, placed on the grid spans make."""
        grid = _Grid(sum(1 for row in parts if isinstance(row, Element)))
        row_number = 0
        for row in parts:
            if isinstance(row, CommentNode):
                self.comment(row)
                continue
            row_number += 1
            column = 1
            for cell in row.children:
                if isinstance(cell, CommentNode):
                    self.comment(cell)
                    continue
                if not isinstance(cell, Element) or cell.tag not in ("td", "th"):
                    continue
                colspan = _span(cell, "colspan")
                column = grid.place(row_number, column, colspan, _span(cell, "rowspan"))
                if not is_hidden(cell):
                    self.walk(cell, ctx)
                    text, comments = self.gathered()
                    self.emit("table-cell", text, comments, cell=(self.tables, row_number, column))
                column += colspan


def _split_lines(lines: list[tuple[str, list[Comment]]]) -> Iterator[tuple[str, list[Comment]]]:
    """Group the lines of a flow block into blocks.

    A blank line (two ``<br>``) ends a block, and so does a line starting with a numbered
    clause ("1.2 ...") after a ``<br>``, as pages pasted from Word often separate clauses.
    Comments on blank lines wait for the next block.
    """
    text: list[str] = []
    comments: list[Comment] = []
    for line, held in lines:
        clause = leading_clause(line) if line else None
        starts_clause = clause is not None and not clause.startswith("(")
        if text and (not line or starts_clause):
            yield "\n".join(text), comments
            text, comments = [], []
        if line:
            text.append(line)
        comments.extend(held)
    if text or comments:
        yield "\n".join(text), comments


def heading_level(element: Element) -> int | None:
    if element.tag in HEADINGS:
        return int(element.tag[1])
    if _role(element) == "heading":
        match = re.match(r"\s*(\d+)", element.attrs.get("aria-level", ""))
        return max(1, min(6, int(match.group(1)))) if match else 2
    return None


def _preorder_text(element: Element) -> Iterator[str | CommentNode]:
    stack: list[Element | str | CommentNode] = [element]
    while stack:
        node = stack.pop()
        if isinstance(node, Element):
            if node.tag in NEVER_TEXT or is_hidden(node):
                continue
            if node.tag == "br":
                yield "\n"
            stack.extend(reversed(node.children))
        else:
            yield node


def _table_parts(
    table: Element,
) -> tuple[list[Element | CommentNode], list[Element], list[Element | str | CommentNode]]:
    """The rows (in source order, with the comments between them), captions and misplaced
    content of a table."""
    rows: list[Element | CommentNode] = []
    captions: list[Element] = []
    stray: list[Element | str | CommentNode] = []
    for child in table.children:
        if isinstance(child, CommentNode) or (isinstance(child, Element) and child.tag == "tr"):
            rows.append(child)
        elif isinstance(child, Element) and child.tag in ("thead", "tbody", "tfoot"):
            for node in child.children:
                if isinstance(node, CommentNode) or (
                    isinstance(node, Element) and node.tag == "tr"
                ):
                    rows.append(node)
                elif isinstance(node, Element) or (isinstance(node, str) and node.strip()):
                    stray.append(node)
        elif isinstance(child, Element) and child.tag == "caption":
            captions.append(child)
        elif not _ignorable_in_table(child):
            stray.append(child)
    return rows, captions, stray


def _ignorable_in_table(node: Element | str | CommentNode) -> bool:
    if isinstance(node, Element):
        return node.tag in ("colgroup", "col")
    return isinstance(node, CommentNode) or not node.strip()


def _is_layout(table: Element, rows: list[Element]) -> bool:
    """A table used for page layout, whose cells are read as ordinary content: marked so,
    a single cell, or cells holding headings or further tables."""
    if _role(table) in ("presentation", "none"):
        return True
    cells = [c for row in rows for c in row.elements() if c.tag in ("td", "th")]
    if len(cells) <= 1:
        return True
    for cell in cells:
        for element, _ in _walk_visible(cell):
            if element is not cell and (element.tag == "table" or element.tag in HEADINGS):
                return True
    return False


def _span(cell: Element, name: str) -> int:
    """A cell's colspan (1..1000) or rowspan (0 = to the end of the table, else 1..65534)."""
    match = re.match(r"\s*(\d+)", cell.attrs.get(name, ""))
    value = int(match.group(1)) if match else 1
    if name == "rowspan" and value == 0:
        return 0
    return max(1, min(1000 if name == "colspan" else 65534, value))


class _Grid:
    """Which slots of a table earlier cells' rowspans already take."""

    def __init__(self, rows: int) -> None:
        self.rows = rows
        self.taken: dict[int, list[tuple[int, int]]] = {}

    def place(self, row: int, column: int, colspan: int, rowspan: int) -> int:
        """Find the first free column at or after ``column``; reserve the cell's slots."""
        moved = True
        while moved:
            moved = False
            for start, end in self.taken.get(row, ()):
                if start <= column < end:
                    column, moved = end, True
        remaining = self.rows - row + 1
        rowspan = remaining if rowspan == 0 else min(rowspan, remaining)
        for later in range(row + 1, row + rowspan):
            self.taken.setdefault(later, []).append((column, column + colspan))
        return column


class _Numbering:
    """The numbers an <ol> prints (start, reversed, type, value), or none if hidden by CSS."""

    def __init__(self, element: Element) -> None:
        attrs = element.attrs
        style = attrs.get("style", "").lower()
        self.visible = not re.search(r"list-style(?:-type)?\s*:\s*none", style)
        self.kind = _list_type(attrs.get("type", ""), style)
        self.step = -1 if "reversed" in attrs else 1
        count = sum(1 for e in element.elements() if e.tag == "li")
        match = re.match(r"\s*(-?\d+)", attrs.get("start", ""))
        if match:
            self.next = int(match.group(1))
        else:
            self.next = count if self.step < 0 else 1

    def clause(self, item: Element, parent: str | None) -> str | None:
        match = re.match(r"\s*(-?\d+)", item.attrs.get("value", ""))
        number = int(match.group(1)) if match else self.next
        self.next = number + self.step
        if not self.visible:
            return None
        return compose_clause(parent, _label(number, self.kind), decimal=self.kind == "1")


def _list_type(type_attr: str, style: str) -> str:
    if type_attr in ("a", "A", "i", "I", "1"):
        return type_attr
    for name, kind in (
        ("lower-alpha", "a"),
        ("lower-latin", "a"),
        ("upper-alpha", "A"),
        ("upper-latin", "A"),
        ("lower-roman", "i"),
        ("upper-roman", "I"),
    ):
        if name in style:
            return kind
    return "1"


def _label(number: int, kind: str) -> str:
    if kind == "1" or number < 1 or number > 3999:
        return str(number)
    if kind in ("a", "A"):
        letters = ""
        while number:
            number, rest = divmod(number - 1, 26)
            letters = chr(ord("a") + rest) + letters
        return letters if kind == "a" else letters.upper()
    roman = ""
    for value, numeral in (
        (1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"),
        (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i"),
    ):  # fmt: skip
        count, number = divmod(number, value)
        roman += numeral * count
    return roman if kind == "i" else roman.upper()


# --------------------------------------------------------------------------------------------
# The reader
# --------------------------------------------------------------------------------------------


def _title(root: Element) -> str | None:
    for element, ancestors in _iter_all(root):
        if element.tag == "title" and not any(a.tag in ("svg", "math") for a in ancestors):
            text = collapse("".join(c for c in element.children if isinstance(c, str))).strip()
            return text[:200] or None
    return None


def _iter_all(root: Element) -> Iterator[tuple[Element, tuple[Element, ...]]]:
    stack: list[tuple[Element, tuple[Element, ...]]] = [(root, ())]
    while stack:
        element, ancestors = stack.pop()
        yield element, ancestors
        inner = (*ancestors, element)
        stack.extend((child, inner) for child in reversed(list(element.elements())))


def _file_comments(builder: TreeBuilder) -> list[Comment]:
    """Comments in <head>, or outside <body> when the page has one: on the whole file."""
    found: list[Comment] = []
    for element, _ in _iter_all(builder.root):
        for child in element.children:
            if isinstance(child, CommentNode) and (
                child.in_head or (builder.has_body and not child.in_body)
            ):
                found.append(Comment(child.text, None))
    return found


def _read_regions(doc: Document, regions: list[Element], profile: str) -> None:
    walker = _Walker(doc)
    ctx = _Context(profile=profile)
    for region in regions:
        walker.walk(region, ctx)
        walker.flush(ctx)
    last = len(doc.blocks) or None
    for comment in walker.pending:
        comment.block = last
        doc.comments.append(comment)


def _count(texts: Iterator[str]) -> int:
    """Characters other than whitespace, to compare the page with what was read."""
    return sum(len("".join(text.split())) for text in texts)


def read_html(path: str, data: bytes, limits: Limits) -> Document:
    """Read a web page's main text, headings, lists and tables into a Document."""
    text, notes = decode_html(data)
    builder = parse_html(text)
    doc = Document(path=path, format="html", notes=notes)
    body = next((e for e, _ in _walk_visible(builder.root) if e.tag == "body"), builder.root)
    regions, profile = find_regions(builder.root)
    attempts = [(regions, profile)]
    if profile == MAIN:
        attempts.append(([body], BODY))  # an empty <main>, filled in by script
    attempts.append(([body], ALL))
    for regions, profile in attempts:
        doc.blocks.clear()
        doc.comments.clear()
        _read_regions(doc, regions, profile)
        if doc.blocks:
            break
    if profile == ALL and doc.blocks:
        doc.notes.append("no main content was found: the whole page was read, menus included")
    doc.comments[:0] = _file_comments(builder)
    skipped = _count(_texts(body)) - _count(block.text for block in doc.blocks)
    if skipped > 0 and doc.blocks:
        doc.notes.append(
            f"about {skipped:,} characters of page furniture (menus, header, footer, sidebars,"
            " forms, cookie notices) around the main content were not read"
        )
    doc.title = _title(builder.root) or next(
        (b.text[:200] for b in doc.blocks if b.kind == "heading" and b.level == 1), None
    )
    return doc.finalise()
