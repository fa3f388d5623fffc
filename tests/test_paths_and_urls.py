"""Folders, globs and URLs: what ``codelint check`` lints for each kind of argument, and how a
URL that cannot be fetched is reported (a local HTTP server in a thread plays the web)."""

from __future__ import annotations

import datetime as dt
import socket
import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
from adoption_helpers import (
    BAD_DOCX,
    LOWEST,
    OJEU,
    SAMPLES,
    Routes,
    check,
    codes,
    markdown,
    serve,
    warm_pipeline,
)

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(200)


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    warm_pipeline()
    monkeypatch.chdir(tmp_path)


# -- folders and globs ------------------------------------------------------------------------


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.codelint]\nexclude = ["drafts", "*.old.md"]\n', encoding="utf-8"
    )
    docs = tmp_path / "docs"
    for folder in ("sub", "drafts", ".hidden"):
        (docs / folder).mkdir(parents=True)
    (docs / "b.md").write_text(markdown(LOWEST), encoding="utf-8")
    (docs / "a.docx").write_bytes(BAD_DOCX.read_bytes())
    (docs / "notes.png").write_bytes(PNG)
    (docs / "c.old.md").write_text(markdown(LOWEST), encoding="utf-8")
    (docs / "sub" / "e.html").write_text(
        f"<!doctype html><html><body><h1>Rules</h1><p>{OJEU}</p></body></html>", encoding="utf-8"
    )
    (docs / "drafts" / "d.md").write_text(markdown(LOWEST), encoding="utf-8")
    (docs / ".hidden" / "h.md").write_text(markdown(LOWEST), encoding="utf-8")
    return tmp_path


def paths(report: dict) -> list[str]:
    return [Path(f["path"]).as_posix() for f in report["files"]]


def test_a_folder_is_walked_in_order_skipping_hidden_excluded_and_other_files(
    tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, report, errors = check(capsys, "docs", "--no-cache")
    assert code == 1 and errors == []
    assert paths(report) == ["docs/a.docx", "docs/b.md", "docs/sub/e.html"]
    assert all(f["findings"] for f in report["files"])


def test_globs_are_expanded_and_excludes_apply_to_them(
    tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, report, _ = check(capsys, "docs/**/*.md", "docs/sub", "--no-cache")
    assert paths(report) == ["docs/b.md", "docs/sub/e.html"]
    # A file named explicitly is linted even when excluded, unless --force-exclude (the hook).
    _, named, _ = check(capsys, "docs/drafts/d.md", "docs/b.md", "docs/b.md", "--no-cache")
    assert paths(named) == ["docs/drafts/d.md", "docs/b.md"]  # and each file only once
    _, forced, _ = check(
        capsys, "docs/drafts/d.md", "docs/c.old.md", "docs/b.md", "--no-cache", "--force-exclude"
    )
    assert paths(forced) == ["docs/b.md"]


def test_a_glob_that_matches_nothing_is_an_error_and_the_rest_is_still_linted(
    tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, report, errors = check(capsys, "docs/*.pdf", "docs/b.md", "--no-cache")
    assert code == 2
    assert errors == ["docs/*.pdf: error: no document files match this pattern"]
    assert paths(report) == ["docs/*.pdf", "docs/b.md"]
    assert "LP001" in codes(report["files"][1])


# -- URLs -------------------------------------------------------------------------------------


def _routes() -> Routes:
    md = markdown(OJEU, LOWEST).encode()
    html = f"<!doctype html><html><body><h1>Rules</h1><p>{LOWEST}</p></body></html>".encode()
    return {
        "/cpr.md": (200, {"Content-Type": "text/markdown; charset=utf-8"}, md),
        "/plain/cpr.md": (200, {"Content-Type": "text/plain"}, md),
        "/policy": (200, {"Content-Type": DOCX_TYPE}, BAD_DOCX.read_bytes()),
        "/download?id=7": (
            200,
            {"Content-Type": "application/octet-stream"},
            (SAMPLES / "cpr-2016-pcr2015.pdf").read_bytes(),
        ),
        "/page": (200, {"Content-Type": "text/html; charset=utf-8"}, html),
        "/logo.png": (200, {"Content-Type": "image/png"}, PNG),
        "/gone": (410, {}, b"gone"),
        "/moved": (301, {"Location": "/cpr.md"}, b""),
        "/loop-a": (302, {"Location": "/loop-b"}, b""),
        "/loop-b": (302, {"Location": "/loop-a"}, b""),
        "/to-ftp": (302, {"Location": "ftp://127.0.0.1/cpr.md"}, b""),
        "/big": (200, {"Content-Type": "text/plain", "Content-Length": "200000"}, b"x" * 200000),
        "/big-stream": (200, {"Content-Type": "text/plain"}, b"word " * 40000),
    }


@pytest.fixture(scope="module")
def web() -> Iterator[str]:
    with serve(_routes()) as base:
        yield base


@pytest.fixture
def silent() -> Iterator[str]:
    """A server that accepts connections and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    yield f"http://127.0.0.1:{listener.getsockname()[1]}/never"
    listener.close()


def test_urls_are_fetched_and_read_by_content_type_and_content(
    web: str, capsys: pytest.CaptureFixture[str]
) -> None:
    urls = [f"{web}/cpr.md", f"{web}/plain/cpr.md", f"{web}/policy", f"{web}/download?id=7",
            f"{web}/page", f"{web}/moved"]  # fmt: skip
    code, report, errors = check(capsys, *urls, "--no-cache")
    assert code == 1 and errors == []
    assert [f["path"] for f in report["files"]] == urls  # reported under the URL given
    formats = [f["format"] for f in report["files"]]
    assert formats == ["markdown", "markdown", "docx", "pdf", "html", "markdown"]
    for entry in report["files"]:
        assert entry["error"] is None and entry["findings"], entry["path"]
    assert "LP001" in codes(report["files"][0])
    assert f"fetched from {web}/cpr.md (redirected)" in report["files"][-1]["notes"]
    # The same document read from disk gives the same findings.
    _, local, _ = check(capsys, str(BAD_DOCX), "--no-cache")
    assert codes(report["files"][2]) == codes(local["files"][0])


def test_each_failing_url_is_one_line_saying_why_and_the_rest_is_still_linted(
    web: str, silent: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "pyproject.toml").write_text(
        "[tool.codelint.limits]\nmax-file-mb = 0.1\n", encoding="utf-8"
    )
    failing = {
        f"{web}/gone": "HTTP 410 Gone",
        f"{web}/logo.png": "not a document (the server sent image/png)",
        f"{web}/loop-a": "too many redirects (more than 5)",
        f"{web}/to-ftp": "redirected to an unsupported URL (ftp://127.0.0.1/cpr.md)",
        f"{web}/big": "is 0.2 MB, over the 0.1 MB limit",
        f"{web}/big-stream": "larger than the 0.1 MB limit",
        silent: "timed out after 1.5 s",
        "http://127.0.0.1:9/closed": "connection refused",
    }
    started = dt.datetime.now()
    code, report, errors = check(
        capsys, *failing, f"{web}/cpr.md", "--no-cache", "--timeout", "1.5"
    )
    assert (dt.datetime.now() - started).total_seconds() < 20
    assert code == 2
    assert errors == [f"{url}: error: {cause}" for url, cause in failing.items()]
    last = report["files"][-1]
    assert last["path"] == f"{web}/cpr.md" and "LP001" in codes(last)


def test_https_certificates_are_verified(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    (tmp_path / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")
    with serve(_routes(), tls=context) as base:
        url = f"{base}/cpr.md"
        code, _, errors = check(capsys, url, "--no-cache", "--timeout", "10")
    assert code == 2
    assert len(errors) == 1
    assert errors[0].startswith(f"{url}: error: certificate verification failed (")
    assert "self-signed" in errors[0] or "self signed" in errors[0]
