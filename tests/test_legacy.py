"""Legacy .doc/.rtf/.odt files, read through LibreOffice (codelint/readers/legacy.py)."""

from __future__ import annotations

import io
import json
import os
import stat
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import ROOT, shared_dir
from independent_readers import require, words

from codelint.document import validate_document
from codelint.errors import ReadError
from codelint.limits import Limits
from codelint.readers import read, read_bytes
from codelint.readers.legacy import (
    SOFFICE_ENV,
    doc_is_encrypted,
    find_soffice,
    read_legacy,
    word_document_stream,
)

WILD = shared_dir() / "wild"
SAMPLES = sorted((ROOT / "corpora" / "samples").glob("*.docx"))
INSTALL = "install LibreOffice (Debian: libreoffice-writer-nogui) or save it as .docx"


@pytest.fixture(scope="module")
def converted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Our samples saved by LibreOffice as .doc, .rtf and .odt (one batch per format)."""
    soffice = require("soffice")
    folder = tmp_path_factory.mktemp("legacy")
    profile = (folder / "profile").as_uri()
    for fmt in ("doc", "rtf", "odt"):
        subprocess.run(
            [soffice, f"-env:UserInstallation={profile}", "--headless", "--convert-to", fmt,
             "--outdir", str(folder), *map(str, SAMPLES)],
            capture_output=True, timeout=300, check=True, stdin=subprocess.DEVNULL,
        )  # fmt: skip
    assert len(list(folder.glob("*.*"))) == 3 * len(SAMPLES) >= 12
    return folder


@pytest.fixture()
def private_tmp(tmp_path: Path) -> Iterator[Path]:
    """Point tempfile at an empty folder, to see that conversions leave nothing behind."""
    saved = tempfile.tempdir
    tempfile.tempdir = str(tmp_path)
    try:
        yield tmp_path
    finally:
        tempfile.tempdir = saved


def fake_soffice(folder: Path, script: str) -> str:
    """An executable standing in for LibreOffice (to simulate hangs and silent failures)."""
    path = folder / "fake-soffice"
    path.write_text("#!/bin/sh\n" + script + "\n")
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return str(path)


# --- real legacy files ---------------------------------------------------------------------------


def test_wild_doc_files_are_converted_and_read(private_tmp):
    doc = read(str(WILD / "poi-hyperlink.doc"))
    assert validate_document(doc) == []
    assert doc.format == "doc"
    assert doc.text == "Before text; Hyperlink text; after text"
    assert doc.notes[0].startswith("converted from .doc (Word 97-2003) by LibreOffice")
    table = read(str(WILD / "poi-simple-table2.doc"))
    cells = [(b.cell, b.text) for b in table.blocks if b.kind == "table-cell"]
    assert cells[:2] == [((1, 1, 1), "Row 1/Cell 1"), ((1, 1, 2), "Row 1/Cell 2")]
    name = "poi-cap.stanford.edu_profiles_viewbiosketch_facultyid=4009&name=m_maciver.doc"
    sketch = read(str(WILD / name))
    assert sketch.word_count() > 1000 and "BIOGRAPHICAL SKETCH" in sketch.text
    with pytest.raises(ReadError) as caught:
        read(str(WILD / "poi-equation.doc"))
    assert "only pictures, charts or embedded objects" in caught.value.cause
    assert list(private_tmp.iterdir()) == []  # every conversion folder was removed


@pytest.mark.parametrize("fmt", ["doc", "rtf", "odt"])
def test_converted_samples_read_like_the_originals(converted, fmt):
    for original in SAMPLES:
        ours = read(str(original))
        legacy = read(str(converted / f"{original.stem}.{fmt}"))
        assert validate_document(legacy) == []
        assert legacy.format == fmt
        assert f"converted from .{fmt} (" in legacy.notes[0]
        expected, got = words(ours.text), words(legacy.text)
        recall = 1 - sum((expected - got).values()) / sum(expected.values())
        precision = 1 - sum((got - expected).values()) / sum(got.values())
        assert recall >= 0.99 and precision >= 0.99, (original.name, fmt, recall, precision)
        assert [b.kind for b in legacy.blocks] == [b.kind for b in ours.blocks]
        pairs = zip(ours.blocks, legacy.blocks, strict=True)
        same_clauses = sum(a.clause == b.clause for a, b in pairs)
        assert same_clauses >= 0.98 * len(ours.blocks), (original.name, fmt)


def test_check_finds_the_same_on_odt_and_doc_as_on_docx(converted):
    legacy = [converted / f"{p.stem}.{fmt}" for p in SAMPLES for fmt in ("odt", "doc")]
    result = subprocess.run(
        [sys.executable, "-m", "codelint", "check", "--format", "json", "--no-cache",
         *map(str, SAMPLES), *map(str, legacy)],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert result.returncode == 1, result.stderr  # findings, no errors
    files = {Path(f["path"]).name: f for f in json.loads(result.stdout)["files"]}
    total = 0
    for original in SAMPLES:
        expected = sorted((f["rule"], f["excerpt"]) for f in files[original.name]["findings"])
        total += len(expected)
        for fmt in ("odt", "doc"):
            entry = files[f"{original.stem}.{fmt}"]
            assert entry["error"] is None
            got = sorted((f["rule"], f["excerpt"]) for f in entry["findings"])
            assert got == expected, (original.name, fmt)
            assert any("converted from" in note for note in entry["notes"])
    assert total >= 20  # the comparison has findings to compare


def test_text_report_says_the_file_was_converted(converted):
    target = converted / f"{SAMPLES[0].stem}.odt"
    result = subprocess.run(
        [sys.executable, "-m", "codelint", "check", "--no-cache", str(target)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert "converted from .odt (OpenDocument Text) by LibreOffice" in result.stdout


# --- LibreOffice missing -------------------------------------------------------------------------


def test_env_var_pointing_nowhere_gives_the_install_hint(monkeypatch, tmp_path):
    monkeypatch.setenv(SOFFICE_ENV, str(tmp_path / "nothing"))
    assert find_soffice() is None
    with pytest.raises(ReadError) as caught:
        read(str(WILD / "poi-hyperlink.doc"))
    cause = caught.value.cause
    assert caught.value.path == str(WILD / "poi-hyperlink.doc")
    assert cause.startswith(".doc (Word 97-2003) files are read through LibreOffice")
    assert cause.endswith(INSTALL) and "\n" not in cause


def test_path_without_soffice_gives_the_install_hint(tmp_path, converted):
    """The real command line with a PATH that holds Python but no LibreOffice."""
    env = {k: v for k, v in os.environ.items() if k != SOFFICE_ENV}
    env["PATH"] = os.path.dirname(sys.executable)
    assert not any(
        os.path.exists(os.path.join(env["PATH"], name)) for name in ("soffice", "libreoffice")
    )
    rtf = converted / f"{SAMPLES[0].stem}.rtf"
    result = subprocess.run(
        [sys.executable, "-m", "codelint", "dump", str(rtf), str(SAMPLES[0])],
        capture_output=True, text=True, timeout=120, env=env,
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr == (
        f"{rtf}: error: .rtf (Rich Text Format) files are read through LibreOffice, which was "
        f"not found: {INSTALL}\n"
    )
    assert f"== {SAMPLES[0]} (docx" in result.stdout  # the other file is still dumped


def test_empty_env_var_disables_libreoffice(monkeypatch):
    monkeypatch.setenv(SOFFICE_ENV, "")
    assert find_soffice() is None
    monkeypatch.setenv(SOFFICE_ENV, "soffice")
    assert find_soffice() == require("soffice")


# --- failures LibreOffice cannot report itself ---------------------------------------------------


def test_password_protected_doc_is_recognised_before_conversion(monkeypatch, tmp_path):
    data = bytearray((WILD / "poi-hyperlink.doc").read_bytes())
    assert not doc_is_encrypted(bytes(data))
    fib = word_document_stream(bytes(data), 64)
    assert fib is not None and fib.startswith(b"\xec\xa5")
    offset = bytes(data).find(fib)
    data[offset + 11] |= 0x01  # fEncrypted (bit 8 of the flags word at FIB offset 10)
    assert doc_is_encrypted(bytes(data))
    # Were LibreOffice run, this stand-in would hang: the error must come first.
    monkeypatch.setenv(SOFFICE_ENV, fake_soffice(tmp_path, "sleep 30"))
    started = time.perf_counter()
    with pytest.raises(ReadError) as caught:
        read_bytes("locked.doc", bytes(data))
    assert caught.value.cause == (
        "the Word file is password-protected (encrypted); save an unprotected copy"
    )
    assert time.perf_counter() - started < 2


def test_password_protected_odt_is_recognised(converted):
    original = (converted / f"{SAMPLES[0].stem}.odt").read_bytes()
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(original)) as source, zipfile.ZipFile(buffer, "w") as out:
        for item in source.infolist():
            content = source.read(item)
            if item.filename == "META-INF/manifest.xml":
                content = content.replace(
                    b'manifest:full-path="content.xml"',
                    b'manifest:full-path="content.xml"><manifest:encryption-data '
                    b'manifest:checksum-type="SHA1/1K" manifest:checksum="x"/></manifest:file-entry'
                    b'><manifest:file-entry manifest:media-type="" manifest:full-path="x"',
                    1,
                )
                assert b"encryption-data" in content
            out.writestr(item, content)
    with pytest.raises(ReadError) as caught:
        read_bytes("locked.odt", buffer.getvalue())
    assert "password-protected" in caught.value.cause


def test_damaged_doc_is_an_error_not_text(private_tmp):
    """Left to detect the type, LibreOffice would import this binary as plain text."""
    data = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(range(256)) * 12
    data += "WordDocument".encode("utf-16-le") + bytes(range(255, -1, -1)) * 8
    with pytest.raises(ReadError) as caught:
        read_bytes("damaged.doc", data)
    assert caught.value.cause.startswith("LibreOffice could not open the .doc (Word 97-2003)")
    assert list(private_tmp.iterdir()) == []


def test_ole_file_that_is_not_word():
    data = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 4000 + "Workbook".encode("utf-16-le")
    with pytest.raises(ReadError) as caught:
        read_bytes("sheet.doc", data)
    assert "not a Word document" in caught.value.cause


def test_a_hanging_libreoffice_is_killed_and_cleaned_up(monkeypatch, tmp_path, private_tmp):
    marker = tmp_path / "child.pid"
    script = f'sleep 30 & echo $! > "{marker}"; wait'
    monkeypatch.setenv(SOFFICE_ENV, fake_soffice(tmp_path, script))
    started = time.perf_counter()
    with pytest.raises(ReadError) as caught:
        read_legacy("slow.rtf", b"{\\rtf1 Officers shall \\par}", Limits(timeout=1.0))
    assert time.perf_counter() - started < 5
    assert caught.value.cause.startswith(
        "LibreOffice did not finish converting the .rtf (Rich Text Format) file within 1 s"
    )
    child = int(marker.read_text())
    time.sleep(0.2)
    assert not _alive(child), "the process LibreOffice started was left running"
    assert not any(p.name.startswith("codelint-soffice-") for p in private_tmp.iterdir())


def test_libreoffice_writing_nothing_is_an_error(monkeypatch, tmp_path, private_tmp):
    monkeypatch.setenv(SOFFICE_ENV, fake_soffice(tmp_path, 'echo "Error: disk full" >&2; exit 0'))
    with pytest.raises(ReadError) as caught:
        read_legacy("quiet.rtf", b"{\\rtf1 Officers shall \\par}", Limits())
    assert caught.value.cause == (
        "LibreOffice wrote no .docx for the .rtf (Rich Text Format) file (exit status 0): "
        "Error: disk full; save it as .docx and lint that"
    )
    assert not any(p.name.startswith("codelint-soffice-") for p in private_tmp.iterdir())


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie still answers; it is gone for our purposes once it has exited.
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().split()[2] != "Z"
    except FileNotFoundError:
        return False
