"""Build the PDFs the PDF reader is tested on.

Two kinds of builder live here:

* Word documents made with python-docx from a :class:`DocSpec` (running header, a footer with a
  PAGE field, headings, numbered clauses, bullets, a table, footnotes, optional automatic
  hyphenation) and converted to PDF by LibreOffice. The conversions are slow and need
  LibreOffice, so their results are committed under ``tests/fixtures/pdf/`` together with a
  JSON file holding the source text; run ``python tests/fixtures/pdf/make_fixtures.py`` to
  rebuild them. The tests compare what the reader makes of each PDF with that source.
* :func:`raw_pdf`, a tiny PDF writer in pure Python for what LibreOffice cannot make: pages
  with no text layer, corrupt files and files encrypted with the standard security handler
  (RC4, with or without a user password). Tests call it directly.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import shutil
import subprocess
import tempfile
import zlib
from dataclasses import asdict, dataclass, field
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures" / "pdf"

# --------------------------------------------------------------------------------------------
# Source documents
# --------------------------------------------------------------------------------------------


@dataclass
class SourceBlock:
    """One paragraph of the source document, as the reader should give it back."""

    kind: str  # "title", "heading", "paragraph", "list-item", "table", "footnote"
    text: str = ""
    level: int | None = None
    clause: str | None = None
    #: A footnote attached at the end of this paragraph (its text).
    footnote: str | None = None
    #: Rows of a table (kind "table").
    rows: list[list[str]] = field(default_factory=list)
    page_break_before: bool = False


@dataclass
class DocSpec:
    name: str
    blocks: list[SourceBlock]
    #: Running header text, repeated on every page.
    header: str | None = None
    #: Footer with the fields written as {PAGE} and {NUMPAGES}.
    footer: str | None = None
    #: Field switch for the page number (e.g. "\\* roman").
    page_format: str = ""
    hyphenate: bool = False
    justify: bool = False
    seed: int = 0
    #: Font size (points) of a "Footnote Text" style; None leaves LibreOffice's default.
    footnote_size: float | None = None


WORDS = (  # noqa: SIM905 (prose is easier to read and edit than a list literal)
    "the council shall ensure that every procurement exercise is conducted with fairness "
    "transparency and proportionality officers must record reasons for each decision before "
    "any contract is awarded suppliers should demonstrate social value environmental "
    "sustainability and responsible employment practices throughout delivery where "
    "appropriate commissioners will consult voluntary community organisations local "
    "businesses residents partners early so that requirements reflect need evaluation "
    "criteria weightings published tender documents clearly subcontractors paid within "
    "thirty days monitoring performance indicators reported quarterly cabinet members "
    "scrutiny committee notwithstanding exceptional circumstances authorised director "
    "finance legal services accountability organisational responsibilities consideration "
    "opportunities apprenticeships equality diversity safeguarding accessibility"
).split()

LONG_WORDS = (  # noqa: SIM905
    "notwithstanding accountability organisational responsibilities consideration "
    "opportunities apprenticeships sustainability environmental procurement proportionality "
    "transparency commissioners subcontractors administrative representations "
    "understanding establishment interpretation documentation"
).split()

COMPOUNDS = ["off-site", "well-being", "decision-making", "value-for-money", "co-operation"]


def sentence(rng: random.Random, words: list[str], length: int) -> str:
    chosen = [rng.choice(words) for _ in range(length)]
    chosen[0] = chosen[0].capitalize()
    return " ".join(chosen) + "."


def prose(rng: random.Random, sentences: int, words: list[str] | None = None) -> str:
    words = words or WORDS
    return " ".join(sentence(rng, words, rng.randint(9, 18)) for _ in range(sentences))


def rules_spec() -> DocSpec:
    """A contract procedure rules document: headings, clauses, bullets, a table, footnotes."""
    rng = random.Random(11)
    blocks = [SourceBlock("title", "Contract Procedure Rules")]
    blocks.append(SourceBlock("paragraph", prose(rng, 3)))
    for part in range(1, 4):
        title = ["Introduction", "Procurement thresholds", "Social value"][part - 1]
        blocks.append(
            SourceBlock("heading", f"{part}. {title}", level=1, page_break_before=part == 3)
        )
        for sub in range(1, 4):
            blocks.append(
                SourceBlock("heading", f"{part}.{sub} {rng.choice(SUBHEADINGS)}", level=2)
            )
            for clause in range(1, 4):
                number = f"{part}.{sub}.{clause}"
                text = f"{number} {prose(rng, rng.randint(2, 4))}"
                note = None
                if (part, sub, clause) in ((1, 2, 1), (2, 3, 2), (3, 1, 3)):
                    note = "See the " + prose(rng, 1).lower()
                blocks.append(SourceBlock("paragraph", text, clause=number, footnote=note))
            if sub == 2:
                for letter in "abc":
                    text = f"({letter}) " + prose(rng, 1).rstrip(".").lower() + ";"
                    blocks.append(SourceBlock("paragraph", text, clause=f"({letter})"))
            if sub == 3:
                for _ in range(3):
                    blocks.append(SourceBlock("list-item", prose(rng, 1), level=0))
        if part == 2:
            blocks.append(
                SourceBlock(
                    "table",
                    rows=[
                        ["Value of contract", "Procedure"],
                        ["Up to £25,000", "One written quotation"],
                        ["£25,000 to £100,000", "Three written quotations"],
                        ["Over £100,000", "Formal tender"],
                    ],
                )
            )
            blocks.append(SourceBlock("paragraph", prose(rng, 2)))
    return DocSpec(
        name="rules",
        blocks=blocks,
        header="Northshire County Council Contract Procedure Rules 2025",
        footer="Page {PAGE} of {NUMPAGES}",
        seed=11,
    )


SUBHEADINGS = [
    "Scope of these rules",
    "Responsibilities of officers",
    "Exemptions and waivers",
    "Advertising opportunities",
    "Evaluation of tenders",
    "Contract management",
    "Working with the voluntary sector",
    "Publishing information",
]


def hyphenated_spec(seed: int = 5) -> DocSpec:
    """Long justified paragraphs of long words, hyphenated automatically by LibreOffice.

    The generator tries seeds until a hyphenated word straddles a page break (see
    :func:`build_hyphenated`).
    """
    rng = random.Random(seed)
    words = LONG_WORDS + WORDS[:40] + COMPOUNDS
    blocks = [SourceBlock("heading", "Hyphenation sample", level=1)]
    for _ in range(14):
        blocks.append(SourceBlock("paragraph", prose(rng, rng.randint(4, 7), words)))
    return DocSpec(
        name="hyphenated",
        blocks=blocks,
        header="Hyphenation test: running header",
        footer="- {PAGE} -",
        hyphenate=True,
        justify=True,
        seed=seed,
    )


def roman_spec() -> DocSpec:
    """Bare roman page numbers in the footer, no running header, plain unnumbered paragraphs."""
    rng = random.Random(23)
    blocks = [SourceBlock("heading", "Foreword", level=1)]
    for index in range(12):
        if index == 6:
            blocks.append(SourceBlock("heading", "Our approach", level=1))
        note = "Footnote " + prose(rng, 2).lower() if index in (2, 9) else None
        blocks.append(SourceBlock("paragraph", prose(rng, rng.randint(3, 6)), footnote=note))
    return DocSpec(
        name="roman",
        blocks=blocks,
        footer="{PAGE}",
        page_format="\\* roman",
        footnote_size=9,
    )


def long_spec(parts: int = 18) -> DocSpec:
    """A long rules document (about 80 pages) for timing, hyphenated like real codes often are."""
    spec = rules_spec()
    rng = random.Random(31)
    blocks: list[SourceBlock] = [SourceBlock("title", "Contract Procedure Rules")]
    for part in range(1, parts + 1):
        blocks.append(SourceBlock("heading", f"{part}. {rng.choice(SUBHEADINGS)}", level=1))
        for sub in range(1, 6):
            blocks.append(SourceBlock("heading", f"{part}.{sub} {rng.choice(SUBHEADINGS)}", 2))
            for clause in range(1, 5):
                number = f"{part}.{sub}.{clause}"
                blocks.append(SourceBlock("paragraph", f"{number} {prose(rng, 4)}", clause=number))
            blocks.append(SourceBlock("list-item", prose(rng, 1), level=0))
    spec.name, spec.blocks, spec.hyphenate, spec.justify = "long", blocks, True, True
    return spec


def benchmark(repeats: int = 3) -> None:
    """Time pdfplumber, bare pypdfium2 and codelint's reader on a long LibreOffice PDF."""
    import time

    import pdfplumber
    import pypdfium2

    from codelint.limits import Limits
    from codelint.readers.pdf import read_pdf

    with tempfile.TemporaryDirectory(prefix="codelint-bench-") as tmp:
        pdf_path = write_fixture(long_spec(), Path(tmp))
        data = pdf_path.read_bytes()
        pages = len(pypdfium2.PdfDocument(data))

        def plumber() -> None:
            with pdfplumber.open(str(pdf_path)) as pdf:
                for page in pdf.pages:
                    page.extract_text()

        def pdfium_text() -> None:
            pdf = pypdfium2.PdfDocument(data)
            for page in pdf:
                page.get_textpage().get_text_range()
            pdf.close()

        def reader() -> None:
            read_pdf(str(pdf_path), data, Limits())

        for name, job, runs in (
            ("pdfplumber extract_text", plumber, 1),
            ("pypdfium2 get_text_range", pdfium_text, repeats * 3),
            ("codelint read_pdf", reader, repeats * 3),
        ):
            times = []
            for _ in range(runs):
                start = time.perf_counter()
                job()
                times.append(time.perf_counter() - start)
            best = sorted(times)[len(times) // 2]
            print(f"{name:28s} {best:7.3f} s  {1000 * best / pages:6.1f} ms/page ({pages} pages)")


def fixture_specs() -> list[DocSpec]:
    return [rules_spec(), roman_spec()]


# --------------------------------------------------------------------------------------------
# DOCX builder
# --------------------------------------------------------------------------------------------

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
FOOTNOTES_CT = "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"


def build_docx(spec: DocSpec, path: Path) -> None:
    """Write ``spec`` as a Word document with python-docx."""
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK

    document = docx.Document()
    section = document.sections[0]
    if spec.header:
        section.header.paragraphs[0].text = spec.header
    if spec.footer:
        _write_fields(section.footer.paragraphs[0], spec.footer, spec.page_format)
    if spec.hyphenate:
        _set_auto_hyphenation(document)
    footnotes: list[str] = []
    for block in spec.blocks:
        if block.kind == "table":
            _add_table(document, block.rows)
            continue
        style = {
            "title": "Title",
            "heading": f"Heading {block.level}",
            "list-item": "List Bullet",
        }.get(block.kind, "Normal")
        paragraph = document.add_paragraph(style=style)
        if block.page_break_before:
            paragraph.add_run().add_break(WD_BREAK.PAGE)
        paragraph.add_run(block.text)
        if spec.justify and block.kind == "paragraph":
            paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
        if block.footnote:
            footnotes.append(block.footnote)
            _add_footnote_reference(paragraph, len(footnotes))
    if footnotes:
        style = _footnote_style(document, spec.footnote_size) if spec.footnote_size else None
        _add_footnotes_part(document, footnotes, style)
    document.save(str(path))


def _field(paragraph, instruction: str) -> None:  # type: ignore[no-untyped-def]
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    for kind in ("begin", "instr", "separate", "end"):
        run = paragraph.add_run()
        if kind == "instr":
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = f" {instruction} "
        else:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        run._r.append(element)
        if kind == "separate":
            paragraph.add_run("1")


def _write_fields(paragraph, template: str, page_format: str) -> None:  # type: ignore[no-untyped-def]
    rest = template
    while rest:
        head, brace, tail = rest.partition("{")
        if head:
            paragraph.add_run(head)
        if not brace:
            break
        name, _, rest = tail.partition("}")
        _field(paragraph, f"{name} {page_format}".strip() if name == "PAGE" else name)


def _set_auto_hyphenation(document) -> None:  # type: ignore[no-untyped-def]
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    element = OxmlElement("w:autoHyphenation")
    element.set(qn("w:val"), "true")
    document.settings.element.append(element)


def _add_table(document, rows: list[list[str]]) -> None:  # type: ignore[no-untyped-def]
    table = document.add_table(rows=len(rows), cols=len(rows[0]))
    table.style = "Table Grid"
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            table.cell(r, c).text = text


def _add_footnote_reference(paragraph, number: int) -> None:  # type: ignore[no-untyped-def]
    from docx.oxml import parse_xml

    paragraph._p.append(
        parse_xml(
            f'<w:r xmlns:w="{W_NS}"><w:rPr><w:vertAlign w:val="superscript"/></w:rPr>'
            f'<w:footnoteReference w:id="{number}"/></w:r>'
        )
    )


def _footnote_style(document, size: float) -> str:  # type: ignore[no-untyped-def]
    """Add Word's "Footnote Text" paragraph style at ``size`` points; return its id."""
    from docx.enum.style import WD_STYLE_TYPE
    from docx.shared import Pt

    style = document.styles.add_style("Footnote Text", WD_STYLE_TYPE.PARAGRAPH)
    style.font.size = Pt(size)
    return style.style_id


def _add_footnotes_part(  # type: ignore[no-untyped-def]
    document, notes: list[str], style: str | None = None
) -> None:
    from xml.sax.saxutils import escape

    from docx.opc.constants import RELATIONSHIP_TYPE
    from docx.opc.packuri import PackURI
    from docx.opc.part import Part

    para = f'<w:pPr><w:pStyle w:val="{style}"/></w:pPr>' if style else ""
    body = "".join(
        f'<w:footnote w:id="{n}"><w:p>{para}<w:r><w:rPr><w:vertAlign w:val="superscript"/></w:rPr>'
        f'<w:footnoteRef/></w:r><w:r><w:t xml:space="preserve"> {escape(text)}</w:t></w:r>'
        f"</w:p></w:footnote>"
        for n, text in enumerate(notes, start=1)
    )
    xml = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:footnotes xmlns:w="{W_NS}">'
        '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p>'
        "</w:footnote>"
        '<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:r>'
        "<w:continuationSeparator/></w:r></w:p></w:footnote>"
        f"{body}</w:footnotes>"
    )
    part = Part(PackURI("/word/footnotes.xml"), FOOTNOTES_CT, xml.encode(), document.part.package)
    document.part.relate_to(part, RELATIONSHIP_TYPE.FOOTNOTES)


def docx_to_pdf(docx_path: Path, outdir: Path) -> Path:
    """Convert with LibreOffice, using a private profile so parallel runs do not clash."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        raise RuntimeError("LibreOffice (soffice) is needed to rebuild the PDF fixtures")
    with tempfile.TemporaryDirectory(prefix="codelint-lo-") as profile:
        subprocess.run(
            [
                soffice,
                f"-env:UserInstallation=file://{profile}",
                "--headless",
                "--convert-to",
                "pdf",
                "--outdir",
                str(outdir),
                str(docx_path),
            ],
            check=True,
            capture_output=True,
            timeout=180,
        )
    return outdir / (docx_path.stem + ".pdf")


def expected_blocks(spec: DocSpec) -> list[dict[str, object]]:
    """The blocks a reader should find, in order (tables flattened to one entry per cell).

    The title is kind "title" here (the PDF reader makes it a level-1 heading)."""
    out: list[dict[str, object]] = []
    tables = 0
    for block in spec.blocks:
        if block.kind == "table":
            tables += 1
            out.extend(
                {"kind": "table-cell", "text": text, "cell": [tables, r, c]}
                for r, row in enumerate(block.rows, start=1)
                for c, text in enumerate(row, start=1)
            )
            continue
        out.append(
            {k: v for k, v in asdict(block).items() if k in ("kind", "text", "level", "clause")}
        )
        if block.footnote:  # a footnote follows the paragraph that calls it
            out.append({"kind": "footnote", "text": block.footnote})
    return out


def write_fixture(spec: DocSpec, outdir: Path) -> Path:
    """Build the DOCX, convert it, and write ``<name>.pdf`` and ``<name>.json``."""
    with tempfile.TemporaryDirectory(prefix="codelint-fixture-") as tmp:
        docx_path = Path(tmp) / f"{spec.name}.docx"
        build_docx(spec, docx_path)
        pdf = docx_to_pdf(docx_path, Path(tmp))
        target = outdir / f"{spec.name}.pdf"
        shutil.copyfile(pdf, target)
    meta = {
        "name": spec.name,
        "seed": spec.seed,
        "header": spec.header,
        "footer": spec.footer,
        "page_format": spec.page_format,
        "hyphenate": spec.hyphenate,
        "blocks": expected_blocks(spec),
    }
    (outdir / f"{spec.name}.json").write_text(json.dumps(meta, indent=1, ensure_ascii=False))
    return target


def build_hyphenated(outdir: Path, seeds: range = range(1, 60)) -> Path:
    """Write the hyphenation fixture from the first seed whose PDF breaks a word across pages.

    A page break inside a hyphenated word is the hard case: the running header and footer sit
    between the halves. LibreOffice decides where lines break, so we search for a seed.
    """
    import pypdfium2

    for seed in seeds:
        spec = hyphenated_spec(seed)
        target = write_fixture(spec, outdir)
        pdf = pypdfium2.PdfDocument(str(target))
        try:
            for index in range(len(pdf) - 1):
                text = pdf[index].get_textpage().get_text_range().rstrip()
                body = text.rsplit("\r\n", 1)[0].rstrip()  # drop the footer line
                if body.endswith(("\ufffe", "-")):
                    return target
        finally:
            pdf.close()
    raise RuntimeError("no seed gave a hyphenated word across a page break")


def main() -> None:
    FIXTURES.mkdir(parents=True, exist_ok=True)
    for spec in fixture_specs():
        print("wrote", write_fixture(spec, FIXTURES))
    print("wrote", build_hyphenated(FIXTURES))


# --------------------------------------------------------------------------------------------
# A tiny PDF writer for cases LibreOffice does not make
# --------------------------------------------------------------------------------------------

PAD = bytes.fromhex("28BF4E5E4E758A4164004E56FFFA01082E2E00B6D0683E802F0CA9FE6453697A")


def rc4(key: bytes, data: bytes) -> bytes:
    state = list(range(256))
    j = 0
    for i in range(256):
        j = (j + state[i] + key[i % len(key)]) % 256
        state[i], state[j] = state[j], state[i]
    out = bytearray()
    i = j = 0
    for byte in data:
        i = (i + 1) % 256
        j = (j + state[i]) % 256
        state[i], state[j] = state[j], state[i]
        out.append(byte ^ state[(state[i] + state[j]) % 256])
    return bytes(out)


@dataclass
class _Security:
    """Standard security handler, revision 2 (40-bit RC4): enough to test password handling."""

    user_password: bytes
    owner_password: bytes
    file_id: bytes = b"codelint-test-id"
    permissions: int = -44

    def __post_init__(self) -> None:
        owner_key = hashlib.md5((self.owner_password + PAD)[:32]).digest()[:5]
        self.o_entry = rc4(owner_key, (self.user_password + PAD)[:32])
        digest = hashlib.md5(
            (self.user_password + PAD)[:32]
            + self.o_entry
            + self.permissions.to_bytes(4, "little", signed=True)
            + self.file_id
        ).digest()
        self.key = digest[:5]
        self.u_entry = rc4(self.key, PAD)

    def encrypt(self, number: int, data: bytes) -> bytes:
        object_key = hashlib.md5(self.key + number.to_bytes(3, "little") + b"\0\0").digest()
        return rc4(object_key[: len(self.key) + 5], data)

    def dictionary(self) -> bytes:
        return (
            b"<< /Filter /Standard /V 1 /R 2 /O <"
            + self.o_entry.hex().encode()
            + b"> /U <"
            + self.u_entry.hex().encode()
            + b"> /P "
            + str(self.permissions).encode()
            + b" >>"
        )


def _escape_pdf_text(text: str) -> bytes:
    raw = text.encode("latin-1")
    return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


#: A line for :func:`raw_pdf`: its text, or (text, font size), or (text, font size, baseline y).
RawLine = str | tuple[str, float] | tuple[str, float, float]

_SCRIPT = re.compile(r"([\^_])(\d+)")


def _show(text: str, size: float) -> bytes:
    """Text operators for one line; "^12" prints 12 as a superscript, "_2" as a subscript,
    and a line starting "**" is set in bold."""
    font = "F1"
    if text.startswith("**"):
        font, text = "F2", text[2:]
    ops: list[bytes] = []
    kept = 0
    for found in [*_SCRIPT.finditer(text), None]:
        plain = text[kept : found.start() if found else len(text)]
        if plain:
            ops.append(f"/{font} {size:g} Tf 0 Ts (".encode() + _escape_pdf_text(plain) + b") Tj")
        if found is None:
            break
        rise = 0.35 * size if found.group(1) == "^" else -0.2 * size
        ops.append(
            f"/{font} {0.6 * size:g} Tf {rise:g} Ts (".encode()
            + _escape_pdf_text(found.group(2))
            + b") Tj 0 Ts"
        )
        kept = found.end()
    return b" ".join(ops)


def _page_stream(lines: list[RawLine] | None) -> bytes:
    """Content for one page: Helvetica lines down from the top, or one grey image if None.

    An empty string leaves a blank line (a paragraph gap).
    """
    if lines is None:
        return b"q 400 0 0 300 100 400 cm /Im1 Do Q"
    ops = [b"BT"]
    y = 740.0
    for line in lines:
        text, size, at = (line, 11.0, None) if isinstance(line, str) else (*line, None)[:3]
        if at is not None:
            ops.append(f"1 0 0 1 72 {at:g} Tm ".encode() + _show(text, size))
            continue
        if text:
            ops.append(f"1 0 0 1 72 {y:g} Tm ".encode() + _show(text, size))
        y -= 1.3 * size
    ops.append(b"ET")
    return b"\n".join(ops)


def raw_pdf(
    pages: list[list[RawLine] | None],
    user_password: str | None = None,
    owner_password: str | None = None,
) -> bytes:
    """A minimal PDF: one entry per page, a list of text lines or None for an image-only page.

    With ``owner_password`` set the file is RC4-encrypted; ``user_password`` (default empty)
    is then the password needed to open it.
    """
    security = None
    if owner_password is not None:
        security = _Security((user_password or "").encode(), owner_password.encode())
    objects: dict[int, bytes] = {}
    streams: dict[int, bytes] = {}
    page_ids = [5 + 2 * i for i in range(len(pages))]
    kids = b" ".join(f"{p} 0 R".encode() for p in page_ids)
    objects[1] = b"<< /Type /Catalog /Pages 2 0 R >>"
    objects[2] = (
        b"<< /Type /Pages /Kids [" + kids + b"] /Count " + str(len(pages)).encode() + b" >>"
    )
    objects[3] = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"
    bold_font = 5 + 2 * len(pages)
    objects[bold_font] = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold >>"
    grey = zlib.compress(bytes([128]) * (8 * 6))
    streams[4] = grey
    objects[4] = (
        b"<< /Type /XObject /Subtype /Image /Width 8 /Height 6 /ColorSpace /DeviceGray "
        b"/BitsPerComponent 8 /Filter /FlateDecode"
    )
    for page_id, lines in zip(page_ids, pages, strict=True):
        objects[page_id] = (
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents "
            + f"{page_id + 1} 0 R".encode()
            + b" /Resources << /Font << /F1 3 0 R /F2 "
            + f"{bold_font} 0 R".encode()
            + b" >> /XObject << /Im1 4 0 R >> >> >>"
        )
        streams[page_id + 1] = _page_stream(lines)
        objects[page_id + 1] = b"<<"
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets: dict[int, int] = {}
    for number in sorted(objects):
        offsets[number] = len(out)
        body = objects[number]
        if number in streams:
            data = streams[number]
            if security:
                data = security.encrypt(number, data)
            body = body + b" /Length " + str(len(data)).encode() + b" >>\nstream\n" + data
            body += b"\nendstream"
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    trailer_extra = b""
    if security:
        number = max(objects) + 1
        offsets[number] = len(out)
        out += f"{number} 0 obj\n".encode() + security.dictionary() + b"\nendobj\n"
        file_id = security.file_id.hex().encode()
        trailer_extra = (
            f" /Encrypt {number} 0 R".encode() + b" /ID [<" + file_id + b"> <" + file_id + b">]"
        )
    xref_at = len(out)
    count = max(offsets) + 1
    out += f"xref\n0 {count}\n0000000000 65535 f \n".encode()
    for number in range(1, count):
        out += f"{offsets[number]:010d} 00000 n \n".encode()
    out += b"trailer\n<< /Size " + str(count).encode() + b" /Root 1 0 R" + trailer_extra + b" >>\n"
    out += f"startxref\n{xref_at}\n%%EOF\n".encode()
    return bytes(out)


if __name__ == "__main__":
    import sys

    benchmark() if "--benchmark" in sys.argv else main()
