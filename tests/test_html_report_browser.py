"""The HTML report in a real browser: headless Chromium, driven over the DevTools protocol.

Chromium is started with ``--remote-debugging-pipe``: it reads protocol commands from file
descriptor 3 and writes replies and events to descriptor 4, each message a JSON object ended by
a NUL byte. That needs nothing beyond the standard library (no websocket client, no Playwright
and no browser download), and no port is opened.

For each page the test records, from the protocol:

- console messages (``Runtime.consoleAPICalled``), uncaught exceptions
  (``Runtime.exceptionThrown``) and browser log entries (``Log.entryAdded``: this is where
  Content-Security-Policy violations and failed loads are reported);
- every request the page makes (``Network.requestWillBeSent``);
- after load, a probe run in the page: the title, the number of script, img, iframe, object and
  embed elements, elements with an ``on...`` attribute, ``javascript:`` links, and the text
  as shown.

A payload that ran would change the title (every payload sets ``document.title``), create an
element, or trip the CSP (a log entry). Two control tests show the harness notices each: a page
without CSP whose script does run, and a report with a script spliced in after rendering (as an
escaping bug would), which the report's CSP must block.

Chromium is required: without it these tests fail, naming the package to install.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
import select
import shutil
import struct
import subprocess
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from docx_factory import build_docx, p, styles_xml

from codelint.cli import main as codelint_main

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "corpora" / "samples"
CHROMIUM = os.environ.get("CODELINT_CHROMIUM", "/usr/bin/chromium")
VIEWPORT = (1100, 1500)

SCRIPT = "<script>document.title='pwned'</script>"
IMAGE = "<img src=x onerror=\"document.title='pwned'\">"
LINK = "<a href=\"javascript:document.title='pwned'\">the rules</a>"

PROBE = """(() => {
  const all = [...document.querySelectorAll('*')];
  return {
    title: document.title,
    scripts: document.scripts.length,
    images: document.images.length,
    embedded: document.querySelectorAll('iframe, object, embed, frame').length,
    handlers: all.filter(e => [...e.attributes].some(a => a.name.startsWith('on'))).length,
    jsLinks: [...document.querySelectorAll('[href],[src],[action]')].filter(e =>
      /^\\s*javascript:/i.test(e.getAttribute('href') || e.getAttribute('src') ||
                               e.getAttribute('action') || '')).length,
    findings: document.querySelectorAll('article.finding').length,
    marks: document.querySelectorAll('article.finding mark').length,
    text: document.body ? document.body.innerText : '',
    csp: (document.querySelector('meta[http-equiv="Content-Security-Policy"]') || {}).content,
  };
})()"""


class BrowserError(RuntimeError):
    pass


@dataclass
class PageLoad:
    """What a page did while it loaded, and what it looked like afterwards."""

    url: str
    probe: dict[str, Any]
    console: list[dict[str, Any]] = field(default_factory=list)
    exceptions: list[dict[str, Any]] = field(default_factory=list)
    log: list[dict[str, Any]] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    screenshot: bytes = b""
    print_screenshot: bytes = b""
    print_styles: dict[str, Any] = field(default_factory=dict)
    pdf: bytes = b""

    def problems(self) -> list[str]:
        """Console errors and warnings, exceptions, and log entries, one line each."""
        out = []
        for call in self.console:
            if call.get("type") in {"error", "warning", "assert"}:
                texts = [str(a.get("value", a.get("description", ""))) for a in call["args"]]
                out.append(f"console.{call['type']}: {' '.join(texts)}")
        for exception in self.exceptions:
            out.append(f"exception: {exception.get('text')} {exception.get('exception', {})}")
        for entry in self.log:
            if entry.get("level") in {"error", "warning"}:
                out.append(f"log {entry.get('source')}/{entry['level']}: {entry.get('text')}")
        return out


class Chromium:
    """A headless Chromium talking the DevTools protocol over a pipe."""

    def __init__(self, profile: Path) -> None:
        if not os.path.exists(CHROMIUM) or not os.access(CHROMIUM, os.X_OK):
            pytest.fail(
                f"headless Chromium is needed for the HTML report tests but {CHROMIUM} was "
                "not found: install it (Debian/Ubuntu: apt-get install chromium) or set "
                "CODELINT_CHROMIUM to its path",
                pytrace=False,
            )
        commands_read, self._commands = os.pipe()
        self._replies, replies_write = os.pipe()

        def wire_descriptors() -> None:
            # Move both ends above 10 first so that neither is overwritten by the other's dup2.
            high_read = fcntl.fcntl(commands_read, fcntl.F_DUPFD, 10)
            high_write = fcntl.fcntl(replies_write, fcntl.F_DUPFD, 10)
            os.dup2(high_read, 3)
            os.dup2(high_write, 4)

        self.process = subprocess.Popen(
            [
                CHROMIUM,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
                "--disable-sync",
                "--disable-extensions",
                "--hide-scrollbars",
                f"--user-data-dir={profile}",
                "--remote-debugging-pipe",
                "about:blank",
            ],
            pass_fds=(3, 4),
            preexec_fn=wire_descriptors,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(commands_read)
        os.close(replies_write)
        self._buffer = b""
        self._next_id = 0
        self._pending_events: list[dict[str, Any]] = []

    # -- protocol ---------------------------------------------------------------------------

    def _send(self, method: str, params: dict[str, Any] | None, session: str | None) -> int:
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._commands, json.dumps(message).encode() + b"\0")
        return self._next_id

    def _read_message(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise BrowserError("Chromium did not answer in time")
            ready, _, _ = select.select([self._replies], [], [], left)
            if ready:
                chunk = os.read(self._replies, 1 << 20)
                if not chunk:
                    raise BrowserError(f"Chromium exited (status {self.process.poll()})")
                self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(raw)

    def call(
        self,
        method: str,
        params: dict[str, Any] | None = None,
        session: str | None = None,
        timeout: float = 30,
    ) -> dict[str, Any]:
        wanted = self._send(method, params, session)
        deadline = time.monotonic() + timeout
        while True:
            message = self._read_message(deadline)
            if message.get("id") == wanted:
                if "error" in message:
                    raise BrowserError(f"{method}: {message['error']}")
                return message.get("result", {})
            if "method" in message:
                self._pending_events.append(message)

    def events_until(self, method: str, session: str, timeout: float = 30) -> None:
        """Read events until ``method`` arrives for ``session`` (events stay queued)."""
        deadline = time.monotonic() + timeout
        if any(
            e["method"] == method and e.get("sessionId") == session for e in self._pending_events
        ):
            return
        while True:
            message = self._read_message(deadline)
            if "method" in message:
                self._pending_events.append(message)
                if message["method"] == method and message.get("sessionId") == session:
                    return

    def drain(self, seconds: float) -> None:
        """Collect whatever events arrive in the next ``seconds``."""
        deadline = time.monotonic() + seconds
        try:
            while True:
                message = self._read_message(deadline)
                if "method" in message:
                    self._pending_events.append(message)
        except BrowserError:
            if self.process.poll() is not None:
                raise

    def take_events(self, session: str) -> list[dict[str, Any]]:
        """The queued events of ``session``; browser-level events are dropped with them."""
        mine = [e for e in self._pending_events if e.get("sessionId") == session]
        self._pending_events = [
            e for e in self._pending_events if e.get("sessionId") not in (session, None)
        ]
        return mine

    # -- pages ------------------------------------------------------------------------------

    def load(self, path: Path, *, printing: bool = False) -> PageLoad:
        """Open ``path`` in a fresh tab, wait for it to load, and record what happened."""
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})[
            "sessionId"
        ]
        try:
            for domain in ("Page", "Runtime", "Log", "Network"):
                self.call(f"{domain}.enable", session=session)
            width, height = VIEWPORT
            self.call(
                "Emulation.setDeviceMetricsOverride",
                {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
                session=session,
            )
            self.take_events(session)  # about:blank's own events
            url = path.resolve().as_uri()
            self.call("Page.navigate", {"url": url}, session=session)
            self.events_until("Page.loadEventFired", session)
            self.drain(0.5)  # late errors: failed loads, CSP reports
            probe = self.call(
                "Runtime.evaluate",
                {"expression": PROBE, "returnByValue": True},
                session=session,
            )["result"]["value"]
            shot = self.call("Page.captureScreenshot", {"format": "png"}, session=session)
            load = PageLoad(url=url, probe=probe, screenshot=base64.b64decode(shot["data"]))
            if printing:
                self._print(load, session)
            for event in self.take_events(session):
                params = event["params"]
                if event["method"] == "Runtime.consoleAPICalled":
                    load.console.append(params)
                elif event["method"] == "Runtime.exceptionThrown":
                    load.exceptions.append(params["exceptionDetails"])
                elif event["method"] == "Log.entryAdded":
                    load.log.append(params["entry"])
                elif event["method"] == "Network.requestWillBeSent":
                    load.requests.append(params["request"]["url"])
            return load
        finally:
            self.call("Target.closeTarget", {"targetId": target})

    def _print(self, load: PageLoad, session: str) -> None:
        self.call("Emulation.setEmulatedMedia", {"media": "print"}, session=session)
        styles = """(() => {
          const css = (selector, property) => {
            const element = document.querySelector(selector);
            return element ? getComputedStyle(element)[property] : null;
          };
          return {
            navDisplay: css('nav.contents', 'display'),
            findingBreak: css('article.finding', 'breakInside'),
            findingBackground: css('article.finding', 'backgroundColor'),
            excerptBackground: css('.excerpt', 'backgroundColor'),
            markBackground: css('mark', 'backgroundColor'),
            markDecoration: css('mark', 'textDecorationLine'),
            badgeBackground: css('.badge', 'backgroundColor'),
          };
        })()"""
        load.print_styles = self.call(
            "Runtime.evaluate", {"expression": styles, "returnByValue": True}, session=session
        )["result"]["value"]
        shot = self.call("Page.captureScreenshot", {"format": "png"}, session=session)
        load.print_screenshot = base64.b64decode(shot["data"])
        pdf = self.call("Page.printToPDF", {"preferCSSPageSize": True}, session=session)
        load.pdf = base64.b64decode(pdf["data"])
        self.call("Emulation.setEmulatedMedia", {"media": ""}, session=session)

    def close(self) -> None:
        with contextlib.suppress(BrowserError):
            self.call("Browser.close", timeout=10)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        os.close(self._commands)
        os.close(self._replies)


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory):
    profile = tmp_path_factory.mktemp("chromium-profile")
    chromium = Chromium(profile)
    try:
        yield chromium
    finally:
        chromium.close()
        shutil.rmtree(profile, ignore_errors=True)


# -- helpers ---------------------------------------------------------------------------------


def html_report(paths: list[Path], output: Path, *extra: str) -> Path:
    """Run the real command line on ``paths`` and return the HTML report it wrote."""
    status = codelint_main(
        [
            "check",
            *map(str, paths),
            "--format",
            "html",
            "-o",
            str(output),
            "--exit-zero",
            "--as-of",
            "2026-06-01",
            *extra,
        ]
    )
    assert status == 0  # every file read; findings do not count with --exit-zero
    assert output.is_file()
    return output


def json_report(paths: list[Path], capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    capsys.readouterr()
    codelint_main(
        ["check", *map(str, paths), "--format", "json", "--exit-zero", "--as-of", "2026-06-01"]
    )
    return json.loads(capsys.readouterr().out)


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def png_colours(data: bytes) -> int:
    """How many distinct pixel values the PNG holds (a blank page has one or two)."""
    width, height = png_size(data)
    bit_depth, colour_type = data[24], data[25]
    assert bit_depth == 8 and colour_type in (2, 6), "unexpected PNG format"
    channels = 3 if colour_type == 2 else 4
    chunks, offset = [], 8
    while offset < len(data):
        length = struct.unpack(">I", data[offset : offset + 4])[0]
        kind = data[offset + 4 : offset + 8]
        if kind == b"IDAT":
            chunks.append(data[offset + 8 : offset + 8 + length])
        offset += 12 + length
    raw = zlib.decompress(b"".join(chunks))
    stride = width * channels
    previous = bytearray(stride)
    seen: set[bytes] = set()
    for row in range(height):
        start = row * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up = previous[i]
            corner = previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                guess = left + up - corner
                pa, pb, pc = abs(guess - left), abs(guess - up), abs(guess - corner)
                predictor = left if pa <= pb and pa <= pc else up if pb <= pc else corner
                line[i] = (line[i] + predictor) & 0xFF
        if row % 10 == 0:  # every tenth row is plenty to tell a page from a blank
            seen.update(bytes(line[i : i + 3]) for i in range(0, stride, channels))
        previous = line
    return len(seen)


def assert_inert(load: PageLoad, title: str) -> None:
    """Nothing ran, nothing was loaded, nothing complained."""
    assert load.problems() == []
    assert load.exceptions == []
    assert load.probe["title"] == title
    assert load.probe["title"] != "pwned"
    for kind in ("scripts", "images", "embedded", "handlers", "jsLinks"):
        assert load.probe[kind] == 0, f"{kind}: {load.probe[kind]}"
    assert load.requests == [load.url], f"unexpected requests: {load.requests}"


# -- the reports -----------------------------------------------------------------------------


def test_sample_reports_render_cleanly(
    browser: Chromium, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    samples = sorted(SAMPLES.glob("*.docx")) + sorted(SAMPLES.glob("*.pdf"))
    assert len(samples) >= 4
    expected = json_report(samples, capsys)
    total = expected["summary"]["findings"]
    assert total > 50  # the old codes are full of findings
    report = html_report(samples, tmp_path / "samples.html")

    load = browser.load(report, printing=True)

    first = expected["files"][0]["title"] or expected["files"][0]["path"]
    assert_inert(load, f"codelint report: {first} and {len(samples) - 1} others")
    assert load.probe["findings"] == total
    passage = sum(1 for f in expected["files"] for x in f["findings"] if not x["document_level"])
    assert load.probe["marks"] == passage  # every passage finding has its words marked
    assert "default-src 'none'" in load.probe["csp"]
    assert "script-src 'none'" in load.probe["csp"]
    assert "1 June 2026" in load.probe["text"]
    for name in ("cpr-2010-pcr2006.pdf", "good-practice-2026.docx"):
        assert name in load.probe["text"]

    shot = tmp_path / "samples.png"
    shot.write_bytes(load.screenshot)
    assert png_size(load.screenshot) == VIEWPORT
    assert len(load.screenshot) > 20_000
    assert png_colours(load.screenshot) > 20, "the screenshot looks blank"
    (tmp_path / "samples-print.png").write_bytes(load.print_screenshot)
    assert png_colours(load.print_screenshot) > 5

    styles = load.print_styles
    assert styles["navDisplay"] == "none"
    assert styles["findingBreak"] == "avoid"
    assert styles["findingBackground"] in {"rgba(0, 0, 0, 0)", "transparent"}
    assert styles["excerptBackground"] in {"rgba(0, 0, 0, 0)", "transparent"}
    assert styles["markBackground"] in {"rgba(0, 0, 0, 0)", "transparent"}
    assert "underline" in styles["markDecoration"]
    assert load.pdf.startswith(b"%PDF-")
    (tmp_path / "samples.pdf").write_bytes(load.pdf)
    import pypdfium2

    pdf = pypdfium2.PdfDocument(load.pdf)
    try:
        assert len(pdf) >= 8  # each document starts on a new page
        text = pdf[0].get_textpage().get_text_range()
        assert "codelint report" in text
    finally:
        pdf.close()


def hostile_docx(folder: Path) -> Path:
    """A .docx whose title, headings and text carry markup that would run if not escaped."""
    body = (
        p(f"Contract Procedure Rules {IMAGE}", style="Title")
        + p(f"Award {SCRIPT}", style="Heading1")
        + p(
            f"1.1 Contracts will be awarded on lowest price in all cases {SCRIPT}, see {LINK}; "
            '"quotes" & 100% £5,000, commas, colons: here.'
        )
        + p(f'Advertising {IMAGE} & "notices"', style="Heading1")
        + p(
            "2.1 Contracts above the EU threshold must be advertised in OJEU; tenders, "
            "quotations and suppliers follow these rules."
        )
    )
    # The file name carries markup too: it is shown as the path.
    path = folder / "rules <b onmouseover=\"document.title='pwned'\"> & 'x'.docx"
    path.write_bytes(build_docx(body, styles=styles_xml()))
    return path


def hostile_text(folder: Path) -> Path:
    path = folder / "hostile.txt"
    path.write_text(
        f"CONTRACT PROCEDURE RULES {IMAGE}\n\n"
        "1.1 These rules govern procurement, tenders, quotations and contracts let by the "
        "Council and its suppliers.\n\n"
        f"1.2 Contracts are awarded on lowest price {SCRIPT} under the Public Contracts "
        f"Regulations 2015, see {LINK}.\n",
        encoding="utf-8",
    )
    return path


def test_nothing_from_a_document_runs(
    browser: Chromium, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    documents = [hostile_docx(tmp_path), hostile_text(tmp_path)]
    expected = json_report(documents, capsys)
    assert expected["summary"]["findings"] >= 6
    # The payloads did reach the findings: the test is only worth something if they did.
    excerpts = " ".join(x["excerpt"] for f in expected["files"] for x in f["findings"])
    sections = " ".join(
        " ".join(x["location"]["section"]) for f in expected["files"] for x in f["findings"]
    )
    assert SCRIPT in excerpts and LINK in excerpts and IMAGE in sections

    report = html_report(documents, tmp_path / "hostile.html")
    load = browser.load(report)

    title = f"codelint report: Contract Procedure Rules {IMAGE} and 1 other"
    assert_inert(load, title)
    text = load.probe["text"]
    # Shown as text, exactly once escaped (neither run nor shown as &lt;...).
    assert SCRIPT in text
    assert LINK in text
    assert IMAGE in text
    assert "rules <b onmouseover=\"document.title='pwned'\"> & 'x'.docx" in text
    assert "&lt;" not in text and "&amp;" not in text
    assert "£5,000" in text
    (tmp_path / "hostile.png").write_bytes(load.screenshot)
    assert png_colours(load.screenshot) > 20


# -- the harness notices what it must --------------------------------------------------------


def test_control_a_running_script_is_seen(browser: Chromium, tmp_path: Path) -> None:
    page = tmp_path / "control.html"
    page.write_text(
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>before</title></head><body>"
        f"<p>control</p>{SCRIPT}<script>console.error('seen')</script></body></html>",
        encoding="utf-8",
    )
    load = browser.load(page)
    assert load.probe["title"] == "pwned"
    assert load.probe["scripts"] == 2
    assert any("seen" in line for line in load.problems())


def test_report_policy_blocks_a_spliced_script(browser: Chromium, tmp_path: Path) -> None:
    """Were escaping ever to fail, the report's own CSP would still stop the script and the
    remote load (and the harness would see the violation)."""
    report = html_report([hostile_text(tmp_path)], tmp_path / "report.html")
    html = report.read_text(encoding="utf-8")
    spliced = html.replace(
        "<main>",
        f'<main>{SCRIPT}<img src="https://example.invalid/x.png">'
        '<p style="color: red" id="styled">styled</p>',
        1,
    )
    assert spliced != html
    report.write_text(spliced, encoding="utf-8")

    load = browser.load(report)

    assert load.probe["title"] != "pwned"
    assert load.probe["scripts"] == 1  # there, but it did not run
    problems = " ".join(load.problems())
    assert "Content Security Policy" in problems
    assert "script" in problems and "image" in problems and "style" in problems
    blocked = [e for e in load.log if e.get("source") == "security"]
    assert len(blocked) >= 2
