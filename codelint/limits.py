"""Resource limits applied to every input, so hostile files fail fast and clearly.

The defaults are generous for real procurement codes (the longest councils publish run to a
few hundred pages) and small enough that a zip bomb or a 2,000-page PDF cannot exhaust a
2-core CI machine. All can be changed in configuration (``[tool.codelint.limits]``).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from codelint.errors import ConfigError


@dataclass(frozen=True)
class Limits:
    #: Largest input file read at all.
    max_file_mb: float = 100.0
    #: Largest single part inside a DOCX/ODT zip once inflated (document.xml, footnotes.xml...).
    max_part_mb: float = 200.0
    #: Largest inflated/compressed ratio of a zip member before it is treated as a zip bomb.
    max_zip_ratio: float = 200.0
    #: Pages read from a PDF; longer files are an error rather than a partial reading.
    max_pages: int = 1500
    #: Characters of text in one document (about 3,000 pages of dense prose).
    max_chars: int = 20_000_000
    #: Seconds a single file may take (reading and linting) before it is abandoned.
    timeout: float = 120.0
    #: Megabytes of memory one worker may use (address-space ceiling, POSIX only).
    max_memory_mb: int = 2048

    @property
    def max_file_bytes(self) -> int:
        return int(self.max_file_mb * 1024 * 1024)

    @property
    def max_part_bytes(self) -> int:
        return int(self.max_part_mb * 1024 * 1024)

    @classmethod
    def from_mapping(cls, values: dict[str, Any]) -> Limits:
        known = {f.name: f.type for f in fields(cls)}
        kwargs: dict[str, Any] = {}
        for key, value in values.items():
            name = key.replace("-", "_")
            if name not in known:
                raise ConfigError(f"unknown limit {key!r} (known: {', '.join(sorted(known))})")
            try:
                kwargs[name] = float(value) if known[name] == "float" else int(value)
            except (TypeError, ValueError):
                raise ConfigError(f"limit {key!r} must be a number, not {value!r}") from None
            if kwargs[name] <= 0:
                raise ConfigError(f"limit {key!r} must be positive")
        return cls(**kwargs)
