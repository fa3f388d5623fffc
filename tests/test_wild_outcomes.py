"""The reviewed outcome of every real-world file in shared/wild, checked through the real CLI.

Each entry was decided by looking at the file with pandoc, pdftotext, pdfinfo and
LibreOffice (and, where they disagree, its XML or a rendering), not by copying what codelint
printed. ``read(n)``: codelint reads it and finds at least ``n`` words. Otherwise the entry
names the cause the one-line error must give.

Two rules tie the table to the independent readers, and are checked live below: a file that
pandoc (changes accepted) or pdftotext reads as non-empty text is never an error in
codelint; a file from which none of them gets any text is never reported clean.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass

import pytest
from conftest import shared_dir
from independent_readers import libreoffice_texts, pandoc_text, pdftotext_text, words

WILD = shared_dir() / "wild"

#: One-line causes, by category; each error must match exactly one category's pattern.
CAUSES = {
    "encrypted": r"password-protected \(encrypted\)|encrypted with a password",
    "no-text-layer": r"^no text layer: the PDF looks scanned",
    "corrupt": r"zip container is corrupt or truncated|^the PDF is corrupt",
    "empty-body": r"^the document body is empty",
    "only-headers-footers": r"only text is in running headers or footers",
    "only-comments": r"only text is in reviewers' comments",
    "only-objects": r"no text, only pictures, charts or embedded objects",
    "all-deleted": r"no text once tracked changes are accepted",
    "legacy-needs-libreoffice": r"read through LibreOffice, which was not found.*: install "
    r"LibreOffice \(Debian: libreoffice-writer-nogui\) or save it as \.docx$",
}


@dataclass(frozen=True)
class Read:
    min_words: int


@dataclass(frozen=True)
class Error:
    cause: str

    def __post_init__(self) -> None:
        assert self.cause in CAUSES, self.cause


def read(n: int) -> Read:
    return Read(n)


ENCRYPTED = Error("encrypted")
NO_TEXT_LAYER = Error("no-text-layer")
CORRUPT = Error("corrupt")
EMPTY = Error("empty-body")

EXPECTED: dict[str, Read | Error] = {
    # --- PDFs (pdfminer.six and pypdf test files) ---------------------------------------------
    "pdfminer-2b.pdf": read(10),
    # User password set: pdftotext says "Incorrect password", pdfinfo "Encrypted: yes".
    "pdfminer-aes-128-m.pdf": ENCRYPTED,
    "pdfminer-aes-128.pdf": ENCRYPTED,
    "pdfminer-aes-256-m.pdf": ENCRYPTED,
    "pdfminer-aes-256-r6.pdf": ENCRYPTED,
    "pdfminer-aes-256.pdf": ENCRYPTED,
    "pdfminer-rc4-40.pdf": ENCRYPTED,
    "pdfminer-base.pdf": read(1),  # the unencrypted original of the above: one word
    # Owner password only: opens with the empty user password, as in any viewer.
    "pdfminer-issue-00352-asw-oct96-p41.pdf": read(600),
    "pdfminer-issue-625-identity-cmap.pdf": read(220),
    # A map whose labels are drawn twice (fake bold): pdfium doubles the letters.
    "pdfminer-issue-1008-inline-ascii85.pdf": read(40),
    "pdfminer-issue-1059-cmap-decode.pdf": read(8),
    "pdfminer-issue-1061-colour-space-stack.pdf": read(9400),  # an IEEE paper, 12 pages
    # Recursive form XObjects: "Hello world" drawn again and again at the same place.
    "pdfminer-issue-1113-evil-xobjects.pdf": read(4),
    "pdfminer-issue-791-non-unicode-cmap.pdf": read(1),  # a font without a Unicode map
    "pdfminer-issue-886-xref-stream-widths.pdf": read(1),
    # Vector drawings and images only; pdftotext finds no text.
    "pdfminer-issue_1165_linewidth.pdf": NO_TEXT_LAYER,
    "pdfminer-pdf-with-jbig2.pdf": NO_TEXT_LAYER,
    "pdfminer-issue_495_pdfobjref.pdf": read(100),  # a CAD drawing with labels
    "pdfminer-issue_566_test_1.pdf": read(3),
    "pdfminer-pr-00530-ml-lines.pdf": read(840),  # a Federal Register page
    "pdfminer-simple1.pdf": read(10),
    "pdfminer-simple3.pdf": read(3),
    # Damaged cross-reference table that pdfium and poppler both repair.
    "pdfminer-zen_of_python_corrupted.pdf": read(130),
    "pypdf-GeoTopo-komprimiert.pdf": read(27000),  # 100+ pages of lecture notes
    "pypdf-cmyk-image.pdf": NO_TEXT_LAYER,
    "pypdf-crazyones-pdfa.pdf": read(150),
    "pypdf-google-doc-document.pdf": read(150),
    "pypdf-habibi.pdf": read(3),  # Arabic and Latin
    # Images only; the word "Background" on each page is placed outside the crop box,
    # where nothing shows (pdftotext prints nothing).
    "pypdf-imagemagick-images.pdf": NO_TEXT_LAYER,
    "pypdf-imagemagick-lzw.pdf": NO_TEXT_LAYER,
    "pypdf-libre-office-link.pdf": read(8),
    "pypdf-mistitled_outlines_example.pdf": read(1200),
    "pypdf-multicolumn.pdf": read(900),
    "pypdf-pdflatex-forms.pdf": read(3),  # form field labels
    # --- Word files (Apache POI test files) -----------------------------------------------------
    # Body paragraphs without runs; pandoc and LibreOffice show nothing.
    "poi-51921-Word-Crash067.docx": EMPTY,
    "poi-59378.docx": EMPTY,  # empty paragraphs; headers/footers hold only empty runs
    "poi-TestTableColumns.docx": EMPTY,  # two tables of empty cells (pandoc: rules only)
    "poi-headerPic.docx": EMPTY,  # one empty paragraph; a picture in the header
    "poi-61745.docx": Error("only-objects"),  # two charts
    "poi-tika-3388.docx": Error("only-objects"),  # one OLE object (pandoc: "[]")
    "poi-Headers.docx": Error("only-headers-footers"),  # "Section 1".."Section 3" headers
    "poi-comment.docx": Error("only-comments"),  # an empty paragraph carrying a comment
    # Its only inserted text was moved away; the rest is deleted (pandoc, accepting: empty).
    "poi-Tika-792.docx": Error("all-deleted"),
    # Password-protected: an OLE container holding the encrypted package.
    "poi-bug53475-password-is-pass.docx": ENCRYPTED,
    "poi-bug53475-password-is-solrcell.docx": ENCRYPTED,
    # Fuzzed or cut-off zips that neither pandoc nor LibreOffice can open.
    "poi-clusterfuzz-testcase-minimized-POIFuzzer-6709287337197568.docx": CORRUPT,
    "poi-clusterfuzz-testcase-minimized-POIXWPFFuzzer-4791943399604224.docx": CORRUPT,
    "poi-clusterfuzz-testcase-minimized-POIXWPFFuzzer-4959857092198400.docx": CORRUPT,
    "poi-clusterfuzz-testcase-minimized-POIXWPFFuzzer-5313273089884160.docx": CORRUPT,
    "poi-clusterfuzz-testcase-minimized-POIXWPFFuzzer-5564805011079168.docx": CORRUPT,
    "poi-clusterfuzz-testcase-minimized-POIXWPFFuzzer-5569740188549120.docx": CORRUPT,
    "poi-clusterfuzz-testcase-minimized-POIXWPFFuzzer-6061520554164224.docx": CORRUPT,
    "poi-truncated62886.docx": CORRUPT,
    # A fuzzed zip pandoc gives up on but whose members are intact (LibreOffice reads it).
    "poi-clusterfuzz-testcase-minimized-POIXWPFFuzzer-6733884933668864.docx": read(20),
    "poi-52288.docx": read(7),
    "poi-55966.docx": read(20),
    "poi-56392.docx": read(50),
    "poi-57312.docx": read(40),
    "poi-58067.docx": read(10),
    "poi-58618.docx": read(8),
    "poi-59030.docx": read(3),
    "poi-60293.docx": read(2),  # "Page 1" in the body; three headers not read
    "poi-60329.docx": read(600),
    "poi-65099.docx": read(30),
    "poi-Bug54771a.docx": read(6),
    "poi-Bug55142.docx": read(20),
    "poi-Bug60337.docx": read(10),
    "poi-Bug66988.docx": read(1),
    "poi-ComplexNumberedLists.docx": read(40),
    "poi-EmbeddedDocument.docx": read(8),
    "poi-FancyFoot.docx": read(30),
    # A simple field whose result is the file name: pandoc drops it, LibreOffice shows it.
    "poi-FldSimple.docx": read(1),
    "poi-HeaderFooterUnicode.docx": read(60),
    "poi-IllustrativeCases.docx": read(900),
    "poi-Numbering.docx": read(10),
    "poi-NumberingWithOutOfOrderId.docx": read(2),
    "poi-SampleDoc.docx": read(20),
    "poi-SimpleHeadThreeColFoot.docx": read(40),
    "poi-Styles.docx": read(4),
    "poi-TestPoiXMLDocumentCorePropertiesGetKeywords.docx": read(8),
    "poi-TestTableCellAlign.docx": read(3),
    "poi-ThreeColFoot.docx": read(30),
    "poi-VariousPictures.docx": read(8),
    "poi-WithGIF.docx": read(90),
    "poi-WordWithAttachments.docx": read(100),
    "poi-bib-chernigovka.netdo.ru_download_docs_17459.docx": read(2200),
    "poi-bug56075-changeTracking_off.docx": read(3),
    "poi-bug56075-changeTracking_on.docx": read(3),
    "poi-bug57031.docx": read(1600),
    "poi-bug59058.docx": read(16500),
    "poi-bug65649.docx": read(35000),  # a Russian public contract with large tables
    "poi-bug65738.docx": read(90),
    "poi-capitalized.docx": read(5),
    "poi-delins.docx": read(200),
    "poi-documentProperties.docx": read(2),
    "poi-documentProtection_no_protection.docx": read(2),
    "poi-documentProtection_no_protection_tag_existing.docx": read(4),
    # Editing restrictions without a password do not encrypt anything.
    "poi-documentProtection_readonly_no_password.docx": read(3),
    "poi-documentProtection_trackedChanges_no_password.docx": read(4),
    "poi-drawing.docx": read(6400),
    "poi-endnotes.docx": read(150),
    "poi-sample.docx": read(200),
    "poi-testComment.docx": read(5),
    "poi-unicode-path.docx": read(1),
    # --- legacy Word 97-2003 files, read through LibreOffice --------------------------------------
    "poi-57603-seven_columns.doc": EMPTY,  # one table row of seven empty cells
    "poi-equation.doc": Error("only-objects"),  # one embedded equation object
    "poi-cap.stanford.edu_profiles_viewbiosketch_facultyid=4009&name=m_maciver.doc": read(1000),
    # A fuzzed file LibreOffice still opens: fields whose results read "11111111111111".
    "poi-clusterfuzz-testcase-minimized-POIHWPFFuzzer-5418937293340672.doc": read(1),
    "poi-hyperlink.doc": read(6),
    "poi-simple-table2.doc": read(20),
    "poi-testRangeReplacement.doc": read(50),
}

#: Measured for one `check` of the folder on the project's 2-core machine: 16 s in one
#: process, 24 s with the default worker pool (7 LibreOffice conversions at about 1 s each,
#: and 120k words to lint). Three times the slower figure leaves room for a busy CI runner.
TIME_BOUND_SECONDS = 75.0

LINE = re.compile(r"^(?P<path>.+): error: (?P<cause>[^\n]+)$")


def wild_files() -> list[str]:
    return sorted(name for name in os.listdir(WILD) if name.endswith((".pdf", ".docx", ".doc")))


def category(cause: str) -> str:
    matches = [name for name, pattern in CAUSES.items() if re.search(pattern, cause)]
    assert len(matches) == 1, f"cause {cause!r} matches categories {matches}"
    return matches[0]


def run_check(
    *extra: str, env: dict[str, str] | None = None
) -> tuple[subprocess.CompletedProcess[str], float]:
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "codelint", "check", str(WILD), "--format", "json", "--no-cache",
         *extra],
        capture_output=True, text=True, timeout=600, env=env,
    )  # fmt: skip
    return result, time.perf_counter() - started


@pytest.fixture(scope="module")
def wild_check() -> tuple[subprocess.CompletedProcess[str], float]:
    return run_check()


def test_every_wild_file_has_a_reviewed_outcome():
    assert set(EXPECTED) == set(wild_files()), (
        "files without a reviewed outcome: "
        f"{sorted(set(wild_files()) - set(EXPECTED))}; entries without a file: "
        f"{sorted(set(EXPECTED) - set(wild_files()))}"
    )


def test_check_over_the_wild_folder_matches_the_table(wild_check):
    result, seconds = wild_check
    print(f"\ncodelint check {WILD}: {seconds:.1f} s, exit {result.returncode}")
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    assert result.returncode == 2, "some files are errors, so check must exit 2"
    assert seconds < TIME_BOUND_SECONDS, f"{seconds:.1f} s over the bound of {TIME_BOUND_SECONDS}"
    report = json.loads(result.stdout)
    entries = {os.path.basename(f["path"]): f for f in report["files"]}
    assert len(report["files"]) == len(entries) == len(EXPECTED)
    assert set(entries) == set(EXPECTED)

    # Each error is one stderr line naming the file and its cause, and nothing else is there.
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    errors = {name: f["error"] for name, f in entries.items() if f["error"]}
    assert len(lines) == len(errors), lines
    for line in lines:
        found = LINE.match(line)
        assert found, f"not a one-line error: {line!r}"
        name = os.path.basename(found["path"])
        assert errors[name] == found["cause"]

    mismatches = []
    for name, expected in sorted(EXPECTED.items()):
        entry = entries[name]
        if isinstance(expected, Read):
            if entry["error"]:
                mismatches.append(f"{name}: expected read, got error {entry['error']!r}")
            elif entry["words"] < expected.min_words:
                mismatches.append(f"{name}: {entry['words']} words < {expected.min_words}")
        elif not entry["error"]:
            mismatches.append(f"{name}: expected {expected.cause}, got a clean reading")
        elif category(entry["error"]) != expected.cause:
            mismatches.append(f"{name}: expected {expected.cause}, got {entry['error']!r}")
    assert mismatches == []
    summary = {cause: 0 for cause in CAUSES}
    for expected in EXPECTED.values():
        if isinstance(expected, Error):
            summary[expected.cause] += 1
    print(f"read: {sum(isinstance(e, Read) for e in EXPECTED.values())}; errors: {summary}")


def test_the_table_agrees_with_the_independent_readers():
    """Readable by pandoc/pdftotext => never an error; no text anywhere => never clean."""
    names = wild_files()
    office = libreoffice_texts(str(WILD / n) for n in names if not n.endswith(".pdf"))
    problems = []
    for name in names:
        path = str(WILD / name)
        expected = EXPECTED[name]
        if name.endswith(".pdf"):
            has_text = bool(words(pdftotext_text(path)))
            if has_text != isinstance(expected, Read):
                problems.append(f"{name}: pdftotext text={has_text}, table says {expected}")
            continue
        by_pandoc = bool(words(pandoc_text(path))) if name.endswith(".docx") else False
        by_office = bool(words(office[path]))
        if by_pandoc and not isinstance(expected, Read):
            problems.append(f"{name}: pandoc reads text, table says {expected}")
        if not by_pandoc and not by_office and isinstance(expected, Read):
            problems.append(f"{name}: no independent reader finds text, table says read")
        if by_office and not by_pandoc and not isinstance(expected, Read):
            # LibreOffice's text export shows tracked deletions as text; pandoc accepts them.
            assert expected == Error("all-deleted"), f"{name}: LibreOffice reads text"
    assert problems == []


def test_without_libreoffice_legacy_files_are_a_clear_error(tmp_path):
    """With $CODELINT_SOFFICE pointing nowhere, each .doc is a one-line install hint."""
    env = dict(os.environ, CODELINT_SOFFICE=str(tmp_path / "no-soffice-here"))
    result, _ = run_check(env=env)
    assert "Traceback" not in result.stderr
    assert result.returncode == 2
    entries = {os.path.basename(f["path"]): f for f in json.loads(result.stdout)["files"]}
    legacy = [n for n in EXPECTED if n.endswith(".doc")]
    assert len(legacy) == 7
    for name in legacy:
        assert entries[name]["error"], name
        assert category(entries[name]["error"]) == "legacy-needs-libreoffice"
        assert f"{WILD / name}: error: .doc (Word 97-2003) files are read through" in result.stderr
    others = {n: e for n, e in entries.items() if n not in legacy}
    assert all(bool(e["error"]) == isinstance(EXPECTED[n], Error) for n, e in others.items())
