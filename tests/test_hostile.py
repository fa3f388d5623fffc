"""Hostile and broken documents, through the real command line.

``tests/hostile/build.py`` writes the corpus into a temporary folder (zip bombs, external
entities, billion laughs, a password-protected Word file, truncated and random files, encrypted
and scanned PDFs, a 2,000-page PDF, a 5 MB paragraph, odd encodings, a symlink loop, files that
vanish, a pipe, a 50 MB document.xml...). Then:

* ``test_whole_corpus_in_one_run`` lints the whole folder in one ``codelint check DIR --format
  json --no-cache`` with ``--timeout`` and ``--max-memory`` set, and checks, file by file, the
  outcome documented in :data:`EXPECTED`: exit code 2; each unreadable file one stderr line
  naming it and its cause (matched by a stable phrase of its category); each readable file read
  and linted; no traceback; no external entity resolved (the secret never printed, the listener
  never called); nothing written anywhere but the report (the corpus, a temporary ``HOME``,
  ``TMPDIR`` and the working folder are snapshotted before and after).
* ``test_each_case_alone`` runs every case on its own and records its wall time and peak
  memory (the largest resident set of codelint's process and of the workers and LibreOffice
  it reaped: ``VmHWM`` and ``getrusage(RUSAGE_CHILDREN)``, see :func:`run_cli`), asserts them
  under the bounds below, and prints the table at the end of the run.

Two cases need a hook, and get it from a small driver (:data:`DRIVER`) that runs the same
``codelint.cli.main`` with two wrappers: the file named ``vanishes-after-walk*`` is deleted
right after the folder walk, and ``vanishes-before-read*`` inside the worker right before it
is opened. That is deterministic, where racing a real deletion is not. (The driver also
writes the peak memory of the run for :func:`run_cli`.)

Two worker tests pin down what the corpus found at the memory ceiling: a MemoryError raised
again while the first is being reported, and MemoryErrors Python can only print ("Exception
ignored in ..."), must still give the file's one line and nothing else.

Bounds (measured on the project's 2-core machine; see the table in the test output):

* time: the per-file limit is :data:`TIMEOUT` (120 s, the default) for every run. Alone, a case
  must finish within that plus :data:`STARTUP_SECONDS` (interpreter, spaCy pipeline, which the
  limit does not count); the slowest readable cases take about 40 s (50 MB document.xml) and
  35 s (5 MB paragraph). Light cases (everything else) must finish within :data:`LIGHT_SECONDS`.
* memory: runs use ``--max-memory`` :data:`MAX_MEMORY_MB` (2048, the default, stated). No
  process may peak above it; light cases must stay under :data:`LIGHT_PEAK_MB` (they peak at
  about 25 MB when refused before reading, about 100 MB when linted, 210 MB for the legacy
  .doc with LibreOffice).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import select
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hostile.build import FLAGGED, SECRET, build_corpus

pytestmark = pytest.mark.slow

#: Per-file time limit given with --timeout to every run: the default, about three times the
#: slowest readable case and what the 740,000-paragraph file takes to hit the memory ceiling
#: (33-40 s measured on a quiet machine), so a busy CI machine has room.
TIMEOUT = 120
#: The memory ceiling given with --max-memory (the default, stated so the test says it).
MAX_MEMORY_MB = 2048
#: The pipe can only time out: alone it is run with this shorter limit.
PIPE_TIMEOUT = 5
#: Wall time allowed on top of the per-file limit for a whole process alone.
STARTUP_SECONDS = 15.0
#: Wall time and peak memory allowed for the light cases (all but the heavy ones).
LIGHT_SECONDS = 20.0
LIGHT_PEAK_MB = 400
#: The whole corpus in one run, two workers: about 160 s measured on a quiet machine (the pipe
#: holds one worker for the whole time limit while the other reads the heavy cases). The bound
#: is three times that, for a busy CI machine; it is there to catch a hang, not to time us.
WHOLE_RUN_SECONDS = 480.0

#: Stable phrases of each error category; every error must match exactly one.
CAUSES = {
    "dtd-refused": r"contains a DTD/entity declarations, which Word never writes; refused$",
    "zip-bomb": r"inflates more than \d+ times its compressed size \(a zip bomb\?\); refused",
    "part-too-big": r"inflates to \d+ MB, over the \d+ MB limit \(max_part_mb\)$",
    "encrypted": r"password-protected \(encrypted\)|encrypted with a password",
    "corrupt": r"zip container is corrupt or truncated|^the PDF is corrupt",
    "not-word": r"^a zip file without word/document\.xml|has no main document part",
    "binary": r"^binary content that is not a supported document",
    "empty": r"^the file is empty$",
    "no-text-layer": r"^no text layer: the PDF looks scanned",
    "too-many-pages": r"^the PDF has [\d,]+ pages, over the limit of [\d,]+ \(limit max_pages\)$",
    "vanished": r"^no such file \(it may have been moved or deleted\)$",
    "timeout": r"^timed out after \d+ s$",
    "memory": r"^exceeded the \d+ MB memory limit$",
}


@dataclass(frozen=True)
class Read:
    """Read and linted: the format, at least ``min_words`` words and ``min_findings``
    findings, and the FLAGGED sentence's OJEU finding (OL001) where ``flagged``."""

    format: str
    min_words: int
    flagged: bool = True
    min_findings: int = 0


@dataclass(frozen=True)
class Error:
    cause: str

    def __post_init__(self) -> None:
        assert self.cause in CAUSES, self.cause


@dataclass(frozen=True)
class Case:
    """A case: what it must give, whether it is heavy (big bounds), and what to run alone."""

    outcome: Read | Error | tuple[Read | Error, ...]
    heavy: bool = False
    why: str = ""


def control(kind: str) -> Read:
    """The sample code cpr-2016-pcr2015: 2,191 words and 26 findings in every form."""
    return Read(kind, 2000, flagged=False, min_findings=20)


EXPECTED: dict[str, Case] = {
    # Controls: real documents next to the hostile ones must be read and linted as usual.
    "control/sample.docx": Case(control("docx")),
    "control/sample.pdf": Case(control("pdf")),
    "control/sample.doc": Case(control("doc"), why="converted by LibreOffice"),
    # Zip bombs: refused from the zip headers, before anything is inflated; a header that
    # under-states the size is caught by the bounded read (the CRC fails at the declared end).
    "docx/zip-bomb.docx": Case(Error("part-too-big"), why="1 MB inflating to 1 GB"),
    "docx/zip-bomb-ratio.docx": Case(Error("zip-bomb"), why="150 MB at a ratio of 1000"),
    "docx/zip-bomb-understated.docx": Case(Error("corrupt"), why="150 MB declared as 2 MB"),
    # Entities: any DTD is refused before parsing, in UTF-8, UTF-16 or a relationships part.
    "docx/xxe.docx": Case(Error("dtd-refused"), why="file:// and http:// entities, external DTD"),
    "docx/xxe-utf16.docx": Case(Error("dtd-refused")),
    "docx/xxe-in-relationships.docx": Case(Error("dtd-refused")),
    "docx/billion-laughs.docx": Case(Error("dtd-refused")),
    "docx/password.docx": Case(Error("encrypted"), why="OLE container, EncryptedPackage"),
    "docx/truncated.docx": Case(Error("corrupt"), why="a real .docx cut at 60%"),
    "docx/no-document.docx": Case(Error("not-word")),
    "docx/no-main-part.docx": Case(Error("not-word"), why="content types and rels, no part"),
    "docx/random.docx": Case(Error("binary")),
    "docx/random-zip-header.docx": Case(Error("corrupt")),
    "docx/empty.docx": Case(Error("empty")),
    # 50 MB of Word's verbose markup, about 61,000 short paragraphs: under every limit.
    "docx/big-50mb.docx": Case(Read("docx", 500_000, flagged=False), heavy=True),
    # 50 MB of bare one-line paragraphs is about 740,000 blocks; linting holds a spaCy Doc per
    # block (over 10 kB each), so this needs about 9 GB and 200 s today and hits the 2048 MB
    # ceiling after about 25 s: it must fail cleanly on memory, or (once linting needs less)
    # be read within the limits.
    "docx/big-50mb-bare.docx": Case(
        (Error("memory"), Read("docx", 800_000, flagged=False)), heavy=True
    ),
    "pdf/random.pdf": Case(Error("binary")),
    "pdf/random-pdf-header.pdf": Case(Error("corrupt")),
    "pdf/encrypted-user-password.pdf": Case(Error("encrypted")),
    "pdf/owner-password-only.pdf": Case(Read("pdf", 15), why="opens with the empty password"),
    "pdf/broken-xref.pdf": Case(Read("pdf", 30), why="every offset wrong: pdfium repairs it"),
    "pdf/scanned.pdf": Case(Error("no-text-layer")),
    "pdf/pages-2000.pdf": Case(Error("too-many-pages"), why="refused before reading a page"),
    "text/huge-paragraph.txt": Case(Read("text", 800_000), heavy=True, why="one 5 MB sentence"),
    "text/huge-paragraph.md": Case(Read("markdown", 800_000), heavy=True),
    "text/empty.txt": Case(Error("empty")),
    "text/latin-1.txt": Case(Read("text", 15)),
    "text/utf-16-bom.txt": Case(Read("text", 15)),
    "text/utf-16-le-no-bom.txt": Case(Read("text", 15)),
    "text/utf-16-be-no-bom.txt": Case(Read("text", 15)),
    "html/scripts.html": Case(Read("html", 25), why="scripts dropped, nothing fetched"),
    "html/entity-bomb.html": Case(Read("html", 20), why="entities stay literal"),
    # The folder walk: loop/self and loop/parent are symlink loops, cut by the walk, so
    # loop/inside.md is reported once; a dangling symlink is a file that is not there.
    "loop/inside.md": Case(Read("markdown", 15)),
    "loop/dangling.txt": Case(Error("vanished")),
    "vanish/vanishes-after-walk.txt": Case(Error("vanished")),
    "vanish/vanishes-before-read.txt": Case(Error("vanished")),
    # A FIFO with no writer: opening it blocks inside the worker until the parent kills it.
    "pipe/fifo.txt": Case(Error("timeout"), why="a pipe that never opens"),
}

#: The real command line, with the two deterministic deletions (see the module docstring).
DRIVER = """
import os, sys
import codelint.run as run
from codelint.cli import main

walk, read_local = run.expand_targets, run.read_local

def expand_targets(*args, **kwargs):
    targets = walk(*args, **kwargs)
    for target in targets:
        if os.path.basename(target.name).startswith("vanishes-after-walk"):
            os.unlink(target.name)
    return targets

def read_after_deleting(path, settings):
    if os.path.basename(path).startswith("vanishes-before-read"):
        os.unlink(path)
    return read_local(path, settings)

run.expand_targets, run.read_local = expand_targets, read_after_deleting
code = main(sys.argv[1:])
if os.environ.get("CODELINT_TEST_RUSAGE"):
    import resource
    with open("/proc/self/status") as status:
        own = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    with open(os.environ["CODELINT_TEST_RUSAGE"], "w") as out:
        out.write(f"{own} {workers}")
sys.exit(code)
"""

LINE = re.compile(r"^(?P<path>.+): error: (?P<cause>[^\n]+)$")


def category(cause: str) -> str:
    matches = [name for name, pattern in CAUSES.items() if re.search(pattern, cause)]
    assert len(matches) == 1, f"cause {cause!r} matches categories {matches}"
    return matches[0]


# --- the trap: a listener, a secret, snapshots --------------------------------------------------


class Listener:
    """Accepts connections on 127.0.0.1 and records them (the first bytes of each request)."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.requests: list[bytes] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            ready, _, _ = select.select([self.server], [], [], 0.2)
            if not ready:
                continue
            connection, _ = self.server.accept()
            with connection:
                connection.settimeout(2)
                try:
                    self.requests.append(connection.recv(4096) or b"(connected)")
                except OSError:
                    self.requests.append(b"(connected)")

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self.server.close()


def snapshot(folder: Path) -> dict[str, tuple[str, int, str]]:
    """Every entry under ``folder`` (symlinks not followed): kind, size and content hash."""
    found: dict[str, tuple[str, int, str]] = {}
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            path = Path(root) / name
            info = path.lstat()
            relative = str(path.relative_to(folder))
            if path.is_symlink():
                found[relative] = ("link", 0, os.readlink(path))
            elif path.is_dir():
                found[relative] = ("dir", 0, "")
            elif path.is_fifo():
                found[relative] = ("fifo", 0, "")
            else:
                digest = hashlib.sha256(path.read_bytes()).hexdigest()
                found[relative] = ("file", info.st_size, digest)
    return found


@dataclass
class Corpus:
    root: Path
    corpus: Path
    cases: dict[str, Path]
    listener: Listener
    home: Path
    tmp: Path
    work: Path
    rows: list[tuple[str, str, float, int]] = field(default_factory=list)

    def restore_vanishing(self) -> None:
        for name, path in self.cases.items():
            if name.startswith("vanish/") and not path.exists():
                path.write_text(f"1. Advertising\n\n{FLAGGED}\n", encoding="utf-8")

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("XDG_")}
        env.update(HOME=str(self.home), TMPDIR=str(self.tmp), PYTHONDONTWRITEBYTECODE="1")
        return env


@pytest.fixture(scope="module")
def corpus(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[Corpus]:
    root = tmp_path_factory.mktemp("hostile")
    listener = Listener()
    cases = build_corpus(root / "corpus", root / "secret.txt", listener.port)
    folders = [root / name for name in ("home", "tmp", "work")]
    for folder in folders:
        folder.mkdir()
    built = Corpus(root, root / "corpus", cases, listener, *folders)
    yield built
    listener.close()
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None and built.rows:
        reporter.write_line("")
        for line in table(built.rows).splitlines():
            reporter.write_line(line)


def table(rows: list[tuple[str, str, float, int]]) -> str:
    width = max(len(r[0]) for r in rows)
    lines = [f"{'case':<{width}}  {'outcome':<16}  {'seconds':>7}  {'peak MB':>7}"]
    for name, outcome, seconds, peak in sorted(rows):
        lines.append(f"{name:<{width}}  {outcome:<16}  {seconds:>7.1f}  {peak:>7}")
    return "\n".join(lines)


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str
    seconds: float
    peak_mb: int


def run_cli(corpus: Corpus, *args: str) -> Run:
    """Run the command line (through :data:`DRIVER`) in the work folder; its wall time and
    peak memory.

    The peak is the largest resident set of any process of the run: codelint's own process
    (its ``VmHWM``) or any worker, or a LibreOffice a worker started
    (``getrusage(RUSAGE_CHILDREN)`` in codelint's process, which has reaped them all). The
    rusage pytest could take of its child is no use: Linux carries a process's peak across
    ``exec``, so it would count the forked copy of pytest itself.
    """
    started = time.perf_counter()
    out_path, err_path = corpus.root / "stdout.txt", corpus.root / "stderr.txt"
    usage = corpus.root / "rusage.txt"
    usage.unlink(missing_ok=True)
    env = {**corpus.env(), "CODELINT_TEST_RUSAGE": str(usage)}
    with out_path.open("wb") as out, err_path.open("wb") as err:
        process = subprocess.run(
            [sys.executable, "-c", DRIVER, *args],
            stdout=out, stderr=err, cwd=corpus.work, env=env, timeout=900,
        )  # fmt: skip
    seconds = time.perf_counter() - started
    own, workers = (int(kb) for kb in usage.read_text().split())
    return Run(
        process.returncode,
        out_path.read_text(encoding="utf-8", errors="replace"),
        err_path.read_text(encoding="utf-8", errors="replace"),
        seconds,
        max(own, workers) // 1024,
    )


def check_args(target: Path, timeout: float = TIMEOUT) -> list[str]:
    return [
        "check", str(target), "--format", "json", "--no-cache", "--timeout", f"{timeout:g}",
        "--max-memory", str(MAX_MEMORY_MB),
    ]  # fmt: skip


def outcome_of(entry: dict) -> str:
    return category(entry["error"]) if entry["error"] else f"read {entry['format']}"


def assert_outcome(name: str, entry: dict, case: Case) -> None:
    """The report entry of ``name`` is one of the case's documented outcomes."""
    options = case.outcome if isinstance(case.outcome, tuple) else (case.outcome,)
    problems = []
    for expected in options:
        if isinstance(expected, Error):
            if entry["error"] and category(entry["error"]) == expected.cause:
                assert entry["findings"] == [], name
                return
            problems.append(f"expected error {expected.cause}, got {entry['error']!r}")
            continue
        if entry["error"]:
            problems.append(f"expected it read, got error {entry['error']!r}")
            continue
        assert entry["format"] == expected.format, (name, entry["format"])
        assert entry["words"] >= expected.min_words, (name, entry["words"])
        assert entry["blocks"] >= 1, name
        assert len(entry["findings"]) >= expected.min_findings, (name, len(entry["findings"]))
        if expected.flagged:
            rules = {f["rule"] for f in entry["findings"]}
            assert "OL001" in rules, f"{name}: the OJEU sentence was not flagged: {rules}"
            excerpts = [f["excerpt"] for f in entry["findings"] if f["rule"] == "OL001"]
            # Decoded right: the pound sign, and the accent (except in the PDFs, whose test
            # factory sets Helvetica in its standard encoding, which has no é at that code).
            phrase = "£189,330 for the caf" + ("" if expected.format == "pdf" else "é")
            assert any(phrase in e for e in excerpts), (name, excerpts)
        return
    raise AssertionError(f"{name}: {'; '.join(problems)}")


# --- the whole corpus in one run ---------------------------------------------------------------


@pytest.fixture(scope="module")
def whole_run(corpus: Corpus) -> tuple[Run, dict, dict[str, tuple[dict, dict]]]:
    corpus.restore_vanishing()
    out = corpus.root / "out"
    out.mkdir(exist_ok=True)
    watched = {"corpus": corpus.corpus, "home": corpus.home, "tmp": corpus.tmp,
               "work": corpus.work, "out": out}  # fmt: skip
    before = {name: snapshot(folder) for name, folder in watched.items()}
    run = run_cli(corpus, *check_args(corpus.corpus), "--jobs", "2", "-o", str(out / "report.json"))
    after = {name: snapshot(folder) for name, folder in watched.items()}
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    return run, report, {name: (before[name], after[name]) for name in watched}


def test_every_built_case_has_a_documented_outcome(corpus: Corpus) -> None:
    assert set(corpus.cases) == set(EXPECTED)


def test_whole_corpus_in_one_run(corpus: Corpus, whole_run) -> None:
    run, report, _ = whole_run
    print(f"\nwhole corpus: exit {run.returncode}, {run.seconds:.1f} s, peak {run.peak_mb} MB")
    assert "Traceback" not in run.stderr + run.stdout, run.stderr[-3000:]
    assert run.returncode == 2, run.stderr
    assert run.stdout == "", "the report goes to -o, nothing else to standard output"
    assert run.seconds < WHOLE_RUN_SECONDS

    # Every file once, by its path under the corpus; the symlink loops add nothing.
    names = [os.path.relpath(f["path"], corpus.corpus) for f in report["files"]]
    assert sorted(names) == sorted(EXPECTED), sorted(set(names) ^ set(EXPECTED))
    entries = dict(zip(names, report["files"], strict=True))
    for name, case in EXPECTED.items():
        assert_outcome(name, entries[name], case)

    # One stderr line per error, naming the file and its cause, and nothing else.
    lines = [line for line in run.stderr.splitlines() if line.strip()]
    errors = {name: e["error"] for name, e in entries.items() if e["error"]}
    assert len(lines) == len(errors), lines
    for line in lines:
        found = LINE.match(line)
        assert found, f"not a one-line error: {line!r}"
        name = os.path.relpath(found["path"], corpus.corpus)
        assert errors[name] == found["cause"], line

    # Each file within the time limit: only the pipe was stopped by it.
    timed_out = {name for name, cause in errors.items() if category(cause) == "timeout"}
    assert timed_out == {"pipe/fifo.txt"}


def test_no_entity_resolved_and_nothing_fetched(corpus: Corpus, whole_run) -> None:
    run, report, _ = whole_run
    text = run.stdout + run.stderr + json.dumps(report, ensure_ascii=False)
    assert SECRET not in text, "an external entity was resolved"
    assert corpus.listener.requests == [], corpus.listener.requests
    # The scripts' text is not read (each script or noscript mentions OJEU, so it would be
    # flagged), and the page's own sentence is.
    scripts = next(f for f in report["files"] if f["path"].endswith("html/scripts.html"))
    excerpts = " ".join(f["excerpt"] for f in scripts["findings"])
    for phrase in ("grant", "quotations", "bid", "document.write", "fetch"):
        assert phrase not in excerpts, phrase


def test_nothing_written_but_the_report(corpus: Corpus, whole_run) -> None:
    _, _, snapshots = whole_run
    before, after = snapshots["corpus"]
    vanished = {"vanish/vanishes-after-walk.txt", "vanish/vanishes-before-read.txt"}
    assert set(before) - set(after) == vanished
    assert set(after) - set(before) == set()
    assert {k: v for k, v in before.items() if k not in vanished} == after, "corpus changed"
    for name in ("home", "tmp", "work"):
        assert snapshots[name] == ({}, {}), f"{name} was written to: {snapshots[name][1]}"
    assert set(snapshots["out"][1]) == {"report.json"}


def test_html_entities_are_never_expanded(corpus: Corpus) -> None:
    """html.parser leaves entity references it does not know as they are written: the
    billion laughs stay a short literal, and the external entity is never opened."""
    from codelint.readers import read

    document = read(str(corpus.cases["html/entity-bomb.html"]))
    text = "\n".join(block.text for block in document.blocks)
    assert "Laughs: &lol9; and the file: &xxe;" in text
    assert len(text) < 1000
    assert SECRET not in text + "".join(c.text for c in document.comments)


# --- each case alone ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_case_alone(corpus: Corpus, whole_run, name: str) -> None:
    # After the whole run (the fixture), so the two runs do not share the machine.
    case = EXPECTED[name]
    corpus.restore_vanishing()
    timeout = PIPE_TIMEOUT if name == "pipe/fifo.txt" else TIMEOUT
    run = run_cli(corpus, *check_args(corpus.cases[name], timeout))
    report = json.loads(run.stdout)
    [entry] = report["files"]
    outcome = outcome_of(entry)
    corpus.rows.append((name, outcome, run.seconds, run.peak_mb))
    row = f"{name}: {outcome}, {run.seconds:.1f} s, peak {run.peak_mb} MB"
    print(row)
    assert "Traceback" not in run.stderr, run.stderr[-3000:]
    assert run.returncode == (2 if entry["error"] else 1), row
    lines = [line for line in run.stderr.splitlines() if line.strip()]
    if entry["error"]:
        assert lines == [f"{corpus.cases[name]}: error: {entry['error']}"], lines
    else:
        assert lines == [], lines
    assert_outcome(name, entry, case)
    assert run.peak_mb < MAX_MEMORY_MB, row
    assert run.seconds < timeout + STARTUP_SECONDS, row
    if name == "pipe/fifo.txt":
        assert run.seconds >= PIPE_TIMEOUT, f"stopped before the limit: {row}"
    elif not case.heavy:
        assert run.seconds < LIGHT_SECONDS, row
        assert run.peak_mb < LIGHT_PEAK_MB, row


def test_long_pdf_is_read_when_the_page_limit_allows(corpus: Corpus) -> None:
    """The 2,000-page PDF is refused only by max_pages: with the limit raised it is read,
    within the time limit."""
    config = corpus.root / "pages.codelint.yaml"
    config.write_text("limits:\n  max-pages: 2500\n", encoding="utf-8")
    target = corpus.cases["pdf/pages-2000.pdf"]
    run = run_cli(corpus, *check_args(target), "--config", str(config))
    [entry] = json.loads(run.stdout)["files"]
    print(f"pdf/pages-2000.pdf with max-pages 2500: {run.seconds:.1f} s, peak {run.peak_mb} MB")
    assert entry["error"] is None, entry["error"]
    assert entry["pages"] == 2000
    assert entry["words"] >= 2000 * 9
    assert run.seconds < TIMEOUT + STARTUP_SECONDS
    assert run.peak_mb < MAX_MEMORY_MB


def test_memory_error_while_reporting_one_is_still_the_memory_limit() -> None:
    """Near the ceiling, building the reply for a MemoryError can raise another one; the
    worker still reports the memory limit in one line (not "stopped unexpectedly")."""
    from codelint.workers import Clock, Task, WorkerPool, limit_memory

    def work(index: int, clock: Clock) -> dict:
        limit_memory(1536)
        raise MemoryError

    replies: dict[int, dict] = {}
    WorkerPool(work, 1).run([Task(0, 30.0, 1536), Task(1, 30.0, 1536)], replies.__setitem__)
    assert replies == {
        0: {"error": "exceeded the 1536 MB memory limit", "retire": True},
        1: {"error": "exceeded the 1536 MB memory limit", "retire": True},
    }


def _vm_size_mb() -> int:
    """This process's address space (VmSize), in MB."""
    with open("/proc/self/status", encoding="ascii") as status:
        sizes = [int(line.split()[1]) for line in status if line.startswith("VmSize:")]
    return sizes[0] // 1024


def test_a_library_error_at_the_ceiling_is_the_memory_limit() -> None:
    """At the ceiling a C library can fail without a MemoryError (the whole-corpus run once
    met ``SystemError: error return without exception set``): raised near the ceiling it is
    the memory limit in one line; the same error far from it is a crash, as a bug is."""
    from codelint.workers import Clock, Task, WorkerPool, limit_memory

    def work(index: int, clock: Clock) -> dict:
        if index == 0:
            ceiling = _vm_size_mb() + 200
            limit_memory(ceiling)
            filler = bytearray(190 * 1024 * 1024)  # the address space now peaks near it
            del filler
        raise SystemError("error return without exception set")

    replies: dict[int, dict] = {}
    WorkerPool(work, 1).run([Task(0, 30.0, 2048), Task(1, 30.0, 2048)], replies.__setitem__)
    assert replies[0]["retire"] is True
    assert re.fullmatch(r"exceeded the \d+ MB memory limit", replies[0]["error"]), replies[0]
    assert "stopped unexpectedly" in replies[1]["error"], replies[1]


def test_a_worker_left_holding_half_its_ceiling_retires() -> None:
    """Python keeps what a big file made it map, so a worker still holding over half its
    ceiling after a file retires, and the next file starts in a fresh worker with its whole
    allowance (once, a 50 MB Word file left 1.7 GB behind and the next file, a 5 MB
    paragraph, ran out of memory). A worker that stays light lints file after file."""
    from codelint.workers import Clock, Task, WorkerPool, limit_memory

    held: list[bytearray] = []

    def work(index: int, clock: Clock) -> dict:
        # A worker starts as a copy of this (pytest) process, whatever its size: the ceiling
        # leaves a light worker under half of it, and 300 MB more takes it over.
        if not held:
            held.append(bytearray(0))
            limit_memory(2 * _vm_size_mb() + 400)
        if index == 1:
            held.append(bytearray(300 * 1024 * 1024))  # kept, as Python keeps what it mapped
        return {"pid": os.getpid()}

    replies: dict[int, dict] = {}
    tasks = [Task(i, 30.0, 4096) for i in range(4)]
    WorkerPool(work, 1).run(tasks, replies.__setitem__)
    pids = [replies[i]["pid"] for i in range(4)]
    assert pids[0] == pids[1], "a light worker goes on to the next file"
    assert replies[1].get("retire") is True
    assert pids[2] != pids[1], "the file after the heavy one gets a fresh worker"
    assert pids[3] == pids[2]
    assert all("error" not in replies[i] for i in range(4))


def test_a_worker_says_nothing_more_of_memory_errors(capfd: pytest.CaptureFixture[str]) -> None:
    """A MemoryError Python cannot raise (a generator closed at the ceiling, as spaCy's are)
    prints nothing in a worker: the file's one-line error is all. Other such errors still
    print."""
    from codelint.workers import Clock, Task, WorkerPool

    def closing_raises(error: type[BaseException]) -> Iterator[int]:
        try:
            yield 1
        finally:
            raise error("raised while closing")

    def work(index: int, clock: Clock) -> dict:
        generator = closing_raises(MemoryError if index == 0 else ValueError)
        next(generator)
        del generator
        return {"done": index}

    replies: dict[int, dict] = {}
    WorkerPool(work, 1).run([Task(0, 30.0, 2048), Task(1, 30.0, 2048)], replies.__setitem__)
    assert replies == {0: {"done": 0}, 1: {"done": 1}}
    err = capfd.readouterr().err
    assert "MemoryError" not in err
    assert "ValueError: raised while closing" in err
