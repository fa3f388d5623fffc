"""A Markdown summary, written for GitHub's job summary (``$GITHUB_STEP_SUMMARY``).

Totals, counts by family and by rule, files that could not be read, then the findings of each
file in a table. GitHub caps a step's summary at 1 MiB, and a summary of hundreds of policies
is read for its shape, so findings are listed up to a cap per file and in all, with a note
saying how many were left out and where to find them. All document text is escaped so that
nothing in a policy can become a link, an image or HTML in the summary.
"""

from __future__ import annotations

from codelint.findings import FileResult, Finding
from codelint.reporters import RunInfo
from codelint.reporters._common import (
    display_path,
    family_counts,
    in_document_order,
    long_date,
    md_escape,
    plural,
    rule_counts,
    rule_meta,
    severity_phrase,
    where,
)

#: Findings listed for one file before the rest are counted only.
MAX_PER_FILE = 50
#: Findings listed in the whole summary.
MAX_TOTAL = 500
#: Clean files named before the rest are counted only.
MAX_CLEAN_NAMED = 50


def _redraft(finding: Finding) -> str:
    if not finding.suggestion:
        return "—"
    label = "Replace with" if finding.suggestion.get("fix") == "replace" else "Advisory"
    return f"*{label}:* {md_escape(finding.suggestion['text'])}"


def _finding_row(finding: Finding) -> str:
    place = md_escape(where(finding))
    if finding.section and not finding.document_level:
        place += "<br>in " + md_escape(" › ".join(finding.section))
    rule = f"**{md_escape(finding.rule)}** {md_escape(finding.severity)}"
    return f"| {place} | {rule} | {md_escape(finding.message)} | {_redraft(finding)} |"


def render(results: list[FileResult], info: RunInfo) -> str:
    findings = [f for r in results for f in r.findings]
    read = [r for r in results if not r.error]
    failed = [r for r in results if r.error]
    lines = ["# codelint report", ""]
    summary = f"**{plural(len(findings), 'finding')}** in {plural(len(read), 'file')} checked"
    if findings:
        summary += f" ({severity_phrase(findings)})"
    if failed:
        summary += f"; **{plural(len(failed), 'file')} could not be read**"
    suppressed = sum(len(r.suppressed) for r in results)
    if suppressed:
        summary += f"; {suppressed} suppressed by reviewers"
    lines += [
        summary + ".",
        "",
        f"Law as of {long_date(info.as_of)} · codelint {md_escape(info.version)}",
        "",
    ]

    if findings:
        families = family_counts(results)
        lines += ["## By family", "", "| Family | Findings |", "| --- | ---: |"]
        lines += [f"| {md_escape(name)} | {count} |" for name, count in families.most_common()]
        lines += [
            "",
            "## By rule",
            "",
            "| Rule | Title | Severity | Findings |",
            "| --- | --- | --- | ---: |",
        ]
        examples = {f.rule: f for f in findings}
        for code, count in sorted(rule_counts(results).items(), key=lambda i: (-i[1], i[0])):
            meta = rule_meta(info, examples[code])
            lines.append(
                f"| {md_escape(code)} | {md_escape(meta['title'])} | "
                f"{md_escape(meta['severity'])} | {count} |"
            )
        lines.append("")

    if failed:
        lines += ["## Files that could not be read", ""]
        lines += [
            f"- {md_escape(display_path(r.path))}: {md_escape(r.error or '')}" for r in failed
        ]
        lines.append("")

    listed = 0
    left_out = 0
    with_findings = [r for r in read if r.findings]
    if with_findings:
        lines += ["## Findings", ""]
    for result in with_findings:
        ordered = in_document_order(result.findings)
        lines += [
            f"### {md_escape(display_path(result.path))}",
            "",
            f"{plural(len(ordered), 'finding')} ({severity_phrase(ordered)})"
            + (f" · {md_escape(result.title)}" if result.title else ""),
            "",
        ]
        lines.extend(f"- Note: {md_escape(note)}" for note in result.notes)
        if result.notes:
            lines.append("")
        room = max(0, min(MAX_PER_FILE, MAX_TOTAL - listed))
        shown = ordered[:room]
        if shown:
            lines += ["| Where | Rule | Finding | Suggested redraft |", "| --- | --- | --- | --- |"]
            lines += [_finding_row(f) for f in shown]
            lines.append("")
        listed += len(shown)
        if len(ordered) > len(shown):
            left_out += len(ordered) - len(shown)
            lines += [
                f"*{plural(len(ordered) - len(shown), 'more finding')} in this file not "
                "listed here; the SARIF, JSON or HTML report has them all.*",
                "",
            ]

    clean_files = [r for r in read if not r.findings]
    if clean_files:
        named = ", ".join(md_escape(display_path(r.path)) for r in clean_files[:MAX_CLEAN_NAMED])
        more = len(clean_files) - MAX_CLEAN_NAMED
        lines += [
            "## No findings",
            "",
            named + (f" and {plural(more, 'other file')}" if more > 0 else "") + ".",
            "",
        ]
        for result in clean_files[:MAX_CLEAN_NAMED]:
            lines.extend(
                f"- Note on {md_escape(display_path(result.path))}: {md_escape(note)}"
                for note in result.notes
            )
        if any(r.notes for r in clean_files[:MAX_CLEAN_NAMED]):
            lines.append("")
    if left_out:
        lines += [
            f"*This summary lists {listed} of {len(findings)} findings "
            f"(at most {MAX_PER_FILE} a file, {MAX_TOTAL} in all).*",
            "",
        ]
    return "\n".join(lines).rstrip() + "\n"
