"""SARIF 2.1.0 for GitHub code scanning and other SARIF viewers.

A Word or PDF file has no lines, so each result points at a synthetic line, the paragraph
index (1 for findings about the whole document), and carries the excerpt as the region's
snippet and page, section and clause in its property bag. GitHub would otherwise fingerprint a
result by hashing that line of the file, which means nothing in a zip or a PDF, so every result
carries our own stable fingerprint in ``partialFingerprints``.

Suppressed findings are left out: a reviewer silenced them, and code scanning should not
reopen them. Files that could not be read are tool execution notifications, and the run is
then marked unsuccessful.
"""

from __future__ import annotations

import json
import re
from typing import Any

from codelint.findings import FileResult, Finding
from codelint.reporters import RunInfo
from codelint.reporters._common import (
    artifact_uri,
    by_severity,
    display_path,
    example_texts,
    line_of,
    md_escape,
    project_url,
    redraft_line,
    rule_meta,
    where,
)

SCHEMA_URI = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
LEVELS = {"error": "error", "warning": "warning", "info": "note"}
#: GitHub code scanning accepts at most this many results in one run.
MAX_RESULTS = 25_000
#: GitHub truncates rule descriptions longer than this.
MAX_DESCRIPTION = 1024

MIME_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
    "html": "text/html",
    "markdown": "text/markdown",
    "text": "text/plain",
    "doc": "application/msword",
    "rtf": "application/rtf",
    "odt": "application/vnd.oasis.opendocument.text",
}


def _cut(text: str, limit: int = MAX_DESCRIPTION) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _suggestion(meta: dict[str, Any]) -> tuple[str, str] | None:
    """The rule's redraft and its kind; a template ("{replacement}") is described instead."""
    suggestion = meta.get("suggestion")
    if not suggestion:
        return None
    kind = "direct replacement" if suggestion.get("fix") == "replace" else "advisory"
    text = suggestion["text"]
    if re.search(r"\{\w+\}", text):
        text = "given with each finding (it depends on the words matched and the date)"
    return text, kind


def _help_text(meta: dict[str, Any]) -> str:
    parts = [meta["title"] + "."]
    if meta["rationale"]:
        parts.append(f"Why it matters: {meta['rationale']}")
    parts.append(f"Source: {meta['source']}")
    suggestion = _suggestion(meta)
    if suggestion:
        parts.append(f"Suggested redraft ({suggestion[1]}): {suggestion[0]}")
    flagged, passed = example_texts(meta, "flag"), example_texts(meta, "pass")
    if flagged:
        parts.append("Flagged, for example: " + " | ".join(flagged))
    if passed:
        parts.append("Not flagged, for example: " + " | ".join(passed))
    return "\n\n".join(parts)


def _help_markdown(meta: dict[str, Any]) -> str:
    lines = [f"**{md_escape(meta['code'])}: {md_escape(meta['title'])}**", ""]
    if meta["rationale"]:
        lines += ["### Why it matters", "", md_escape(meta["rationale"]), ""]
    lines += ["### Source", "", md_escape(meta["source"]), ""]
    suggestion = _suggestion(meta)
    if suggestion:
        lines += [f"### Suggested redraft ({suggestion[1]})", "", md_escape(suggestion[0]), ""]
    for key, heading in (("flag", "Flagged, for example"), ("pass", "Not flagged, for example")):
        texts = example_texts(meta, key)
        if texts:
            lines += [f"### {heading}", ""]
            lines += [f"- {md_escape(text)}" for text in texts]
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _rule(meta: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": meta["code"],
        "shortDescription": {"text": _cut(meta["title"])},
        "fullDescription": {"text": _cut(meta["rationale"] or meta["title"])},
        "help": {"text": _help_text(meta), "markdown": _help_markdown(meta)},
        "defaultConfiguration": {"level": LEVELS.get(meta["severity"], "warning")},
        "properties": {"tags": [meta["family"]]},
    }


def _message(finding: Finding) -> str:
    """The finding's message, where it is in words (GitHub's line is only the paragraph
    index), and the redraft."""
    lines = [finding.message, f"Where: {where(finding)}."]
    redraft = redraft_line(finding)
    if redraft:
        lines.append(redraft)
    return "\n".join(lines)


def _result(finding: Finding, rule_index: int, artifact: dict[str, Any]) -> dict[str, Any]:
    region: dict[str, Any] = {"startLine": line_of(finding)}
    if finding.excerpt:
        region["snippet"] = {"text": finding.excerpt}
    return {
        "ruleId": finding.rule,
        "ruleIndex": rule_index,
        "level": LEVELS.get(finding.severity, "warning"),
        "message": {"text": _message(finding)},
        "locations": [{"physicalLocation": {"artifactLocation": artifact, "region": region}}],
        "partialFingerprints": {"codelint/v1": finding.fingerprint},
        "properties": {
            "page": finding.page,
            "paragraph": finding.paragraph,
            "section": list(finding.section),
            "clause": finding.clause,
            "family": finding.family,
            "documentLevel": finding.document_level,
        },
    }


def _artifact_location(path: str, index: int) -> dict[str, Any]:
    uri, relative = artifact_uri(path)
    location: dict[str, Any] = {"uri": uri, "index": index}
    if relative:
        location["uriBaseId"] = "%SRCROOT%"
    return location


def _kept(results: list[FileResult]) -> tuple[set[int], int]:
    """Which findings fit under GitHub's result limit (by id), keeping the most severe."""
    everything = [f for r in results for f in r.findings]
    if len(everything) <= MAX_RESULTS:
        return {id(f) for f in everything}, 0
    kept = by_severity(everything)[:MAX_RESULTS]
    return {id(f) for f in kept}, len(everything) - MAX_RESULTS


def build(results: list[FileResult], info: RunInfo) -> dict[str, Any]:
    """The SARIF log as a dictionary (``render`` serialises it)."""
    artifacts: list[dict[str, Any]] = []
    locations: list[dict[str, Any]] = []
    for index, result in enumerate(results):
        location = _artifact_location(result.path, index)
        locations.append(location)
        artifact: dict[str, Any] = {
            "location": {key: value for key, value in location.items() if key != "index"}
        }
        if result.format in MIME_TYPES:
            artifact["mimeType"] = MIME_TYPES[result.format]
        artifacts.append(artifact)

    kept, dropped = _kept(results)
    rules: list[dict[str, Any]] = []
    rule_index: dict[str, int] = {}
    sarif_results = []
    for result, location in zip(results, locations, strict=True):
        for finding in result.findings:
            if id(finding) not in kept:
                continue
            if finding.rule not in rule_index:
                rule_index[finding.rule] = len(rules)
                rules.append(_rule(rule_meta(info, finding)))
            sarif_results.append(_result(finding, rule_index[finding.rule], location))

    notifications: list[dict[str, Any]] = []
    for result, location in zip(results, locations, strict=True):
        if result.error:
            notifications.append(
                {
                    "level": "error",
                    "message": {"text": f"{display_path(result.path)}: {result.error}"},
                    "descriptor": {"id": "read-error"},
                    "locations": [{"physicalLocation": {"artifactLocation": location}}],
                }
            )
    if dropped:
        notifications.append(
            {
                "level": "warning",
                "message": {
                    "text": f"{dropped} less severe findings were left out: code scanning "
                    f"accepts at most {MAX_RESULTS} results in one run."
                },
                "descriptor": {"id": "results-truncated"},
            }
        )
    invocation: dict[str, Any] = {
        "executionSuccessful": not any(r.error for r in results),
    }
    if notifications:
        invocation["toolExecutionNotifications"] = notifications

    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "codelint",
                "version": info.version,
                **({"informationUri": url} if (url := project_url()) else {}),
                "rules": rules,
            }
        },
        "invocations": [invocation],
        "artifacts": artifacts,
        "results": sarif_results,
        "properties": {
            "asOf": info.as_of.isoformat(),
            "suppressed": sum(len(r.suppressed) for r in results),
        },
    }
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def render(results: list[FileResult], info: RunInfo) -> str:
    return json.dumps(build(results, info), indent=2, ensure_ascii=False) + "\n"
