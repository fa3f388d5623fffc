"""A regular expression compiled the first time it is used.

A rule pack holds a few hundred regular expressions, and a document needs only the ones whose
literals it contains (see prefilter.py). Compiling them all costs about a tenth of a second
on every cold run; a catalogue read back from the compiled-pack cache (packcache.py) holds
them as ``LazyRegex`` objects, which compile on first use and pickle as their source.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any


class LazyRegex:
    """The parts of ``re.Pattern`` the engine uses, compiled on demand.

    Two objects with the same source and flags are equal, as the standard library's cache
    makes two ``re.compile`` calls of one source the same object."""

    __slots__ = ("_compiled", "_hash", "flags", "pattern")

    def __init__(self, pattern: str, flags: int = 0, compiled: re.Pattern[str] | None = None):
        self.pattern = pattern
        self.flags = flags
        self._compiled = compiled
        #: Computed once: the engine looks expressions up in dictionaries a few hundred thousand
        #: times in a long document.
        self._hash = hash((pattern, flags))

    @classmethod
    def compile(cls, pattern: str, flags: int = 0) -> LazyRegex:
        """Compile now (raising ``re.error`` for a bad expression) and keep the result."""
        return cls(pattern, flags, re.compile(pattern, flags))

    @property
    def compiled(self) -> re.Pattern[str]:
        if self._compiled is None:
            self._compiled = re.compile(self.pattern, self.flags)
        return self._compiled

    @property
    def is_compiled(self) -> bool:
        return self._compiled is not None

    def search(self, string: str, *args: Any) -> re.Match[str] | None:
        return self.compiled.search(string, *args)

    def finditer(self, string: str, *args: Any) -> Iterator[re.Match[str]]:
        return self.compiled.finditer(string, *args)

    def findall(self, string: str, *args: Any) -> list[Any]:
        return self.compiled.findall(string, *args)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, LazyRegex):
            return NotImplemented
        return self.pattern == other.pattern and self.flags == other.flags

    def __hash__(self) -> int:
        return self._hash

    def __reduce__(self) -> tuple[type[LazyRegex], tuple[str, int]]:
        return (LazyRegex, (self.pattern, self.flags))

    def __repr__(self) -> str:
        return f"LazyRegex({self.pattern!r}, {self.flags})"
