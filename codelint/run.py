"""Lint a set of paths: expand folders, read each file, run the rules, collect results.

This is the orchestration the command line, the pre-commit hook and the tests share. It turns
every failure into a ``FileResult`` with a one-line ``error`` and goes on with the other files.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from codelint.config import Settings, settings_for
from codelint.document import Document
from codelint.errors import CodelintError, ReadError
from codelint.findings import FileResult
from codelint.rules import Catalogue, load_catalogue

#: Extensions picked up when a folder is walked (files named explicitly are always read).
DOCUMENT_EXTENSIONS = {
    ".docx", ".pdf", ".html", ".htm", ".xhtml", ".md", ".markdown", ".txt", ".doc", ".rtf", ".odt",
}  # fmt: skip


@dataclass
class RunOptions:
    """What the command line decided for this run (beyond per-file settings)."""

    as_of: dt.date | None = None
    overrides: dict[str, Any] = field(default_factory=dict)
    config: Path | None = None


def expand_paths(paths: list[str], settings_of: Any = None) -> Iterator[str]:
    """Files named, and document files under folders (sorted, symlink loops skipped)."""
    for path in paths:
        if os.path.isdir(path):
            seen: set[tuple[int, int]] = set()
            for root, dirs, files in os.walk(path, followlinks=True):
                try:
                    stat = os.stat(root)
                except OSError:
                    continue
                if (stat.st_dev, stat.st_ino) in seen:
                    dirs[:] = []
                    continue
                seen.add((stat.st_dev, stat.st_ino))
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    if os.path.splitext(name)[1].lower() not in DOCUMENT_EXTENSIONS:
                        continue
                    full = os.path.join(root, name)
                    if settings_of is not None and settings_of(full).is_excluded(full):
                        continue
                    yield full
        else:
            yield path


class Runner:
    """Holds the loaded catalogue and one compiled Linter per distinct rule selection."""

    def __init__(self, options: RunOptions) -> None:
        self.options = options
        self._catalogues: dict[tuple[str, ...], Catalogue] = {}
        self._linters: dict[tuple[Any, ...], Any] = {}

    def settings(self, path: str) -> Settings:
        return settings_for(path, self.options.config, self.options.overrides)

    def catalogue(self, settings: Settings) -> Catalogue:
        if settings.packs not in self._catalogues:
            self._catalogues[settings.packs] = load_catalogue(list(settings.packs))
        return self._catalogues[settings.packs]

    def linter(self, settings: Settings) -> Any:
        key = settings.rules_key()
        if key not in self._linters:
            from codelint.engine import Linter

            catalogue = self.catalogue(settings)
            rules = catalogue.select(list(settings.select) or None, list(settings.ignore) or None)
            self._linters[key] = Linter(catalogue, rules, settings.model)
        return self._linters[key]

    def as_of(self, settings: Settings) -> dt.date:
        return self.options.as_of or settings.as_of or dt.date.today()

    def lint_file(self, path: str) -> FileResult:
        """Read and lint one file; every failure becomes the result's ``error``."""
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
            output.findings, document, settings.ignored_for(document.path)
        )
        result.findings = kept + unused
        result.suppressed = silenced
        return result

    def run(self, paths: list[str]) -> list[FileResult]:
        return [self.lint_file(path) for path in expand_paths(paths, self.settings)]
