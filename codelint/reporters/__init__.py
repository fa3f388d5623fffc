"""Reporters turn results into one output format each; they see findings, never readers.

Each module exposes ``render(results, info) -> str``. ``REPORTERS`` maps the ``--format``
name to the module that renders it; modules are imported only when chosen.
"""

from __future__ import annotations

import datetime as dt
import importlib
from dataclasses import dataclass, field
from typing import Any

from codelint.findings import FileResult

REPORTERS = {
    "text": "codelint.reporters.text",
    "json": "codelint.reporters.json_report",
    "sarif": "codelint.reporters.sarif",
    "github": "codelint.reporters.github",
    "junit": "codelint.reporters.junit",
    "gitlab": "codelint.reporters.gitlab",
    "markdown": "codelint.reporters.markdown",
    "html": "codelint.reporters.html",
}


@dataclass
class RunInfo:
    """What every reporter may show besides the findings."""

    as_of: dt.date
    version: str
    #: Rule metadata for the codes present: code -> {title, family, severity, rationale, source}.
    rules: dict[str, dict[str, Any]] = field(default_factory=dict)
    statistics: bool = False
    fail_on: str = "info"
    #: When the report was made (None: now). Fixed by tests and docs for reproducible output.
    created: dt.datetime | None = None


def render(name: str, results: list[FileResult], info: RunInfo) -> str:
    module = importlib.import_module(REPORTERS[name])
    return module.render(results, info)
