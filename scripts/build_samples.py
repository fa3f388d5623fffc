"""Build the sample procurement codes in corpora/samples/: DOCX by python-docx, PDF by LibreOffice.

Usage:
    python scripts/build_samples.py            # build every corpora/samples/*.yaml -> .docx + .pdf
    python scripts/build_samples.py --no-pdf   # DOCX only
    python scripts/build_samples.py --check    # check corpora/samples/expected.yaml against the
                                               # sources and the PDFs (needs pdftotext)

Source markup (corpora/samples/<name>.yaml):

    meta:       title, subject, author, body, dates, header, footer ("{PAGE}", "{NUMPAGES}" become
                fields, a tab moves to the right edge), font, size, language, hyphenate, justify,
                colour, table_fill, numbering ("typed" or "word"), status, revision_author and
                revision_date (tracked changes)
    footnotes:  {key: text}; the text "[^key]" in a block places the reference mark
    body:       a list of blocks; the first key of each names its kind:
                  title, subtitle, h1, h2   Word's Title, Subtitle, Heading 1, Heading 2
                  c                         a clause ("4.1 The Council ..." when numbering is typed)
                  sub                       a lettered sub-item ("(a) ..." when numbering is typed)
                  p, caption                a plain paragraph; a table caption
                  table                     {widths: [cm, ...], header: bool, rows: [[cell, ...]]}
                and "track: insert" marks the whole paragraph, its mark included, as inserted.

Inline markup: **bold**, [^key] footnote reference, {++text++} tracked insertion, {--text--}
tracked deletion (CriticMarkup). With numbering "typed" the clause number is typed in the text and
followed by a tab on a hanging indent; with "word" the h1/c/sub blocks get real Word multi-level
numbering ("1.", "1.1", "(a)") from numbering.xml.

Output is deterministic: fixed zip timestamps (the document's date) and no run-dependent data.
Only the PDFs carry LibreOffice's own creation time.
"""

from __future__ import annotations

import argparse
import io
import re
import subprocess
import sys
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
from docx.opc.constants import CONTENT_TYPE as CT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Cm, Pt, RGBColor
from docx.text.paragraph import Paragraph
from lxml import etree

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "corpora" / "samples"
LO_PROFILE = "file:///tmp/lo-profile-samples"
INLINE = re.compile(r"(\{\+\+.*?\+\+\}|\{--.*?--\}|\*\*.*?\*\*|\[\^\w+\])", re.S)
TYPED_NUMBER = re.compile(r"^(\d+(?:\.\d+)*\.?|\([a-z]+\))\s+(.*)$", re.S)
KINDS = ("title", "subtitle", "h1", "h2", "c", "sub", "p", "caption", "table")
NUM_ID = 40  # our multi-level list's w:numId / w:abstractNumId in numbering.xml


@dataclass
class Ctx:
    """State shared while one document is written."""

    meta: dict[str, Any]
    notes: dict[str, str]
    note_ids: dict[str, int] = field(default_factory=dict)
    rev_id: int = 100

    def next_rev(self) -> int:
        self.rev_id += 1
        return self.rev_id


def load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data


def kind_of(block: dict[str, Any]) -> str:
    kind = next(iter(block))
    if kind not in KINDS:
        raise ValueError(f"unknown block kind {kind!r}")
    return kind


def iso(value: Any) -> str:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    return str(value)


# ---------------------------------------------------------------------------------------- styles


def set_fonts(rpr: etree._Element, font: str) -> None:
    for old in rpr.findall(qn("w:rFonts")):
        rpr.remove(old)
    fonts = etree.SubElement(rpr, qn("w:rFonts"))
    for attr in ("ascii", "hAnsi", "cs", "eastAsia"):
        fonts.set(qn(f"w:{attr}"), font)
    rpr.remove(fonts)
    rpr.insert(0, fonts)


def setup_styles(doc: DocxDocument, meta: dict[str, Any]) -> None:
    font, size = meta["font"], int(meta["size"])
    colour = RGBColor.from_string(meta.get("colour", "1F3864"))
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    assert defaults is not None
    drpr = defaults.find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}")
    assert drpr is not None
    set_fonts(drpr, font)
    for old in drpr.findall(qn("w:lang")):
        drpr.remove(old)
    lang = etree.SubElement(drpr, qn("w:lang"))
    lang.set(qn("w:val"), meta["language"])
    lang.set(qn("w:bidi"), "ar-SA")
    for name in doc.styles:
        rpr = name.element.find(qn("w:rPr"))
        if rpr is not None and rpr.find(qn("w:rFonts")) is not None:
            set_fonts(rpr, font)
    normal = doc.styles["Normal"]
    normal.font.size = Pt(size)
    normal.paragraph_format.space_after = Pt(6)
    normal.paragraph_format.line_spacing = 1.1
    for name, pts, before, after in (("Heading 1", 14, 16, 6), ("Heading 2", 12, 10, 4)):
        style = doc.styles[name]
        style.font.size = Pt(pts)
        style.font.color.rgb = colour
        style.paragraph_format.space_before = Pt(before)
        style.paragraph_format.space_after = Pt(after)
    title = doc.styles["Title"]
    ppr = title.element.find(qn("w:pPr"))
    if ppr is not None and ppr.find(qn("w:pBdr")) is not None:
        ppr.remove(ppr.find(qn("w:pBdr")))
    title.font.size, title.font.bold, title.font.color.rgb = Pt(24), True, colour
    subtitle = doc.styles["Subtitle"]
    subtitle.font.size, subtitle.font.italic = Pt(13), False
    subtitle.font.color.rgb = RGBColor(0x40, 0x40, 0x40)
    subtitle.paragraph_format.space_after = Pt(14)
    caption = doc.styles["Caption"]
    caption.font.size, caption.font.color.rgb = Pt(10), RGBColor(0, 0, 0)
    caption.paragraph_format.keep_with_next = True
    caption.paragraph_format.space_before = Pt(6)
    for name in ("Header", "Footer"):
        doc.styles[name].font.size = Pt(9)
        doc.styles[name].font.color.rgb = RGBColor(0x40, 0x40, 0x40)
        doc.styles[name].paragraph_format.tab_stops.clear_all()  # Letter-size stops
    doc.styles.element.append(
        parse_xml(
            f'<w:style {nsdecls("w")} w:type="paragraph" w:styleId="FootnoteText">'
            '<w:name w:val="footnote text"/><w:basedOn w:val="Normal"/><w:uiPriority w:val="99"/>'
            '<w:pPr><w:spacing w:after="0" w:line="240" w:lineRule="auto"/></w:pPr>'
            '<w:rPr><w:sz w:val="18"/><w:szCs w:val="18"/></w:rPr></w:style>'
        )
    )
    doc.styles.element.append(
        parse_xml(
            f'<w:style {nsdecls("w")} w:type="character" w:styleId="FootnoteReference">'
            '<w:name w:val="footnote reference"/><w:uiPriority w:val="99"/>'
            '<w:rPr><w:vertAlign w:val="superscript"/></w:rPr></w:style>'
        )
    )


def setup_settings(doc: DocxDocument, meta: dict[str, Any], tracked: bool) -> None:
    settings = doc.settings.element
    anchor = settings.find(qn("w:defaultTabStop"))
    assert anchor is not None
    if tracked:  # a draft under review, saved showing the final text (no markup)
        view = parse_xml(f'<w:revisionView {nsdecls("w")} w:markup="false" w:insDel="false"/>')
        anchor.addprevious(view)
        anchor.addprevious(parse_xml(f"<w:trackRevisions {nsdecls('w')}/>"))
    if meta.get("hyphenate"):
        anchor.addnext(parse_xml(f"<w:autoHyphenation {nsdecls('w')}/>"))
    compat = settings.find(qn("w:compat"))
    assert compat is not None
    compat.addprevious(
        parse_xml(
            f'<w:footnotePr {nsdecls("w")}><w:footnote w:id="-1"/><w:footnote w:id="0"/>'
            "</w:footnotePr>"
        )
    )


# ---------------------------------------------------------------------------- page furniture


def add_field(paragraph: Paragraph, instr: str, shown: str) -> None:
    for xml in (
        '<w:r {ns}><w:fldChar w:fldCharType="begin"/></w:r>',
        '<w:r {ns}><w:instrText xml:space="preserve"> {instr} </w:instrText></w:r>',
        '<w:r {ns}><w:fldChar w:fldCharType="separate"/></w:r>',
        "<w:r {ns}><w:t>{shown}</w:t></w:r>",
        '<w:r {ns}><w:fldChar w:fldCharType="end"/></w:r>',
    ):
        paragraph._p.append(parse_xml(xml.format(ns=nsdecls("w"), instr=instr, shown=shown)))


def setup_page(doc: DocxDocument, meta: dict[str, Any]) -> None:
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2.5)
    section.top_margin, section.bottom_margin = Cm(2.5), Cm(2.2)
    section.header_distance = section.footer_distance = Cm(1.2)
    width = section.page_width - section.left_margin - section.right_margin
    header = section.header.paragraphs[0]
    header.text = meta["header"]
    header.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    footer = section.footer.paragraphs[0]
    stops = footer.paragraph_format.tab_stops
    stops.add_tab_stop(width, WD_TAB_ALIGNMENT.RIGHT)
    if "\t" not in meta["footer"]:
        footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for piece in re.split(r"(\{PAGE\}|\{NUMPAGES\})", meta["footer"]):
        if piece in ("{PAGE}", "{NUMPAGES}"):
            add_field(footer, piece.strip("{}"), "1")
        elif piece:
            footer.add_run(piece)


def add_footnotes(doc: DocxDocument, ctx: Ctx) -> None:
    w = nsdecls("w")
    notes = [
        '<w:footnote w:type="separator" w:id="-1"><w:p><w:pPr><w:spacing w:after="0"/></w:pPr>'
        "<w:r><w:separator/></w:r></w:p></w:footnote>",
        '<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:pPr><w:spacing '
        'w:after="0"/></w:pPr><w:r><w:continuationSeparator/></w:r></w:p></w:footnote>',
    ]
    for key, number in sorted(ctx.note_ids.items(), key=lambda item: item[1]):
        text = " ".join(ctx.notes[key].split()).replace("&", "&amp;").replace("<", "&lt;")
        notes.append(
            f'<w:footnote w:id="{number}"><w:p><w:pPr><w:pStyle w:val="FootnoteText"/></w:pPr>'
            '<w:r><w:rPr><w:rStyle w:val="FootnoteReference"/></w:rPr><w:footnoteRef/></w:r>'
            f'<w:r><w:t xml:space="preserve"> {text}</w:t></w:r></w:p></w:footnote>'
        )
    blob = f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:footnotes {w}>'
    blob += "".join(notes) + "</w:footnotes>"
    part = Part(PackURI("/word/footnotes.xml"), CT.WML_FOOTNOTES, blob.encode(), doc.part.package)
    doc.part.relate_to(part, RT.FOOTNOTES)


def add_numbering(doc: DocxDocument) -> None:
    numbering = doc.part.numbering_part.element
    levels = (("decimal", "%1.", 0), ("decimal", "%1.%2", 0), ("lowerLetter", "(%3)", 1))
    lvls = "".join(
        f'<w:lvl w:ilvl="{i}"><w:start w:val="1"/><w:numFmt w:val="{fmt}"/>'
        f'<w:lvlText w:val="{text}"/><w:lvlJc w:val="left"/><w:pPr>'
        f'<w:tabs><w:tab w:val="num" w:pos="{720 * (indent + 1)}"/></w:tabs>'
        f'<w:ind w:left="{720 * (indent + 1)}" w:hanging="720"/></w:pPr></w:lvl>'
        for i, (fmt, text, indent) in enumerate(levels)
    )
    abstract = parse_xml(
        f'<w:abstractNum {nsdecls("w")} w:abstractNumId="{NUM_ID}">'
        f'<w:multiLevelType w:val="multilevel"/>{lvls}</w:abstractNum>'
    )
    first_num = numbering.find(qn("w:num"))
    if first_num is not None:
        first_num.addprevious(abstract)
    else:
        numbering.append(abstract)
    numbering.append(
        parse_xml(
            f'<w:num {nsdecls("w")} w:numId="{NUM_ID}"><w:abstractNumId w:val="{NUM_ID}"/></w:num>'
        )
    )


# ------------------------------------------------------------------------------------ content


def run_xml(text: str, *, deleted: bool = False, bold: bool = False, ref: int = 0) -> str:
    ns = nsdecls("w")
    if ref:
        return (
            f'<w:r {ns}><w:rPr><w:rStyle w:val="FootnoteReference"/></w:rPr>'
            f'<w:footnoteReference w:id="{ref}"/></w:r>'
        )
    rpr = "<w:rPr><w:b/></w:rPr>" if bold else ""
    tag = "w:delText" if deleted else "w:t"
    parts = []
    for i, piece in enumerate(text.split("\t")):
        if i:
            parts.append("<w:tab/>")
        if piece:
            piece = piece.replace("&", "&amp;").replace("<", "&lt;")
            parts.append(f'<{tag} xml:space="preserve">{piece}</{tag}>')
    return f"<w:r {ns}>{rpr}{''.join(parts)}</w:r>"


def revision(ctx: Ctx, tag: str) -> etree._Element:
    author = ctx.meta.get("revision_author", "Author")
    date = iso(ctx.meta.get("revision_date", ctx.meta["date"]))
    return parse_xml(
        f'<w:{tag} {nsdecls("w")} w:id="{ctx.next_rev()}" w:author="{author}" w:date="{date}"/>'
    )


def add_inline(target: etree._Element, text: str, ctx: Ctx) -> None:
    """Append runs for `text` (with inline markup) to a w:p or w:ins element."""
    for token in INLINE.split(text):
        if not token:
            continue
        if token.startswith("{++"):
            ins = revision(ctx, "ins")
            ins.append(parse_xml(run_xml(token[3:-3])))
            target.append(ins)
        elif token.startswith("{--"):
            dele = revision(ctx, "del")
            dele.append(parse_xml(run_xml(token[3:-3], deleted=True)))
            target.append(dele)
        elif token.startswith("**"):
            target.append(parse_xml(run_xml(token[2:-2], bold=True)))
        elif token.startswith("[^"):
            key = token[2:-1]
            number = ctx.note_ids.setdefault(key, len(ctx.note_ids) + 1)
            target.append(parse_xml(run_xml("", ref=number)))
        else:
            target.append(parse_xml(run_xml(token)))


def paragraph_text(kind: str, raw: str, ctx: Ctx) -> str:
    """Normalise spaces; for typed numbering put a tab after the clause or heading number."""
    text = " ".join(str(raw).split())
    if ctx.meta["numbering"] == "typed" and kind in ("c", "sub", "h1", "h2"):
        match = TYPED_NUMBER.match(text)
        if match:
            text = f"{match.group(1)}\t{match.group(2)}"
    return text


def add_block(doc: DocxDocument, block: dict[str, Any], ctx: Ctx) -> None:
    kind = kind_of(block)
    if kind == "table":
        add_table(doc, block["table"], ctx)
        return
    style = {
        "title": "Title",
        "subtitle": "Subtitle",
        "h1": "Heading 1",
        "h2": "Heading 2",
        "caption": "Caption",
    }.get(kind, "Normal")
    paragraph = doc.add_paragraph(style=style)
    fmt = paragraph.paragraph_format
    typed = ctx.meta["numbering"] == "typed"
    if kind in ("c", "sub", "p") and ctx.meta.get("justify"):
        paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    if kind in ("c", "sub") and typed:
        indent = Cm(1.3) if kind == "c" else Cm(2.6)
        fmt.left_indent, fmt.first_line_indent = indent, -Cm(1.3)
        fmt.tab_stops.add_tab_stop(indent)
    elif kind in ("h1", "h2") and typed:
        fmt.tab_stops.add_tab_stop(Cm(1.3))
    if not typed and kind in ("h1", "c", "sub"):
        level = {"h1": 0, "c": 1, "sub": 2}[kind]
        ppr = paragraph._p.get_or_add_pPr()
        ppr.insert_element_before(
            parse_xml(
                f'<w:numPr {nsdecls("w")}><w:ilvl w:val="{level}"/>'
                f'<w:numId w:val="{NUM_ID}"/></w:numPr>'
            ),
            "w:suppressLineNumbers",
            "w:pBdr",
            "w:shd",
            "w:tabs",
            "w:spacing",
            "w:ind",
            "w:jc",
        )
    text = paragraph_text(kind, block[kind], ctx)
    if block.get("track") == "insert":
        mark = revision(ctx, "ins")
        rpr = parse_xml(f"<w:rPr {nsdecls('w')}/>")
        rpr.append(mark)
        paragraph._p.get_or_add_pPr().append(rpr)
        ins = revision(ctx, "ins")
        paragraph._p.append(ins)
        add_inline(ins, text, ctx)
    else:
        add_inline(paragraph._p, text, ctx)


def shade(cell: Any, fill: str) -> None:
    tcpr = cell._tc.get_or_add_tcPr()
    tcpr.append(parse_xml(f'<w:shd {nsdecls("w")} w:val="clear" w:color="auto" w:fill="{fill}"/>'))


def add_table(doc: DocxDocument, spec: dict[str, Any], ctx: Ctx) -> None:
    rows: list[list[str]] = spec["rows"]
    widths = [Cm(w) for w in spec["widths"]]
    table = doc.add_table(rows=len(rows), cols=len(widths))
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
    fill = ctx.meta.get("table_fill", "DCE6F1")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            cell = table.cell(r, c)
            cell.width = widths[c]
            paragraph = cell.paragraphs[0]
            paragraph.paragraph_format.space_after = Pt(2)
            paragraph.paragraph_format.space_before = Pt(2)
            heading = (spec.get("header") and r == 0) or (not spec.get("header") and c == 0)
            add_inline(paragraph._p, " ".join(str(value).split()), ctx)
            for run in paragraph.runs:
                run.font.size = Pt(10)
                run.font.bold = bool(heading)
            if heading:
                shade(cell, fill)
        trpr = table.rows[r]._tr.get_or_add_trPr()
        trpr.append(parse_xml(f"<w:cantSplit {nsdecls('w')}/>"))
        if spec.get("header") and r == 0:
            trpr.append(parse_xml(f"<w:tblHeader {nsdecls('w')}/>"))
    doc.add_paragraph().paragraph_format.space_after = Pt(0)


# ---------------------------------------------------------------------------------- document


def set_core(doc: DocxDocument, meta: dict[str, Any]) -> None:
    props = doc.core_properties
    props.title = meta["title"]
    props.subject = meta["subject"]
    props.author = meta["author"]
    props.last_modified_by = meta["last_modified_by"]
    props.keywords = meta["keywords"]
    props.category = meta["category"]
    props.comments = meta["comments"]
    props.language = meta["language"]
    props.content_status = meta.get("status", "Final")
    props.revision = int(meta["revision"])
    when = meta["date"]
    props.created = props.modified = when


def build_docx(source: dict[str, Any]) -> bytes:
    meta = source["meta"]
    ctx = Ctx(meta=meta, notes=source.get("footnotes", {}))
    doc = Document()
    package_rels = doc.part.package.rels
    for rid, rel in list(package_rels.items()):
        if rel.reltype == RT.THUMBNAIL:  # the template's thumbnail shows an empty page
            package_rels.pop(rid)
    tracked = any(
        "{++" in str(b.get(kind_of(b))) or "{--" in str(b.get(kind_of(b))) or b.get("track")
        for b in source["body"]
    )
    setup_styles(doc, meta)
    setup_settings(doc, meta, tracked)
    setup_page(doc, meta)
    if meta["numbering"] == "word":
        add_numbering(doc)
    body = doc.element.body
    for p in list(body.iterchildren(qn("w:p"))):  # the template's empty first paragraph
        body.remove(p)
    for block in source["body"]:
        add_block(doc, block, ctx)
    if ctx.note_ids:
        add_footnotes(doc, ctx)
    set_core(doc, meta)
    raw = io.BytesIO()
    doc.save(raw)
    return deterministic_zip(raw.getvalue(), meta["date"])


def deterministic_zip(data: bytes, when: datetime) -> bytes:
    stamp = (when.year, when.month, when.day, when.hour, when.minute, when.second)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            item = zipfile.ZipInfo(info.filename, date_time=stamp)
            item.compress_type = zipfile.ZIP_DEFLATED
            item.external_attr = 0o644 << 16
            dst.writestr(item, src.read(info.filename))
    return out.getvalue()


def to_pdf(paths: list[Path]) -> None:
    command = [
        "soffice",
        f"-env:UserInstallation={LO_PROFILE}",
        "--headless",
        "--convert-to",
        "pdf",
        "--outdir",
        str(SAMPLES),
        *map(str, paths),
    ]
    subprocess.run(command, check=True, capture_output=True, timeout=300)
    for path in paths:
        if not path.with_suffix(".pdf").exists():
            raise SystemExit(f"LibreOffice made no PDF for {path.name}")


# ------------------------------------------------------------------------------------- check


def norm(text: str) -> str:
    return re.sub(r"[^0-9a-z£%]", "", text.lower())


def accepted(text: str) -> str:
    text = re.sub(r"\{--.*?--\}", "", str(text), flags=re.S)
    text = re.sub(r"\{\+\+(.*?)\+\+\}", r"\1", text, flags=re.S)
    return " ".join(re.sub(r"\[\^\w+\]", "", text).split())


def locate(source: dict[str, Any]) -> dict[str, str]:
    """Map clause numbers ("4.2", "1.4(d)"), cells ("cell 3.2.2") and footnotes ("footnote 1")
    to their accepted text, as the sample's reader should see them."""
    out: dict[str, str] = {}
    counters = [0, 0, 0]
    tables = 0
    note_order: list[str] = []
    parent = ""
    for block in source["body"]:
        kind = kind_of(block)
        raw = block[kind]
        for key in re.findall(r"\[\^(\w+)\]", str(raw)):
            if key not in note_order:
                note_order.append(key)
        if kind == "table":
            tables += 1
            for r, row in enumerate(raw["rows"], 1):
                for c, cell in enumerate(row, 1):
                    out[f"cell {tables}.{r}.{c}"] = accepted(cell)
                    for key in re.findall(r"\[\^(\w+)\]", str(cell)):
                        if key not in note_order:
                            note_order.append(key)
            continue
        text = accepted(raw)
        if source["meta"]["numbering"] == "word" and kind in ("h1", "c", "sub"):
            level = {"h1": 0, "c": 1, "sub": 2}[kind]
            counters[level] += 1
            counters[level + 1 :] = [0] * (2 - level)
            number = {0: f"{counters[0]}.", 1: f"{counters[0]}.{counters[1]}"}.get(
                level, f"({chr(96 + counters[2])})"
            )
            text = f"{number} {text}"
        match = TYPED_NUMBER.match(text)
        if kind in ("c", "sub") and match:
            number = match.group(1)
            if kind == "c":
                parent = number
            else:
                number = parent + number
            out[number] = match.group(2)
    for i, key in enumerate(note_order, 1):
        out[f"footnote {i}"] = " ".join(source["footnotes"][key].split())
    return out


def where(entry: dict[str, Any]) -> str:
    if "cell" in entry:
        return "cell " + ".".join(map(str, entry["cell"]))
    if "footnote" in entry:
        return f"footnote {entry['footnote']}"
    return str(entry["clause"])


def pdf_pages(pdf: Path) -> list[str]:
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    return [norm(page) for page in text.split("\f")[:-1]]


def phrase_page(blocks: dict[str, str], place: str, phrase: str, pages: list[str]) -> int:
    """The PDF page on which `phrase` is printed in block `place`, or 0 when it is not there or
    is not on the page where the block starts. Blocks are found one after another in reading
    order, so a short table cell is not confused with the same words elsewhere."""
    text = "".join(pages)
    ends = [sum(len(p) for p in pages[: i + 1]) for i in range(len(pages))]

    def page_of(offset: int) -> int:
        return next(i for i, end in enumerate(ends, 1) if offset < end)

    cursor, start = 0, -1
    for key, value in blocks.items():
        if key.startswith("footnote") != place.startswith("footnote"):
            continue
        found = text.find(norm(value)[:30], 0 if key.startswith("footnote") else cursor)
        if found >= 0:
            cursor = found + 1
        if key == place:
            start = found
            break
    at = text.find(norm(phrase), start) if start >= 0 else -1
    if at < 0 or page_of(at) != page_of(start):
        return 0
    return page_of(at)


def check() -> int:
    expected = load(SAMPLES / "expected.yaml")["samples"]
    problems: list[str] = []
    for name, spec in expected.items():
        source = load(SAMPLES / f"{name}.yaml")
        blocks = locate(source)
        pages = pdf_pages(SAMPLES / f"{name}.pdf")
        if spec["pages"] != len(pages):
            problems.append(f"{name}: {len(pages)} pages, expected {spec['pages']}")
        entries = [e for view in spec["as_of"].values() for e in view["findings"]]
        entries += spec.get("must_not_flag", []) + spec.get("borderline", [])
        for entry in entries:
            place = where(entry)
            text = blocks.get(place)
            if text is None or entry["phrase"] not in text:
                problems.append(f"{name}: {entry['phrase']!r} is not in {place}")
                continue
            found = phrase_page(blocks, place, entry["phrase"], pages)
            if found != entry.get("page"):
                problems.append(f"{name}: {entry['phrase']!r} on page {found}, not {entry['page']}")
        raw = yaml.safe_dump(source["body"], allow_unicode=True, width=10**6)
        deleted = " ".join(re.findall(r"\{--(.*?)--\}", raw, re.S))
        live = " ".join(blocks.values())
        inserted = " ".join(re.findall(r"\{\+\+(.*?)\+\+\}", raw, re.S))
        inserted += " ".join(str(b[kind_of(b)]) for b in source["body"] if b.get("track"))
        for entry in spec.get("tracked_changes", {}).get("inserted_only", []):
            if entry["phrase"] not in " ".join(inserted.split()):
                problems.append(f"{name}: {entry['phrase']!r} is not inserted")
            if entry["phrase"] not in blocks.get(str(entry["clause"]), ""):
                problems.append(f"{name}: {entry['phrase']!r} is not in {entry['clause']}")
        for phrase in spec.get("tracked_changes", {}).get("deleted_only", []):
            if phrase not in " ".join(deleted.split()) or phrase in live:
                problems.append(f"{name}: {phrase!r} is not deleted-only")
            if any(norm(phrase) in page for page in pages):
                problems.append(f"{name}: deleted {phrase!r} shows in the PDF")
    for problem in problems:
        print(problem)
    print(f"{len(problems)} problem(s)")
    return 1 if problems else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-pdf", action="store_true", help="write the DOCX files only")
    parser.add_argument("--check", action="store_true", help="check expected.yaml and stop")
    args = parser.parse_args(argv)
    if args.check:
        return check()
    built = []
    for path in sorted(SAMPLES.glob("*.yaml")):
        if path.name == "expected.yaml":
            continue
        out = path.with_suffix(".docx")
        out.write_bytes(build_docx(load(path)))
        built.append(out)
        print(f"wrote {out.relative_to(ROOT)}")
    if not args.no_pdf:
        to_pdf(built)
        for out in built:
            print(f"wrote {out.with_suffix('.pdf').relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
