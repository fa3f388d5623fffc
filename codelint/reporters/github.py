"""GitHub Actions workflow commands: one annotation per finding.

``::warning file=policies/cpr.docx,line=13,title=OL004 ...::message``. The line is the
paragraph index (1 for findings about the whole document): GitHub cannot show a Word or PDF
file in a diff, so the message also says where the finding is in words and gives the redraft.
Values are escaped as actions/toolkit does: ``%``, CR and LF in the message; also ``:`` and
``,`` in properties, where they would end the value.

GitHub shows at most 10 annotations of each level per step (50 per job); the rest still appear
in the log. The job summary (``--format markdown``) and SARIF carry everything.
"""

from __future__ import annotations

from codelint.findings import FileResult, Finding
from codelint.reporters import RunInfo
from codelint.reporters._common import clean, display_path, line_of, plural, redraft_line, where

LEVELS = {"error": "error", "warning": "warning", "info": "notice"}


def escape_data(text: str) -> str:
    """Escape a message the way actions/toolkit's ``escapeData`` does."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a property value (``file``, ``title``) as ``escapeProperty`` does."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(level: str, message: str, **properties: str | int) -> str:
    """One workflow command line. Control characters (a vertical tab Word left in a
    paragraph) are dropped: they mean nothing in a log and some tools break lines on them."""
    props = ",".join(
        f"{key}={escape_property(clean(str(value)))}" for key, value in properties.items()
    )
    head = f"::{level} {props}" if props else f"::{level}"
    return f"{head}::{escape_data(clean(message))}"


def _message(finding: Finding) -> str:
    lines = [finding.message, f"Where: {where(finding)}."]
    if finding.excerpt and not finding.document_level:
        lines.append(f"Text: {finding.excerpt}")
    redraft = redraft_line(finding)
    if redraft:
        lines.append(redraft)
    return "\n".join(lines)


def render(results: list[FileResult], info: RunInfo) -> str:
    lines: list[str] = []
    total = 0
    for result in results:
        path = display_path(result.path)
        if result.error:
            lines.append(command("error", result.error, file=path, title="codelint: file not read"))
            continue
        for note in result.notes:
            lines.append(command("notice", note, file=path, title="codelint note"))
        for finding in result.findings:
            total += 1
            lines.append(
                command(
                    LEVELS.get(finding.severity, "warning"),
                    _message(finding),
                    file=path,
                    line=line_of(finding),
                    title=f"{finding.rule} {finding.title}",
                )
            )
    read = sum(1 for r in results if not r.error)
    errors = len(results) - read
    summary = f"codelint: {plural(total, 'finding')} in {plural(read, 'file')}"
    if errors:
        summary += f"; {plural(errors, 'file')} could not be read"
    lines.append(summary + f" (law as of {info.as_of.isoformat()}).")
    return "\n".join(lines) + "\n"
