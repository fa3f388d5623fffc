"""``codelint dump``: what the readers made of files, as text and as versioned JSON."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, shared_dir
from docx_factory import build_docx, comments_xml, p, r, styles_xml

from codelint.cli import main
from codelint.document import DUMP_SCHEMA_VERSION
from codelint.readers import read

SAMPLE = ROOT / "corpora" / "samples" / "cpr-2025-pa2023.docx"
SAMPLE_PDF = ROOT / "corpora" / "samples" / "cpr-2016-pcr2015.pdf"
WILD = shared_dir() / "wild"


def dump(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["dump", *argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture()
def commented(tmp_path: Path) -> Path:
    """A Word file with a heading path, a typed clause number and a comment."""
    body = p("Social value", style="Heading1") + p(
        '<w:commentRangeStart w:id="0"/>',
        r("4.2 Officers shall consider social value."),
        '<w:commentRangeEnd w:id="0"/><w:r><w:commentReference w:id="0"/></w:r>',
    )
    path = tmp_path / "commented.docx"
    path.write_bytes(
        build_docx(
            body,
            styles=styles_xml(),
            comments=comments_xml([(0, "Reviewer", "Checked in 2025")]),
        )
    )
    return path


def test_text_shows_every_block_in_order_with_its_location(capsys, commented):
    code, out, err = dump(capsys, str(commented))
    assert code == 0 and err == ""
    document = read(str(commented))
    lines = out.splitlines()
    assert lines[0] == f"== {commented} (docx, 2 blocks, {document.word_count()} words)"
    headers = [line for line in lines if line.lstrip().startswith("#")]
    assert [h.split()[0] for h in headers] == ["#1", "#2"]
    assert headers[0].split()[1:4] == ["p-", "heading", "level"]
    assert "clause 4.2" in headers[1] and headers[1].endswith("in: Social value")
    assert "        | 4.2 Officers shall consider social value." in lines
    assert lines[lines.index("comment on block #2 by Reviewer:") + 1] == "        | Checked in 2025"


def test_text_prints_notes_pages_and_cells(capsys):
    code, out, _ = dump(capsys, str(SAMPLE_PDF))
    document = read(str(SAMPLE_PDF))
    assert code == 0
    assert out.startswith(f"== {SAMPLE_PDF} (pdf, {len(document.blocks)} blocks, ")
    assert f"{document.pages} pages)" in out.splitlines()[0]
    headers = [line for line in out.splitlines() if line.lstrip().startswith("#")]
    assert len(headers) == len(document.blocks)
    pages = [line.split()[1] for line in headers]
    assert pages == [f"p{block.page}" for block in document.blocks]
    # Multi-line block text keeps every line, each marked as text.
    text_lines = [line for line in out.splitlines() if line.startswith("        | ")]
    assert sum(b.text.count("\n") + 1 for b in document.blocks) == len(text_lines)

    converted = WILD / "poi-hyperlink.doc"
    code, out, _ = dump(capsys, str(converted))
    assert code == 0
    assert "note: converted from .doc (Word 97-2003) by LibreOffice" in out


def test_unreadable_file_among_good_ones(capsys, tmp_path, commented):
    broken = tmp_path / "broken.docx"
    broken.write_bytes(b"PK\x03\x04 this is not a zip archive at all")
    missing = tmp_path / "missing.pdf"
    code, out, err = dump(capsys, str(commented), str(broken), str(missing), str(SAMPLE))
    assert code == 2
    assert out.count("\n== ") + out.startswith("== ") == 2  # both good files dumped
    assert f"== {SAMPLE} " in out
    errors = err.splitlines()
    assert len(errors) == 2
    assert errors[0].startswith(f"{broken}: error: ")
    assert errors[1] == f"{missing}: error: no such file (it may have been moved or deleted)"
    # The same line `check` prints for the same file.
    checked = subprocess.run(
        [sys.executable, "-m", "codelint", "check", str(broken)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert checked.returncode == 2
    assert errors[0] in checked.stderr.splitlines()


def test_json_shape(capsys, commented, tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("  \n")
    code, out, err = dump(capsys, "--format", "json", str(commented), str(empty), str(SAMPLE))
    assert code == 2
    assert err == f"{empty}: error: the file is empty\n"
    payload = json.loads(out)
    assert payload["schema_version"] == DUMP_SCHEMA_VERSION == 1
    assert payload["tool"]["name"] == "codelint"
    first, failed, sample = payload["files"]
    assert failed == {"path": str(empty), "error": "the file is empty"}
    assert first["path"] == str(commented) and first["error"] is None
    assert first["format"] == "docx" and first["words"] == 8
    assert first["comments"] == [{"block": 2, "author": "Reviewer", "text": "Checked in 2025"}]
    heading, clause = first["blocks"]
    assert heading == {
        "index": 1, "kind": "heading", "page": None, "section": [], "clause": None,
        "text": "Social value", "level": 1,
    }  # fmt: skip
    assert clause["section"] == ["Social value"] and clause["clause"] == "4.2"
    document = read(str(SAMPLE))
    assert [b["text"] for b in sample["blocks"]] == [b.text for b in document.blocks]
    assert [b["index"] for b in sample["blocks"]] == list(range(1, len(document.blocks) + 1))
    cells = [b for b in sample["blocks"] if b["kind"] == "table-cell"]
    assert cells and all(len(b["cell"]) == 3 for b in cells)


def test_the_real_command_line(tmp_path):
    """The installed entry point: exit codes and streams, as a shell user sees them."""
    good = subprocess.run(
        [sys.executable, "-m", "codelint", "dump", "--format", "json", str(SAMPLE)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert good.returncode == 0 and good.stderr == ""
    assert json.loads(good.stdout)["files"][0]["title"] == "Contract Procedure Rules 2026"
    folder = subprocess.run(
        [sys.executable, "-m", "codelint", "dump", str(tmp_path)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert folder.returncode == 2
    assert folder.stderr == f"{tmp_path}: error: is a directory\n"
    assert "Traceback" not in folder.stderr
