"""JUnit XML, for CI systems that show test reports (GitLab, Jenkins, Azure Pipelines).

One ``testsuite`` per file. Each finding is a failing ``testcase``; a file with no findings
gets one passing testcase, so it still shows as checked; a file that could not be read gets
one testcase with an ``<error>``. The ``file`` and ``line`` attributes carry the path and the
paragraph index, as GitLab reads them.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from codelint.findings import FileResult, Finding
from codelint.reporters import RunInfo
from codelint.reporters._common import (
    clean,
    display_path,
    line_of,
    redraft_line,
    report_time,
    rule_meta,
    where,
)


def _element(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, {k: clean(v) for k, v in attrs.items()})
    if text is not None:
        element.text = clean(text)
    return element


def _body(finding: Finding, info: RunInfo) -> str:
    meta = rule_meta(info, finding)
    lines = [
        f"{finding.rule} ({finding.severity}, {finding.family}): {finding.title}",
        finding.message,
        f"Where: {where(finding)}",
    ]
    if finding.section:
        lines.append("Section: " + " > ".join(finding.section))
    if finding.excerpt and not finding.document_level:
        lines.append(f"Text: {finding.excerpt}")
    redraft = redraft_line(finding)
    if redraft:
        lines.append(redraft)
    if meta["rationale"]:
        lines.append(f"Why: {meta['rationale']}")
    lines.append(f"Source: {meta['source']}")
    return "\n".join(lines)


def _case_name(finding: Finding) -> str:
    return f"{finding.rule} {finding.title} ({where(finding)})"


def build(results: list[FileResult], info: RunInfo) -> ET.Element:
    stamp = report_time(info).replace(microsecond=0, tzinfo=None).isoformat()
    root = ET.Element("testsuites", {"name": "codelint"})
    totals = {"tests": 0, "failures": 0, "errors": 0}
    for result in results:
        path = display_path(result.path)
        suite = _element(root, "testsuite", name=path, timestamp=stamp, file=path)
        properties = _element(suite, "properties")
        _element(properties, "property", name="as_of", value=info.as_of.isoformat())
        _element(properties, "property", name="codelint_version", value=info.version)
        counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        if result.error:
            case = _element(suite, "testcase", name="read", classname=path, file=path)
            _element(case, "error", result.error, message=result.error, type="read-error")
            counts["tests"] = counts["errors"] = 1
        elif not result.findings:
            _element(suite, "testcase", name="no findings", classname=path, file=path)
            counts["tests"] = 1
        for finding in result.findings:
            case = _element(
                suite,
                "testcase",
                name=_case_name(finding),
                classname=path,
                file=path,
                line=str(line_of(finding)),
            )
            _element(
                case,
                "failure",
                _body(finding, info),
                message=finding.message,
                type=f"{finding.rule} {finding.severity}",
            )
            counts["tests"] += 1
            counts["failures"] += 1
        for key, value in counts.items():
            suite.set(key, str(value))
        for key in totals:
            totals[key] += counts[key]
    for key, value in totals.items():
        root.set(key, str(value))
    return root


def render(results: list[FileResult], info: RunInfo) -> str:
    root = build(results, info)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, "unicode") + "\n"
