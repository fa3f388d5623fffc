"""Independent readers the reading tests compare codelint with: pandoc, LibreOffice, pdftotext.

The tools run for real, once per file per test session (the results are cached in memory),
so nothing here is a committed expected output. A missing tool is a test failure with a clear
message, never a skip: CI installs pandoc, poppler-utils and LibreOffice.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import tempfile
import unicodedata
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

TOOL_PACKAGES = {
    "pandoc": "pandoc",
    "pdftotext": "poppler-utils",
    "soffice": "libreoffice-writer-nogui",
}


def require(tool: str) -> str:
    """The path of ``tool``, or an AssertionError naming the Debian package to install."""
    found = shutil.which(tool)
    assert found, f"{tool} is needed by this test: apt-get install {TOOL_PACKAGES[tool]}"
    return found


@functools.cache
def pandoc_text(path: str) -> str | None:
    """``pandoc --track-changes=accept -t plain`` of a Word file; None when pandoc fails.

    ``--wrap=none --columns=2000``: at its default 72 columns pandoc prints ``[TABLE]`` for a
    table too wide to lay out and breaks long words across lines inside narrow cells, which
    would be pandoc's loss, not ours.
    """
    command = [
        require("pandoc"), "--track-changes=accept", "-t", "plain", "--wrap=none",
        "--columns=2000", path,
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, timeout=300)
    if result.returncode != 0:
        return None
    return result.stdout.decode("utf-8", "replace")


@functools.cache
def pdftotext_text(path: str) -> str | None:
    """``pdftotext`` (reading order, no -layout) of a PDF; None when poppler refuses it."""
    command = [require("pdftotext"), "-enc", "UTF-8", path, "-"]
    result = subprocess.run(command, capture_output=True, timeout=300)
    if result.returncode != 0:
        return None
    return result.stdout.decode("utf-8", "replace")


_LIBREOFFICE: dict[str, str | None] = {}


def libreoffice_texts(paths: Iterable[str]) -> dict[str, str | None]:
    """LibreOffice's plain-text export of each file (None where it could not load one).

    One headless run converts the whole batch, with a private profile; inputs are linked
    under numbered names so files that share a stem (a.doc, a.docx) cannot collide.
    """
    wanted = [str(p) for p in paths]
    todo = [p for p in dict.fromkeys(wanted) if p not in _LIBREOFFICE]
    if todo:
        soffice = require("soffice")
        with tempfile.TemporaryDirectory(prefix="codelint-lo-text-") as folder:
            work = Path(folder)
            (work / "in").mkdir()
            names = {}
            for number, path in enumerate(todo):
                link = work / "in" / f"{number:05d}{Path(path).suffix}"
                os.symlink(os.path.abspath(path), link)
                names[path] = link
            command = [
                soffice, f"-env:UserInstallation={(work / 'profile').as_uri()}", "--headless",
                "--norestore", "--convert-to", "txt:Text (encoded):UTF8",
                "--outdir", str(work / "out"), *map(str, names.values()),
            ]  # fmt: skip
            subprocess.run(command, capture_output=True, timeout=900, stdin=subprocess.DEVNULL)
            for path, link in names.items():
                output = work / "out" / f"{link.stem}.txt"
                _LIBREOFFICE[path] = (
                    output.read_text("utf-8", "replace") if output.is_file() else None
                )
    return {path: _LIBREOFFICE[path] for path in wanted}


# --- words -----------------------------------------------------------------------------------

_WORD = re.compile(r"\w+")
#: A hyphen inside a word: "off-site", "L1-sensitivity" (see :func:`normalise`).
_INNER_HYPHEN = re.compile(r"(?<=\w)[-\u2010\u2011](?=\w)")


def normalise(text: str) -> str:
    """Text as the word comparison sees it.

    NFKC (ligatures, full-width forms, superscript digits), case folded; soft hyphens
    (U+00AD, invisible unless a line breaks there) removed; a hyphen between two word
    characters removed, so "off-site" and "offsite" are one word whichever form a reader
    chose when it undid a line-end hyphen; byte-order marks removed.
    """
    text = text.replace("\u00ad", "").replace("\ufeff", "")
    text = unicodedata.normalize("NFKC", text).casefold()
    return _INNER_HYPHEN.sub("", text)


def words(text: str | None) -> Counter[str]:
    """The multiset of normalised words (runs of letters, digits and underscores)."""
    return Counter(_WORD.findall(normalise(text or "")))
