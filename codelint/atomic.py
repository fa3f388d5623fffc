"""Writing a user's file so that it is never seen half-written.

Reports (``-o``), baselines and annotated copies are written to a temporary file in the same
folder, flushed to disk, then renamed over the target: a reader (or a crash) sees the old file
or the new one, never a mix. The new file keeps the permissions of the one it replaces (a
report kept private stays private), or gets the usual ones for a new file rather than the
0600 of a temporary file.

The result cache and the compiled packs use ``replace_atomically``, the same write without the
fsync: their entries are rebuilt when lost.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO


def write_atomically(target: Path, produce: Callable[[IO[bytes]], object]) -> None:
    """Write ``target`` through a temporary file in the same folder, fsync it, then rename.

    ``produce(stream)`` writes the content. On any failure the temporary file is removed and
    ``target`` is left as it was (absent, or its old content).
    """
    folder = target.parent if str(target.parent) else Path(".")
    folder.mkdir(parents=True, exist_ok=True)
    _through_temporary(
        target,
        folder,
        produce,
        prefix=f".{target.name}.",
        suffix=".tmp",
        mode=_mode_for(target),
        durable=True,
    )
    _fsync_folder(folder)


def replace_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` (in an existing folder) the same way, for caches: no fsync
    (an entry lost in a crash only costs the time to make it again) and the temporary file's
    private permissions kept."""
    _through_temporary(
        path,
        path.parent,
        lambda stream: stream.write(data),
        prefix=".tmp-",
        suffix=path.suffix,
        mode=None,
        durable=False,
    )


def _through_temporary(
    target: Path,
    folder: Path,
    produce: Callable[[IO[bytes]], object],
    *,
    prefix: str,
    suffix: str,
    mode: int | None,
    durable: bool,
) -> None:
    """The shared core: a temporary file beside ``target``, written by ``produce``, then
    ``os.replace``; a concurrent reader sees the old file or the whole new one, and the
    temporary file is removed if anything fails."""
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=prefix, suffix=suffix)
    try:
        with os.fdopen(handle, "w+b") as stream:
            produce(stream)
            if durable:
                stream.flush()
                os.fsync(stream.fileno())
        if mode is not None:
            os.chmod(temporary, mode)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def write_text_atomically(target: Path, text: str) -> None:
    """``write_atomically`` for UTF-8 text."""
    data = text.encode("utf-8")
    write_atomically(target, lambda stream: stream.write(data))


def _mode_for(target: Path) -> int:
    """Permissions of the file being replaced, else the usual ones for a new file."""
    try:
        return target.stat().st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX; where a folder cannot be opened, skip it)."""
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)
