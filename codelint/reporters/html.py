"""One self-contained HTML page to read on screen or print and take to a meeting.

For each document: its findings grouped by section (the heading path) with the excerpt and the
matched words marked, where they are (clause, page, paragraph), why the rule exists and its
source, and the suggested redraft; findings about the whole document in their own part; the
reader's notes; the Compact checklist; findings reviewers set aside.

Safety: a policy is untrusted input. Every piece of text from a document (excerpt, match,
headings, title, path, notes) and from rule packs goes through ``html.escape(quote=True)``;
the page has no script and a Content-Security-Policy that allows no script, no remote load of
any kind, and only the one inline style sheet (by its hash), so even an escaping mistake could
not run anything or call out. The report works the same with JavaScript switched off.
"""

from __future__ import annotations

import base64
import hashlib
import html
import re
from collections import defaultdict
from typing import Any

from codelint.findings import FileResult, Finding
from codelint.reporters import RunInfo
from codelint.reporters._common import (
    clean,
    display_path,
    family_counts,
    in_document_order,
    long_date,
    plural,
    project_url,
    report_time,
    rule_meta,
    severity_phrase,
)

SEVERITY_LABELS = {"error": "Error", "warning": "Warning", "info": "Info"}
REDRAFT_LABELS = {
    "replace": "Suggested redraft — direct replacement for the marked words",
    "advisory": "Suggested redraft — advisory: a starting point to adapt, not a drop-in",
}
CHECK_STATUS = {
    "found": ("Found", "The document takes this action."),
    "missing": ("Missing", "Nothing in the document shows this action."),
    "outside": ("Outside the document", "An action the code itself cannot show: ask about it."),
}

CSS = """
:root { --ink: #1b1f24; --muted: #5a6270; --line: #d5d9e0; --soft: #f4f6f9;
  --error: #a4161a; --warning: #9a4d00; --info: #1d5fa8; --mark: #ffe680; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0 auto; max-width: 62rem; padding: 2rem 1.5rem 4rem; color: var(--ink);
  font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
  sans-serif; background: #fff; }
h1, h2, h3, h4, h5 { line-height: 1.25; margin: 1.6em 0 .5em; }
h1 { font-size: 1.9rem; margin-top: 0; }
h2 { font-size: 1.5rem; border-bottom: 2px solid var(--ink); padding-bottom: .2em; }
h3 { font-size: 1.2rem; }
h4 { font-size: 1.05rem; color: var(--muted); }
h5 { font-size: 1rem; margin: 0; }
p { margin: .4em 0; }
a { color: var(--info); }
.lede { font-size: 1.1rem; margin: .2em 0 1em; }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: .15em 1.2em; margin: 0; }
.facts dt { font-weight: 600; }
.facts dd { margin: 0; }
.path { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace;
  font-size: .9em; word-break: break-all; }
table { border-collapse: collapse; width: 100%; margin: .5em 0 1em; }
th, td { text-align: left; vertical-align: top; padding: .35em .6em;
  border-bottom: 1px solid var(--line); }
th { border-bottom: 2px solid var(--ink); }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
nav ol { padding-left: 1.4em; }
.notes { border-left: 4px solid var(--line); padding: .2em 0 .2em 1em; margin: .8em 0; }
.notes ul { margin: .2em 0; padding-left: 1.2em; }
.error-box { border: 2px solid var(--error); padding: .6em 1em; margin: 1em 0; }
.finding { border: 1px solid var(--line); border-left: 6px solid var(--muted);
  padding: .8em 1em; margin: .9em 0; background: #fff; }
.finding.error { border-left-color: var(--error); }
.finding.warning { border-left-color: var(--warning); }
.finding.info { border-left-color: var(--info); }
.finding-title { font-size: 1.05rem; color: var(--ink); margin: 0 0 .2em; }
.badge { font-size: .75rem; vertical-align: .1em; font-weight: 700; text-transform: uppercase;
  letter-spacing: .04em; padding: .1em .5em; border-radius: 3px; color: #fff;
  background: var(--muted); }
.error .badge { background: var(--error); }
.warning .badge { background: var(--warning); }
.info .badge { background: var(--info); }
.code { font-family: ui-monospace, Menlo, Consolas, monospace; font-weight: 700; }
.where { color: var(--muted); font-size: .9rem; margin: .2em 0 .5em; }
.excerpt { margin: .5em 0; padding: .5em .9em; border-left: 3px solid var(--line);
  background: var(--soft); font-family: Georgia, "Times New Roman", serif; }
mark { background: var(--mark); color: inherit; padding: 0 .1em; font-weight: 600; }
.redraft { margin: .6em 0; padding: .5em .9em; border: 1px dashed #4a7c3a; }
.redraft .label { font-weight: 700; color: #2f5f22; margin: 0 0 .2em; }
.why { font-size: .92rem; color: #333a44; margin-top: .5em; }
.check td:first-child { white-space: nowrap; }
.status { font-weight: 700; white-space: nowrap; }
.status.found { color: #2f5f22; }
.status.missing { color: var(--error); }
.status.outside { color: var(--muted); }
.check ul { margin: 0; padding-left: 1.1em; }
footer { margin-top: 3rem; border-top: 1px solid var(--line); padding-top: .8em;
  color: var(--muted); font-size: .9rem; }
@page { size: A4; margin: 16mm 15mm 18mm; }
@media print {
  html { font-size: 10pt; }
  body { max-width: none; padding: 0; font-size: 10pt; background: none; color: #000; }
  nav.contents { display: none; }
  .file + .file { break-before: page; }
  h2, h3, h4, h5 { break-after: avoid; }
  .finding, .check tr, .facts, .error-box, blockquote { break-inside: avoid; }
  .finding { border: 0; border-top: 1px solid #777; padding: .5em 0 .2em; margin: .6em 0;
    background: none; }
  .badge { color: #000; background: none; border: 1px solid #000; }
  .excerpt { background: none; border-left: 2pt solid #888; font-size: 1.05em; }
  mark { background: none; font-weight: 700; text-decoration: underline;
    text-decoration-thickness: 1.5pt; }
  a { color: #000; text-decoration: none; }
  a[href^="http"]::after { content: " (" attr(href) ")"; font-size: .85em; word-break: break-all; }
  .status.found, .status.missing, .status.outside { color: #000; }
}
"""

_URL = re.compile(r"https?://[^\s<>\"')\]]+[^\s<>\"')\].,;:]")


def _e(text: object) -> str:
    """Escape anything for element text or a quoted attribute."""
    return html.escape(clean(str(text)), quote=True)


def _linked(text: str) -> str:
    """Escape rule text (never document text), turning http(s) addresses into links."""
    out, last = [], 0
    for match in _URL.finditer(text):
        out.append(_e(text[last : match.start()]))
        url = _e(match.group(0))
        out.append(f'<a href="{url}" rel="noreferrer">{url}</a>')
        last = match.end()
    out.append(_e(text[last:]))
    return "".join(out)


def highlight(excerpt: str, match: str) -> str:
    """The excerpt, escaped, with the first occurrence of the matched words in ``<mark>``.

    The excerpt has its whitespace collapsed, so the match is searched for the same way;
    if it cannot be found (it was cut off), the excerpt is shown without a mark.
    """
    words = " ".join(match.split())
    if not words:
        return _e(excerpt)
    start = excerpt.find(words)
    if start < 0:
        start = excerpt.lower().find(words.lower())
    if start < 0:
        return _e(excerpt)
    end = start + len(words)
    return f"{_e(excerpt[:start])}<mark>{_e(excerpt[start:end])}</mark>{_e(excerpt[end:])}"


def _where_parts(item: Finding | dict[str, Any], capital: bool = True) -> list[str]:
    get = item.get if isinstance(item, dict) else lambda key: getattr(item, key)
    parts = []
    if get("clause"):
        parts.append(f"{'C' if capital else 'c'}lause {get('clause')}")
    if get("page") is not None:
        parts.append(f"page {get('page')}")
    if get("paragraph") is not None:
        parts.append(f"paragraph {get('paragraph')}")
    return parts


def _place(item: Finding | dict[str, Any], capital: bool = True) -> str:
    """Where, escaped: "Clause 4.2 · page 3 · paragraph 17"."""
    parts = _where_parts(item, capital)
    if parts and capital:
        parts[0] = parts[0][0].upper() + parts[0][1:]
    return " · ".join(_e(p) for p in parts) or "place not known"


class _Page:
    """Accumulates the page's HTML; one instance per render."""

    def __init__(self, results: list[FileResult], info: RunInfo) -> None:
        self.results = results
        self.info = info
        self.out: list[str] = []

    def add(self, *chunks: str) -> None:
        self.out.extend(chunks)

    # -- the parts -------------------------------------------------------------------------

    def head(self) -> None:
        style_hash = base64.b64encode(hashlib.sha256(CSS.encode("utf-8")).digest()).decode()
        policy = (
            "default-src 'none'; script-src 'none'; object-src 'none'; img-src 'none'; "
            f"style-src 'sha256-{style_hash}'; base-uri 'none'; form-action 'none'"
        )
        self.add(
            "<!DOCTYPE html>\n",
            '<html lang="en-GB">\n<head>\n<meta charset="utf-8">\n',
            # The policy is ours and has no double quote: written as it is, to be readable.
            f'<meta http-equiv="Content-Security-Policy" content="{policy}">\n',
            '<meta name="referrer" content="no-referrer">\n',
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n',
            f'<meta name="generator" content="codelint {_e(self.info.version)}">\n',
            f"<title>{_e(self._title())}</title>\n",
            f"<style>{CSS}</style>\n</head>\n<body>\n",
        )

    def _names(self) -> list[str]:
        return [r.title or display_path(r.path) for r in self.results]

    def _title(self) -> str:
        names = self._names()
        if not names:
            return "codelint report"
        more = f" and {plural(len(names) - 1, 'other')}" if len(names) > 1 else ""
        return f"codelint report: {names[0]}{more}"

    def header(self) -> None:
        findings = [f for r in self.results for f in r.findings]
        failed = [r for r in self.results if r.error]
        made = report_time(self.info)
        self.add('<header class="report-head">\n<h1>codelint report</h1>\n')
        if len(self.results) == 1:
            only = self.results[0]
            name = _e(only.title) + " — " if only.title else ""
            self.add(
                f'<p class="lede">{name}<span class="path">{_e(display_path(only.path))}'
                "</span></p>\n"
            )
        else:
            self.add(f'<p class="lede">{plural(len(self.results), "document")}</p>\n')
        by_level = severity_phrase(findings)
        total = plural(len(findings), "finding") + (f" ({by_level})" if by_level else "")
        self.add(
            '<dl class="facts">\n',
            f"<dt>Report made</dt><dd>{_e(long_date(made.date()))}</dd>\n",
            f"<dt>Law as of</dt><dd>{_e(long_date(self.info.as_of))}</dd>\n",
            f"<dt>Findings</dt><dd>{_e(total)}</dd>\n",
        )
        suppressed = sum(len(r.suppressed) for r in self.results)
        if suppressed:
            self.add(f"<dt>Set aside</dt><dd>{plural(suppressed, 'finding')} by reviewers</dd>\n")
        if failed:
            self.add(
                f"<dt>Not read</dt><dd><strong>{plural(len(failed), 'file')} could not be "
                "read</strong> (see below)</dd>\n"
            )
        self.add(f"<dt>Checked by</dt><dd>codelint {_e(self.info.version)}</dd>\n</dl>\n")
        self.summary(findings)
        self.add("</header>\n")

    def summary(self, findings: list[Finding]) -> None:
        if not findings:
            return
        families = family_counts(self.results)
        described: dict[str, str] = {}
        for finding in findings:
            meta = rule_meta(self.info, finding)
            described.setdefault(finding.family, meta.get("family_description") or "")
        self.add(
            '<h2>Findings by family</h2>\n<table class="families">\n<thead><tr>'
            '<th>Family</th><th>What it covers</th><th class="num">Findings</th>'
            "</tr></thead>\n<tbody>\n"
        )
        for family, count in sorted(families.items(), key=lambda i: (-i[1], i[0])):
            self.add(
                f"<tr><td>{_e(family)}</td><td>{_e(described.get(family, ''))}</td>"
                f'<td class="num">{count}</td></tr>\n'
            )
        self.add("</tbody>\n</table>\n")

    def contents(self) -> None:
        if len(self.results) < 2:
            return
        self.add('<nav class="contents" aria-label="Documents">\n<h2>Documents</h2>\n<ol>\n')
        for number, result in enumerate(self.results, 1):
            state = "could not be read" if result.error else plural(len(result.findings), "finding")
            path = display_path(result.path)
            name = _e(result.title or path)
            shown_path = f' <span class="path">{_e(path)}</span>' if result.title else ""
            self.add(f'<li><a href="#file-{number}">{name}</a>{shown_path} — {_e(state)}</li>\n')
        self.add("</ol>\n</nav>\n")

    def file(self, number: int, result: FileResult) -> None:
        path = display_path(result.path)
        self.add(f'<section class="file" id="file-{number}">\n')
        self.add(f"<h2>{_e(result.title or path)}</h2>\n")
        self.add('<dl class="facts">\n')
        self.add(f'<dt>File</dt><dd class="path">{_e(path)}</dd>\n')
        if result.format:
            self.add(f"<dt>Format</dt><dd>{_e(result.format)}</dd>\n")
        if not result.error:
            size = [plural(result.blocks, "paragraph"), plural(result.words, "word")]
            if result.pages:
                size.insert(0, plural(result.pages, "page"))
            self.add(f"<dt>Length</dt><dd>{_e(', '.join(size))}</dd>\n")
            self.add(f"<dt>Findings</dt><dd>{plural(len(result.findings), 'finding')}</dd>\n")
        self.add("</dl>\n")
        if result.error:
            self.add(
                '<div class="error-box"><p><strong>This file could not be read.</strong> '
                f"{_e(result.error)}</p><p>Nothing in it was checked.</p></div>\n</section>\n"
            )
            return
        if result.notes:
            self.add('<div class="notes"><p><strong>Notes on the reading</strong></p><ul>\n')
            self.add("".join(f"<li>{_e(note)}</li>\n" for note in result.notes))
            self.add("</ul></div>\n")

        first_of_rule: dict[str, Finding] = {}
        anchors = {id(f): f"f{number}-{i}" for i, f in enumerate(result.findings, 1)}
        whole = [f for f in result.findings if f.document_level]
        passages = in_document_order([f for f in result.findings if not f.document_level])
        if whole:
            self.add("<h3>About the whole document</h3>\n")
            for finding in whole:
                self.finding(finding, anchors, first_of_rule, level=4)
        if passages:
            self.add("<h3>Findings by section</h3>\n")
            groups: dict[tuple[str, ...], list[Finding]] = defaultdict(list)
            for finding in passages:
                groups[tuple(finding.section)].append(finding)
            for section, members in groups.items():
                title = " › ".join(section) if section else "Before the first heading"
                self.add(f'<section class="part">\n<h4>{_e(title)}</h4>\n')
                for finding in members:
                    self.finding(finding, anchors, first_of_rule, level=5)
                self.add("</section>\n")
        if not result.findings:
            self.add("<p>No findings in this document.</p>\n")
        self.checklist(result)
        self.set_aside(result)
        self.add("</section>\n")

    def finding(
        self,
        finding: Finding,
        anchors: dict[int, str],
        first_of_rule: dict[str, Finding],
        level: int,
    ) -> None:
        meta = rule_meta(self.info, finding)
        severity = finding.severity if finding.severity in SEVERITY_LABELS else "warning"
        anchor = anchors[id(finding)]
        self.add(
            f'<article class="finding {severity}" id="{anchor}">\n'
            f'<h{level} class="finding-title"><span class="badge">{SEVERITY_LABELS[severity]}'
            f'</span> <span class="code">{_e(finding.rule)}</span> {_e(finding.title)}'
            f"</h{level}>\n"
        )
        if finding.document_level:
            self.add('<p class="where">About the document as a whole.</p>\n')
        else:
            self.add(f'<p class="where">{_place(finding)}</p>\n')
            if finding.excerpt:
                self.add(
                    f'<blockquote class="excerpt"><p>{highlight(finding.excerpt, finding.match)}'
                    "</p></blockquote>\n"
                )
        self.add(f'<p class="message">{_e(finding.message)}</p>\n')
        if finding.suggestion:
            kind = "replace" if finding.suggestion.get("fix") == "replace" else "advisory"
            label = REDRAFT_LABELS[kind]
            self.add(
                f'<div class="redraft {kind}">'
                f'<p class="label">{label}</p><p>{_e(finding.suggestion.get("text", ""))}</p>'
                "</div>\n"
            )
        self.add('<div class="why">')
        earlier = first_of_rule.get(finding.rule)
        if earlier is None:
            first_of_rule[finding.rule] = finding
            if meta["rationale"]:
                self.add(f"<p><strong>Why it matters.</strong> {_linked(meta['rationale'])}</p>")
            if meta.get("in_force"):
                self.add(f"<p><strong>On the date.</strong> {_linked(meta['in_force'])}</p>")
        else:
            place = "the whole document" if earlier.document_level else _place(earlier, False)
            self.add(
                f'<p><strong>Why it matters.</strong> As for <a href="#{anchors[id(earlier)]}">'
                f"the first {_e(finding.rule)} finding</a> ({place}).</p>"
            )
        self.add(f"<p><strong>Source.</strong> {_linked(meta['source'])}</p></div>\n</article>\n")

    def checklist(self, result: FileResult) -> None:
        self.add("<h3>Compact checklist</h3>\n")
        if not result.checklist:
            self.add("<p>The rule packs in use define no checklist actions.</p>\n")
            return
        counts = {key: 0 for key in CHECK_STATUS}
        for entry in result.checklist:
            counts[entry.status if entry.status in counts else "outside"] += 1
        self.add(
            f"<p>{counts['found']} found, {counts['missing']} missing, "
            f"{counts['outside']} outside what a code can show.</p>\n"
            '<table class="check">\n<thead><tr><th>Action</th><th>What it asks</th>'
            "<th>Status</th><th>Where, or what to do</th></tr></thead>\n<tbody>\n"
        )
        for entry in result.checklist:
            status = entry.status if entry.status in CHECK_STATUS else "outside"
            label, meaning = CHECK_STATUS[status]
            self.add(
                f"<tr><td>{_e(entry.id)}</td><td>{_e(entry.title)}</td>"
                f'<td><span class="status {status}">{label}</span></td><td>'
            )
            if entry.locations:
                self.add("<ul>")
                for location in entry.locations:
                    excerpt = location.get("excerpt") or ""
                    quote = f" <q>{_e(excerpt)}</q>" if excerpt else ""
                    self.add(f"<li>{_place(location)}{quote}</li>")
                self.add("</ul>")
            else:
                self.add(f"<p>{_e(meaning)}</p>")
            if entry.note:
                self.add(f"<p>{_e(entry.note)}</p>")
            self.add("</td></tr>\n")
        self.add("</tbody>\n</table>\n")

    def set_aside(self, result: FileResult) -> None:
        if not result.suppressed:
            return
        self.add(
            "<h3>Set aside by reviewers</h3>\n<p>Findings a reviewer suppressed, with the "
            "reason they gave.</p>\n<ul>\n"
        )
        for finding in result.suppressed:
            where = "the whole document" if finding.document_level else _place(finding)
            why = finding.suppressed or {}
            reason = why.get("reason") or "no reason given"
            self.add(
                f'<li><span class="code">{_e(finding.rule)}</span> {_e(finding.title)} '
                f"({where}): {_e(reason)} <em>({_e(why.get('by', ''))})</em></li>\n"
            )
        self.add("</ul>\n")

    def footer(self) -> None:
        url = _e(project_url() or "")
        about = (
            f'\n<p>About codelint: <a href="{url}" rel="noreferrer">{url}</a></p>' if url else ""
        )
        self.add(
            "<footer>\n<p>Made by codelint "
            f"{_e(self.info.version)} on {_e(long_date(report_time(self.info).date()))}, "
            f"judging the law as of {_e(long_date(self.info.as_of))}. A finding marks wording to "
            "look at again, not a legal opinion; each cites its source so it can be checked.</p>"
            f"{about}\n</footer>\n"
        )

    def render(self) -> str:
        self.head()
        self.header()
        self.contents()
        self.add("<main>\n")
        for number, result in enumerate(self.results, 1):
            self.file(number, result)
        self.add("</main>\n")
        self.footer()
        self.add("</body>\n</html>\n")
        return "".join(self.out)


def render(results: list[FileResult], info: RunInfo) -> str:
    return _Page(results, info).render()
