"""Errors the user sees as one line naming the file and the cause (exit code 2)."""

from __future__ import annotations


class CodelintError(Exception):
    """Base for every error codelint reports to the user instead of a traceback."""


class ReadError(CodelintError):
    """A file could not be read; ``cause`` is a short human sentence, no traceback."""

    def __init__(self, path: str, cause: str) -> None:
        super().__init__(f"{path}: {cause}")
        self.path = path
        self.cause = cause


class ConfigError(CodelintError):
    """A configuration file or option is invalid."""


class PackError(CodelintError):
    """A rule pack or data file is invalid. ``problems`` lists every problem found."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems
