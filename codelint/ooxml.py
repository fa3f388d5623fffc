"""The low OOXML layer shared by the DOCX reader and ``annotate``.

Three things live here:

* **Safe package access.** :class:`Package` opens the zip, follows the package relationships
  (``_rels/.rels``, ``word/_rels/document.xml.rels``) and reads members with a bounded read that
  checks the declared size and compression ratio first, so a zip bomb fails fast with bounded
  memory. :func:`parse_xml` refuses any part that declares a DTD or entities (Word never writes
  one; a file that does is hostile: XXE, billion laughs) and parses with a parser that never
  resolves entities nor touches the network.
* **The paragraph walker.** :func:`paragraph_segments` turns one ``w:p`` into the text it reads
  as, with tracked changes accepted, as a list of :class:`Segment` objects, each tied to the
  element its text comes from. ``"".join(s.text for s in segments)`` is exactly the paragraph
  text the reader puts in the block, so ``annotate`` can map a character span back to the
  ``w:t`` elements behind it and split runs there.
* **Locators.** ``"word/document.xml#p57"`` names the 57th ``w:p`` of a part in document order
  (``root.iter(W_P)``); :func:`find_paragraph` re-finds it.

Failures are :class:`OoxmlError` with a one-line cause a user can act on; the reader turns them
into ``ReadError(path, cause)``.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from io import BytesIO
from itertools import islice
from urllib.parse import unquote

from lxml import etree

#: Start of an OLE compound file: a password-protected OOXML file, or a legacy .doc.
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

# --- namespaces and qualified names -------------------------------------------------------------

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
MC_NS = "http://schemas.openxmlformats.org/markup-compatibility/2006"
M_NS = "http://schemas.openxmlformats.org/officeDocument/2006/math"
REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
WP_NS = "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"
A_NS = "http://schemas.openxmlformats.org/drawingml/2006/main"
WPS_NS = "http://schemas.microsoft.com/office/word/2010/wordprocessingShape"
V_NS = "urn:schemas-microsoft-com:vml"
C_NS = "http://schemas.openxmlformats.org/drawingml/2006/chart"
DGM_NS = "http://schemas.openxmlformats.org/drawingml/2006/diagram"

#: Namespace prefixes conventionally used in WordprocessingML (for building XML and XPath).
NSMAP = {
    "w": W_NS,
    "r": R_NS,
    "mc": MC_NS,
    "m": M_NS,
    "wp": WP_NS,
    "a": A_NS,
    "wps": WPS_NS,
    "v": V_NS,
}

#: ISO 29500 *strict* namespaces and their transitional equivalents. Strict files are rare;
#: they are read by renaming the namespaces before parsing.
STRICT_NAMESPACES = {
    b"http://purl.oclc.org/ooxml/wordprocessingml/main": W_NS.encode(),
    b"http://purl.oclc.org/ooxml/officeDocument/relationships": R_NS.encode(),
    b"http://purl.oclc.org/ooxml/officeDocument/math": M_NS.encode(),
    b"http://purl.oclc.org/ooxml/drawingml/wordprocessingDrawing": WP_NS.encode(),
    b"http://purl.oclc.org/ooxml/drawingml/main": A_NS.encode(),
    b"http://purl.oclc.org/ooxml/drawingml/chart": C_NS.encode(),
    b"http://purl.oclc.org/ooxml/drawingml/diagram": DGM_NS.encode(),
}


def w(local: str) -> str:
    """Clark-notation name of a WordprocessingML element or attribute: ``{ns}local``."""
    return f"{{{W_NS}}}{local}"


def qn(name: str) -> str:
    """Clark-notation name for a prefixed name such as ``"w:t"`` or ``"mc:Choice"``."""
    prefix, _, local = name.partition(":")
    return f"{{{NSMAP[prefix]}}}{local}"


W_DOCUMENT = w("document")
W_BODY = w("body")
W_P = w("p")
W_PPR = w("pPr")
W_R = w("r")
W_RPR = w("rPr")
W_T = w("t")
W_TAB = w("tab")
W_PTAB = w("ptab")
W_BR = w("br")
W_CR = w("cr")
W_SYM = w("sym")
W_NO_BREAK_HYPHEN = w("noBreakHyphen")
W_SOFT_HYPHEN = w("softHyphen")
W_LAST_RENDERED_PAGE_BREAK = w("lastRenderedPageBreak")
W_FLD_CHAR = w("fldChar")
W_FLD_SIMPLE = w("fldSimple")
W_INS = w("ins")
W_DEL = w("del")
W_MOVE_TO = w("moveTo")
W_MOVE_FROM = w("moveFrom")
W_TBL = w("tbl")
W_TR = w("tr")
W_TC = w("tc")
W_SDT = w("sdt")
W_SDT_CONTENT = w("sdtContent")
W_CUSTOM_XML = w("customXml")
W_TXBX_CONTENT = w("txbxContent")
W_DRAWING = w("drawing")
W_PICT = w("pict")
W_OBJECT = w("object")
W_SECT_PR = w("sectPr")
W_VAL = w("val")
W_TYPE = w("type")
W_ID = w("id")
M_T = f"{{{M_NS}}}t"
MC_ALTERNATE_CONTENT = f"{{{MC_NS}}}AlternateContent"
MC_CHOICE = f"{{{MC_NS}}}Choice"
MC_FALLBACK = f"{{{MC_NS}}}Fallback"
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"

#: Elements whose subtree never contributes text to the paragraph as it reads: properties,
#: deleted or moved-away text, field instructions, content-control settings, ruby guides.
_SKIPPED = frozenset(
    w(name)
    for name in (
        "pPr",
        "rPr",
        "del",
        "moveFrom",
        "delText",
        "instrText",
        "delInstrText",
        "fldData",
        "sdtPr",
        "sdtEndPr",
        "customXmlPr",
        "smartTagPr",
        "rt",
        "rubyPr",
        "softHyphen",
        "contentPart",
    )
) | frozenset({f"{{{M_NS}}}rPr", f"{{{M_NS}}}ctrlPr"})

#: Elements that hold floating content (text boxes); their text becomes separate blocks.
_FLOATING = frozenset({W_DRAWING, W_PICT, W_OBJECT})


# --- errors ---------------------------------------------------------------------------------------


class OoxmlError(Exception):
    """A package or part cannot be read; ``str(error)`` is a one-line cause for the user.

    ``refused`` marks hostile content (a DTD, a zip bomb, a part over the size limit): the
    whole file is refused, even when the part is one a reader could otherwise do without.
    """

    def __init__(self, cause: str, refused: bool = False) -> None:
        super().__init__(cause)
        self.refused = refused


# --- safe XML -------------------------------------------------------------------------------------


def _xml_parser() -> etree.XMLParser:
    # A new parser per call: lxml parsers must not be shared between threads.
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
    )


def _declares_dtd(data: bytes) -> bool:
    """True when ``data`` has a DOCTYPE or ENTITY declaration (in UTF-8 or UTF-16)."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in data[:4]:
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            return b"<\x00!" in data or b"\x00<\x00!" in data
        return "<!DOCTYPE" in text or "<!ENTITY" in text
    return b"<!DOCTYPE" in data or b"<!ENTITY" in data


def parse_xml(data: bytes, name: str) -> etree._Element:
    """Parse the part ``name`` safely and return its root element.

    Refuses DTDs and entity declarations outright, maps ISO strict namespaces to transitional
    ones, and turns every parser failure into an :class:`OoxmlError` naming the part.
    """
    if _declares_dtd(data):
        raise OoxmlError(
            f"{name} contains a DTD/entity declarations, which Word never writes; refused",
            refused=True,
        )
    if b"purl.oclc.org/ooxml/" in data:
        for strict, transitional in STRICT_NAMESPACES.items():
            data = data.replace(strict, transitional)
    try:
        root = etree.fromstring(data, _xml_parser())
    except etree.XMLSyntaxError as exc:
        message = str(exc).splitlines()[0] if str(exc) else "syntax error"
        raise OoxmlError(
            f"{name} is not well-formed XML ({message}); the file is damaged"
        ) from None
    except (ValueError, etree.LxmlError) as exc:
        raise OoxmlError(f"{name} cannot be parsed as XML ({exc}); the file is damaged") from None
    if root is None:
        raise OoxmlError(f"{name} is empty; the file is damaged")
    docinfo = root.getroottree().docinfo
    if docinfo.internalDTD is not None or docinfo.doctype:
        raise OoxmlError(
            f"{name} contains a DTD/entity declarations, which Word never writes; refused",
            refused=True,
        )
    return root


# --- the zip package ------------------------------------------------------------------------------

#: Parts smaller than this are never treated as zip bombs, whatever their ratio: highly
#: repetitive small XML (an empty table, a style sheet) can compress very well and is harmless.
RATIO_FLOOR_BYTES = 1 << 20

#: Content types of the main part of a Word document, template or macro-enabled file.
MAIN_CONTENT_TYPES = (
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml",
    "application/vnd.ms-word.document.macroEnabled.main+xml",
    "application/vnd.ms-word.template.macroEnabledTemplate.main+xml",
)


@dataclass(frozen=True)
class Relationship:
    """One relationship of a part: its id, type URI and the resolved target part name."""

    rid: str
    type: str
    target: str | None
    external: bool


def rels_name(part: str) -> str:
    """Name of the relationships part of ``part`` ("" is the package itself)."""
    if not part:
        return "_rels/.rels"
    folder, base = posixpath.split(part)
    return posixpath.join(folder, "_rels", base + ".rels")


def resolve_target(source: str, target: str) -> str | None:
    """Resolve a relationship target relative to the source part; None if it leaves the package."""
    target = unquote(target.strip()).replace("\\", "/")
    if target.startswith("/"):
        resolved = posixpath.normpath(target.lstrip("/"))
    else:
        resolved = posixpath.normpath(posixpath.join(posixpath.dirname(source), target))
    if resolved.startswith("..") or resolved in (".", ""):
        return None
    return resolved


class Package:
    """A zip-based OPC package read with size and ratio limits.

    Part names are matched case-insensitively (OPC part names are), and every member is read
    with a bounded read: a header that under-states the size cannot inflate past the limit.
    """

    def __init__(self, data: bytes, max_part_bytes: int, max_ratio: float) -> None:
        self.max_part_bytes = max_part_bytes
        self.max_ratio = max_ratio
        try:
            self.zip = zipfile.ZipFile(BytesIO(data))
            infos = self.zip.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError) as exc:
            raise OoxmlError(
                f"not a readable Word file: the zip container is corrupt or truncated ({exc})"
            ) from None
        self._members: dict[str, zipfile.ZipInfo] = {}
        for info in infos:
            self._members[info.filename.replace("\\", "/").lstrip("/").lower()] = info
        self._rels: dict[str, list[Relationship]] = {}

    def has(self, name: str) -> bool:
        return name.lower() in self._members

    def read(self, name: str) -> bytes:
        """Read member ``name`` (must exist), enforcing the size and ratio limits."""
        info = self._members[name.lower()]
        limit_mb = self.max_part_bytes / 1048576
        if info.file_size > self.max_part_bytes:
            raise OoxmlError(
                f"{name} inflates to {info.file_size / 1048576:.0f} MB, over the "
                f"{limit_mb:g} MB limit (max_part_mb)",
                refused=True,
            )
        ratio_cap = max(RATIO_FLOOR_BYTES, int(self.max_ratio * max(info.compress_size, 1)))
        if info.file_size > ratio_cap:
            raise self._bomb(name)
        cap = min(self.max_part_bytes, ratio_cap)
        chunks: list[bytes] = []
        total = 0
        try:
            with self.zip.open(info) as handle:
                while True:
                    chunk = handle.read(min(1 << 20, cap + 1 - total))
                    if not chunk:
                        break
                    total += len(chunk)
                    if total > cap:
                        raise self._bomb(name)
                    chunks.append(chunk)
        except OoxmlError:
            raise
        except RuntimeError as exc:  # zipfile: "File ... is encrypted, password required"
            raise OoxmlError(
                f"{name} is encrypted inside the zip ({exc}); save an unprotected copy"
            ) from None
        except NotImplementedError as exc:
            raise OoxmlError(f"{name} uses an unsupported zip compression method ({exc})") from None
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError) as exc:
            raise OoxmlError(f"the zip container is corrupt or truncated ({name}: {exc})") from None
        return b"".join(chunks)

    def _bomb(self, name: str) -> OoxmlError:
        return OoxmlError(
            f"{name} inflates more than {self.max_ratio:g} times its compressed size "
            "(a zip bomb?); refused (limit max_zip_ratio)",
            refused=True,
        )

    def xml(self, name: str) -> etree._Element:
        """Read and safely parse the XML part ``name``."""
        return parse_xml(self.read(name), name)

    def relationships(self, part: str) -> list[Relationship]:
        """Relationships of ``part`` ("" for the package); empty when it has none."""
        if part in self._rels:
            return self._rels[part]
        found: list[Relationship] = []
        name = rels_name(part)
        if self.has(name):
            root = self.xml(name)
            for rel in root.iter(f"{{{REL_NS}}}Relationship"):
                external = rel.get("TargetMode", "").lower() == "external"
                target = rel.get("Target") or ""
                resolved = None if external else resolve_target(part, target)
                found.append(
                    Relationship(rel.get("Id", ""), rel.get("Type", ""), resolved, external)
                )
        self._rels[part] = found
        return found

    def related(self, part: str, type_suffix: str) -> str | None:
        """Target of the first internal relationship of ``part`` whose type ends in
        ``/type_suffix`` and whose target exists in the zip."""
        for rel in self.relationships(part):
            if rel.type.endswith("/" + type_suffix) and rel.target and self.has(rel.target):
                return rel.target
        return None

    def main_document_part(self) -> str:
        """The main document part, found through the package relationships (then content types)."""
        found = self.related("", "officeDocument")
        if found:
            return found
        if self.has("[Content_Types].xml"):
            types = self.xml("[Content_Types].xml")
            for override in types.iter(f"{{{CT_NS}}}Override"):
                if override.get("ContentType", "") in MAIN_CONTENT_TYPES:
                    name = resolve_target("", override.get("PartName", ""))
                    if name and self.has(name):
                        return name
        if self.has("word/document.xml"):
            return "word/document.xml"
        raise OoxmlError(
            "the Word file has no main document part (word/document.xml); it is damaged or "
            "not a Word document"
        )


# --- the paragraph walker ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Segment:
    """A piece of a paragraph's text and the element it comes from.

    ``text`` is what the element contributes to the paragraph as it reads: the whole ``.text``
    of a ``w:t`` (never a slice of it), ``"\\t"`` for a tab, ``"\\n"`` for a line break, ``"-"``
    for a non-breaking hyphen, the Unicode character of a ``w:sym``. Segments with empty text
    are markers that contribute nothing: page breaks (``w:br w:type="page"``,
    ``w:lastRenderedPageBreak``) and symbols with no Unicode equivalent.
    ``inserted`` is True inside a tracked insertion (``w:ins``) or move (``w:moveTo``).
    """

    text: str
    element: etree._Element
    inserted: bool = False

    @property
    def is_page_break(self) -> bool:
        tag = self.element.tag
        return tag == W_LAST_RENDERED_PAGE_BREAK or (
            tag == W_BR and self.element.get(W_TYPE) == "page"
        )


class _Walk:
    """State of one paragraph walk: output, tracked-insertion depth, open complex fields."""

    __slots__ = ("boxes", "fields", "inserted", "out")

    def __init__(self) -> None:
        self.out: list[Segment] = []
        self.boxes: list[etree._Element] = []
        #: One entry per open complex field: False while in its instruction, True in its result.
        self.fields: list[bool] = []
        self.inserted = False

    def visible(self) -> bool:
        return not self.fields or all(self.fields)


def choose_branch(alternate: etree._Element) -> etree._Element | None:
    """The one branch of ``mc:AlternateContent`` read: the first ``mc:Choice``, else the
    ``mc:Fallback``. Both hold the same content (text boxes are stored twice), so reading one
    keeps it from being counted twice."""
    fallback = None
    for child in alternate:
        if child.tag == MC_CHOICE:
            return child
        if child.tag == MC_FALLBACK and fallback is None:
            fallback = child
    return fallback


def _walk(parent: etree._Element, state: _Walk) -> None:
    out = state.out
    for child in parent:
        tag = child.tag
        if tag in (W_T, M_T):
            text = child.text
            if text and state.visible():
                out.append(Segment(text, child, state.inserted))
        elif tag == W_R:
            _walk(child, state)
        elif tag in _SKIPPED:
            continue
        elif tag in (W_TAB, W_PTAB):
            if state.visible():
                out.append(Segment("\t", child, state.inserted))
        elif tag == W_BR:
            if state.visible():
                kind = child.get(W_TYPE)
                out.append(Segment("" if kind == "page" else "\n", child, state.inserted))
        elif tag == W_CR:
            if state.visible():
                out.append(Segment("\n", child, state.inserted))
        elif tag == W_NO_BREAK_HYPHEN:
            if state.visible():
                out.append(Segment("-", child, state.inserted))
        elif tag == W_SYM:
            if state.visible():
                out.append(Segment(symbol_text(child), child, state.inserted))
        elif tag == W_LAST_RENDERED_PAGE_BREAK:
            out.append(Segment("", child, state.inserted))
        elif tag == W_FLD_CHAR:
            _field_char(child, state)
        elif tag in (W_INS, W_MOVE_TO):
            outer = state.inserted
            state.inserted = True
            _walk(child, state)
            state.inserted = outer
        elif tag == MC_ALTERNATE_CONTENT:
            branch = choose_branch(child)
            if branch is not None:
                _walk(branch, state)
        elif tag in _FLOATING:
            find_text_boxes(child, state.boxes)
        elif tag == W_TXBX_CONTENT:
            state.boxes.append(child)
        elif isinstance(tag, str):
            # Containers that keep their text: w:hyperlink, w:smartTag, w:customXml, inline
            # w:sdt (its w:sdtContent), w:fldSimple, w:bdo, w:dir, w:ruby, math, and any
            # element we do not know (reading unknown wrappers loses nothing).
            _walk(child, state)


def _field_char(element: etree._Element, state: _Walk) -> None:
    kind = element.get(w("fldCharType"))
    if kind == "begin":
        state.fields.append(False)
    elif kind == "separate":
        if state.fields:
            state.fields[-1] = True
    elif kind == "end" and state.fields:
        state.fields.pop()


def find_text_boxes(element: etree._Element, boxes: list[etree._Element]) -> None:
    """Append the outermost ``w:txbxContent`` under ``element``, reading one branch of each
    ``mc:AlternateContent``; text boxes nested in text boxes are found when those are read."""
    for child in element:
        tag = child.tag
        if tag == W_TXBX_CONTENT:
            boxes.append(child)
        elif tag == MC_ALTERNATE_CONTENT:
            branch = choose_branch(child)
            if branch is not None:
                find_text_boxes(branch, boxes)
        elif isinstance(tag, str):
            find_text_boxes(child, boxes)


def walk_paragraph(paragraph: etree._Element) -> tuple[list[Segment], list[etree._Element]]:
    """Segments of ``paragraph`` and the text boxes (``w:txbxContent``) it anchors.

    Complex fields are tracked within the paragraph: text between ``begin`` and ``separate``
    (the instruction) is dropped, the result is kept. A field instruction that runs on across
    a paragraph mark is not followed (Word practically never writes one).
    """
    state = _Walk()
    _walk(paragraph, state)
    return state.out, state.boxes


def paragraph_segments(paragraph: etree._Element) -> list[Segment]:
    """The segments of one ``w:p``: its text as it reads, tracked changes accepted."""
    return walk_paragraph(paragraph)[0]


def paragraph_text(paragraph: etree._Element) -> str:
    return "".join(segment.text for segment in paragraph_segments(paragraph))


# --- symbols (w:sym) ------------------------------------------------------------------------------

#: Adobe Symbol font, codes 0x20-0x7E.
_SYMBOL_LOW = (
    " !∀#∃%&∋()∗+,−./0123456789:;<=>?"  # 0x20-0x3F
    "≅ΑΒΧΔΕΦΓΗΙϑΚΛΜΝΟΠΘΡΣΤΥςΩΞΨΖ[∴]⊥_"  # 0x40-0x5F
    "‾αβχδεφγηιϕκλμνοπθρστυϖωξψζ{|}∼"  # 0x60-0x7E
)
#: Adobe Symbol font, codes 0xA1-0xE5 (the rest are bracket pieces with no text meaning).
_SYMBOL_HIGH = "ϒ′≤⁄∞ƒ♣♦♥♠↔←↑→↓°±″≥×∝∂•÷≠≡≈…⏐⎯↵ℵℑℜ℘⊗⊕∅∩∪⊃⊇⊄⊂⊆∈∉∠∇®©™∏√⋅¬∧∨⇔⇐⇑⇒⇓◊〈®©™∑"
#: The Wingdings characters procurement documents actually use (ticks, crosses, boxes, bullets).
_WINGDINGS = {
    0x6C: "●",
    0x6E: "■",
    0x6F: "□",
    0x71: "❑",
    0x72: "❒",
    0x76: "❖",
    0x9F: "•",
    0xA7: "▪",
    0xA8: "◻",
    0xD8: "➢",
    0xE0: "→",
    0xE8: "➔",
    0xF0: "⇨",
    0xFB: "✗",
    0xFC: "✓",
    0xFD: "☒",
    0xFE: "☑",
}


def symbol_char(font: str, code: int) -> str:
    """Unicode for character ``code`` of a symbol ``font``; "" when there is none."""
    low = code - 0xF000 if 0xF000 <= code <= 0xF0FF else code
    name = font.strip().lower()
    if name == "symbol" and low < 0x100:
        if 0x20 <= low <= 0x7E:
            return _SYMBOL_LOW[low - 0x20]
        if 0xA1 <= low <= 0xE5:
            return _SYMBOL_HIGH[low - 0xA1]
        return ""
    if name.startswith("wingdings") and low < 0x100:
        return _WINGDINGS.get(low, "")
    if 0xE000 <= code <= 0xF8FF or code < 0x20:
        return ""  # private use or control: no meaning outside its font
    try:
        return chr(code)
    except (ValueError, OverflowError):
        return ""


def symbol_text(element: etree._Element) -> str:
    """Text of a ``w:sym`` element, "" when it has no Unicode equivalent."""
    try:
        code = int(element.get(w("char"), ""), 16)
    except ValueError:
        return ""
    return symbol_char(element.get(w("font"), ""), code)


# --- locators -------------------------------------------------------------------------------------

_LOCATOR = re.compile(r"^(?P<part>[^#]+)#p(?P<number>[1-9][0-9]*)$")


def paragraph_locator(part: str, number: int) -> str:
    """Locator of the ``number``-th (1-based) ``w:p`` of ``part``: ``"word/document.xml#p57"``."""
    return f"{part}#p{number}"


def parse_locator(locator: str) -> tuple[str, int]:
    """Split a paragraph locator into (part name, 1-based paragraph number)."""
    match = _LOCATOR.match(locator)
    if not match:
        raise ValueError(f"not a paragraph locator: {locator!r}")
    return match["part"], int(match["number"])


def iter_paragraphs(root: etree._Element) -> Iterator[etree._Element]:
    """Every ``w:p`` of a part in document order: the numbering locators use."""
    return root.iter(W_P)


def find_paragraph(root: etree._Element, locator: str) -> etree._Element | None:
    """The ``w:p`` a locator names within the parsed part ``root`` (None if there is none)."""
    _part, number = parse_locator(locator)
    return next(islice(iter_paragraphs(root), number - 1, None), None)


def is_on(element: etree._Element | None, default: bool = True) -> bool:
    """Value of an OOXML on/off property element (``<w:b/>``, ``<w:b w:val="0"/>``)."""
    if element is None:
        return False
    value = element.get(W_VAL)
    if value is None:
        return default
    return value.lower() not in ("0", "false", "off", "none")


def int_attr(
    element: etree._Element | None, name: str = W_VAL, default: int | None = None
) -> int | None:
    """Integer attribute of ``element`` or ``default`` when absent or not a sane integer."""
    if element is None:
        return default
    value = element.get(name)
    if value is None:
        return default
    try:
        number = int(value.strip())
    except ValueError:
        return default
    return number if -(10**9) < number < 10**9 else default
