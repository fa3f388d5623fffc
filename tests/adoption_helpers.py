"""Helpers for the adoption tests (CLI, suppressions, baselines, paths and URLs, cache, jobs).

``check()`` runs ``codelint check`` in this process (the real ``main``, with worker processes
forked from the test process) and returns the exit code, the JSON report and standard
error's lines; ``cli()`` runs ``python -m codelint`` as a separate process, for what only a
whole process shows (imports, exit codes, terminals, concurrency).
"""

from __future__ import annotations

import contextlib
import json
import os
import ssl
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "corpora" / "samples"
BAD_DOCX = SAMPLES / "cpr-2016-pcr2015.docx"
GOOD_DOCX = SAMPLES / "good-practice-2026.docx"

#: Sentences the built-in packs flag (as of 2026), with the rule prefix each one trips.
OJEU = "All contracts above the EU threshold shall be advertised in the OJEU."  # OL
LOWEST = "Every contract shall be awarded to the lowest price tender."  # LP
NEUTRAL = "The council will publish its pipeline on the central digital platform."
NEUTRAL_2 = "Officers shall keep a record of every decision taken under these rules."


def warm_pipeline() -> None:
    """Build the spaCy pipeline in the test process (once: it is cached), so the workers that
    ``check()`` forks inherit it instead of importing spaCy each time."""
    from codelint.nlp import build_pipeline

    build_pipeline(None)


def check(capsys: Any, *args: str) -> tuple[int, dict[str, Any], list[str]]:
    """Run ``codelint check ARGS --format json`` in-process; (exit code, report, stderr lines)."""
    from codelint.cli import main

    capsys.readouterr()
    code = main(["check", *args, "--format", "json"])
    captured = capsys.readouterr()
    report = json.loads(captured.out) if captured.out.strip() else {}
    return code, report, [line for line in captured.err.splitlines() if line.strip()]


def cli(
    *args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 180
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m codelint ARGS`` in ``cwd`` as its own process."""
    environment = dict(os.environ)
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "codelint", *args],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def files_by_name(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {Path(f["path"]).name if "://" not in f["path"] else f["path"]: f
            for f in report["files"]}  # fmt: skip


def codes(entry: dict[str, Any], key: str = "findings") -> list[str]:
    return [f["rule"] for f in entry[key]]


def markdown(*paragraphs: str, title: str = "Contract Procedure Rules") -> str:
    """A small Markdown procurement code: a heading and the paragraphs."""
    return f"# {title}\n\n" + "\n\n".join(paragraphs) + "\n"


def write_docx(
    path: Path,
    paragraphs: list[str],
    comments: dict[int, str] | None = None,
    title: str = "Contract Procedure Rules",
) -> Path:
    """A Word file made with python-docx: a heading, the paragraphs, and Word comments
    (``{paragraph number from 0: comment text}``) made with ``Document.add_comment``."""
    import docx

    document = docx.Document()
    document.add_heading(title, level=1)
    made = [document.add_paragraph(text) for text in paragraphs]
    for number, text in (comments or {}).items():
        document.add_comment(made[number].runs, text=text, author="Reviewer", initials="RV")
    document.save(str(path))
    return path


# -- a local web server -----------------------------------------------------------------------

Routes = dict[str, tuple[int, dict[str, str], bytes]]


class _Web(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"

    def do_GET(self) -> None:
        status, headers, body = self.server.routes.get(  # type: ignore[attr-defined]
            self.path, (404, {}, b"not here")
        )
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        """Quiet."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        """A refused TLS handshake is part of a test, not news."""


@contextlib.contextmanager
def serve(routes: Routes, tls: ssl.SSLContext | None = None) -> Iterator[str]:
    """An HTTP(S) server on 127.0.0.1 in a thread, answering ``routes`` (path -> status,
    headers, body; the mapping may be changed while it runs); yields its base URL."""
    server = _Server(("127.0.0.1", 0), _Web)
    server.routes = routes  # type: ignore[attr-defined]
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    scheme = "https" if tls is not None else "http"
    try:
        yield f"{scheme}://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
