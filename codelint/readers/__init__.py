"""Readers: one module per input kind, each turning bytes into a :class:`Document`.

``read(path)`` detects the kind by content (magic bytes, zip members, markup), not only by
extension, and dispatches to the reader. Every failure is a :class:`ReadError` with a short
cause; a reader never returns an empty document for a file it could not read.
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Callable
from io import BytesIO

from codelint.document import Document
from codelint.errors import ReadError
from codelint.limits import Limits

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
EMPTY_ZIP_MAGIC = b"PK\x05\x06"

#: Extensions that name each kind when the content alone does not decide.
MARKDOWN_EXTENSIONS = {".md", ".markdown", ".mdown", ".mkd"}
HTML_EXTENSIONS = {".html", ".htm", ".xhtml"}


def sniff(path: str, data: bytes) -> str:
    """Name the kind of ``data``: docx, pdf, html, markdown, text, doc, rtf, odt,
    encrypted-office, zip, empty or binary."""
    if not data.strip():
        return "empty"
    head = data[:2048]
    if head.startswith(b"%PDF-") or b"%PDF-" in data[:1024]:
        return "pdf"
    if head.startswith(ZIP_MAGIC) or head.startswith(EMPTY_ZIP_MAGIC):
        return _sniff_zip(data)
    if head.startswith(OLE_MAGIC):
        # An OOXML file protected with a password is an OLE container holding the
        # encrypted package; a legacy Word file holds a "WordDocument" stream.
        if "EncryptedPackage".encode("utf-16-le") in data:
            return "encrypted-office"
        return "doc"
    if head.lstrip().startswith(b"{\\rtf"):
        return "rtf"
    ext = os.path.splitext(path)[1].lower()
    if _looks_like_html(head) or (ext in HTML_EXTENSIONS and b"<" in head):
        return "html"
    if ext in MARKDOWN_EXTENSIONS:
        return "markdown"
    if _looks_binary(head):
        return "binary"
    return "text"


def _sniff_zip(data: bytes) -> str:
    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            names = set(archive.namelist())
            if "word/document.xml" in names:
                return "docx"
            if "mimetype" in names:
                mimetype = archive.read("mimetype")[:100]
                if b"opendocument.text" in mimetype:
                    return "odt"
            if "[Content_Types].xml" in names:
                # Some producers put the main part elsewhere; the DOCX reader follows the
                # package relationships to find it.
                return "docx"
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
        return "bad-zip"
    return "zip"


def _looks_like_html(head: bytes) -> bool:
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return start.startswith((b"<!doctype html", b"<html", b"<?xml")) and (
        b"<html" in head.lower() or start.startswith(b"<!doctype html")
    )


def _looks_binary(head: bytes) -> bool:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False  # UTF-16 text with a byte-order mark
    if b"\x00" in head:
        # UTF-16 without a BOM has a NUL in every other byte; anything else is binary.
        odd_nuls = head[1::2].count(0)
        even_nuls = head[0::2].count(0)
        half = max(1, len(head) // 2)
        return not (odd_nuls > 0.4 * half or even_nuls > 0.4 * half)
    control = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13, 27))
    return control > 0.1 * max(1, len(head))


Reader = Callable[[str, bytes, Limits], Document]


def _reader_for(kind: str) -> Reader:
    # Imported lazily: a cache hit or a plain-text run should not pay for lxml or pdfium.
    if kind == "docx":
        from codelint.readers.docx import read_docx

        return read_docx
    if kind == "pdf":
        from codelint.readers.pdf import read_pdf

        return read_pdf
    if kind == "html":
        from codelint.readers.html import read_html

        return read_html
    if kind == "markdown":
        from codelint.readers.text import read_markdown

        return read_markdown
    if kind == "text":
        from codelint.readers.text import read_text

        return read_text
    if kind in ("doc", "rtf", "odt"):
        from codelint.readers.legacy import read_legacy

        return read_legacy
    raise KeyError(kind)


#: The one-line cause reported for kinds no reader takes.
UNREADABLE = {
    "empty": "the file is empty",
    "encrypted-office": "the Word file is password-protected (encrypted); save an unprotected copy",
    "bad-zip": "not a readable Word file: the zip container is corrupt or truncated",
    "zip": "a zip file without word/document.xml: not a Word document",
    "binary": "binary content that is not a supported document (DOCX, PDF, HTML, Markdown, text)",
}


def read_bytes(path: str, data: bytes, limits: Limits | None = None) -> Document:
    """Read ``data`` (the content of ``path``) into a Document, or raise ReadError."""
    limits = limits or Limits()
    kind = sniff(path, data)
    if kind in UNREADABLE:
        raise ReadError(path, UNREADABLE[kind])
    document = _reader_for(kind)(path, data, limits)
    document.finalise()
    if not document.blocks:
        raise ReadError(path, f"no text could be extracted from this {kind.upper()} file")
    if sum(len(b.text) for b in document.blocks) > limits.max_chars:
        limit = f"{limits.max_chars:,}"
        raise ReadError(path, f"more than {limit} characters of text (limit max_chars)")
    return document


def read(path: str, limits: Limits | None = None) -> Document:
    """Read the file at ``path`` into a Document, or raise ReadError naming the cause."""
    limits = limits or Limits()
    try:
        size = os.path.getsize(path)
        if size > limits.max_file_bytes:
            raise ReadError(
                path, f"file is {size / 1048576:.1f} MB, over the {limits.max_file_mb:g} MB limit"
            )
        with open(path, "rb") as handle:
            data = handle.read(limits.max_file_bytes + 1)
    except FileNotFoundError:
        raise ReadError(path, "no such file (it may have been moved or deleted)") from None
    except IsADirectoryError:
        raise ReadError(path, "is a directory") from None
    except PermissionError:
        raise ReadError(path, "permission denied") from None
    except OSError as exc:
        raise ReadError(path, f"cannot be read: {exc.strerror or exc}") from None
    return read_bytes(path, data, limits)
