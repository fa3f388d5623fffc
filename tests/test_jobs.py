"""Parallel runs and per-file limits: --jobs gives the same output as one worker, a file that
hangs or eats memory is stopped from outside and reported in one line while every other file is
still linted, and the progress bar appears only at a terminal."""

from __future__ import annotations

import faulthandler
import os
import pty
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from adoption_helpers import GOOD_DOCX, LOWEST, OJEU, SAMPLES, cli, markdown

from codelint.run import Runner, RunOptions
from codelint.workers import Clock, Task, WorkerPool


@pytest.fixture
def mixed(tmp_path: Path) -> Path:
    """A folder of mixed documents, one of them unreadable."""
    docs = tmp_path / "docs"
    (docs / "sub").mkdir(parents=True)
    for name in ("cpr-2010-pcr2006", "cpr-2016-pcr2015", "cpr-2025-pa2023"):
        (docs / f"{name}.docx").write_bytes((SAMPLES / f"{name}.docx").read_bytes())
        (docs / "sub" / f"{name}.pdf").write_bytes((SAMPLES / f"{name}.pdf").read_bytes())
    (docs / "good.docx").write_bytes(GOOD_DOCX.read_bytes())
    for number in range(4):
        (docs / f"code{number}.md").write_text(
            markdown(OJEU, LOWEST, f"Clause {number} applies."), encoding="utf-8"
        )
    (docs / "page.html").write_text(
        f"<!doctype html><html><body><h1>Rules</h1><p>{LOWEST}</p></body></html>",
        encoding="utf-8",
    )
    (docs / "notes.txt").write_text(f"RULES\n\n{OJEU}\n", encoding="utf-8")
    (docs / "broken.docx").write_bytes(b"PK\x03\x04 not really a zip")
    return tmp_path


def test_jobs_2_gives_byte_identical_json_to_jobs_1(mixed: Path) -> None:
    runs = {
        jobs: cli("check", "docs", "--format", "json", "--no-cache", "--jobs", jobs, cwd=mixed)
        for jobs in ("1", "2")
    }
    one, two = runs["1"], runs["2"]
    assert one.returncode == two.returncode == 2  # broken.docx
    assert one.stdout == two.stdout
    assert one.stderr == two.stderr
    assert one.stderr.splitlines() == [
        "docs/broken.docx: error: not a readable Word file: the zip container is corrupt or "
        "truncated"
    ]
    assert one.stdout.count('"path": "docs/') == 14


def test_in_process_and_worker_runs_agree(mixed: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(mixed)
    isolated = Runner(RunOptions(isolate=True, jobs=2)).run(["docs"])
    inline = Runner(RunOptions(isolate=False)).run(["docs"])
    assert [r.to_dict() for r in isolated] == [r.to_dict() for r in inline]


def test_a_file_that_hangs_is_stopped_and_every_other_file_is_reported(mixed: Path) -> None:
    # Opening a FIFO blocks inside the C library until a writer comes: a hang no Python-level
    # timer can interrupt. The parent must kill the worker and go on with a new one.
    os.mkfifo(mixed / "docs" / "hangs.txt")
    started = time.monotonic()
    done = cli("check", "docs", "--format", "json", "--no-cache", "--timeout", "3", cwd=mixed)
    elapsed = time.monotonic() - started
    assert done.returncode == 2
    errors = done.stderr.splitlines()
    assert "docs/hangs.txt: error: timed out after 3 s" in errors
    assert len(errors) == 2  # and broken.docx
    assert done.stdout.count('"path": "docs/') == 15
    assert '"path": "docs/notes.txt"' in done.stdout  # linted after the hang, by a new worker
    assert elapsed < 60


def test_a_file_over_the_memory_limit_is_reported_and_the_rest_linted(tmp_path: Path) -> None:
    line = "The council shall award every contract to the lowest price tender in all cases.\n"
    (tmp_path / "huge.txt").write_text(line * (90 * 1024 * 1024 // len(line)), encoding="utf-8")
    (tmp_path / "code.md").write_text(markdown(OJEU, LOWEST), encoding="utf-8")
    done = cli(
        "check", "huge.txt", "code.md", "--format", "json", "--no-cache", "--max-memory", "450",
        cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.splitlines() == ["huge.txt: error: exceeded the 450 MB memory limit"]
    assert '"path": "code.md"' in done.stdout and '"rule": "LP001"' in done.stdout


def _work(index: int, clock: Clock) -> dict:
    if index == 0:
        faulthandler.disable()  # pytest's would print a traceback for the crash we cause
        os.kill(os.getpid(), signal.SIGSEGV)
    if index == 1:
        time.sleep(30)  # hangs
    if index == 2:
        clock.pause()  # building a pipeline: not the file's time
        time.sleep(1.5)
        clock.resume()
    return {"result": index, "pid": os.getpid()}


def test_the_pool_replaces_workers_that_crash_or_hang() -> None:
    replies: dict[int, dict] = {}
    pool = WorkerPool(_work, jobs=2)
    started = time.monotonic()
    pool.run([Task(i, 1.0, 512) for i in range(6)], lambda i, r: replies.setdefault(i, r))
    assert time.monotonic() - started < 10
    assert "killed by SIGSEGV" in replies[0]["error"]
    assert "512 MB memory limit" in replies[0]["error"]
    assert replies[1] == {"error": "timed out after 1 s", "cacheable": False}
    assert replies[2]["result"] == 2  # 1.5 s paused does not count against 1 s
    assert [replies[i]["result"] for i in (3, 4, 5)] == [3, 4, 5]
    assert not pool.workers  # all reaped
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)


def test_the_progress_bar_shows_only_at_a_terminal(mixed: Path) -> None:
    quiet = cli("check", "docs", "--no-cache", cwd=mixed)
    assert quiet.stderr.splitlines() == [
        "docs/broken.docx: error: not a readable Word file: the zip container is corrupt or "
        "truncated"
    ]
    controller, terminal = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "codelint", "check", "docs", "--no-cache"],
        cwd=mixed,
        stdout=subprocess.DEVNULL,
        stderr=terminal,
    )
    os.close(terminal)
    seen = b""
    while True:
        ready, _, _ = select.select([controller], [], [], 120)
        if not ready:
            break
        try:
            chunk = os.read(controller, 4096)
        except OSError:  # the terminal closed
            break
        if not chunk:
            break
        seen += chunk
    os.close(controller)
    assert process.wait(timeout=60) == 2
    text = seen.decode()
    assert "codelint: [" in text and "14/14 files" in text
    assert "\r\x1b[K" in text  # cleared at the end
    assert "docs/broken.docx: error:" in text


def test_workers_import_spacy_without_its_command_line() -> None:
    # spacy.cli (typer, weasel, requests) costs 0.13 s of every cold run; nothing uses it.
    script = (
        "import sys\n"
        "from codelint.nlp import build_pipeline\n"
        "nlp = build_pipeline(None)\n"
        "assert [t.lemma_ for t in nlp('Tenders were sent.')] == ['tender', 'be', 'send', '.']\n"
        "assert not [m for m in ('spacy.cli', 'typer', 'weasel') if m in sys.modules]\n"
        "import spacy.cli\n"
        "assert callable(spacy.cli.download) and 'typer' in sys.modules\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_setup_objects_are_built_without_collection_and_then_frozen() -> None:
    """workers.long_lived: no cyclic collection while the pipeline and rules are built,
    what was built is out of the collector's sight afterwards, and the collector is back on
    (or stays off, if it was off)."""
    import gc

    from codelint.workers import long_lived

    assert gc.isenabled()
    frozen = gc.get_freeze_count()
    try:
        with long_lived():
            assert not gc.isenabled()
            built = [[index] for index in range(1000)]  # containers the collector tracks
        assert gc.isenabled()
        assert gc.get_freeze_count() >= frozen + len(built)
        gc.disable()
        with long_lived():
            pass
        assert not gc.isenabled()
    finally:
        gc.unfreeze()
        gc.enable()


def _out_of_memory(index: int, clock: Clock) -> dict:
    if index == 0:
        raise MemoryError  # and, as patched below, so does building the short reply
    if index == 1:
        raise RuntimeError("a bug of ours")
    return {"result": index}


def test_a_worker_that_cannot_even_reply_for_lack_of_memory_is_reported_as_memory(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """At the ceiling the one-line memory reply can fail to be built too; the worker then
    leaves with its own exit status, which the parent reports as the memory limit. A bug
    still reads as an unexpected stop."""
    import codelint.workers as workers

    def no_memory_left(index: int) -> bytes:
        raise MemoryError

    monkeypatch.setattr(workers, "_exhausted_frame", no_memory_left)
    replies: dict[int, dict] = {}
    WorkerPool(_out_of_memory, jobs=1).run(
        [Task(i, 10.0, 512) for i in range(3)], lambda i, r: replies.setdefault(i, r)
    )
    assert replies[0] == {"error": "exceeded the 512 MB memory limit", "cacheable": False}
    assert replies[1] == {
        "error": "the process reading it stopped unexpectedly (exit status 70)",
        "cacheable": False,
    }
    assert replies[2]["result"] == 2
