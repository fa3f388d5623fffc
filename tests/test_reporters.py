"""The CI and report formats: SARIF, GitHub annotations, JUnit, GitLab Code Quality, the
Markdown job summary and the HTML report.

Each format is checked on a fixed, hand-made set of results (with and without a redraft, a
document-level finding, a suppressed finding, a clean file and an unreadable one, and text full
of quotes, ``<``, ``&``, ``%``, commas, colons, newlines, a control character and ``£``), then
on the real results of the bundled samples.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import os
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from markdown_it import MarkdownIt

from codelint.cli import main as codelint_main
from codelint.findings import ChecklistEntry, FileResult, Finding
from codelint.reporters import (
    REPORTERS,
    RunInfo,
    _common,
    github,
    gitlab,
    html,
    junit,
    markdown,
    render,
    sarif,
)

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = json.loads((Path(__file__).parent / "schemas" / "sarif-schema-2.1.0.json").read_text())
SAMPLES = ROOT / "corpora" / "samples"

TRICKY_PATH = "policies/cpr, draft: 100% £.docx"
EXCERPT = 'Advertise in the "OJEU" <b>now</b> & pay £5,000, 100%: commas, colons | pipes.'
MESSAGE = "'OJEU' is out of date:\nnotices go on Find a Tender, 100% of them, since 2021."


def finding(**overrides: Any) -> Finding:
    values: dict[str, Any] = {
        "rule": "OL001",
        "family": "outdated-law",
        "severity": "warning",
        "title": "Notices sent to OJEU or TED",
        "message": MESSAGE,
        "source": "PPN 08/20 & S.I. 2020/1319",
        "paragraph": 13,
        "page": 2,
        "section": ["Part 1: Scope", 'Advertising & "notices" <i>'],
        "clause": "4.2",
        "span": (17, 21),
        "excerpt": EXCERPT,
        "match": "OJEU",
        "suggestion": {"text": 'Find a Tender, the "central" platform', "fix": "replace"},
        "fingerprint": "aaaa000011112222",
    }
    values.update(overrides)
    return Finding(**values)


def hand_made() -> list[FileResult]:
    first = FileResult(
        path=TRICKY_PATH,
        format="docx",
        title='Contract <Procedure> Rules & "Orders"',
        pages=7,
        blocks=120,
        words=3000,
        notes=["converted from .doc by LibreOffice; <1 image> skipped"],
        findings=[
            finding(
                rule="SM001",
                family="social-value-missing",
                title="No mention of social value",
                message="The document never mentions social value.",
                source="Public Services (Social Value) Act 2012 s.1",
                paragraph=1,
                page=1,
                section=[],
                clause=None,
                span=None,
                excerpt="Contract Procedure Rules",
                match="",
                suggestion={"text": "Add a social value section.", "fix": "advisory"},
                fingerprint="sm00000000000001",
                document_level=True,
            ),
            finding(),
            finding(
                rule="LP001",
                family="lowest-price",
                severity="error",
                title="Award on lowest price",
                message="'lowest price' is the rule.\r\nQuality gets no weight.",
                source="Procurement Act 2023 s.19",
                paragraph=40,
                page=5,
                section=["Part 2: Award"],
                clause="12(b)",
                span=(4, 16),
                excerpt="The lowest price wins, always\x0b (vertical tab from Word).",
                match="lowest price",
                suggestion={"text": "the most advantageous tender", "fix": "advisory"},
                fingerprint="lp00000000000001",
            ),
            finding(
                rule="RB001",
                family="reporting-burden",
                severity="info",
                title="The same monitoring for every contract",
                message="Monitoring is the same whatever the value.",
                source="The Compact (2010), section 3",
                paragraph=41,
                page=None,
                section=["Part 2: Award"],
                clause=None,
                span=(0, 5),
                excerpt="All contracts are monitored monthly.",
                match="All contracts",
                suggestion=None,
                fingerprint="rb00000000000001",
            ),
            finding(
                paragraph=60,
                clause="9.1",
                fingerprint="aaaa000011113333",
                page=6,
                section=["Part 3"],
                excerpt="Notices go to the OJEU.",
                match="OJEU",
            ),
        ],
        suppressed=[
            finding(
                rule="OL009",
                title="Pre-qualification questionnaires (PQQ)",
                fingerprint="ol09000000000001",
                suppressed={"by": "Word comment", "reason": "reviewed <ok> & kept"},
            )
        ],
        checklist=[
            ChecklistEntry(
                "A1",
                "Consult the sector for 12 weeks",
                "found",
                [
                    {
                        "paragraph": 30,
                        "page": 4,
                        "section": ["Consultation"],
                        "clause": "7.1",
                        "excerpt": "We consult for 12 weeks <always>.",
                    }
                ],
            ),
            ChecklistEntry("A2", "Three months' notice of funding changes", "missing"),
            ChecklistEntry(
                "A3",
                "Agree a Compact with the sector",
                "outside",
                note="Ask whether the council has signed its local Compact.",
            ),
        ],
    )
    clean = FileResult(
        path="policies/clean.pdf",
        format="pdf",
        title="Good practice",
        pages=2,
        blocks=20,
        words=500,
    )
    broken = FileResult(
        path="policies/broken.docx", error='not a Word document: bad zip <x> & "y", part 1: gone'
    )
    return [first, clean, broken]


RULES = {
    "OL001": {
        "code": "OL001",
        "title": "Notices sent to OJEU or TED",
        "family": "outdated-law",
        "family_description": "Superseded law presented as current.",
        "severity": "warning",
        "rationale": "Since 1 January 2021 UK notices go to Find a Tender <not OJEU>.",
        "source": "PPN 08/20 & S.I. 2020/1319; see https://www.gov.uk/ppn-08-20",
        "suggestion": {"text": "{replacement}", "fix": "replace"},
        "examples": {
            "flag": ["Advertise in the OJEU.", "Advertise in the OJEU."],
            "pass": [{"text": "Advertise in the OJEU.", "as_of": "2019-03-01"}],
        },
    },
    "LP001": {
        "code": "LP001",
        "title": "Award on lowest price",
        "family": "lowest-price",
        "family_description": "Lowest price alone as the basis of award.",
        "severity": "error",
        "rationale": "Lowest price alone leaves no room for social value.",
        "source": "Procurement Act 2023 s.19",
        "suggestion": {"text": "the most advantageous tender", "fix": "advisory"},
        "examples": {"flag": ["Award to the lowest price."], "pass": ["Award on quality."]},
    },
    "SM001": {
        "code": "SM001",
        "title": "No mention of social value",
        "family": "social-value-missing",
        "family_description": "The document never mentions social value.",
        "severity": "warning",
        "rationale": "The Social Value Act asks bodies to consider social value.",
        "source": "Public Services (Social Value) Act 2012 s.1",
        "suggestion": {"text": "Add a social value section.", "fix": "advisory"},
        "examples": {"flag": [], "pass": []},
    },
    # RB001 is left out on purpose: reporters fall back on the finding's own fields.
}

INFO = RunInfo(
    as_of=dt.date(2026, 6, 1),
    version="0.1.0",
    rules=RULES,
    created=dt.datetime(2026, 6, 2, 9, 30, tzinfo=dt.UTC),
)


@pytest.fixture
def results() -> list[FileResult]:
    return hand_made()


def test_every_format_is_registered() -> None:
    for name in ("sarif", "github", "junit", "gitlab", "markdown", "html"):
        assert name in REPORTERS


# -- SARIF -----------------------------------------------------------------------------------


def validate_sarif(log: dict[str, Any]) -> None:
    validator = jsonschema.Draft4Validator(SCHEMA, format_checker=jsonschema.FormatChecker())
    errors = sorted(validator.iter_errors(log), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:10])


def test_sarif_validates_and_describes_the_run(results: list[FileResult]) -> None:
    log = json.loads(render("sarif", results, INFO))
    validate_sarif(log)
    assert log["version"] == "2.1.0"
    assert len(log["runs"]) == 1
    run = log["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "codelint"
    assert driver["version"] == "0.1.0"
    # informationUri only when the package metadata names a home page (never a guess).
    assert driver.get("informationUri", "https://").startswith("https://")
    assert run["properties"]["asOf"] == "2026-06-01"


def test_sarif_rules_only_for_codes_present(results: list[FileResult]) -> None:
    run = json.loads(render("sarif", results, INFO))["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    # In order of first appearance; the suppressed OL009 is not a result, so not a rule.
    assert [r["id"] for r in rules] == ["SM001", "OL001", "LP001", "RB001"]
    by_id = {r["id"]: r for r in rules}
    ol = by_id["OL001"]
    assert ol["shortDescription"]["text"] == "Notices sent to OJEU or TED"
    assert ol["fullDescription"]["text"] == RULES["OL001"]["rationale"]
    assert ol["defaultConfiguration"]["level"] == "warning"
    assert ol["properties"]["tags"] == ["outdated-law"]
    for part in (
        RULES["OL001"]["rationale"],
        "PPN 08/20",
        "Advertise in the OJEU.",
        "(as of 2019-03-01)",
    ):
        assert part in ol["help"]["text"]
    assert ol["help"]["text"].count("Advertise in the OJEU.") == 2  # once flagged, once dated
    assert "{replacement}" not in ol["help"]["text"]  # a template is described, not shown
    markdown_help = ol["help"]["markdown"]
    assert "### Why it matters" in markdown_help
    assert "\\<not OJEU\\>" in markdown_help  # no raw HTML from rule text
    assert "&amp;" in markdown_help
    assert by_id["LP001"]["defaultConfiguration"]["level"] == "error"
    assert (
        "Suggested redraft (advisory): the most advantageous tender"
        in (by_id["LP001"]["help"]["text"])
    )
    # No catalogue entry: built from the finding itself.
    rb = by_id["RB001"]
    assert rb["defaultConfiguration"]["level"] == "note"
    assert rb["shortDescription"]["text"] == "The same monitoring for every contract"
    assert "The Compact (2010), section 3" in rb["help"]["text"]


def test_sarif_results(results: list[FileResult]) -> None:
    run = json.loads(render("sarif", results, INFO))["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    found = run["results"]
    assert len(found) == 5
    for result in found:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
    levels = {r["ruleId"]: r["level"] for r in found}
    assert levels == {"SM001": "warning", "OL001": "warning", "LP001": "error", "RB001": "note"}

    whole, ojeu, lowest, monitoring = found[:4]
    location = ojeu["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "policies/cpr,%20draft%3A%20100%25%20%C2%A3.docx"
    assert location["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
    assert location["region"]["startLine"] == 13
    assert location["region"]["snippet"]["text"] == EXCERPT
    assert ojeu["partialFingerprints"] == {"codelint/v1": "aaaa000011112222"}
    assert ojeu["properties"] == {
        "page": 2,
        "paragraph": 13,
        "section": ["Part 1: Scope", 'Advertising & "notices" <i>'],
        "clause": "4.2",
        "family": "outdated-law",
        "documentLevel": False,
    }
    text = ojeu["message"]["text"]
    assert text.startswith(MESSAGE)
    assert "Where: clause 4.2, page 2, paragraph 13." in text
    assert 'Replace with: Find a Tender, the "central" platform' in text
    assert "Suggested redraft (advisory): the most advantageous tender" in lowest["message"]["text"]
    assert "redraft" not in monitoring["message"]["text"].lower()
    assert whole["locations"][0]["physicalLocation"]["region"]["startLine"] == 1
    assert "Where: the whole document." in whole["message"]["text"]


def test_sarif_artifacts_and_read_errors(results: list[FileResult]) -> None:
    run = json.loads(render("sarif", results, INFO))["runs"][0]
    uris = [a["location"]["uri"] for a in run["artifacts"]]
    assert uris == [
        "policies/cpr,%20draft%3A%20100%25%20%C2%A3.docx",
        "policies/clean.pdf",
        "policies/broken.docx",
    ]
    assert run["artifacts"][0]["mimeType"].endswith("wordprocessingml.document")
    assert run["artifacts"][1]["mimeType"] == "application/pdf"
    invocation = run["invocations"][0]
    assert invocation["executionSuccessful"] is False
    [notice] = invocation["toolExecutionNotifications"]
    assert notice["level"] == "error"
    assert "policies/broken.docx" in notice["message"]["text"]
    assert 'bad zip <x> & "y"' in notice["message"]["text"]
    assert notice["locations"][0]["physicalLocation"]["artifactLocation"]["index"] == 2
    assert run["properties"]["suppressed"] == 1
    assert all(r["ruleId"] != "OL009" for r in run["results"])

    clean_run = json.loads(render("sarif", results[:2], INFO))["runs"][0]
    assert clean_run["invocations"][0]["executionSuccessful"] is True
    assert "toolExecutionNotifications" not in clean_run["invocations"][0]


def test_sarif_keeps_the_most_severe_under_githubs_limit(
    results: list[FileResult], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sarif, "MAX_RESULTS", 2)
    log = json.loads(render("sarif", results, INFO))
    validate_sarif(log)
    run = log["runs"][0]
    assert [r["ruleId"] for r in run["results"]] == ["SM001", "LP001"]
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == ["SM001", "LP001"]
    notes = run["invocations"][0]["toolExecutionNotifications"]
    assert any(n["level"] == "warning" and "3 less severe" in n["message"]["text"] for n in notes)


def test_sarif_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    inside = str(tmp_path / "sub" / "a b.docx")
    elsewhere = "/srv/policies/x.pdf" if not str(tmp_path).startswith("/srv") else "/opt/x.pdf"
    run = json.loads(
        render(
            "sarif",
            [
                FileResult(path=inside),
                FileResult(path=elsewhere),
                FileResult(path="./sub/../c.md"),
                FileResult(path="https://example.org/cpr.html"),
            ],
            INFO,
        )
    )["runs"][0]
    locations = [a["location"] for a in run["artifacts"]]
    assert locations[0] == {"uri": "sub/a%20b.docx", "uriBaseId": "%SRCROOT%"}
    assert locations[1] == {"uri": "file://" + elsewhere}
    assert locations[2] == {"uri": "c.md", "uriBaseId": "%SRCROOT%"}
    assert locations[3] == {"uri": "https://example.org/cpr.html"}


# -- GitHub annotations ----------------------------------------------------------------------


def test_github_escaping_follows_the_toolkit() -> None:
    assert github.escape_data("100% done\r\nnext: a,b") == "100%25 done%0D%0Anext: a,b"
    assert github.escape_property("100% done\r\nnext: a,b") == "100%25 done%0D%0Anext%3A a%2Cb"
    # "%" first, so an escape sequence already in the text is not read back as one.
    assert github.escape_data("%0A") == "%250A"


COMMAND = re.compile(r"^::(error|warning|notice)(?: (?P<props>[^:]*))?::(?P<data>.*)$")


def unescape(text: str) -> str:
    for code, char in (("%2C", ","), ("%3A", ":"), ("%0A", "\n"), ("%0D", "\r"), ("%25", "%")):
        text = text.replace(code, char)
    return text


def parse_command(line: str) -> tuple[str, dict[str, str], str]:
    match = COMMAND.match(line)
    assert match, line
    props = {}
    for pair in (match.group("props") or "").split(","):
        key, _, value = pair.partition("=")
        props[key] = unescape(value)
    return match.group(1), props, unescape(match.group("data"))


def test_github_annotations(results: list[FileResult]) -> None:
    output = render("github", results, INFO)
    lines = output.split("\n")
    assert lines.pop() == ""  # the output ends with a newline
    commands = [parse_command(line) for line in lines[:-1]]
    # The note, five findings, then the unreadable file.
    assert [c[0] for c in commands] == [
        "notice",
        "warning",
        "warning",
        "error",
        "notice",
        "warning",
        "error",
    ]
    note, whole, ojeu, lowest, monitoring, _, broken = commands
    assert note[1]["file"] == TRICKY_PATH
    assert "<1 image>" in note[2]
    assert ojeu[1] == {
        "file": TRICKY_PATH,
        "line": "13",
        "title": "OL001 Notices sent to OJEU or TED",
    }
    assert ojeu[2].startswith(MESSAGE)
    assert EXCERPT in ojeu[2]
    assert 'Replace with: Find a Tender, the "central" platform' in ojeu[2]
    assert whole[1]["line"] == "1"
    assert "\r\n" in lowest[2]  # carried through, escaped on the wire
    assert "always (vertical tab from Word)" in lowest[2]  # the control character dropped
    assert monitoring[1]["line"] == "41"
    assert broken[1] == {"file": "policies/broken.docx", "title": "codelint: file not read"}
    assert broken[2] == 'not a Word document: bad zip <x> & "y", part 1: gone'
    # Nothing can break out of its line.
    for line in lines:
        assert "\r" not in line
    assert lines[-1] == (
        "codelint: 5 findings in 2 files; 1 file could not be read (law as of 2026-06-01)."
    )
    # The raw line escapes the property separators inside the path.
    assert "file=policies/cpr%2C draft%3A 100%25 £.docx," in lines[1]


# -- JUnit -----------------------------------------------------------------------------------


def test_junit_is_well_formed_and_complete(results: list[FileResult]) -> None:
    output = render("junit", results, INFO)
    assert output.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    root = ET.fromstring(output.encode("utf-8"))
    assert root.tag == "testsuites"
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("7", "5", "1")
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == [
        TRICKY_PATH,
        "policies/clean.pdf",
        "policies/broken.docx",
    ]
    first, clean, broken = suites
    assert first.get("timestamp") == "2026-06-02T09:30:00"
    cases = first.findall("testcase")
    assert len(cases) == 5 and first.get("failures") == "5"
    ojeu = cases[1]
    assert ojeu.get("classname") == TRICKY_PATH
    assert ojeu.get("line") == "13"
    assert (
        ojeu.get("name") == "OL001 Notices sent to OJEU or TED (clause 4.2, page 2, paragraph 13)"
    )
    failure = ojeu.find("failure")
    assert failure is not None
    assert failure.get("message") == MESSAGE  # the newline survives the attribute
    assert failure.get("type") == "OL001 warning"
    body = failure.text or ""
    for part in (
        EXCERPT,
        "Section: Part 1: Scope > Advertising",
        "Replace with:",
        "Why: Since 1 January 2021",
        "Source: PPN 08/20",
    ):
        assert part in body
    lowest = cases[2].find("failure")
    assert lowest is not None and "\x0b" not in (lowest.text or "")  # XML cannot carry it
    [passing] = clean.findall("testcase")
    assert list(passing) == [] and clean.get("tests") == "1" and clean.get("failures") == "0"
    [unread] = broken.findall("testcase")
    error = unread.find("error")
    assert error is not None
    assert error.get("message") == 'not a Word document: bad zip <x> & "y", part 1: gone'
    assert broken.get("errors") == "1"
    properties = {p.get("name"): p.get("value") for p in first.iter("property")}
    assert properties == {"as_of": "2026-06-01", "codelint_version": "0.1.0"}


# -- GitLab Code Quality ---------------------------------------------------------------------


def check_gitlab_shape(issues: Any) -> None:
    assert isinstance(issues, list)
    for issue in issues:
        assert set(issue) == {"description", "check_name", "fingerprint", "severity", "location"}
        assert isinstance(issue["description"], str) and issue["description"]
        assert re.fullmatch(r"[0-9a-f]{32}", issue["fingerprint"])
        assert issue["severity"] in {"info", "minor", "major", "critical", "blocker"}
        assert set(issue["location"]) == {"path", "lines"}
        begin = issue["location"]["lines"]["begin"]
        assert isinstance(begin, int) and begin >= 1
    fingerprints = [i["fingerprint"] for i in issues]
    assert len(set(fingerprints)) == len(fingerprints)


def test_gitlab_code_quality(results: list[FileResult]) -> None:
    issues = json.loads(render("gitlab", results, INFO))
    check_gitlab_shape(issues)
    assert [i["check_name"] for i in issues] == [
        "SM001",
        "OL001",
        "LP001",
        "RB001",
        "OL001",
        "codelint/read-error",
    ]
    assert [i["severity"] for i in issues] == [
        "major",
        "major",
        "critical",
        "info",
        "major",
        "blocker",
    ]
    ojeu = issues[1]
    assert ojeu["location"] == {"path": TRICKY_PATH, "lines": {"begin": 13}}
    assert ojeu["description"].startswith("OL001 (clause 4.2, page 2, paragraph 13): " + MESSAGE)
    assert "Replace with: Find a Tender" in ojeu["description"]
    assert issues[0]["location"]["lines"]["begin"] == 1
    assert issues[-1]["location"]["path"] == "policies/broken.docx"
    assert "bad zip" in issues[-1]["description"]
    # Stable from run to run, different for the same finding in another file.
    assert json.loads(render("gitlab", hand_made(), INFO)) == issues
    moved = hand_made()
    moved[0].path = "elsewhere/cpr.docx"
    assert json.loads(render("gitlab", moved, INFO))[1]["fingerprint"] != ojeu["fingerprint"]


def test_gitlab_fingerprints_stay_unique_for_identical_findings() -> None:
    twins = FileResult(path="a.docx", findings=[finding(), finding()])
    check_gitlab_shape(gitlab.build([twins], INFO))


# -- Markdown job summary --------------------------------------------------------------------


def rendered_markdown(text: str) -> str:
    """Render as GitHub would before sanitising: CommonMark with raw HTML, plus tables."""
    return MarkdownIt("commonmark", {"html": True}).enable("table").render(text)


def test_markdown_summary(results: list[FileResult]) -> None:
    output = render("markdown", results, INFO)
    assert output.startswith("# codelint report\n")
    assert "**5 findings** in 2 files checked (1 error, 3 warnings, 1 info)" in output
    assert "**1 file could not be read**" in output
    assert "1 suppressed by reviewers" in output
    assert "Law as of 1 June 2026" in output
    assert "| outdated-law | 2 |" in output
    assert "| lowest-price | 1 |" in output
    assert "| OL001 | Notices sent to OJEU or TED | warning | 2 |" in output
    assert "| RB001 | The same monitoring for every contract | info | 1 |" in output
    assert "## Files that could not be read" in output
    assert "## No findings" in output and "policies/clean.pdf" in output

    page = rendered_markdown(output)
    # Nothing from a document became markup: no element but ours.
    tags = set(re.findall(r"<([a-z0-9]+)", page))
    assert tags <= {
        "h1",
        "h2",
        "h3",
        "p",
        "strong",
        "em",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
        "ul",
        "li",
        "br",
    }, tags
    assert "&lt;1 image&gt;" in page
    assert "bad zip &lt;x&gt; &amp; &quot;y&quot;" in page
    # Each findings row still has exactly four cells despite the "|" in the text.
    table = page.split("<h3>")[1]
    rows = re.findall(r"<tr>(.*?)</tr>", table, re.S)
    assert len(rows) == 1 + 5
    assert all(row.count("<td>") == 4 for row in rows[1:])
    assert "Part 1: Scope › Advertising &amp; &quot;notices&quot; &lt;i&gt;" in table
    assert "<em>Replace with:</em> Find a Tender" in table
    assert "<td>—</td>" in table  # RB001 has no redraft


def test_markdown_summary_caps_long_lists(
    results: list[FileResult], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(markdown, "MAX_PER_FILE", 2)
    output = render("markdown", results, INFO)
    assert "3 more findings in this file not listed here" in output
    assert "This summary lists 2 of 5 findings" in output
    table = rendered_markdown(output).split("<h3>")[1]
    assert len(re.findall(r"<tr>", table)) == 1 + 2


# -- HTML ------------------------------------------------------------------------------------


class Elements(HTMLParser):
    """Every start tag with its attributes, and the text, as a browser's parser sees them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        if not self._in_style:
            self.text.append(data)


ALLOWED_TAGS = {
    "html",
    "head",
    "meta",
    "title",
    "style",
    "body",
    "header",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "p",
    "span",
    "dl",
    "dt",
    "dd",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "nav",
    "ol",
    "ul",
    "li",
    "a",
    "main",
    "section",
    "div",
    "article",
    "blockquote",
    "mark",
    "strong",
    "em",
    "q",
    "footer",
}


def check_inert_html(page: str) -> Elements:
    parser = Elements()
    parser.feed(page)
    parser.close()
    names = {tag for tag, _ in parser.tags}
    assert names <= ALLOWED_TAGS, names - ALLOWED_TAGS
    for tag, attrs in parser.tags:
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name)
            assert name in {
                "class",
                "id",
                "href",
                "rel",
                "lang",
                "charset",
                "http-equiv",
                "content",
                "name",
                "aria-label",
            }, (tag, name)
            if name == "href":
                assert value and (value.startswith("#") or value.startswith("https://")), value
    return parser


def test_html_escapes_everything_from_documents(results: list[FileResult]) -> None:
    page = render("html", results, INFO)
    parser = check_inert_html(page)
    text = "".join(parser.text)
    assert "<b>now</b>" not in page
    assert "&quot;<mark>OJEU</mark>&quot; &lt;b&gt;now&lt;/b&gt; &amp; pay £5,000" in page
    assert 'Advertise in the "OJEU" <b>now</b> & pay £5,000' in text
    assert "Contract &lt;Procedure&gt; Rules &amp; &quot;Orders&quot;" in page
    assert "Part 1: Scope › Advertising &amp; &quot;notices&quot; &lt;i&gt;" in page
    assert "policies/cpr, draft: 100% £.docx" in text
    assert "reviewed &lt;ok&gt; &amp; kept" in page
    assert "bad zip &lt;x&gt; &amp; &quot;y&quot;" in page
    assert "\x0b" not in page
    assert "<script" not in page.lower()


def test_html_content_security_policy(results: list[FileResult]) -> None:
    import base64
    import hashlib

    page = render("html", results, INFO)
    policy = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', page)
    assert policy, "no CSP meta"
    directives = dict(
        (d.split()[0], d.split()[1:]) for d in policy.group(1).replace("&#x27;", "'").split(";")
    )
    assert directives["default-src"] == ["'none'"]
    assert directives["script-src"] == ["'none'"]
    digest = base64.b64encode(hashlib.sha256(html.CSS.encode()).digest()).decode()
    assert directives["style-src"] == [f"'sha256-{digest}'"]
    assert f"<style>{html.CSS}</style>" in page
    # The policy comes before anything it must govern.
    assert page.index("Content-Security-Policy") < page.index("<style>")
    assert page.index("Content-Security-Policy") < page.index("<title>")


def test_html_report_contents(results: list[FileResult]) -> None:
    page = render("html", results, INFO)
    parser = check_inert_html(page)
    text = " ".join(" ".join(parser.text).split())
    assert "Report made 2 June 2026" in text
    assert "Law as of 1 June 2026" in text
    assert "5 findings (1 error, 3 warnings, 1 info)" in text
    # Counts by family, with what each family covers.
    assert "outdated-law Superseded law presented as current. 2" in text
    # Whole-document findings have their own part, before the sections.
    assert page.index("About the whole document") < page.index("Findings by section")
    assert page.index("No mention of social value") < page.index("Findings by section")
    for heading in ("Part 1: Scope › Advertising", "Part 2: Award", "Part 3"):
        assert heading in text
    assert "Clause 4.2 · page 2 · paragraph 13" in text
    assert "Clause 12(b) · page 5 · paragraph 40" in text
    assert "&quot;OJEU&quot; <mark>" not in page  # the quotes are not part of the match
    assert "&quot;<mark>OJEU</mark>&quot;" in page
    assert "<mark>lowest price</mark>" in page
    assert "Suggested redraft — direct replacement for the marked words" in text
    assert "Suggested redraft — advisory" in text
    # Why and source: in full the first time, a pointer to it the second time.
    assert text.count("Since 1 January 2021 UK notices go to Find a Tender <not OJEU>.") == 1
    assert 'As for <a href="#f1-2">the first OL001 finding</a> (clause 4.2' in page
    assert '<a href="https://www.gov.uk/ppn-08-20" rel="noreferrer">' in page
    assert "Source. The Compact (2010), section 3" in text  # RB001, not in the catalogue
    # Notes, the checklist, findings set aside, and the file that could not be read.
    assert "converted from .doc by LibreOffice; <1 image> skipped" in text
    assert "1 found, 1 missing, 1 outside what a code can show" in text
    assert "Clause 7.1 · page 4 · paragraph 30" in text
    assert "We consult for 12 weeks <always>." in text
    assert "Missing Nothing in the document shows this action." in text
    assert "Outside the document An action the code itself cannot show" in text
    assert "Ask whether the council has signed its local Compact." in text
    assert "Set aside by reviewers" in text and "reviewed <ok> & kept" in text
    assert "This file could not be read." in text
    assert "No findings in this document." in text
    assert "@media print" in page and "break-inside: avoid" in page


def test_highlight_marks_the_match_or_nothing() -> None:
    assert html.highlight("a <b> c", "<b>") == "a <mark>&lt;b&gt;</mark> c"
    assert html.highlight("the OJEU and", "ojeu") == "the <mark>OJEU</mark> and"
    assert html.highlight("split\nover lines", "split over") == (
        "split\nover lines"  # not found as written: shown whole, unmarked
    )
    assert html.highlight("split over lines", "split\n over") == "<mark>split over</mark> lines"
    assert html.highlight("…cut", "gone") == "…cut"


def test_common_helpers() -> None:
    assert _common.md_escape("1. a *b* <c> | d\n& e") == "1\\. a \\*b\\* \\<c\\> \\| d &amp; e"
    assert _common.clean("a\x00b\x0bc\td") == "abc\td"
    assert _common.display_path(os.path.join(os.getcwd(), "x", "y.docx")) == "x/y.docx"


# -- the real samples ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample_outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Every format, rendered by the command line from all the bundled samples."""
    folder = tmp_path_factory.mktemp("formats")
    samples = sorted(SAMPLES.glob("*.docx")) + sorted(SAMPLES.glob("*.pdf"))
    assert len(samples) >= 8
    outputs = {}
    for name in ("json", "sarif", "github", "junit", "gitlab", "markdown", "html"):
        target = folder / f"report.{name}"
        status = codelint_main(
            [
                "check",
                *map(str, samples),
                "--format",
                name,
                "-o",
                str(target),
                "--as-of",
                "2026-06-01",
            ]
        )
        assert status == 1  # the old codes have findings
        outputs[name] = target.read_text(encoding="utf-8")
    return outputs


def test_samples_in_every_format(sample_outputs: dict[str, str]) -> None:
    data = json.loads(sample_outputs["json"])
    total = data["summary"]["findings"]
    assert total > 50

    log = json.loads(sample_outputs["sarif"])
    validate_sarif(log)
    run = log["runs"][0]
    assert len(run["results"]) == total
    assert run["invocations"][0]["executionSuccessful"] is True
    assert {r["id"] for r in run["tool"]["driver"]["rules"]} == set(data["summary"]["by_rule"])
    for rule in run["tool"]["driver"]["rules"]:
        assert rule["fullDescription"]["text"] and rule["help"]["markdown"]
    uris = {a["location"]["uri"] for a in run["artifacts"]}
    assert "corpora/samples/cpr-2010-pcr2006.pdf" in uris
    pages = {r["properties"]["page"] for r in run["results"]}
    assert any(isinstance(p, int) for p in pages)  # the PDFs know their pages

    annotations = sample_outputs["github"].rstrip("\n").split("\n")
    assert len(annotations) == total + 1
    assert all(parse_command(line) for line in annotations[:-1])

    root = ET.fromstring(sample_outputs["junit"].encode("utf-8"))
    assert root.get("failures") == str(total)
    assert len(root.findall("testsuite")) == len(data["files"])

    issues = json.loads(sample_outputs["gitlab"])
    check_gitlab_shape(issues)
    assert len(issues) == total

    summary = sample_outputs["markdown"]
    assert f"**{total} findings**" in summary
    for family, count in data["summary"]["by_family"].items():
        assert f"| {family} | {count} |" in summary

    page = sample_outputs["html"]
    parser = check_inert_html(page)
    assert page.count('<article class="finding ') == total
    text = "".join(parser.text)
    for entry in data["files"]:
        for found in entry["findings"][:3]:
            assert found["message"] in text


def test_reporters_do_not_change_results(results: list[FileResult]) -> None:
    before = copy.deepcopy([r.to_dict() for r in results])
    for name in ("sarif", "github", "junit", "gitlab", "markdown", "html"):
        render(name, results, INFO)
    assert [r.to_dict() for r in results] == before


def test_empty_run() -> None:
    for name in ("sarif", "github", "junit", "gitlab", "markdown", "html"):
        output = render(name, [], INFO)
        assert output.endswith("\n")
    validate_sarif(json.loads(render("sarif", [], INFO)))
    assert json.loads(render("gitlab", [], INFO)) == []
    assert ET.fromstring(render("junit", [], INFO)).get("tests") == "0"
    assert junit.build([], INFO).tag == "testsuites"
