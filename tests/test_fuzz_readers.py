"""Property-based fuzzing of the readers: mutated real documents never crash or hang them.

The property, for any bytes: ``codelint.readers.read_bytes`` either returns a Document that
``validate_document`` accepts, or raises ``ReadError``. Never another exception, never a hang,
never a crash of the process.

Seeds are real files: the sample codes (``corpora/samples``, DOCX and PDF), a few files from
``shared/wild`` (tracked changes, footnotes, endnotes, numbering, a repaired PDF), the PDF, HTML,
Markdown and text fixtures. Mutations:

* bytes: flips, overwrites with "interesting" values, truncation, inserted or deleted runs;
* zip members: the compressed data of one member corrupted in place, or one member replaced
  by a truncated or byte-flipped copy and the package re-zipped;
* XML inside ``word/document.xml`` (and the styles, numbering and notes parts): slices
  deleted, duplicated or moved, WordprocessingML fragments inserted at random places (tracked
  changes, fields, tables with absurd spans, numbering with unknown ids, nesting), attribute
  values replaced by huge, negative or malformed numbers; then re-zipped;
* PDF: numbers in the object syntax changed (lengths, offsets, counts, references);
* HTML and text: markup fragments, entities, encodings declarations and control characters.

Each example runs in a forked child (:func:`run_isolated`) with an address-space ceiling and a
wall-clock limit enforced by the parent, so a hang or a crash inside C code (lxml, pdfium) is
reported as a failure instead of stopping the test run.

Budget: ``CODELINT_FUZZ_EXAMPLES`` examples per test (default 300 in CI: 1,800 examples,
about two minutes on the project's 2-core machine); ``CODELINT_FUZZ_EXAMPLES=20000`` for a long
run. CI derandomises (the same examples every run, so CI is stable); a run with the variable
set explores new ones. A failing input is written to ``$CODELINT_FUZZ_KEEP`` (default /tmp)
to be kept as a regression case once the reader is fixed. The longest run so far
(``CODELINT_FUZZ_EXAMPLES=3000``: 18,000 mutated files) found no crash; the hostile corpus
(``tests/test_hostile.py``) holds the cases that did break something.
"""

from __future__ import annotations

import faulthandler
import io
import os
import pickle
import re
import resource
import select
import signal
import traceback
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import ROOT, shared_dir
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from codelint.document import validate_document
from codelint.errors import ReadError
from codelint.readers import read_bytes

pytestmark = pytest.mark.slow

#: Examples per test: small in CI, large on demand.
EXAMPLES = int(os.environ.get("CODELINT_FUZZ_EXAMPLES", "300"))
#: Seconds one read may take before it counts as a hang (the sample reads take < 0.2 s).
READ_SECONDS = 20.0
#: Address-space ceiling of the child running one read.
CHILD_MEMORY_MB = 2048

FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,  # the child's own time limit applies
    derandomize="CODELINT_FUZZ_EXAMPLES" not in os.environ,
    database=None,  # leave nothing in the working tree
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

SAMPLES = ROOT / "corpora" / "samples"
FIXTURES = ROOT / "tests" / "fixtures"
WILD = shared_dir() / "wild"

DOCX_SEEDS = sorted(SAMPLES.glob("*.docx")) + [
    WILD / name
    for name in (
        "poi-bug56075-changeTracking_on.docx",
        "poi-FancyFoot.docx",
        "poi-endnotes.docx",
        "poi-ComplexNumberedLists.docx",
        "poi-delins.docx",
    )
]
PDF_SEEDS = [
    *sorted(SAMPLES.glob("*.pdf")),
    FIXTURES / "pdf" / "rules.pdf",
    WILD / "pdfminer-simple1.pdf",
    WILD / "pdfminer-zen_of_python_corrupted.pdf",
    WILD / "pypdf-libre-office-link.pdf",
]
MARKUP_SEEDS = sorted((FIXTURES / "html").glob("*.html")) + sorted((FIXTURES / "text").glob("*.*"))


def _load(paths: list[Path]) -> list[tuple[str, bytes]]:
    return [(path.name, path.read_bytes()) for path in paths]


DOCX = _load(DOCX_SEEDS)
PDF = _load(PDF_SEEDS)
MARKUP = _load(MARKUP_SEEDS)


# --- running one read, isolated ------------------------------------------------------------------


def _child(name: str, data: bytes, fd: int) -> None:
    """Read in the child and write back ("ok" | "read-error" | "invalid" | "crash", detail)."""
    faulthandler.disable()  # a crash is reported by the parent, not dumped by pytest's handler
    try:
        resource.setrlimit(resource.RLIMIT_AS, (CHILD_MEMORY_MB << 20, resource.RLIM_INFINITY))
        try:
            document = read_bytes(name, data)
        except ReadError as exc:
            outcome = ("read-error", exc.cause)
        else:
            problems = validate_document(document)
            outcome = ("invalid", "; ".join(problems[:5])) if problems else ("ok", "")
    except BaseException:
        outcome = ("crash", traceback.format_exc(limit=-8))
    try:
        os.write(fd, pickle.dumps((outcome[0], outcome[1][:4000])))
    finally:
        os._exit(0)


def run_isolated(name: str, data: bytes) -> tuple[str, str]:
    """``read_bytes(name, data)`` in a forked child, with a memory ceiling and a time limit.

    Returns (outcome, detail): outcome "ok", "read-error", "invalid" (the Document broke an
    invariant), "crash" (another exception), "hang" or "killed" (the child died by a signal).
    """
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        os.close(read_fd)
        _child(name, data, write_fd)
    os.close(write_fd)
    chunks = []
    try:
        ready, _, _ = select.select([read_fd], [], [], READ_SECONDS)
        if not ready:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            return "hang", f"no answer within {READ_SECONDS:g} s"
        while chunk := os.read(read_fd, 65536):
            chunks.append(chunk)
    finally:
        os.close(read_fd)
    _, status = os.waitpid(pid, 0)
    if not chunks:
        if os.WIFSIGNALED(status):
            return "killed", signal.Signals(os.WTERMSIG(status)).name
        return "crash", f"the child ended without an answer (status {status})"
    return pickle.loads(b"".join(chunks))


def assert_contract(name: str, data: bytes, count: bool = True) -> str:
    """Run one read isolated; fail unless it gave a valid Document or a ReadError. With
    ``count`` (inside a Hypothesis test) the outcome is counted, and the mix of outcomes is
    shown by ``--hypothesis-show-statistics``."""
    outcome, detail = run_isolated(name, data)
    if count:
        event(f"outcome: {outcome}")
    if outcome not in ("ok", "read-error"):
        keep = Path(os.environ.get("CODELINT_FUZZ_KEEP", "/tmp")) / f"fuzz-crash-{name}"
        keep.write_bytes(data)
        raise AssertionError(f"{name}: {outcome}: {detail}\n(input kept in {keep})")
    return outcome


# --- mutations -----------------------------------------------------------------------------------

INTERESTING_BYTES = [0x00, 0xFF, 0x7F, 0x80, 0x3C, 0x3E, 0x26, 0x22, 0x0A, 0x25]


@st.composite
def byte_mutations(draw: st.DrawFn, data: bytes) -> bytes:
    """Flips, overwrites, truncation, insertions and deletions."""
    out = bytearray(data)
    for _ in range(draw(st.integers(1, 8))):
        if not out:
            break
        kind = draw(st.sampled_from(["flip", "set", "truncate", "insert", "delete"]))
        at = draw(st.integers(0, len(out) - 1))
        if kind == "flip":
            out[at] ^= 1 << draw(st.integers(0, 7))
        elif kind == "set":
            out[at] = draw(st.sampled_from(INTERESTING_BYTES))
        elif kind == "truncate":
            del out[at:]
        elif kind == "insert":
            out[at:at] = draw(st.binary(min_size=1, max_size=64))
        else:
            del out[at : at + draw(st.integers(1, 512))]
    return bytes(out)


def _members(data: bytes) -> list[tuple[zipfile.ZipInfo, bytes]]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return [(info, archive.read(info)) for info in archive.infolist()]


def _rezip(members: list[tuple[zipfile.ZipInfo, bytes]]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info, content in members:
            archive.writestr(info.filename, content)
    return out.getvalue()


@st.composite
def zip_member_corruption(draw: st.DrawFn, data: bytes) -> bytes:
    """Corrupt one member: its compressed bytes in place, or its content re-zipped."""
    members = _members(data)
    index = draw(st.integers(0, len(members) - 1))
    info, content = members[index]
    if draw(st.booleans()):
        # In place: flip bytes inside the member's compressed data (after its local header).
        out = bytearray(data)
        start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
        end = start + info.compress_size
        if end > start:
            for _ in range(draw(st.integers(1, 4))):
                at = draw(st.integers(start, end - 1))
                out[at] ^= 1 << draw(st.integers(0, 7))
        return bytes(out)
    members[index] = (info, draw(byte_mutations(content)))
    return _rezip(members)


#: WordprocessingML fragments that stress the reader's structure handling.
FRAGMENTS = [
    "<w:p>",
    "</w:p>",
    "<w:p/>",
    "<w:r><w:t>4.2 Inserted text</w:t></w:r>",
    '<w:ins w:id="9" w:author="x"><w:r><w:t>new</w:t></w:r></w:ins>',
    '<w:del w:id="9" w:author="x"><w:r><w:delText>old</w:delText></w:r></w:del>',
    '<w:r><w:fldChar w:fldCharType="begin"/></w:r>',
    '<w:r><w:fldChar w:fldCharType="separate"/></w:r>',
    '<w:r><w:fldChar w:fldCharType="end"/></w:r>',
    '<w:r><w:instrText xml:space="preserve"> PAGE </w:instrText></w:r>',
    "<w:tbl><w:tr><w:tc><w:p><w:r><w:t>cell</w:t></w:r></w:p></w:tc></w:tr></w:tbl>",
    '<w:tbl><w:tblGrid><w:gridCol w:w="1"/></w:tblGrid><w:tr><w:trPr><w:gridBefore w:val='
    '"999999"/></w:trPr><w:tc><w:tcPr><w:gridSpan w:val="2147483647"/><w:vMerge/></w:tcPr>'
    "<w:p><w:r><w:t>span</w:t></w:r></w:p></w:tc></w:tr></w:tbl>",
    "<w:tc><w:p/></w:tc>",
    "<w:tr>",
    '<w:pPr><w:numPr><w:ilvl w:val="99"/><w:numId w:val="424242"/></w:numPr></w:pPr>',
    '<w:pPr><w:pStyle w:val="Heading9"/><w:outlineLvl w:val="-3"/></w:pPr>',
    '<w:pPr><w:pageBreakBefore/><w:sectPr><w:type w:val="oddPage"/></w:sectPr></w:pPr>',
    '<w:r><w:br w:type="page"/><w:lastRenderedPageBreak/></w:r>',
    '<w:r><w:sym w:font="Symbol" w:char="ZZZZ"/><w:sym w:char="F0B7"/></w:r>',
    '<w:r><w:footnoteReference w:id="77"/><w:endnoteReference w:id="-1"/></w:r>',
    '<w:commentRangeStart w:id="5"/><w:r><w:commentReference w:id="5"/></w:r>',
    "<w:sdt><w:sdtContent><w:p><w:r><w:t>control</w:t></w:r></w:p></w:sdtContent></w:sdt>",
    '<mc:AlternateContent><mc:Choice Requires="wps"><w:p/></mc:Choice><mc:Fallback>'
    "<w:p/></mc:Fallback></mc:AlternateContent>",
    "<w:r><w:drawing><wp:inline><a:graphic><a:graphicData><wps:wsp><wps:txbx><w:txbxContent>"
    "<w:p><w:r><w:t>box</w:t></w:r></w:p></w:txbxContent></wps:txbx></wps:wsp></a:graphicData>"
    "</a:graphic></wp:inline></w:drawing></w:r>",
    "<w:customXml><w:smartTag><w:r><w:t>tag</w:t></w:r></w:smartTag></w:customXml>",
    '<w:moveFrom w:id="3"><w:r><w:t>moved</w:t></w:r></w:moveFrom><w:moveTo w:id="4"><w:r>'
    "<w:t>moved</w:t></w:r></w:moveTo>",
    '<w:altChunk r:id="rId999"/>',
    '<w:hyperlink r:id="rId404"><w:r><w:t>link</w:t></w:r></w:hyperlink>',
    "<m:oMath><m:r><m:t>x</m:t></m:r></m:oMath>",
    '<w:abstractNum w:abstractNumId="0"><w:lvl w:ilvl="0"><w:start w:val="-5"/><w:numFmt '
    'w:val="upperRoman"/><w:lvlText w:val="%1.%2.%9%"/></w:lvl></w:abstractNum>',
    '<w:num w:numId="1"><w:abstractNumId w:val="1"/></w:num>',
    '<w:style w:type="paragraph" w:styleId="A"><w:basedOn w:val="A"/></w:style>',
    "\u0000",
    "&amp;&lt;&#0;&#xFFFF;&#1114112;",
    "<w:t>" + "x" * 5000 + "</w:t>",
]
NUMBERS = ["0", "-1", "-2147483649", "2147483647", "99999999999999999999", "1e9", "0x10", "", "NaN"]

_TAG = re.compile(rb"<[^<>]{1,400}>")
_ATTRIBUTE_VALUE = re.compile(rb'="[^"]{0,40}"')


@st.composite
def xml_mutations(draw: st.DrawFn, xml: bytes) -> bytes:
    """Structural mutations of one XML part, at tag boundaries and attribute values."""
    out = bytearray(xml)
    for _ in range(draw(st.integers(1, 6))):
        tags = [m.span() for m in _TAG.finditer(out)]
        if not tags:
            break
        kind = draw(st.sampled_from(["delete", "duplicate", "move", "insert", "attribute"]))
        first = draw(st.integers(0, len(tags) - 1))
        last = min(len(tags) - 1, first + draw(st.integers(0, 30)))
        start, end = tags[first][0], tags[last][1]
        if kind == "delete":
            del out[start:end]
        elif kind == "duplicate":
            out[end:end] = out[start:end]
        elif kind == "move":
            piece = bytes(out[start:end])
            del out[start:end]
            at = draw(st.integers(0, len(out)))
            out[at:at] = piece
        elif kind == "insert":
            at = tags[draw(st.integers(0, len(tags) - 1))][1]
            out[at:at] = draw(st.sampled_from(FRAGMENTS)).encode()
        else:
            values = [m.span() for m in _ATTRIBUTE_VALUE.finditer(out)]
            if values:
                a, b = values[draw(st.integers(0, len(values) - 1))]
                out[a:b] = b'="' + draw(st.sampled_from(NUMBERS)).encode() + b'"'
    return bytes(out)


XML_PARTS = re.compile(r"^word/(document|styles|numbering|footnotes|endnotes|comments)\.xml$")


@st.composite
def docx_xml_mutations(draw: st.DrawFn, data: bytes) -> bytes:
    members = _members(data)
    candidates = [i for i, (info, _) in enumerate(members) if XML_PARTS.match(info.filename)]
    main = next(i for i in candidates if members[i][0].filename == "word/document.xml")
    index = main if draw(st.booleans()) else draw(st.sampled_from(candidates))
    info, content = members[index]
    members[index] = (info, draw(xml_mutations(content)))
    return _rezip(members)


_PDF_NUMBER = re.compile(rb"(?<![A-Za-z0-9.])\d{1,10}(?![A-Za-z0-9.])")


@st.composite
def pdf_number_mutations(draw: st.DrawFn, data: bytes) -> bytes:
    """Change numbers of the PDF syntax (lengths, offsets, counts, object references)."""
    out = bytearray(data)
    spans = [m.span() for m in _PDF_NUMBER.finditer(data)]
    for _ in range(draw(st.integers(1, 6))):
        a, b = spans[draw(st.integers(0, len(spans) - 1))]
        replacement = draw(st.sampled_from([*NUMBERS[:5], "1", "3", "100000"])).encode()
        out[a:b] = replacement.ljust(b - a)  # same length where it fits: offsets stay
        if len(replacement) > b - a:
            break  # offsets after this point have moved: stop using the old spans
    return bytes(out)


MARKUP_FRAGMENTS = [
    "<table><tr><td rowspan=99999 colspan=0>x",
    "</td></tr></table>",
    "<ol start=-3><li value=2147483648>item",
    "<h7>",
    "<h1>",
    "<main>",
    "</main>",
    "<br><br><br>",
    '<p hidden style="display:none">',
    "<!--",
    "-->",
    "<!-- codelint: ignore OL001 -- reason -->",
    "<script>",
    "<![CDATA[",
    "&#0;&#x110000;&nbsp;&amp",
    '<meta charset="utf-16">',
    '<?xml version="1.0" encoding="ebcdic"?>',
    "\x00\x0c\x1b\r",
    "| a | b |\n|---|---|\n| 1 |",
    "```\n",
    "[^1]: note\n",
    "    - nested\n",
    "# ",
    "4.2.1.9.9.9.9.9 clause\n",
]


@st.composite
def markup_mutations(draw: st.DrawFn, data: bytes) -> bytes:
    out = bytearray(data)
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(out)))
        if draw(st.integers(0, 3)) == 0:
            del out[at : at + draw(st.integers(1, 200))]
        else:
            out[at:at] = draw(st.sampled_from(MARKUP_FRAGMENTS)).encode()
    if draw(st.integers(0, 4)) == 0:
        out = bytearray(draw(byte_mutations(bytes(out))))
    return bytes(out)


# --- the properties ------------------------------------------------------------------------------


def _seeded(
    seeds: list[tuple[str, bytes]], mutate: Callable[[bytes], st.SearchStrategy[bytes]]
) -> st.SearchStrategy[tuple[str, bytes]]:
    return st.sampled_from(seeds).flatmap(
        lambda seed: mutate(seed[1]).map(lambda data: (seed[0], data))
    )


@FUZZ
@given(_seeded(DOCX, byte_mutations))
def test_docx_byte_mutations(case: tuple[str, bytes]) -> None:
    assert_contract(*case)


@FUZZ
@given(_seeded(DOCX, zip_member_corruption))
def test_docx_zip_member_corruption(case: tuple[str, bytes]) -> None:
    assert_contract(*case)


@FUZZ
@given(_seeded(DOCX, docx_xml_mutations))
def test_docx_xml_mutations(case: tuple[str, bytes]) -> None:
    assert_contract(*case)


@FUZZ
@given(_seeded(PDF, byte_mutations))
def test_pdf_byte_mutations(case: tuple[str, bytes]) -> None:
    assert_contract(*case)


@FUZZ
@given(_seeded(PDF, pdf_number_mutations))
def test_pdf_number_mutations(case: tuple[str, bytes]) -> None:
    assert_contract(*case)


@FUZZ
@given(_seeded(MARKUP, markup_mutations))
def test_markup_mutations(case: tuple[str, bytes]) -> None:
    assert_contract(*case)


def test_the_seeds_read_cleanly() -> None:
    """Unmutated, every seed keeps the contract (and most are read): the fuzzing starts from
    files the readers handle, so what it finds is due to the mutation."""
    outcomes = [assert_contract(name, data, count=False) for name, data in DOCX + PDF + MARKUP]
    assert outcomes.count("ok") >= len(outcomes) - 1, outcomes


def test_isolation_reports_hangs_and_crashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """The harness itself: a read that hangs, crashes or dies is reported as such."""
    monkeypatch.setitem(globals(), "READ_SECONDS", 1.0)

    def raise_read_error(*_args: object) -> None:
        raise ReadError("x.docx", "a cause")

    for behaviour, expected in (
        (lambda *_: signal.pause(), "hang"),
        (lambda *_: 1 / 0, "crash"),
        (lambda *_: os.kill(os.getpid(), signal.SIGSEGV), "killed"),
        (raise_read_error, "read-error"),
    ):
        monkeypatch.setitem(globals(), "read_bytes", behaviour)
        assert run_isolated("x.docx", b"")[0] == expected
