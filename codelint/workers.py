"""Worker processes that read and lint files under per-file time and memory limits.

Why our own fork-based loop rather than ``multiprocessing``: the limits must hold against a
hang inside C code (lxml, pdfium), which no in-process timer can interrupt, so the parent
enforces the deadline from outside and kills the worker (SIGKILL) and starts a new one. A
``spawn``/``forkserver`` pool would also re-import codelint in every worker and pickle each
result, costing tens of milliseconds on the one-file pre-commit path for nothing.

The design:

- The parent stays light: it never imports spaCy, lxml or pdfium (a cached run needs none of
  them). It has one thread, so ``os.fork()`` is safe.
- A worker is forked from the parent when there is work. It inherits everything the parent
  set up (settings, the list of targets, the cache), so a task is just an index. It builds
  the spaCy pipeline once, on its first task, and keeps it for the next ones.
- Messages are length-prefixed JSON frames over two pipes. A worker tells the parent when it
  pauses the file's clock (building the pipeline is not the file's fault) and resumes it.
- The memory ceiling is ``RLIMIT_AS`` set in the worker (POSIX); a ``MemoryError`` becomes a
  one-line error and the worker retires (it may be in a poor state); so does a worker still
  holding over half its ceiling after a file, so that each file gets its own allowance; a
  worker killed by a signal is reported with the signal and replaced.
- Workers leave with ``os._exit``: no interpreter teardown (about 0.1 s after spaCy).

Where ``os.fork`` does not exist (Windows) the caller lints in-process without limits.
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import select
import signal
import struct
import sys
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

HEADER = struct.Struct(">I")
#: Seconds a worker may spend building its pipeline (importing spaCy, loading a model).
SETUP_TIMEOUT = 300.0

Work = Callable[[int, "Clock"], dict[str, Any]]


def can_fork() -> bool:
    return hasattr(os, "fork")


@contextlib.contextmanager
def long_lived() -> Iterator[None]:
    """Build objects that live as long as the process (spaCy's modules and pipeline, the
    compiled rules) without the cyclic garbage collector, then freeze them.

    Importing spaCy and building the matchers make hundreds of thousands of objects and no
    garbage worth collecting, yet trigger collections that walk them all; every later full
    collection, while linting, would walk them again. ``gc.freeze()`` moves them out of the
    collector's sight for good (they are still freed by reference counting). On the 60-page
    benchmark code this saves about 0.2 s of a 1.5 s cold run.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


# -- frames -----------------------------------------------------------------------------------


def _encode(message: dict[str, Any]) -> bytes:
    body = json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode()
    return HEADER.pack(len(body)) + body


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _read_exact(fd: int, size: int) -> bytes | None:
    chunks = []
    while size:
        chunk = os.read(fd, min(size, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def _read_frame(fd: int) -> dict[str, Any] | None:
    header = _read_exact(fd, HEADER.size)
    if header is None:
        return None
    body = _read_exact(fd, HEADER.unpack(header)[0])
    return None if body is None else json.loads(body)


# -- the worker side --------------------------------------------------------------------------


class Clock:
    """Lets work stop the file's clock while it builds the pipeline (in a worker)."""

    def pause(self) -> None:
        """Stop counting time against the current file."""

    def resume(self) -> None:
        """Count time against the current file again."""


class _PipeClock(Clock):
    def __init__(self, fd: int, index: int) -> None:
        self.fd = fd
        self.index = index

    def pause(self) -> None:
        _write_all(self.fd, _encode({"event": "pause", "index": self.index}))

    def resume(self) -> None:
        _write_all(self.fd, _encode({"event": "resume", "index": self.index}))


def over_memory_limit(megabytes: float) -> str:
    """The error of a file that exhausted a worker's memory ceiling of ``megabytes``."""
    return f"exceeded the {megabytes:g} MB memory limit"


def limit_memory(megabytes: float) -> None:
    """Cap this process's address space (RLIMIT_AS) at ``megabytes``, where POSIX allows."""
    try:
        import resource
    except ImportError:  # not POSIX
        return
    wanted = int(megabytes * 1024 * 1024)
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        wanted = min(wanted, hard)
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_AS, (wanted, hard))


def _memory_limit() -> str:
    """This process's address-space ceiling as "2048 MB " (set by :func:`limit_memory`), or ""."""
    try:
        import resource

        soft, _hard = resource.getrlimit(resource.RLIMIT_AS)
    except (ImportError, ValueError, OSError):
        return ""
    return "" if soft == resource.RLIM_INFINITY else f"{soft / 1048576:g} MB "


def _address_space_share(field: str) -> float | None:
    """This process's address space (``VmPeak`` or ``VmSize`` on Linux) as a share of its
    RLIMIT_AS ceiling; None where there is no ceiling or no way to tell."""
    try:
        import resource

        soft, _hard = resource.getrlimit(resource.RLIMIT_AS)
        if soft == resource.RLIM_INFINITY:
            return None
        with open("/proc/self/status", encoding="ascii") as status:
            kb = next(int(line.split()[1]) for line in status if line.startswith(field + ":"))
    except (ImportError, ValueError, OSError, StopIteration):
        return None
    return kb * 1024 / soft


def near_memory_ceiling(margin: float = 0.1) -> bool:
    """Whether this process's address space has peaked within ``margin`` of its ceiling.

    At the ceiling an allocation inside a C extension can fail in ways other than
    ``MemoryError`` (a ``SystemError`` "error return without exception set" from a library
    that lost the error), so an unexpected error raised near the ceiling is the ceiling's."""
    share = _address_space_share("VmPeak")
    return share is not None and share >= 1 - margin


#: A worker still holding more than this share of its ceiling after a file retires: Python
#: and the allocators keep what a big file made them map, and the next file must get its own
#: allowance, not what the previous one left (a 50 MB Word file leaves about 1.7 GB mapped).
RETIRE_SHARE = 0.5


def _holding_too_much() -> bool:
    share = _address_space_share("VmSize")
    return share is not None and share > RETIRE_SHARE


def _exhausted_frame(index: int) -> bytes:
    """The reply for a file that exhausted the worker's memory, built (once the frames that
    held the memory are let go) with as little allocation as a frame allows."""
    return _encode(
        {"event": "done", "index": index, "retire": True,
         "error": f"exceeded the {_memory_limit()}memory limit"}
    )  # fmt: skip


def _die_with_parent() -> None:
    """Ask Linux to kill this worker if the parent dies (a worker stuck in C code would
    otherwise outlive a parent killed by SIGKILL). Elsewhere an EOF on the task pipe does it,
    once the worker gets back to reading."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def _quiet_about_memory(unraisable: Any) -> None:
    """Say nothing of a MemoryError raised where Python cannot report it (a generator being
    closed, a ``__del__``) as a worker hits its memory ceiling: the file's one-line error
    says it, and the default hook would print several lines, or fail itself for lack of
    memory. Anything else is reported as usual."""
    if isinstance(unraisable.exc_value, MemoryError):
        return
    sys.__unraisablehook__(unraisable)


#: A worker's exit status after a bug of ours (sysexits' EX_SOFTWARE).
EXIT_BUG = 70
#: A worker's exit status when its memory ran out so far that no reply could be sent.
EXIT_MEMORY = 71


def _worker_main(task_fd: int, result_fd: int, work: Work) -> None:
    """The worker loop: read an index, do the work, send the reply; leave on EOF."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides what an interrupt does
    sys.unraisablehook = _quiet_about_memory
    _die_with_parent()
    status = 0
    try:
        while True:
            message = _read_frame(task_fd)
            if message is None:
                break
            index = int(message["index"])
            try:
                reply = work(index, _PipeClock(result_fd, index))
                if _holding_too_much():
                    reply["retire"] = True
                frame = _encode({"event": "done", "index": index, **reply})
            except MemoryError:  # raised again while ``work`` was reporting the first one
                reply, frame = {"retire": True}, _exhausted_frame(index)
            except Exception:
                if not near_memory_ceiling():
                    raise
                reply, frame = {"retire": True}, _exhausted_frame(index)
            _write_all(result_fd, frame)
            if reply.get("retire"):
                break
    except BrokenPipeError:
        status = 0  # the parent has gone
    except BaseException as exc:
        # The status first: at the memory ceiling, building any message can fail again.
        status = EXIT_BUG
        if isinstance(exc, MemoryError):
            status = EXIT_MEMORY  # even the one-line reply could not be built or sent
        else:
            with contextlib.suppress(BaseException):
                if near_memory_ceiling():
                    status = EXIT_MEMORY
        if status == EXIT_BUG:  # a bug: say so on standard error, in one line
            with contextlib.suppress(Exception):
                os.write(2, f"codelint: worker error: {type(exc).__name__}: {exc}\n".encode())
    finally:
        os._exit(status)


# -- the parent side --------------------------------------------------------------------------


@dataclass
class _Worker:
    pid: int
    task_fd: int
    result_fd: int
    buffer: bytearray = field(default_factory=bytearray)
    index: int | None = None
    timeout: float = 0.0
    #: Seconds already counted against the current file before the last pause.
    used: float = 0.0
    running_since: float = 0.0
    paused_since: float | None = None

    def deadline(self) -> float:
        if self.paused_since is not None:
            return self.paused_since + max(SETUP_TIMEOUT, self.timeout)
        return self.running_since + self.timeout - self.used


@dataclass
class Task:
    index: int
    #: Seconds the file may take (reading and linting).
    timeout: float
    #: The memory ceiling in MB (for the message when a worker dies).
    memory_mb: float


class WorkerPool:
    """Run tasks in up to ``jobs`` forked workers; results come back through ``on_done``."""

    def __init__(self, work: Work, jobs: int) -> None:
        self.work = work
        self.jobs = max(1, jobs)
        self.workers: list[_Worker] = []

    def _spawn(self) -> _Worker:
        task_read, task_write = os.pipe()
        result_read, result_write = os.pipe()
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        pid = os.fork()
        if pid == 0:  # the worker
            try:
                os.close(task_write)
                os.close(result_read)
                for other in self.workers:  # so a sibling's pipes see EOF when it dies
                    with contextlib.suppress(OSError):
                        os.close(other.task_fd)
                    with contextlib.suppress(OSError):
                        os.close(other.result_fd)
            finally:
                _worker_main(task_read, result_write, self.work)
        os.close(task_read)
        os.close(result_write)
        worker = _Worker(pid, task_write, result_read)
        self.workers.append(worker)
        return worker

    def _retire(self, worker: _Worker, kill: bool = False) -> int | None:
        """Close a worker's pipes, kill it if asked, reap it; return its wait status."""
        if worker in self.workers:
            self.workers.remove(worker)
        if kill:
            with contextlib.suppress(ProcessLookupError):
                os.kill(worker.pid, signal.SIGKILL)
        for fd in (worker.task_fd, worker.result_fd):
            with contextlib.suppress(OSError):
                os.close(fd)
        try:
            _, status = os.waitpid(worker.pid, 0)
        except ChildProcessError:
            return None
        return status

    def _assign(self, worker: _Worker, task: Task) -> bool:
        try:
            _write_all(worker.task_fd, _encode({"index": task.index}))
        except OSError:
            self._retire(worker, kill=True)
            return False
        worker.index = task.index
        worker.timeout = task.timeout
        worker.used = 0.0
        worker.running_since = time.monotonic()
        worker.paused_since = None
        return True

    def run(
        self,
        tasks: list[Task],
        on_done: Callable[[int, dict[str, Any]], None],
    ) -> None:
        """Run every task; ``on_done(index, reply)`` is called as each finishes.

        A task whose worker times out or dies gets the reply ``{"error": cause,
        "cacheable": False}``; the worker is replaced for the remaining tasks.
        """
        queue = deque(tasks)
        by_index = {task.index: task for task in tasks}
        try:
            while queue or any(w.index is not None for w in self.workers):
                for worker in [w for w in self.workers if w.index is None]:
                    if not queue:
                        break
                    if self._assign(worker, queue[0]):
                        queue.popleft()
                while queue and len(self.workers) < self.jobs:
                    try:
                        worker = self._spawn()
                    except OSError as exc:
                        if self.workers:
                            break  # carry on with the workers there are
                        cause = f"no worker process could be started ({exc.strerror or exc})"
                        while queue:
                            on_done(queue.popleft().index, {"error": cause, "cacheable": False})
                        break
                    if not self._assign(worker, queue[0]):
                        task = queue.popleft()
                        on_done(
                            task.index,
                            {"error": "the worker process stopped at once", "cacheable": False},
                        )
                        continue
                    queue.popleft()
                busy = [w for w in self.workers if w.index is not None]
                if not busy:
                    continue
                now = time.monotonic()
                wait = max(0.0, min(w.deadline() for w in busy) - now)
                try:
                    readable, _, _ = select.select([w.result_fd for w in busy], [], [], wait)
                except InterruptedError:
                    readable = []
                for worker in busy:
                    if worker.result_fd in readable:
                        self._receive(worker, by_index, on_done)
                now = time.monotonic()
                for worker in [w for w in self.workers if w.index is not None]:
                    if now >= worker.deadline():
                        index = worker.index
                        assert index is not None
                        cause = (
                            f"timed out after {worker.timeout:g} s"
                            if worker.paused_since is None
                            else f"the spaCy pipeline could not be built within "
                            f"{max(SETUP_TIMEOUT, worker.timeout):g} s"
                        )
                        self._retire(worker, kill=True)
                        on_done(index, {"error": cause, "cacheable": False})
        except BaseException:
            for worker in list(self.workers):
                self._retire(worker, kill=True)
            raise
        finally:
            self.close()

    def _receive(
        self,
        worker: _Worker,
        tasks: dict[int, Task],
        on_done: Callable[[int, dict[str, Any]], None],
    ) -> None:
        try:
            chunk = os.read(worker.result_fd, 1 << 20)
        except OSError:
            chunk = b""
        if not chunk:  # the worker died
            index = worker.index
            status = self._retire(worker, kill=True)
            if index is not None:
                on_done(index, {"error": _death_cause(status, tasks[index]), "cacheable": False})
            return
        worker.buffer += chunk
        while len(worker.buffer) >= HEADER.size:
            (size,) = HEADER.unpack_from(worker.buffer)
            if len(worker.buffer) < HEADER.size + size:
                break
            message = json.loads(bytes(worker.buffer[HEADER.size : HEADER.size + size]))
            del worker.buffer[: HEADER.size + size]
            event = message.pop("event", None)
            now = time.monotonic()
            if event == "pause" and worker.paused_since is None:
                worker.used += now - worker.running_since
                worker.paused_since = now
            elif event == "resume" and worker.paused_since is not None:
                worker.paused_since = None
                worker.running_since = now
            elif event == "done":
                index = int(message.pop("index"))
                worker.index = None
                retire = bool(message.get("retire"))
                on_done(index, message)
                if retire:
                    self._retire(worker)
                    return

    def close(self) -> None:
        """Tell idle workers to leave (EOF on their task pipe) and reap them."""
        for worker in list(self.workers):
            self._retire(worker, kill=worker.index is not None)


def _death_cause(status: int | None, task: Task) -> str:
    memory = f"{task.memory_mb:g} MB"
    if status is not None and os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        try:
            name = signal.Signals(number).name
        except ValueError:
            name = f"signal {number}"
        return (
            f"the process reading it was killed by {name} (it may have exceeded the "
            f"{memory} memory limit, or hit a bug in a library)"
        )
    code = os.WEXITSTATUS(status) if status is not None and os.WIFEXITED(status) else "unknown"
    if code == EXIT_MEMORY:
        return over_memory_limit(task.memory_mb)
    return f"the process reading it stopped unexpectedly (exit status {code})"
