"""Fetch a document named by an http(s) URL, with the limits a CI job needs.

Only the standard library is used (urllib). Certificates are verified. Redirects are followed
by hand, at most ``max_redirects`` of them and only to http(s). The whole fetch (connecting,
every redirect and the body) must finish within ``timeout`` seconds, and the body may not be
larger than the file-size limit. The server's content type, then the content itself, decide
which reader takes the document. Every failure is a :class:`FetchError` naming the cause in
one line ("timed out after 5 s", "HTTP 404 Not Found", "too many redirects (more than 5)").
"""

from __future__ import annotations

import http.client
import os
import socket
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from email.message import Message
from typing import Any

from codelint import __version__
from codelint.errors import ReadError

REDIRECT_CODES = {301, 302, 303, 307, 308}
MAX_REDIRECTS = 5
CHUNK = 64 * 1024

#: Content types and the extension that tells ``readers.sniff`` what they are.
CONTENT_TYPES = {
    "application/pdf": ".pdf",
    "application/x-pdf": ".pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "text/html": ".html",
    "application/xhtml+xml": ".xhtml",
    "text/markdown": ".md",
    "text/x-markdown": ".md",
    "text/plain": ".txt",
    "application/msword": ".doc",
    "application/rtf": ".rtf",
    "text/rtf": ".rtf",
    "application/vnd.oasis.opendocument.text": ".odt",
}
#: Types that say nothing about the content: the URL's extension and the bytes decide.
UNTYPED = {"", "application/octet-stream", "binary/octet-stream", "application/download",
           "application/force-download", "application/x-download"}  # fmt: skip
DOCUMENT_EXTENSIONS = {".pdf", ".docx", ".html", ".htm", ".xhtml", ".md", ".markdown", ".txt",
                       ".doc", ".rtf", ".odt"}  # fmt: skip


def is_url(value: str) -> bool:
    return value.lower().startswith(("http://", "https://"))


class FetchError(ReadError):
    """A URL could not be fetched; ``cause`` says why in one line."""


@dataclass
class Fetched:
    url: str
    #: Where the document was found after redirects.
    final_url: str
    content_type: str
    data: bytes
    redirects: list[str] = field(default_factory=list)

    def reader_name(self) -> str:
        """A file name whose extension tells the readers what the server sent."""
        path = urllib.parse.urlsplit(self.final_url).path
        base = os.path.basename(path.rstrip("/")) or "index"
        stem, ext = os.path.splitext(base)
        ext = ext.lower()
        typed = CONTENT_TYPES.get(self.content_type)
        if typed == ".txt" and ext in (".md", ".markdown"):
            typed = ext  # Markdown is often served as text/plain
        if typed is None:
            typed = ext if ext in DOCUMENT_EXTENSIONS else ""
        return (stem or "index") + typed

    def check_is_document(self) -> None:
        """Refuse content a reader cannot take, unless its bytes say it is a document."""
        if self.content_type in CONTENT_TYPES or self.content_type in UNTYPED:
            return
        if self.content_type.startswith("text/"):
            return  # text of some other kind: the text reader will do
        from codelint.readers import sniff

        if sniff(self.reader_name(), self.data) in ("pdf", "docx", "odt", "doc", "rtf"):
            return  # a mislabelled document
        raise FetchError(self.url, f"not a document (the server sent {self.content_type})")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Hand redirects back to :func:`fetch`, which counts and checks them."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
        return None


def _opener() -> urllib.request.OpenerDirector:
    context = ssl.create_default_context()  # verifies certificates and host names
    return urllib.request.build_opener(urllib.request.HTTPSHandler(context=context), _NoRedirect())


def fetch(
    url: str,
    *,
    timeout: float,
    max_mb: float,
    max_redirects: int = MAX_REDIRECTS,
) -> Fetched:
    """GET ``url`` and return its body (at most ``max_mb`` megabytes), or raise FetchError
    naming the cause."""
    max_bytes = int(max_mb * 1024 * 1024)
    deadline = time.monotonic() + timeout
    opener = _opener()
    current = url
    redirects: list[str] = []
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise FetchError(url, f"timed out after {timeout:g} s")
        request = urllib.request.Request(
            current,
            headers={
                "User-Agent": f"codelint/{__version__}",
                "Accept": "application/pdf, application/vnd.openxmlformats-officedocument"
                ".wordprocessingml.document, text/html, text/markdown, text/plain;q=0.9, "
                "*/*;q=0.5",
            },
        )
        try:
            response = opener.open(request, timeout=remaining)
        except urllib.error.HTTPError as exc:
            if exc.code in REDIRECT_CODES:
                location = exc.headers.get("Location")
                exc.close()
                if not location:
                    raise FetchError(url, f"HTTP {exc.code} redirect without a Location") from None
                if len(redirects) >= max_redirects:
                    cause = f"too many redirects (more than {max_redirects})"
                    raise FetchError(url, cause) from None
                target = urllib.parse.urljoin(current, location)
                if urllib.parse.urlsplit(target).scheme not in ("http", "https"):
                    raise FetchError(url, f"redirected to an unsupported URL ({target})") from None
                redirects.append(target)
                current = target
                continue
            exc.close()
            raise FetchError(url, f"HTTP {exc.code} {exc.reason}".strip()) from None
        except urllib.error.URLError as exc:
            raise FetchError(url, _url_error_cause(exc.reason, timeout)) from None
        except TimeoutError:
            raise FetchError(url, f"timed out after {timeout:g} s") from None
        except (OSError, ValueError, http.client.HTTPException) as exc:
            raise FetchError(url, f"could not be fetched ({exc!r})") from None
        with response:
            headers: Message = response.headers
            content_type = headers.get_content_type().lower() if headers.get("Content-Type") else ""
            declared = headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > max_bytes:
                raise FetchError(
                    url, f"is {int(declared) / 1048576:.1f} MB, over the {max_mb:g} MB limit"
                )
            data = _read_body(response, url, deadline, timeout, max_mb)
        return Fetched(url, current, content_type, data, redirects)


def _read_body(response: Any, url: str, deadline: float, timeout: float, max_mb: float) -> bytes:
    max_bytes = int(max_mb * 1024 * 1024)
    chunks: list[bytes] = []
    size = 0
    while True:
        if time.monotonic() > deadline:
            raise FetchError(url, f"timed out after {timeout:g} s")
        try:
            chunk = response.read(CHUNK)
        except TimeoutError:
            raise FetchError(url, f"timed out after {timeout:g} s") from None
        except (OSError, http.client.HTTPException) as exc:
            raise FetchError(url, f"the connection failed while reading ({exc!r})") from None
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > max_bytes:
            raise FetchError(url, f"larger than the {max_mb:g} MB limit")
        chunks.append(chunk)


def _url_error_cause(reason: object, timeout: float) -> str:
    if isinstance(reason, (TimeoutError, socket.timeout)):
        return f"timed out after {timeout:g} s"
    if isinstance(reason, ssl.SSLCertVerificationError):
        return f"certificate verification failed ({reason.verify_message or reason})"
    if isinstance(reason, ssl.SSLError):
        return f"TLS error ({reason})"
    if isinstance(reason, socket.gaierror):
        return "the host name could not be resolved"
    if isinstance(reason, ConnectionRefusedError):
        return "connection refused"
    if isinstance(reason, OSError) and reason.strerror:
        return f"could not connect ({reason.strerror})"
    return f"could not be fetched ({reason})"
