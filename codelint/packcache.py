"""Compiled rule packs kept between runs, as Python keeps compiled byte-code.

Loading the built-in pack means parsing its YAML, checking every rule and compiling and
analysing a few hundred regular expressions: about 0.4 s of every cold run, for a result that
depends only on the pack files and on codelint itself. The checked catalogue, with the
analysis of its expressions (prefilter.py), is pickled once per pack content; later runs
unpickle it in about 20 ms, and its expressions compile only when a document needs them
(lazyregex.py).

- **Key:** the pack files' contents (``cache.pack_files_digest``: every file of every pack
  folder, read afresh), codelint's version and source files, spaCy's and Python's versions
  (``cache.engine_digest``), and this module's format number. An edited pack or checkout gets
  a new entry.
- **Place:** a per-user folder, not the per-project result cache: ``$CODELINT_PACK_CACHE``,
  else ``$XDG_CACHE_HOME/codelint/packs`` (``~/.cache/codelint/packs``), or
  ``%LOCALAPPDATA%\\codelint\\packs`` on Windows. ``CODELINT_PACK_CACHE=off`` turns it off.
  ``codelint clean --packs`` empties it.
- **Safety:** only a pack that loaded without problems is stored; entries are written
  atomically; an entry that cannot be read, unpickled or does not carry its own key is
  ignored (and replaced). Any failure to read or write only costs the time saved. Like
  byte-code files, entries are trusted: the folder must be writable only by its user.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import sys
from pathlib import Path
from typing import Any

#: Bumped when what is pickled changes shape.
FORMAT = 1
#: Entries kept (the most recently used); each is about 0.6 MB for the built-in pack.
KEEP = 8
ENVIRONMENT = "CODELINT_PACK_CACHE"
OFF = {"", "0", "off", "no", "false"}


def folder() -> Path | None:
    """Where compiled packs are kept, or None when the cache is off."""
    configured = os.environ.get(ENVIRONMENT)
    if configured is not None:
        return None if configured.strip().lower() in OFF else Path(configured)
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA")
        return Path(base) / "codelint" / "packs" if base else None
    base = os.environ.get("XDG_CACHE_HOME") or (
        str(Path.home() / ".cache") if os.environ.get("HOME") else ""
    )
    return Path(base) / "codelint" / "packs" if base else None


def key(extra_packs: tuple[str, ...], builtin: bool) -> str:
    """The entry key of a catalogue loaded from these packs by this codelint."""
    from codelint.cache import engine_digest, pack_files_digest

    parts = f"{FORMAT}|{builtin}|{pack_files_digest(extra_packs)}|{engine_digest()}"
    return hashlib.sha256(parts.encode()).hexdigest()


def load(entry_key: str) -> Any | None:
    """The catalogue stored under ``entry_key``, or None."""
    where = folder()
    if where is None:
        return None
    path = where / f"{entry_key}.pickle"
    try:
        with path.open("rb") as handle:
            stored_key, catalogue = pickle.load(handle)
    except Exception:  # missing, unreadable, truncated or from another layout: rebuild
        return None
    if stored_key != entry_key:
        return None
    with contextlib.suppress(OSError):
        os.utime(path)  # recently used entries are kept when old ones are pruned
    return catalogue


def store(entry_key: str, catalogue: Any) -> None:
    """Keep ``catalogue`` under ``entry_key``; failures are silent (only time is lost)."""
    where = folder()
    if where is None:
        return
    from codelint.atomic import replace_atomically

    try:
        data = pickle.dumps((entry_key, catalogue), protocol=pickle.HIGHEST_PROTOCOL)
        where.mkdir(parents=True, exist_ok=True)
        replace_atomically(where / f"{entry_key}.pickle", data)
        _prune(where)
    except (OSError, pickle.PicklingError):
        return


def _prune(where: Path) -> None:
    """Keep the :data:`KEEP` most recently used entries."""
    entries = []
    for path in where.glob("*.pickle"):
        with contextlib.suppress(OSError):
            entries.append((path.stat().st_mtime, path))
    entries.sort(reverse=True)
    for _, path in entries[KEEP:]:
        with contextlib.suppress(OSError):
            path.unlink()


def clear() -> tuple[Path | None, int]:
    """Remove every stored pack; the folder and how many entries went."""
    where = folder()
    removed = 0
    if where is not None and where.is_dir():
        for path in where.glob("*.pickle"):
            with contextlib.suppress(OSError):
                path.unlink()
                removed += 1
    return where, removed
