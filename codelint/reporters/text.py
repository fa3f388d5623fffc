"""One finding a line, ``path:page:paragraph: CODE message``, then the redraft indented."""

from __future__ import annotations

from collections import Counter

from codelint.findings import FileResult
from codelint.reporters import RunInfo


def _location(finding_page: int | None, paragraph: int | None) -> str:
    return f"{finding_page if finding_page is not None else '-'}:{paragraph or '-'}"


def render(results: list[FileResult], info: RunInfo) -> str:
    lines: list[str] = []
    total = 0
    for result in results:
        if result.error:
            continue  # errors go to standard error, one line each (see cli)
        for note in result.notes:
            lines.append(f"{result.path}: note: {note}")
        for finding in result.findings:
            total += 1
            where = _location(finding.page, finding.paragraph)
            clause = f"[{finding.clause}] " if finding.clause else ""
            lines.append(f"{result.path}:{where}: {finding.rule} {clause}{finding.message}")
            if finding.excerpt:
                lines.append(f"    | {finding.excerpt}")
            if finding.suggestion:
                label = "replace with" if finding.suggestion["fix"] == "replace" else "suggestion"
                lines.append(f"    {label}: {finding.suggestion['text']}")
    if info.statistics:
        lines.extend(statistics_lines(results))
    files = sum(1 for r in results if not r.error)
    errors = sum(1 for r in results if r.error)
    plural = "s" if total != 1 else ""
    summary = f"Found {total} finding{plural} in {files} file{'s' if files != 1 else ''}"
    if errors:
        summary += f"; {errors} file{'s' if errors != 1 else ''} could not be read"
    lines.append(summary + f" (law as of {info.as_of.isoformat()}).")
    return "\n".join(lines) + "\n"


def statistics_lines(results: list[FileResult]) -> list[str]:
    """Counts per rule, most frequent first (``--statistics``)."""
    counts: Counter[tuple[str, str]] = Counter()
    for result in results:
        for finding in result.findings:
            counts[(finding.rule, finding.title)] += 1
    return [f"{count:5d}  {code}  {title}" for (code, title), count in counts.most_common()]
