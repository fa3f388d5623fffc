"""Lint a set of paths: expand folders, globs and URLs, read each file, run the rules, collect
results.

This is the orchestration the command line, the pre-commit hook and the tests share. It turns
every failure into a ``FileResult`` with a one-line ``error`` and goes on with the other files.

``Runner.run`` works in three steps:

1. expand the arguments into targets (files, folders walked, globs, URLs), in order;
2. answer what it can from the cache without importing spaCy (the parent process never
   imports it, so an all-cached run takes a tenth of a second);
3. hand the rest to worker processes (``codelint.workers``) that enforce the per-file time
   and memory limits, or lint in-process where that is asked for or fork is unavailable.

Results come back in the order of the targets whatever the number of workers.
"""

from __future__ import annotations

import datetime as dt
import glob
import hashlib
import os
import stat
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from codelint.config import Settings, run_settings, settings_for
from codelint.document import Document
from codelint.errors import CodelintError, PackError, ReadError
from codelint.findings import FileResult
from codelint.rules import Catalogue, load_catalogue
from codelint.workers import Clock, near_memory_ceiling, over_memory_limit

#: Extensions picked up when a folder is walked or a glob expanded (files named explicitly are
#: always read).
DOCUMENT_EXTENSIONS = {
    ".docx", ".pdf", ".html", ".htm", ".xhtml", ".md", ".markdown", ".txt", ".doc", ".rtf", ".odt",
}  # fmt: skip
GLOB_CHARACTERS = frozenset("*?[")


def is_url(value: str) -> bool:
    return value.lower().startswith(("http://", "https://"))


@dataclass
class RunOptions:
    """What the command line decided for this run (beyond per-file settings)."""

    as_of: dt.date | None = None
    overrides: dict[str, Any] = field(default_factory=dict)
    config: Path | None = None
    #: Worker processes (0: one per CPU). Only used when ``isolate`` is on.
    jobs: int = 1
    #: Use the result cache (the command line turns it on; library callers opt in).
    cache: bool = False
    #: The cache folder (default: ``cache-dir`` from configuration, else ./.codelint_cache).
    cache_dir: Path | None = None
    #: Read and lint in worker processes with the per-file time and memory limits enforced.
    isolate: bool = False
    #: Draw a progress bar on standard error.
    progress: bool = False
    #: Apply ``exclude`` to files named explicitly too (what the pre-commit hook wants).
    force_exclude: bool = False


@dataclass
class Target:
    """One thing to lint: a file path or a URL, as it will be reported."""

    name: str
    url: bool = False
    #: Set when the argument itself is the problem (a glob that matches nothing).
    error: str | None = None


# -- expanding arguments ----------------------------------------------------------------------


def _walk(folder: str, settings_of: Any) -> Iterator[str]:
    """Document files under ``folder`` (sorted, hidden and excluded folders skipped, symlink
    loops cut)."""
    seen: set[tuple[int, int]] = set()
    for root, dirs, files in os.walk(folder, followlinks=True):
        try:
            info = os.stat(root)
        except OSError:
            continue
        if (info.st_dev, info.st_ino) in seen:
            dirs[:] = []
            continue
        seen.add((info.st_dev, info.st_ino))
        kept = []
        for name in sorted(dirs):
            if name.startswith("."):
                continue
            full = os.path.join(root, name)
            if settings_of is not None and settings_of(full).is_excluded(full):
                continue
            kept.append(name)
        dirs[:] = kept
        for name in sorted(files):
            if os.path.splitext(name)[1].lower() not in DOCUMENT_EXTENSIONS:
                continue
            full = os.path.join(root, name)
            if settings_of is not None and settings_of(full).is_excluded(full):
                continue
            yield full


def expand_targets(
    paths: list[str], settings_of: Any = None, force_exclude: bool = False
) -> list[Target]:
    """Targets for the arguments, in order, each file once.

    A folder is walked for document files; a glob (``policies/**/*.docx``) is expanded, its
    folders walked and its files kept when they are documents; an http(s) URL is fetched
    later; any other argument is a file, read whatever its extension (unless excluded with
    ``force_exclude``). A glob that matches nothing is an error for that argument.
    """
    targets: list[Target] = []
    seen: set[str] = set()

    def add(name: str) -> None:
        key = os.path.normcase(os.path.abspath(name))
        if key not in seen:
            seen.add(key)
            targets.append(Target(name))

    for arg in paths:
        if is_url(arg):
            if arg not in seen:
                seen.add(arg)
                targets.append(Target(arg, url=True))
        elif os.path.isdir(arg):
            for name in _walk(arg, settings_of):
                add(name)
        elif GLOB_CHARACTERS & set(arg) and not os.path.exists(arg):
            matches = sorted(glob.glob(arg, recursive=True))
            found = False
            for match in matches:
                if os.path.isdir(match):
                    for name in _walk(match, settings_of):
                        found = True
                        add(name)
                elif os.path.splitext(match)[1].lower() in DOCUMENT_EXTENSIONS:
                    found = True
                    if settings_of is None or not settings_of(match).is_excluded(match):
                        add(match)
            if not found:
                targets.append(Target(arg, error="no document files match this pattern"))
        else:
            if force_exclude and settings_of is not None and settings_of(arg).is_excluded(arg):
                continue
            add(arg)
    return targets


def expand_paths(paths: list[str], settings_of: Any = None) -> Iterator[str]:
    """Files named, and document files under folders and globs (see :func:`expand_targets`)."""
    for target in expand_targets(paths, settings_of):
        yield target.name


# -- reading a local file ---------------------------------------------------------------------


def _os_cause(exc: OSError) -> str:
    if isinstance(exc, FileNotFoundError):
        return "no such file (it may have been moved or deleted)"
    if isinstance(exc, IsADirectoryError):
        return "is a directory"
    if isinstance(exc, PermissionError):
        return "permission denied"
    return f"cannot be read: {exc.strerror or exc}"


def _too_big(size: int, settings: Settings) -> str:
    limits = settings.limits
    return f"file is {size / 1048576:.1f} MB, over the {limits.max_file_mb:g} MB limit"


def read_local(path: str, settings: Settings) -> bytes:
    """The bytes of ``path`` (within the size limit), or ReadError naming the cause."""
    limit = settings.limits.max_file_bytes
    try:
        with open(path, "rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise ReadError(path, _os_cause(exc)) from None
    if len(data) > limit:
        raise ReadError(path, _too_big(len(data), settings))
    return data


def _caused_by_memory(exc: BaseException) -> bool:
    """Whether ``exc`` was raised while handling a MemoryError (readers turn one into a
    ReadError)."""
    seen = 0
    current: BaseException | None = exc
    while current is not None and seen < 10:
        if isinstance(current, MemoryError):
            return True
        current = current.__cause__ or current.__context__
        seen += 1
    return False


class _MemoryLimit(Exception):
    """The memory ceiling was hit (raised where a reader turned MemoryError into ReadError)."""


# -- the runner -------------------------------------------------------------------------------


class Runner:
    """Holds the loaded catalogue and one compiled Linter per distinct rule selection."""

    def __init__(self, options: RunOptions) -> None:
        from codelint.config import find_config, load_settings

        # Configuration is read afresh for each run (the lookups are cached within one).
        find_config.cache_clear()
        load_settings.cache_clear()
        from codelint.cache import packs_digest

        packs_digest.cache_clear()  # a pack edited since an earlier run in this process
        self.options = options
        self._catalogues: dict[tuple[str, ...], Catalogue] = {}
        self._linters: dict[tuple[Any, ...], Any] = {}
        self._settings: dict[str, Settings] = {}
        #: Rule metadata (``explain.rule_info``) for every code found in the run.
        self.rules: dict[str, dict[str, Any]] = {}
        self.targets: list[Target] = []
        self.cache: Any = None
        #: How many results came from the cache in the last run.
        self.cache_hits = 0

    # -- settings and compiled rules ----------------------------------------------------------

    def settings(self, path: str) -> Settings:
        if path not in self._settings:
            self._settings[path] = settings_for(path, self.options.config, self.options.overrides)
        return self._settings[path]

    def run_settings(self) -> Settings:
        """Settings for the run as a whole (from the configuration of the current folder)."""
        return run_settings(self.options.config, self.options.overrides)

    def catalogue(self, settings: Settings) -> Catalogue:
        if settings.packs not in self._catalogues:
            self._catalogues[settings.packs] = load_catalogue(list(settings.packs))
        return self._catalogues[settings.packs]

    def linter(self, settings: Settings) -> Any:
        key = settings.rules_key()
        if key not in self._linters:
            from codelint.engine import Linter
            from codelint.workers import long_lived

            with long_lived():
                catalogue = self.catalogue(settings)
                chosen = catalogue.select(
                    list(settings.select) or None, list(settings.ignore) or None
                )
                self._linters[key] = Linter(catalogue, chosen, settings.model)
        return self._linters[key]

    def as_of(self, settings: Settings) -> dt.date:
        return self.options.as_of or settings.as_of or dt.date.today()

    # -- one file, in this process ------------------------------------------------------------

    def lint_file(self, path: str) -> FileResult:
        """Read and lint one file in this process; every failure becomes the result's
        ``error``. (No cache and no limits beyond the readers' own.)"""
        result = FileResult(path=path)
        try:
            settings = self.settings(path)
            from codelint.readers import read

            document = read(path, settings.limits)
        except ReadError as exc:
            result.error = exc.cause
            return result
        except CodelintError as exc:
            result.error = str(exc)
            return result
        return self.lint_document(document, settings, result)

    def lint_document(
        self, document: Document, settings: Settings, result: FileResult | None = None
    ) -> FileResult:
        from codelint.suppress import apply_suppressions

        result = result or FileResult(path=document.path)
        result.format = document.format
        result.title = document.title
        result.pages = document.pages
        result.blocks = len(document.blocks)
        result.words = document.word_count()
        result.notes.extend(document.notes)
        linter = self.linter(settings)
        output = linter.lint(
            document, self.as_of(settings), force_document_rules=settings.force_document_checks
        )
        result.notes.extend(output.notes)
        result.checklist = output.checklist
        result.procurement_document = output.procurement_document
        kept, silenced, unused = apply_suppressions(
            output.findings,
            document,
            settings.ignored_for(document.path),
            selected=lambda code: (
                code == "ALL" or any(rule.code.startswith(code) for rule in linter.rules)
            ),
            report_unused=_selected("CL100", settings),
        )
        result.findings = sorted(
            kept + unused, key=lambda f: (f.paragraph or 0, f.span[0] if f.span else -1, f.rule)
        )
        result.suppressed = silenced
        return result

    def rule_metadata(self, codes: set[str], settings: Settings) -> dict[str, dict[str, Any]]:
        """``explain.rule_info`` for ``codes`` (and the engine's own CL100)."""
        from codelint.suppress import UNUSED_CODE, unused_rule_info

        info: dict[str, dict[str, Any]] = {}
        missing = set(codes)
        if UNUSED_CODE in missing:
            info[UNUSED_CODE] = unused_rule_info()
            missing.discard(UNUSED_CODE)
        if missing:
            from codelint.explain import rule_info

            catalogue = self.catalogue(settings)
            for code in sorted(missing):
                if code in catalogue.rules:
                    info[code] = rule_info(catalogue.rules[code], catalogue)
        return info

    # -- many targets, with the cache and workers ---------------------------------------------

    def run(self, paths: list[str]) -> list[FileResult]:
        """Lint every target named by ``paths``; results in the targets' order."""
        self.targets = expand_targets(paths, self.settings, self.options.force_exclude)
        self.cache = self._open_cache() if self.options.cache else None
        self.cache_hits = 0
        results: list[FileResult | None] = [None] * len(self.targets)
        todo: list[int] = []
        for index, target in enumerate(self.targets):
            if target.error:
                results[index] = FileResult(path=target.name, error=target.error)
                continue
            if not target.url:
                early = self._before_work(target)
                if early is not None:
                    results[index] = early
                    continue
            todo.append(index)
        self._work_through(todo, results)
        if self.cache is not None and self.cache.wrote:
            self.cache.prune()
        return [
            r if r is not None else FileResult(t.name, error="not linted")
            for r, t in zip(results, self.targets, strict=True)
        ]

    def _open_cache(self) -> Any:
        from codelint.cache import DEFAULT_DIR, Cache

        folder = self.options.cache_dir
        if folder is None:
            configured = self.run_settings().cache_dir
            folder = Path(configured) if configured else Path(DEFAULT_DIR)
        return Cache(folder)

    def _key(self, data_hash: str, name: str, settings: Settings, path: str) -> str:
        """The cache key for content ``data_hash`` read as ``name`` (whose extension can
        choose the reader) and reported as ``path`` (which per-file ignores match)."""
        from codelint.cache import result_key

        return result_key(
            data_hash, name, settings, self.as_of(settings).isoformat(), settings.ignored_for(path)
        )

    def _before_work(self, target: Target) -> FileResult | None:
        """A result for a local file that needs no worker (an error found by ``stat``, or a
        cache hit), else None."""
        name = target.name
        settings = self.settings(name)
        try:
            info = os.stat(name)
        except OSError as exc:
            return FileResult(path=name, error=_os_cause(exc))
        if stat.S_ISDIR(info.st_mode):
            return FileResult(path=name, error="is a directory")
        if not stat.S_ISREG(info.st_mode):
            return None  # a FIFO or device may block: only a worker may open it
        if info.st_size > settings.limits.max_file_bytes:
            return FileResult(path=name, error=_too_big(info.st_size, settings))
        if self.cache is None:
            return None
        try:
            with open(name, "rb") as handle:
                data_hash = hashlib.file_digest(handle, "sha256").hexdigest()
        except OSError as exc:
            return FileResult(path=name, error=_os_cause(exc))
        return self._cached(self._key(data_hash, name, settings, name), name)

    def _cached(self, key: str, name: str, count: bool = True) -> FileResult | None:
        payload = self.cache.get(key) if self.cache is not None else None
        if payload is None:
            return None
        try:
            result = FileResult.from_dict(payload["result"])
            rules = dict(payload.get("rules") or {})
        except (KeyError, TypeError, ValueError, AttributeError):
            return None  # a damaged entry: lint again and rewrite it
        result.path = name
        self.rules.update(rules)
        if count:
            self.cache_hits += 1
        return result

    def _work_through(self, todo: list[int], results: list[FileResult | None]) -> None:
        if not todo:
            return
        from codelint.workers import Task, WorkerPool, can_fork

        progress = _Progress(len(todo), self.options.progress)

        def done(index: int, reply: dict[str, Any]) -> None:
            results[index] = self._from_reply(index, reply)
            progress.advance()

        try:
            if self.options.isolate and can_fork():
                jobs = self.options.jobs or os.cpu_count() or 1
                pool = WorkerPool(self._work_in_worker, min(jobs, len(todo)))
                tasks = []
                for index in todo:
                    limits = self.settings(self.targets[index].name).limits
                    tasks.append(Task(index, limits.timeout, limits.max_memory_mb))
                pool.run(tasks, done)
            else:
                for index in todo:
                    done(index, self.work(index, Clock()))
        finally:
            progress.finish()

    def _from_reply(self, index: int, reply: dict[str, Any]) -> FileResult:
        name = self.targets[index].name
        if reply.get("pack_problems"):
            raise PackError(list(reply["pack_problems"]))
        if "result" in reply:
            result = FileResult.from_dict(reply["result"])
            result.path = name
            self.rules.update(reply.get("rules") or {})
            if reply.get("cached"):
                self.cache_hits += 1
            return result
        return FileResult(path=name, error=str(reply.get("error") or "unknown error"))

    def _work_in_worker(self, index: int, clock: Clock) -> dict[str, Any]:
        from codelint.workers import limit_memory

        limit_memory(self.settings(self.targets[index].name).limits.max_memory_mb)
        return self.work(index, clock)

    def work(self, index: int, clock: Clock) -> dict[str, Any]:
        """Fetch or read, lint and cache target ``index``; the reply a worker sends back:
        ``{"result": ..., "rules": ...}`` or ``{"error": ..., "retire": bool}``."""
        target = self.targets[index]
        settings = self.settings(target.name)
        over_memory = {"error": over_memory_limit(settings.limits.max_memory_mb), "retire": True}
        try:
            result, rules, cached = self._process(target, settings, clock)
        except (MemoryError, _MemoryLimit):
            return over_memory
        except PackError as exc:  # the run stops and lists the problems (see _from_reply)
            return {"error": "invalid rule pack", "pack_problems": exc.problems}
        except CodelintError as exc:  # a configuration problem met while linting
            return {"error": str(exc)}
        except Exception as exc:  # a bug: one line, and the run goes on
            if near_memory_ceiling():  # a C library that failed to allocate, not a bug of ours
                return over_memory
            return {"error": f"internal error ({type(exc).__name__}: {exc}); please report it"}
        return {"result": result.to_dict(), "rules": rules, "cached": cached}

    def _process(
        self, target: Target, settings: Settings, clock: Clock
    ) -> tuple[FileResult, dict[str, dict[str, Any]], bool]:
        """The result, the metadata of its rules, and whether it came from the cache."""
        from codelint.readers import read_bytes

        limits = settings.limits
        notes: list[str] = []
        result = FileResult(path=target.name)
        try:
            if target.url:
                from codelint.fetch import fetch

                fetched = fetch(target.name, timeout=limits.timeout, max_mb=limits.max_file_mb)
                fetched.check_is_document()
                data, name = fetched.data, fetched.reader_name()
                if fetched.redirects:
                    notes.append(f"fetched from {fetched.final_url} (redirected)")
            else:
                data, name = read_local(target.name, settings), target.name
        except ReadError as exc:
            result.error = exc.cause
            return result, {}, False
        key = None
        if self.cache is not None:
            key = self._key(hashlib.sha256(data).hexdigest(), name, settings, target.name)
        if key is not None:
            cached = self._cached(key, target.name, count=False)
            if cached is not None:
                cached.notes.extend(notes)
                codes = {f.rule for f in cached.findings + cached.suppressed}
                return cached, {c: self.rules[c] for c in codes if c in self.rules}, True
        try:
            document = read_bytes(name, data, limits)
        except ReadError as exc:
            if _caused_by_memory(exc):
                raise _MemoryLimit() from exc
            result.error = exc.cause
            if key is not None:
                self.cache.put(key, {"result": result.to_dict(), "rules": {}})
            result.notes.extend(notes)
            return result, {}, False
        document.path = target.name
        clock.pause()  # building the pipeline (once per worker) is not the file's time
        self.linter(settings)
        clock.resume()
        self.lint_document(document, settings, result)
        codes = {f.rule for f in result.findings + result.suppressed}
        rules = self.rule_metadata(codes, settings)
        self.rules.update(rules)
        if key is not None:
            self.cache.put(key, {"result": result.to_dict(), "rules": rules})
        result.notes.extend(notes)
        return result, rules, False


def _selected(code: str, settings: Settings) -> bool:
    """Whether ``code`` passes the settings' select and ignore prefixes."""

    def matches(selector: str) -> bool:
        return selector.upper() == "ALL" or code.startswith(selector.upper())

    if settings.select and not any(matches(s) for s in settings.select):
        return False
    return not any(matches(s) for s in settings.ignore)


class _Progress:
    """``12/200 files`` with a bar on standard error, redrawn at most ten times a second.

    Shown only when asked (the command line asks when standard error is a terminal) and only
    once the run has lasted half a second, so a quick run prints nothing.
    """

    def __init__(self, total: int, enabled: bool) -> None:
        self.total = total
        self.enabled = enabled and total > 1
        self.done = 0
        self.started = time.monotonic()
        self.drawn = 0.0
        self.shown = False

    def advance(self) -> None:
        self.done += 1
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self.started < 0.5 or (now - self.drawn < 0.1 and self.done < self.total):
            return
        self.drawn = now
        width = 30
        filled = width * self.done // self.total
        bar = "#" * filled + "-" * (width - filled)
        sys.stderr.write(f"\rcodelint: [{bar}] {self.done}/{self.total} files")
        sys.stderr.flush()
        self.shown = True

    def finish(self) -> None:
        if self.shown:
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()
