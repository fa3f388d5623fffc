"""Build small, real .docx packages for the reader tests.

Most tests write the body XML by hand (``p()``, ``r()`` and raw strings) and wrap it with
:func:`build_docx`, which writes a minimal but complete OPC package with zipfile: content
types, package and part relationships, and optional styles, numbering, footnotes, endnotes
and comments parts. Bodies use the usual prefixes (``w:``, ``r:``, ``mc:``, ``wp:``, ``a:``,
``wps:``, ``v:``, ``m:``), all declared on the root.

:func:`big_docx` makes a long, realistic document with python-docx (Word's own template, so
real styles and list numbering) for the speed test.
"""

from __future__ import annotations

import io
import zipfile
from xml.sax.saxutils import escape

NAMESPACES = {
    "w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "mc": "http://schemas.openxmlformats.org/markup-compatibility/2006",
    "wp": "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing",
    "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
    "wps": "http://schemas.microsoft.com/office/word/2010/wordprocessingShape",
    "v": "urn:schemas-microsoft-com:vml",
    "m": "http://schemas.openxmlformats.org/officeDocument/2006/math",
    "w14": "http://schemas.microsoft.com/office/word/2010/wordml",
}
DECLARATIONS = " ".join(f'xmlns:{prefix}="{uri}"' for prefix, uri in NAMESPACES.items())
XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
MAIN_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
PART_TYPES = {
    "styles": "application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml",
    "numbering": "application/vnd.openxmlformats-officedocument.wordprocessingml.numbering+xml",
    "footnotes": "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml",
    "endnotes": "application/vnd.openxmlformats-officedocument.wordprocessingml.endnotes+xml",
    "comments": "application/vnd.openxmlformats-officedocument.wordprocessingml.comments+xml",
}


def r(text: str, *, rpr: str = "") -> str:
    """A run with one w:t holding ``text`` (spaces preserved)."""
    return f'<w:r>{rpr}<w:t xml:space="preserve">{escape(text)}</w:t></w:r>'


def p(
    *content: str,
    style: str | None = None,
    num: int | None = None,
    ilvl: int | None = None,
    ppr: str = "",
) -> str:
    """A paragraph. Plain strings become runs; strings starting with "<" are inserted as XML."""
    props = ""
    if style:
        props += f'<w:pStyle w:val="{style}"/>'
    if num is not None or ilvl is not None:
        props += "<w:numPr>"
        if ilvl is not None:
            props += f'<w:ilvl w:val="{ilvl}"/>'
        if num is not None:
            props += f'<w:numId w:val="{num}"/>'
        props += "</w:numPr>"
    props += ppr
    body = "".join(c if c.startswith("<") else r(c) for c in content)
    return f"<w:p>{f'<w:pPr>{props}</w:pPr>' if props else ''}{body}</w:p>"


def ins(*runs: str) -> str:
    return f'<w:ins w:id="90" w:author="A" w:date="2024-01-01T00:00:00Z">{"".join(runs)}</w:ins>'


def dele(text: str) -> str:
    return (
        '<w:del w:id="91" w:author="A" w:date="2024-01-01T00:00:00Z">'
        f'<w:r><w:delText xml:space="preserve">{escape(text)}</w:delText></w:r></w:del>'
    )


def table(rows: list[list[str]], *, spans: dict[tuple[int, int], str] | None = None) -> str:
    """A table; each cell is body XML (use p()) or plain text. ``spans`` adds tcPr XML."""
    spans = spans or {}
    out = ['<w:tbl><w:tblPr><w:tblW w:w="0" w:type="auto"/></w:tblPr><w:tblGrid/>']
    for i, row in enumerate(rows):
        out.append("<w:tr>")
        for j, cell in enumerate(row):
            content = cell if cell.startswith("<") else p(cell) if cell else "<w:p/>"
            tcpr = spans.get((i, j), "")
            out.append(f"<w:tc>{f'<w:tcPr>{tcpr}</w:tcPr>' if tcpr else ''}{content}</w:tc>")
        out.append("</w:tr>")
    out.append("</w:tbl>")
    return "".join(out)


def document_xml(body: str, *, sect: str = "<w:sectPr/>") -> str:
    return f"{XML_HEAD}<w:document {DECLARATIONS}><w:body>{body}{sect}</w:body></w:document>"


STYLE_DEFAULTS = (
    '<w:style w:type="paragraph" w:default="1" w:styleId="Normal">'
    '<w:name w:val="Normal"/></w:style>'
    '<w:style w:type="paragraph" w:styleId="Title"><w:name w:val="Title"/>'
    '<w:basedOn w:val="Normal"/></w:style>'
    + "".join(
        f'<w:style w:type="paragraph" w:styleId="Heading{n}"><w:name w:val="heading {n}"/>'
        f'<w:basedOn w:val="Normal"/><w:pPr><w:outlineLvl w:val="{n - 1}"/></w:pPr></w:style>'
        for n in (1, 2, 3)
    )
)


def styles_xml(extra: str = "") -> str:
    """styles.xml with Normal, Title, Heading1-3 and ``extra`` w:style elements."""
    return f"{XML_HEAD}<w:styles {DECLARATIONS}>{STYLE_DEFAULTS}{extra}</w:styles>"


def level(
    ilvl: int, fmt: str = "decimal", text: str | None = None, start: int = 1, extra: str = ""
) -> str:
    text = f"%{ilvl + 1}." if text is None else text
    return (
        f'<w:lvl w:ilvl="{ilvl}"><w:start w:val="{start}"/><w:numFmt w:val="{fmt}"/>'
        f'<w:lvlText w:val="{escape(text, {chr(34): "&quot;"})}"/>{extra}</w:lvl>'
    )


def numbering_xml(abstracts: dict[int, str], nums: dict[int, int | tuple[int, str]]) -> str:
    """numbering.xml: abstract lists (id -> w:lvl XML) and instances (numId -> abstract id,
    or (abstract id, override XML))."""
    out = [f"{XML_HEAD}<w:numbering {DECLARATIONS}>"]
    for abstract_id, levels in abstracts.items():
        out.append(f'<w:abstractNum w:abstractNumId="{abstract_id}">{levels}</w:abstractNum>')
    for num_id, target in nums.items():
        abstract_id, overrides = target if isinstance(target, tuple) else (target, "")
        out.append(
            f'<w:num w:numId="{num_id}"><w:abstractNumId w:val="{abstract_id}"/>{overrides}</w:num>'
        )
    out.append("</w:numbering>")
    return "".join(out)


def notes_xml(kind: str, notes: dict[int, str]) -> str:
    """footnotes.xml / endnotes.xml with Word's separator notes and ``notes`` (id -> body XML
    or plain text)."""
    tag = kind  # "footnote" or "endnote"
    out = [
        f"{XML_HEAD}<w:{tag}s {DECLARATIONS}>",
        f'<w:{tag} w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:{tag}>',
        f'<w:{tag} w:type="continuationSeparator" w:id="0"><w:p><w:r><w:continuationSeparator/>'
        f"</w:r></w:p></w:{tag}>",
    ]
    for note_id, content in notes.items():
        body = content if content.startswith("<") else p(f"<w:r><w:{tag}Ref/></w:r>", " " + content)
        out.append(f'<w:{tag} w:id="{note_id}">{body}</w:{tag}>')
    out.append(f"</w:{tag}s>")
    return "".join(out)


def comments_xml(comments: list[tuple[int, str, str]]) -> str:
    """comments.xml from (id, author, text) triples."""
    out = [f"{XML_HEAD}<w:comments {DECLARATIONS}>"]
    for comment_id, author, text in comments:
        out.append(
            f'<w:comment w:id="{comment_id}" w:author="{escape(author)}" w:initials="X">'
            f"{p(text)}</w:comment>"
        )
    out.append("</w:comments>")
    return "".join(out)


def build_docx(
    body: str | None = None,
    *,
    document: str | None = None,
    main_part: str = "word/document.xml",
    styles: str | None = None,
    numbering: str | None = None,
    footnotes: str | None = None,
    endnotes: str | None = None,
    comments: str | None = None,
    extra: dict[str, bytes | str] | None = None,
    sect: str = "<w:sectPr/>",
) -> bytes:
    """A complete .docx (bytes) whose main part holds ``body`` (or the whole ``document``)."""
    document = document if document is not None else document_xml(body or "", sect=sect)
    folder = main_part.rsplit("/", 1)[0] if "/" in main_part else ""
    parts: dict[str, str] = {}
    related: list[tuple[str, str]] = []
    for name, content in (
        ("styles", styles),
        ("numbering", numbering),
        ("footnotes", footnotes),
        ("endnotes", endnotes),
        ("comments", comments),
    ):
        if content is not None:
            parts[f"{folder}/{name}.xml" if folder else f"{name}.xml"] = content
            related.append((name, f"{name}.xml"))
    overrides = [f'<Override PartName="/{main_part}" ContentType="{MAIN_TYPE}"/>']
    for name, _target in related:
        part = f"{folder}/{name}.xml" if folder else f"{name}.xml"
        overrides.append(f'<Override PartName="/{part}" ContentType="{PART_TYPES[name]}"/>')
    content_types = (
        f'{XML_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f"{''.join(overrides)}</Types>"
    )
    package_rels = (
        f"{XML_HEAD}<Relationships "
        'xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{REL}/officeDocument" Target="{main_part}"/>'
        "</Relationships>"
    )
    part_rels = "".join(
        f'<Relationship Id="rId{i}" Type="{REL}/{name}" Target="{target}"/>'
        for i, (name, target) in enumerate(related, start=1)
    )
    base = main_part.rsplit("/", 1)[-1]
    rels_name = f"{folder}/_rels/{base}.rels" if folder else f"_rels/{base}.rels"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", content_types)
        archive.writestr("_rels/.rels", package_rels)
        archive.writestr(main_part, document)
        archive.writestr(
            rels_name,
            f'{XML_HEAD}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
            f'relationships">{part_rels}</Relationships>',
        )
        for name, content in parts.items():
            archive.writestr(name, content)
        for name, content in (extra or {}).items():
            archive.writestr(name, content)
    return buffer.getvalue()


def big_docx(words: int = 30_000) -> bytes:
    """A long policy-like document made with python-docx (Word's template): a title, Heading 1
    sections, body paragraphs, "List Number" paragraphs and a 4-column table per section.
    30,000 words come to 60 pages when LibreOffice lays them out."""
    import docx  # imported here: only the speed test needs python-docx
    import docx.shared

    sentence = (
        "The council will award contracts on the basis of the most advantageous tender, "
        "taking into account social value, quality and whole life cost where relevant. "
    )
    per_sentence = len(sentence.split())
    document = docx.Document()
    # Laid out like the reference document: A4, 2 cm margins, an 11 pt serif face.
    page = document.sections[0]
    page.page_width, page.page_height = docx.shared.Cm(21), docx.shared.Cm(29.7)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(page, side, docx.shared.Cm(2))
    document.styles["Normal"].font.name = "Liberation Serif"
    document.styles["Normal"].font.size = docx.shared.Pt(11)
    document.add_paragraph("Contract Procedure Rules", style="Title")
    written = 0
    section = 0
    while written < words:
        section += 1
        document.add_heading(f"Section {section}: procurement duties", level=1)
        for _ in range(12):
            document.add_paragraph(sentence * 3)
            written += 3 * per_sentence
        for _ in range(4):
            document.add_paragraph(sentence, style="List Number")
            written += per_sentence
        grid = document.add_table(rows=6, cols=4)
        for row in grid.rows:
            for cell in row.cells:
                cell.text = "Threshold value and procedure to follow"
                written += 6
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
