"""Results cached by content, so an unchanged document is not read or linted again.

An entry is keyed by everything that can change a file's result:

- the content (SHA-256 of the bytes) and the file's extension (which can decide the reader);
- the rule packs (a hash of every file in every pack folder in use);
- the engine: codelint's version, a fingerprint of its source files (size and modification
  time, so an edited checkout never serves stale results), the spaCy version and Python's;
- the options that change results: select, ignore, per-file ignores for the file, model,
  force-document-checks and the reading limits (not ``timeout`` or ``max_memory_mb``: a file
  that hits them is never cached);
- the as-of date (today unless set, so entries made yesterday are not used today).

The cache lives in ``.codelint_cache`` in the current folder unless ``cache-dir`` or
``--cache-dir`` says otherwise. Entries are written atomically (a temporary file, then
``os.replace``), so two runs sharing the folder never see half an entry; an entry that cannot
be parsed or does not carry its own key is ignored and rewritten. Nothing here imports spaCy:
a run whose files are all cached does not pay for it.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import os
import platform
import shutil
import sys
import time
from dataclasses import asdict
from functools import lru_cache
from pathlib import Path
from typing import Any

from codelint import __version__
from codelint.atomic import replace_atomically
from codelint.config import Settings

DEFAULT_DIR = ".codelint_cache"
#: Bumped when the layout or the entry format changes.
CACHE_FORMAT = 1
#: Entries not used for this many days are removed (checked at most once a day).
MAX_AGE_DAYS = 30
TAG = "Signature: 8a477f597d28d172789f06886806bc55\n# This folder is a cache made by codelint.\n"

#: Limits that cannot change a successful result (a file over them gives an error instead).
RUNTIME_LIMITS = ("timeout", "max_memory_mb")


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def pack_files_digest(packs: tuple[str, ...]) -> str:
    """A hash of every file in the built-in pack and the extra pack folders, read now."""
    from codelint.rules import builtin_pack_dir

    digest = hashlib.sha256()
    for folder in (builtin_pack_dir(), *map(Path, packs)):
        digest.update(f"pack {folder}\n".encode())
        if not folder.is_dir():
            continue
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            if "__pycache__" in path.parts:
                continue
            digest.update(f"{path.relative_to(folder).as_posix()}\n".encode())
            with contextlib.suppress(OSError):
                digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


#: The same, read once per run (``Runner`` clears it): result keys need it for every file.
packs_digest = lru_cache(maxsize=16)(pack_files_digest)


def _spacy_version() -> str:
    """spaCy's version, read from its about.py (importing spaCy would cost 0.35 s)."""
    spec = importlib.util.find_spec("spacy")
    if spec is None or spec.origin is None:
        return "none"
    try:
        about = (Path(spec.origin).parent / "about.py").read_text(encoding="utf-8")
    except OSError:
        return "unknown"
    for line in about.splitlines():
        if line.startswith("__version__"):
            return line.split("=", 1)[1].strip().strip("\"'")
    return "unknown"


@lru_cache(maxsize=1)
def engine_digest() -> str:
    """codelint's version and source files, spaCy's and Python's versions."""
    digest = hashlib.sha256()
    digest.update(f"{__version__}|{_spacy_version()}|{platform.python_version()}\n".encode())
    package = Path(__file__).resolve().parent
    for path in sorted(package.rglob("*.py")):
        with contextlib.suppress(OSError):
            stat = path.stat()
            digest.update(
                f"{path.relative_to(package)}|{stat.st_size}|{stat.st_mtime_ns}\n".encode()
            )
    return digest.hexdigest()


def result_key(
    data_hash: str, name: str, settings: Settings, as_of: str, ignored: tuple[str, ...]
) -> str:
    """The cache key of a file's result (see the module docstring for what goes in)."""
    limits = {k: v for k, v in asdict(settings.limits).items() if k not in RUNTIME_LIMITS}
    parts = {
        "format": CACHE_FORMAT,
        "content": data_hash,
        "extension": os.path.splitext(name.split("?", 1)[0])[1].lower(),
        "packs": packs_digest(settings.packs),
        "engine": engine_digest(),
        "select": list(settings.select),
        "ignore": list(settings.ignore),
        "per_file_ignores": list(ignored),
        "model": settings.model,
        "force_document_checks": settings.force_document_checks,
        "limits": limits,
        "as_of": as_of,
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


class Cache:
    """A folder of JSON entries named by key; safe to share between concurrent runs."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self.entries = self.root / f"v{CACHE_FORMAT}"
        self.wrote = False
        self.warned = False

    def _path(self, key: str) -> Path:
        return self.entries / key[:2] / f"{key[2:]}.json"

    def get(self, key: str) -> dict[str, Any] | None:
        """The payload stored under ``key``, or None (missing, unreadable or corrupt)."""
        path = self._path(key)
        try:
            with path.open("rb") as handle:
                entry = json.loads(handle.read())
        except (OSError, ValueError):
            return None
        if not isinstance(entry, dict) or entry.get("key") != key:
            return None
        payload = entry.get("payload")
        if not isinstance(payload, dict):
            return None
        with contextlib.suppress(OSError):
            os.utime(path)  # recently used entries survive pruning
        return payload

    def put(self, key: str, payload: dict[str, Any]) -> None:
        """Store ``payload`` under ``key`` atomically; failures only cost the cache."""
        path = self._path(key)
        data = json.dumps({"key": key, "payload": payload}, ensure_ascii=False).encode()
        try:
            self._prepare()
            path.parent.mkdir(parents=True, exist_ok=True)
            replace_atomically(path, data)
        except OSError as exc:
            if not self.warned:
                self.warned = True
                print(
                    f"codelint: warning: cannot write the cache in {self.root} "
                    f"({exc.strerror or exc}); results are not cached",
                    file=sys.stderr,
                )
            return
        self.wrote = True

    def _prepare(self) -> None:
        """Create the folder, tagged as a cache and ignored by git (as Ruff and pytest do)."""
        if (self.root / "CACHEDIR.TAG").is_file():
            return
        self.root.mkdir(parents=True, exist_ok=True)
        for name, text in (("CACHEDIR.TAG", TAG), (".gitignore", "# Made by codelint.\n*\n")):
            target = self.root / name
            if not target.exists():
                replace_atomically(target, text.encode())

    def prune(self, max_age_days: float = MAX_AGE_DAYS) -> int:
        """Remove entries unused for ``max_age_days``, at most once a day; return how many."""
        marker = self.root / ".last-prune"
        now = time.time()
        try:
            if now - marker.stat().st_mtime < 86400:
                return 0
        except OSError:
            pass
        if not self.entries.is_dir():
            return 0
        removed = 0
        cutoff = now - max_age_days * 86400
        for path in self.entries.glob("*/*.json"):
            with contextlib.suppress(OSError):
                if path.stat().st_mtime < cutoff:
                    path.unlink()
                    removed += 1
        with contextlib.suppress(OSError):
            marker.touch()
        return removed


def is_cache_folder(path: Path) -> bool:
    """Whether ``path`` is a folder codelint made (so ``codelint clean`` may remove it)."""
    tag = path / "CACHEDIR.TAG"
    try:
        return tag.read_text(encoding="utf-8").startswith(TAG.splitlines()[0]) and (
            "codelint" in tag.read_text(encoding="utf-8")
        )
    except OSError:
        return False


def clean(path: Path) -> bool:
    """Remove the cache folder at ``path``; False when there is none.

    A folder without codelint's CACHEDIR.TAG is refused (ConfigError), so a mistyped
    ``--cache-dir`` cannot delete someone's documents.
    """
    from codelint.errors import ConfigError

    if not path.exists():
        return False
    if not path.is_dir() or not is_cache_folder(path):
        raise ConfigError(f"{path} is not a codelint cache folder; not removing it")
    shutil.rmtree(path)
    return True
