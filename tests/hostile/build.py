"""Build the hostile corpus: documents that are broken, malicious or absurdly large.

Nothing is downloaded and nothing built here is committed: ``tests/test_hostile.py`` runs
:func:`build_corpus` into a temporary folder and lints the result with the real command line.
Run it by hand to look at the files::

    python tests/hostile/build.py /tmp/hostile [PORT]

Every case is made by code in this file, the test factories next to it (``docx_factory``,
``pdf_factory``), the project's own sample documents, and LibreOffice for the legacy ``.doc``.

Two things outside the corpus folder are part of the trap: a *secret file* (its text,
:data:`SECRET`, must never appear in any output: an external entity that pointed at it was
resolved if it does) and a *listener* on ``127.0.0.1:PORT`` (any request it records means a
document made codelint fetch something). The corpus points at both; the test owns them.

The password-protected Word file is an OLE compound file with ``EncryptionInfo`` and
``EncryptedPackage`` streams, as Word writes one. msoffcrypto-tool (which could write a real
one) is on PyPI but is not installed here and is not a dependency, so :func:`compound_file`
writes a minimal compound file (MS-CFB version 3) itself; its package bytes are random, since no
reader may ever get as far as decrypting them.
"""

from __future__ import annotations

import os
import random
import shutil
import struct
import subprocess
import sys
import tempfile
import zipfile
import zlib
from collections.abc import Callable
from io import BytesIO
from pathlib import Path

TESTS = Path(__file__).resolve().parent.parent
ROOT = TESTS.parent
SAMPLES = ROOT / "corpora" / "samples"
if str(TESTS) not in sys.path:  # run as a script; under pytest tests/ is on the path already
    sys.path.insert(0, str(TESTS))

from docx_factory import DECLARATIONS, XML_HEAD, build_docx  # noqa: E402
from pdf_factory import raw_pdf  # noqa: E402

#: Text of the secret file that external entities point at. It must never be printed.
SECRET = "CODELINT-HOSTILE-SECRET-5c1e9a7f"

#: A sentence that codelint flags (OJEU is presented as current), used to prove that a file
#: was read and linted normally. The pound sign and the accent check the decoding.
FLAGGED = (
    "Every contract above £189,330 for the café and catering service must be advertised in "
    "OJEU by a contract notice."
)

#: Size of the one-paragraph text files.
HUGE_PARAGRAPH_BYTES = 5 * 1024 * 1024
#: Size of the valid, verbose document.xml that must be read within the limits.
BIG_PART_BYTES = 50 * 1024 * 1024
#: What the zip bomb's document.xml inflates to.
BOMB_BYTES = 1 << 30
#: Pages of the long PDF.
LONG_PDF_PAGES = 2000

WORDS = tuple(
    " ".join(
        (
            "the council shall award each contract to the supplier whose tender offers the best",
            "value for money having regard to quality price social value and the needs of local",
            "communities officers must record the reasons for every decision and keep them with",
            "the contract file",
        )
    ).split()
)


# --- writing bytes ------------------------------------------------------------------------------


def _write(path: Path, data: bytes | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    path.write_bytes(data)
    return path


def _docx_with(document: bytes | str, **parts: bytes | str) -> bytes:
    """A valid package around ``document`` (the whole document.xml), with extra parts."""
    buffer = BytesIO(build_docx("<w:p/>"))
    out = BytesIO()
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for info in source.infolist():
            if info.filename == "word/document.xml":
                zf.writestr(info.filename, document)
            elif info.filename in parts:
                zf.writestr(info.filename, parts.pop(info.filename))
            else:
                zf.writestr(info.filename, source.read(info))
        for name, content in parts.items():
            zf.writestr(name, content)
    return out.getvalue()


def _paragraphs(*texts: str) -> str:
    return "".join(f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>" for text in texts)


def _document(body: str, doctype: str = "") -> str:
    return f"{XML_HEAD}{doctype}<w:document {DECLARATIONS}><w:body>{body}</w:body></w:document>"


# --- zips written by hand ------------------------------------------------------------------------


def raw_zip(members: list[tuple[str, bytes, int, int]]) -> bytes:
    """A zip of deflated members given as (name, raw deflate data, CRC-32, inflated size).

    The sizes are written as given, so a member can declare a size it does not have.
    """
    out = bytearray()
    central = bytearray()
    for name, data, crc, size in members:
        encoded = name.encode()
        offset = len(out)
        out += struct.pack(
            "<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, crc, len(data), size, len(encoded), 0
        )
        out += encoded + data
        central += struct.pack(
            "<IHHHHHHIIIHHHHHII",
            0x02014B50, 20, 20, 0, 8, 0, 0x21, crc, len(data), size, len(encoded),
            0, 0, 0, 0, 0, offset,
        )  # fmt: skip
        central += encoded
    start = len(out)
    out += central
    out += struct.pack(
        "<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(central), start, 0
    )
    return bytes(out)


def _deflated(data: bytes) -> tuple[bytes, int, int]:
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    return packer.compress(data) + packer.flush(), zlib.crc32(data), len(data)


def bomb_member(head: bytes, filler: bytes, repeats: int, tail: bytes) -> tuple[bytes, int, int]:
    """Raw deflate data, CRC and size of ``head + filler * repeats + tail``, made in
    milliseconds: each piece ends with a full flush, after which deflate starts afresh, so the
    compressed filler is computed once and repeated."""

    def piece(data: bytes) -> bytes:
        packer = zlib.compressobj(9, zlib.DEFLATED, -15)
        return packer.compress(data) + packer.flush(zlib.Z_FULL_FLUSH)

    final = zlib.compressobj(9, zlib.DEFLATED, -15)
    stream = piece(head) + piece(filler) * repeats + piece(tail) + final.flush()
    crc = zlib.crc32(head)
    for _ in range(repeats):
        crc = zlib.crc32(filler, crc)
    crc = zlib.crc32(tail, crc)
    return stream, crc, len(head) + len(filler) * repeats + len(tail)


def _package_members() -> list[tuple[str, bytes, int, int]]:
    """The members of a minimal package other than word/document.xml, deflated."""
    members = []
    with zipfile.ZipFile(BytesIO(build_docx("<w:p/>"))) as source:
        for info in source.infolist():
            if info.filename != "word/document.xml":
                members.append((info.filename, *_deflated(source.read(info))))
    return members


def zip_bomb(total: int, declared: int | None = None) -> bytes:
    """A .docx whose document.xml is well-formed and inflates to ``total`` bytes of one long
    paragraph; ``declared`` overrides the inflated size written in the zip headers."""
    head = (_document("").split("</w:body>")[0] + "<w:p><w:r><w:t>").encode()
    tail = b"</w:t></w:r></w:p></w:body></w:document>"
    filler = b"a" * (1 << 20)
    repeats = (total - len(head) - len(tail)) // len(filler)
    data, crc, size = bomb_member(head, filler, repeats, tail)
    members = [*_package_members(), ("word/document.xml", data, crc, declared or size)]
    return raw_zip(members)


# --- an OLE compound file ------------------------------------------------------------------------

ENDOFCHAIN = 0xFFFFFFFE
FREESECT = 0xFFFFFFFF
FATSECT = 0xFFFFFFFD
NOSTREAM = 0xFFFFFFFF


def _directory_entry(
    name: str, kind: int, child: int, left: int, right: int, start: int, size: int
) -> bytes:
    encoded = (name + "\0").encode("utf-16-le")
    return struct.pack(
        "<64sHBBIII16sIQQIQ",
        encoded, len(encoded), kind, 1, left, right, child, b"\0" * 16, 0, 0, 0, start, size,
    )  # fmt: skip


def compound_file(streams: list[tuple[str, bytes]]) -> bytes:
    """A minimal MS-CFB (version 3, 512-byte sectors) file holding ``streams`` in its root.

    Each stream must be at least 4,096 bytes (so none goes to the mini stream) and all must
    fit in the sectors one FAT sector maps (about 60 kB). The directory tree is a right-leaning
    chain of siblings in the order CFB compares names (length first, then upper case).
    """
    sector = 512
    ordered = sorted(streams, key=lambda s: (len(s[0]), s[0].upper()))
    assert len(ordered) <= 3, "one directory sector holds the root and three streams"
    fat: list[int] = [FATSECT, ENDOFCHAIN]  # sector 0: the FAT; sector 1: the directory
    body = bytearray()
    entries = []
    for number, (name, data) in enumerate(ordered, start=1):
        assert len(data) >= 4096
        count = -(-len(data) // sector)
        start = len(fat)
        fat.extend(range(start + 1, start + count))
        fat.append(ENDOFCHAIN)
        body += data + b"\0" * (count * sector - len(data))
        right = number + 1 if number < len(ordered) else NOSTREAM
        entries.append(_directory_entry(name, 2, NOSTREAM, NOSTREAM, right, start, len(data)))
    assert len(fat) <= sector // 4, "too big for one FAT sector"
    root = _directory_entry("Root Entry", 5, 1, NOSTREAM, NOSTREAM, ENDOFCHAIN, 0)
    directory = b"".join([root, *entries]).ljust(sector, b"\0")
    fat_sector = struct.pack(f"<{sector // 4}I", *(fat + [FREESECT] * (sector // 4 - len(fat))))
    header = struct.pack(
        "<8s16sHHHHH6sIIIIIIIII",
        bytes.fromhex("D0CF11E0A1B11AE1"), b"\0" * 16, 0x3E, 3, 0xFFFE, 9, 6, b"\0" * 6,
        0, 1, 1, 0, 4096, ENDOFCHAIN, 0, ENDOFCHAIN, 0,
    )  # fmt: skip
    header += struct.pack("<I", 0) + struct.pack("<108I", *([FREESECT] * 108))
    assert len(header) == sector
    return header + fat_sector + directory + bytes(body)


def encrypted_docx(rng: random.Random) -> bytes:
    """A Word file protected with a password, as Word saves one (agile encryption)."""
    info_xml = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
        '<encryption xmlns="http://schemas.microsoft.com/office/2006/encryption" '
        'xmlns:p="http://schemas.microsoft.com/office/2006/keyEncryptor/password">'
        '<keyData saltSize="16" blockSize="16" keyBits="256" hashSize="64" '
        'cipherAlgorithm="AES" cipherChaining="ChainingModeCBC" hashAlgorithm="SHA512" '
        f'saltValue="{rng.randbytes(16).hex()}"/>'
        '<keyEncryptors><keyEncryptor uri="http://schemas.microsoft.com/office/2006/'
        'keyEncryptor/password"><p:encryptedKey spinCount="100000" saltSize="16" '
        'blockSize="16" keyBits="256" hashSize="64" cipherAlgorithm="AES" '
        'cipherChaining="ChainingModeCBC" hashAlgorithm="SHA512" '
        f'saltValue="{rng.randbytes(16).hex()}"/></keyEncryptor></keyEncryptors></encryption>'
    ).encode()
    # Version 4.4 (agile), flags 0x40; trailing whitespace after the root keeps it valid XML.
    info = struct.pack("<HHI", 4, 4, 0x40) + info_xml
    info = info.ljust(4096, b" ")
    plain_size = 12_000
    package = struct.pack("<Q", plain_size) + rng.randbytes(plain_size + 16 - plain_size % 16)
    return compound_file([("EncryptionInfo", info), ("EncryptedPackage", package)])


# --- the cases -----------------------------------------------------------------------------------


def xxe_doctype(secret: Path, port: int) -> str:
    """A DOCTYPE whose entities point at the secret file and at the listener."""
    return (
        f'<!DOCTYPE w:document SYSTEM "http://127.0.0.1:{port}/dtd" [\n'
        f'  <!ENTITY secret SYSTEM "{secret.as_uri()}">\n'
        f'  <!ENTITY remote SYSTEM "http://127.0.0.1:{port}/entity">\n'
        f'  <!ENTITY % param SYSTEM "http://127.0.0.1:{port}/param"> %param;\n'
        "]>\n"
    )


def billion_laughs() -> str:
    lines = ['<!ENTITY lol0 "lol">']
    for level in range(1, 10):
        lines.append(f'<!ENTITY lol{level} "{f"&lol{level - 1};" * 10}">')
    return "<!DOCTYPE w:document [\n  " + "\n  ".join(lines) + "\n]>\n"


def big_verbose_document(rng: random.Random, size: int) -> str:
    """A valid document.xml of about ``size`` bytes: short paragraphs in the markup Word
    writes (revision ids, paragraph and run properties, text split into runs by editing
    sessions), so the part is big while the text stays within the character limit."""
    pieces: list[str] = []
    total = 0
    number = 0
    while total < size:
        number += 1
        text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 12)))
        cut = text.index(" ", len(text) // 2)
        rsid = rng.getrandbits(32)
        run_props = (
            '<w:rPr><w:rFonts w:ascii="Arial" w:hAnsi="Arial" w:cs="Arial"/>'
            '<w:sz w:val="22"/><w:szCs w:val="22"/><w:lang w:val="en-GB"/></w:rPr>'
        )
        piece = (
            f'<w:p w14:paraId="{rng.getrandbits(31):08X}" w14:textId="{rng.getrandbits(31):08X}" '
            f'w:rsidR="{rsid:08X}" w:rsidRDefault="{rsid:08X}" w:rsidP="00C4D1E2">'
            '<w:pPr><w:pStyle w:val="BodyText"/><w:spacing w:before="0" w:after="120" '
            'w:line="276" w:lineRule="auto"/><w:ind w:left="567"/><w:jc w:val="both"/>'
            f"{run_props}</w:pPr>"
            f'<w:r w:rsidRPr="{rsid:08X}">{run_props}<w:t xml:space="preserve">'
            f"{number}. {text[:cut]}</w:t></w:r>"
            f'<w:r w:rsidR="00A1B2C3">{run_props}<w:t xml:space="preserve">'
            f"{text[cut:]}.</w:t></w:r></w:p>"
        )
        pieces.append(piece)
        total += len(piece)
    return _document("".join(pieces) + "<w:sectPr/>")


def big_bare_document(rng: random.Random, size: int) -> str:
    """A valid document.xml of about ``size`` bytes of one-line paragraphs in bare markup:
    about 740,000 paragraphs for 50 MB."""
    pieces: list[str] = []
    total = 0
    number = 0
    while total < size:
        number += 1
        text = f"{rng.choice(WORDS).capitalize()} {rng.choice(WORDS)} {number}."
        piece = f'<w:p w:rsidR="{rng.getrandbits(32):08X}"><w:r><w:t>{text}</w:t></w:r></w:p>'
        pieces.append(piece)
        total += len(piece)
    return _document("".join(pieces) + "<w:sectPr/>")


def huge_paragraph(rng: random.Random, size: int) -> str:
    """One paragraph of ``size`` bytes: words and commas, no full stop until the end, so it
    is one sentence too, with the flagged sentence's words inside it."""
    words: list[str] = []
    total = 0
    while total < size - 200:
        word = rng.choice(WORDS) + ("," if rng.random() < 0.05 else "")
        words.append(word)
        total += len(word) + 1
    middle = len(words) // 2
    words[middle:middle] = FLAGGED.rstrip(".").split()
    return " ".join(words) + ".\n"


def long_pdf(pages: int) -> bytes:
    return raw_pdf([[f"Clause {n}. {' '.join(WORDS[:8])}."] for n in range(1, pages + 1)])


def broken_xref_pdf() -> bytes:
    """A sound PDF whose cross-reference offsets all point at the wrong place."""
    data = raw_pdf([["1. Scope", FLAGGED], ["2. Records", " ".join(WORDS[:20]) + "."]])
    head, _, table = data.partition(b"\nxref\n")
    lines = table.split(b"\n")
    for number, line in enumerate(lines):
        if line.endswith(b" n "):
            lines[number] = b"%010d 00000 n " % (7 + number * 13)
    return head + b"\nxref\n" + b"\n".join(lines)


def sample_docx() -> Path:
    return SAMPLES / "cpr-2016-pcr2015.docx"


def to_legacy_doc(source: Path, target: Path) -> Path:
    """Convert ``source`` to Word 97-2003 with LibreOffice (its own profile, in a temporary
    folder), writing ``target``."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise RuntimeError("LibreOffice (soffice) is needed to build the legacy .doc case")
    with tempfile.TemporaryDirectory(prefix="codelint-hostile-lo-") as work:
        profile = Path(work) / "profile"
        subprocess.run(
            [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless",
             "--convert-to", "doc", "--outdir", work, str(source)],
            check=True, capture_output=True, timeout=180,
        )  # fmt: skip
        made = Path(work) / (source.stem + ".doc")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(made, target)
    return target


def html_with_scripts(port: int) -> str:
    remote = f"http://127.0.0.1:{port}"
    return f"""<!DOCTYPE html>
<html lang="en"><head><title>Contract Procedure Rules</title>
<link rel="stylesheet" href="{remote}/style.css">
<script src="{remote}/script.js"></script>
<script>document.write("<p>Every grant must be advertised in OJEU before award.</p>");
fetch("{remote}/fetch");</script>
</head><body>
<main>
<h1>Contract Procedure Rules</h1>
<p>{FLAGGED}</p>
<img src="{remote}/image.png" alt="">
<iframe src="{remote}/frame.html"></iframe>
<script>var rule = "All quotations must be advertised in OJEU regardless of value.";</script>
<noscript>Scripts are off: every bid must be advertised in OJEU.</noscript>
<p>Officers must record the reasons for every decision.</p>
</main></body></html>
"""


def html_entity_bomb(secret: Path) -> str:
    doctype = billion_laughs().replace("w:document", "html").rstrip()
    doctype = doctype[:-2] + f'  <!ENTITY xxe SYSTEM "{secret.as_uri()}">\n]>'
    return f"""{doctype}
<html><head><title>Entities</title></head><body>
<p>Laughs: &lol9; and the file: &xxe;</p>
<p>{FLAGGED}</p>
</body></html>
"""


def build_corpus(root: Path, secret: Path, port: int, *, seed: int = 1) -> dict[str, Path]:
    """Write every case under ``root``; return case name -> path.

    ``secret`` is the file external entities point at (written here if missing, outside
    ``root`` is the caller's business); ``port`` is the listener's port on 127.0.0.1.
    A case's name is its path relative to ``root``, except the folder cases.
    """
    rng = random.Random(seed)
    if not secret.exists():
        _write(secret, SECRET + "\n")
    cases: dict[str, Path] = {}

    def case(name: str, make: Callable[[], bytes | str]) -> None:
        cases[name] = _write(root / name, make())

    sample = sample_docx()
    sample_bytes = sample.read_bytes()

    # Files that must be read normally, next to all the others.
    case("control/sample.docx", lambda: sample_bytes)
    case("control/sample.pdf", lambda: (SAMPLES / "cpr-2016-pcr2015.pdf").read_bytes())
    cases["control/sample.doc"] = to_legacy_doc(sample, root / "control" / "sample.doc")

    # Word files.
    case("docx/zip-bomb.docx", lambda: zip_bomb(BOMB_BYTES))
    case("docx/zip-bomb-ratio.docx", lambda: zip_bomb(150 << 20))
    case("docx/zip-bomb-understated.docx", lambda: zip_bomb(150 << 20, declared=2 << 20))
    case(
        "docx/xxe.docx",
        lambda: _docx_with(
            _document(_paragraphs("&secret;", "&remote;"), xxe_doctype(secret, port))
        ),
    )
    case(
        "docx/xxe-utf16.docx",
        lambda: _docx_with(
            _document(_paragraphs("&secret;"), xxe_doctype(secret, port))
            .replace('encoding="UTF-8"', 'encoding="UTF-16"')
            .encode("utf-16")
        ),
    )
    case(
        "docx/xxe-in-relationships.docx",
        lambda: _docx_with(
            _document(_paragraphs(FLAGGED)),
            **{
                "_rels/.rels": XML_HEAD
                + xxe_doctype(secret, port).replace("w:document", "Relationships")
                + '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org'
                '/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>'
                "</Relationships>"
            },
        ),
    )
    case(
        "docx/billion-laughs.docx",
        lambda: _docx_with(_document(_paragraphs("&lol9;"), billion_laughs())),
    )
    case("docx/password.docx", lambda: encrypted_docx(rng))
    case("docx/truncated.docx", lambda: sample_bytes[: len(sample_bytes) * 6 // 10])
    case("docx/no-document.docx", _plain_zip)
    case("docx/no-main-part.docx", _package_without_main_part)
    case("docx/random.docx", lambda: rng.randbytes(64 * 1024))
    case("docx/random-zip-header.docx", lambda: b"PK\x03\x04" + rng.randbytes(64 * 1024))
    case("docx/empty.docx", lambda: b"")
    case(
        "docx/big-50mb.docx", lambda: build_docx(document=big_verbose_document(rng, BIG_PART_BYTES))
    )
    case(
        "docx/big-50mb-bare.docx",
        lambda: build_docx(document=big_bare_document(rng, BIG_PART_BYTES)),
    )

    # PDFs.
    case("pdf/random.pdf", lambda: rng.randbytes(64 * 1024))
    case("pdf/random-pdf-header.pdf", lambda: b"%PDF-1.7\n" + rng.randbytes(64 * 1024))
    case(
        "pdf/encrypted-user-password.pdf",
        lambda: raw_pdf([["1. Scope", FLAGGED]], user_password="user", owner_password="owner"),
    )
    case(
        "pdf/owner-password-only.pdf",
        lambda: raw_pdf([["1. Scope", FLAGGED]], owner_password="owner"),
    )
    case("pdf/broken-xref.pdf", broken_xref_pdf)
    case("pdf/scanned.pdf", lambda: raw_pdf([None, None, None]))
    case("pdf/pages-2000.pdf", lambda: long_pdf(LONG_PDF_PAGES))

    # Text.
    paragraph = huge_paragraph(rng, HUGE_PARAGRAPH_BYTES)
    case("text/huge-paragraph.txt", lambda: paragraph)
    case("text/huge-paragraph.md", lambda: paragraph)
    case("text/empty.txt", lambda: b"")
    plain = f"1. Advertising\n\n{FLAGGED}\n"
    case("text/latin-1.txt", lambda: plain.encode("latin-1"))
    case("text/utf-16-bom.txt", lambda: plain.encode("utf-16"))  # with a byte-order mark
    case("text/utf-16-le-no-bom.txt", lambda: plain.encode("utf-16-le"))
    case("text/utf-16-be-no-bom.txt", lambda: plain.encode("utf-16-be"))

    # Web pages.
    case("html/scripts.html", lambda: html_with_scripts(port))
    case("html/entity-bomb.html", lambda: html_entity_bomb(secret))

    # The file system.
    loop = root / "loop"
    case("loop/inside.md", lambda: f"# Rules\n\n{FLAGGED}\n")
    os.symlink(".", loop / "self")  # loop/self/self/... is loop again
    os.symlink("..", loop / "parent")  # back to the corpus root
    os.symlink("missing-target.txt", loop / "dangling.txt")
    cases["loop/dangling.txt"] = loop / "dangling.txt"
    case("vanish/vanishes-after-walk.txt", lambda: plain)
    case("vanish/vanishes-before-read.txt", lambda: plain)
    fifo = root / "pipe" / "fifo.txt"
    fifo.parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(fifo)
    cases["pipe/fifo.txt"] = fifo
    return cases


def _plain_zip() -> bytes:
    out = BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("readme.txt", "Not a Word document. " + FLAGGED)
        zf.writestr("data/table.csv", "a,b\n1,2\n")
    return out.getvalue()


def _package_without_main_part() -> bytes:
    """An OPC package (content types, relationships) whose main part is missing."""
    out = BytesIO()
    source_zip = zipfile.ZipFile(BytesIO(build_docx("<w:p/>")))
    with source_zip as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for info in source.infolist():
            if info.filename != "word/document.xml":
                zf.writestr(info.filename, source.read(info))
    return out.getvalue()


def main() -> None:
    if len(sys.argv) < 2:
        sys.exit("usage: build.py FOLDER [PORT]")
    target = Path(sys.argv[1])
    port = int(sys.argv[2]) if len(sys.argv) > 2 else 9
    cases = build_corpus(target / "corpus", target / "secret.txt", port)
    for name in sorted(cases):
        path = cases[name]
        size = path.lstat().st_size  # a symlink's own size; a pipe is never opened
        print(f"{size:>12,}  {name}")


if __name__ == "__main__":
    main()
