"""Run compiled rules over a Document, as of a date.

The engine knows four kinds of rule and nothing about procurement law:

- ``phrase``: words matched by the rule's patterns, kept only where every ``requires``
  group is present in its scope and no ``excludes`` group is; optionally tied to a dated data
  entry (``outdated_from``, ``replacements``) so it only fires once the words went stale;
- ``amount``: a sum of money that equals a figure in a dated table, in a period that is no
  longer in force on the as-of date (with the same context conditions);
- ``period``: a length of time shorter than the rule's minimum (same conditions);
- ``absence``: none of the rule's patterns anywhere in a document that passes the rule's gate.

Scopes for conditions: the sentence, the block, the table row, the section, the lead-in
paragraph of a list or table, the list (a lead-in paragraph with the items that follow it), the
whole document, or a token window before/after the match.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from codelint.document import Block, Document
from codelint.findings import SEVERITY_ORDER, ChecklistEntry, Finding
from codelint.nlp import sentence_bounds
from codelint.numbers import Amount, Period, find_amounts, find_periods, format_money
from codelint.rules import (
    WINDOW_SCOPE,
    AmountTest,
    Catalogue,
    CompiledPatterns,
    DocumentFilter,
    Gate,
    Group,
    Rule,
    compile_rules,
)

TEMPLATE_FIELD = re.compile(r"\{([a-z_][a-z0-9_.]*)\}")
Span = tuple[int, int]


@dataclass
class _BlockView:
    """A block with its spaCy doc, its matches and its sentence ranges."""

    block: Block
    doc: Any
    spans: Any  # codelint.rules.BlockSpans: .get(key) gives the token spans of a group
    sentences: list[Span]
    _amounts: list[Amount] | None = None
    _periods: list[Period] | None = None

    def amounts(self) -> list[Amount]:
        """Money amounts in the block's text (found once, whatever the number of rules)."""
        if self._amounts is None:
            self._amounts = find_amounts(self.block.text)
        return self._amounts

    def periods(self) -> list[Period]:
        if self._periods is None:
            self._periods = find_periods(self.block.text)
        return self._periods

    def sentence_of(self, token: int) -> Span:
        for start, end in self.sentences:
            if start <= token < end:
                return (start, end)
        return (0, len(self.doc))


@dataclass
class LintOutput:
    findings: list[Finding] = field(default_factory=list)
    checklist: list[ChecklistEntry] = field(default_factory=list)
    procurement_document: bool | None = None
    notes: list[str] = field(default_factory=list)


def _date(value: Any, catalogue: Catalogue) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    resolved = catalogue.resolve(str(value))
    return resolved if isinstance(resolved, dt.date) else None


def _fmt_date(value: dt.date | None) -> str:
    return f"{value.day} {value:%b %Y}" if value else ""


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


class Linter:
    """Compiled rules ready to run over documents; build once per process."""

    def __init__(self, catalogue: Catalogue, rules: list[Rule], model: str | None = None) -> None:
        from codelint.nlp import build_pipeline

        self.catalogue = catalogue
        self.rules = rules
        self.nlp = build_pipeline(model)
        self.patterns: CompiledPatterns = compile_rules(self.nlp, catalogue, rules)

    # -- public ---------------------------------------------------------------------------------

    def lint(
        self,
        document: Document,
        as_of: dt.date,
        force_document_rules: bool = False,
        every_rule: bool = False,
    ) -> LintOutput:
        """Lint ``document`` as of ``as_of``. A sentence gets one finding of each family marked
        ``one_per_sentence`` unless ``every_rule`` (for testing rules one by one) keeps the
        finding of each rule."""
        views, prechecks = self._views(document)
        self._match_amounts(views, as_of)
        context = _Context(document, views, prechecks)
        output = LintOutput()
        gates = {
            name: self._gate_passes(gate, views) for name, gate in self.catalogue.gates.items()
        }
        raw: list[Finding] = []
        for rule in self.rules:
            if not self._active(rule, as_of):
                continue
            if rule.kind == "phrase":
                raw.extend(self._phrase(rule, context, as_of))
            elif rule.kind == "amount":
                raw.extend(self._amount(rule, context, as_of))
            elif rule.kind == "period":
                raw.extend(self._period(rule, context))
            elif rule.kind == "absence":
                if rule.gate and not gates.get(rule.gate, True) and not force_document_rules:
                    continue
                raw.extend(self._absence(rule, context))
        for name, passed in gates.items():
            gate = self.catalogue.gates[name]
            if not passed and gate.note:
                if force_document_rules:
                    output.notes.append(gate.note_forced or gate.note)
                else:
                    output.notes.append(gate.note)
        if gates:
            output.procurement_document = all(gates.values())
        if not every_rule:
            raw = _one_per_family(raw, self.catalogue.one_per_sentence)
        output.findings = _with_fingerprints(raw)
        output.checklist = self._checklist(context, output.findings)
        return output

    # -- reading --------------------------------------------------------------------------------

    def _views(self, document: Document) -> tuple[list[_BlockView], DocumentFilter]:
        texts = [block.text for block in document.blocks]
        prechecks = self.patterns.document(texts)
        views = []
        docs = self.nlp.pipe(texts, batch_size=256)
        for index, (block, doc) in enumerate(zip(document.blocks, docs, strict=True)):
            sentences = sentence_bounds(doc)
            spans = self.patterns.match(doc, block.text, prechecks, index)
            views.append(_BlockView(block, doc, spans, sentences))
        return views, prechecks

    def _match_amounts(self, views: list[_BlockView], as_of: dt.date) -> None:
        """Let each block find the spans of amount patterns (below/above a sum or an in-force
        figure) when a rule first asks for them."""
        if not self.patterns.amounts:
            return
        limits: dict[str, list[tuple[AmountTest, float]]] = {}
        for key, test in self.patterns.amounts:
            if test.than is not None:
                limits.setdefault(key, []).append((test, test.than))
                continue
            assert test.table is not None
            in_force = _period_in_force(self.catalogue.resolve(test.table), as_of) or {}
            values = [
                float(v)
                for c, v in (in_force.get("values") or {}).items()
                if v is not None and (not test.categories or c in test.categories)
            ]
            if values:
                limit = min(values) if test.compare == "below" else max(values)
                limits.setdefault(key, []).append((test, limit))
        for view in views:
            view.spans.amounts = _amount_spans(view, limits)

    def _active(self, rule: Rule, as_of: dt.date) -> bool:
        start = _date(rule.when_from, self.catalogue)
        until = _date(rule.when_until, self.catalogue)
        if start and as_of < start:
            return False
        if until and as_of > until:
            return False
        if rule.data:
            entry = self.catalogue.resolve(rule.data)
            if as_of < entry["outdated_from"]:
                return False
        return True

    def _gate_passes(self, gate: Gate, views: list[_BlockView]) -> bool:
        """Whether enough different gate terms occur, often enough for the length."""
        hits = 0
        distinct: set[str] = set()
        words = 0
        for view in views:
            words += len(view.block.text.split())
            for start, end in view.spans.get(gate.group.key, []):
                hits += 1
                distinct.add(view.doc[start:end].lemma_)
        density = 1000.0 * hits / max(words, 1)
        if gate.against is not None:
            markers = {
                view.doc[start:end].lemma_
                for view in views
                for start, end in view.spans.get(gate.against.key, [])
            }
            if len(markers) > gate.max_against:
                return False
        return (
            hits >= gate.min_hits
            and len(distinct) >= gate.min_distinct
            and density >= gate.min_density
        )

    # -- conditions -----------------------------------------------------------------------------

    def _conditions_hold(
        self, rule: Rule, context: _Context, index: int, anchor: Span
    ) -> dict[str, str] | None:
        """Check requires/excludes around ``anchor`` in block ``index``.

        Returns the text of each named ``requires`` group (for templates), or None when the
        conditions fail.
        """
        captured: dict[str, str] = {}
        for group in rule.requires:
            found = context.find(group, index, anchor)
            if found is None:
                return None
            if group.name:
                captured[f"group.{group.name}"] = found
        for group in rule.excludes:
            if context.find(group, index, anchor) is not None:
                if group.unless is not None and context.find(group.unless, index, anchor):
                    continue  # the exclusion is cancelled ("quality ... only with approval")
                return None
        return captured

    # -- kinds ----------------------------------------------------------------------------------

    def _phrase(self, rule: Rule, context: _Context, as_of: dt.date) -> list[Finding]:
        assert rule.anchor is not None
        fields = self._data_fields(rule, as_of)
        findings = []
        for index in context.prechecks.blocks_with(rule.anchor.key):
            view = context.views[index]
            if rule.block_kinds and view.block.kind not in rule.block_kinds:
                continue
            done: set[Span] = set()
            for anchor in _non_overlapping(view.spans.get(rule.anchor.key, [])):
                sentence = view.sentence_of(anchor[0])
                if sentence in done or _is_question(view, sentence):
                    continue
                captured = self._conditions_hold(rule, context, index, anchor)
                if captured is None:
                    continue
                done.add(sentence)
                findings.append(self._finding(rule, view, anchor, sentence, {**fields, **captured}))
        return findings

    def _data_fields(self, rule: Rule, as_of: dt.date) -> dict[str, str]:
        if not rule.data:
            return {}
        entry = self.catalogue.resolve(rule.data)
        fields = {"outdated_from": _fmt_date(entry["outdated_from"])}
        current = None
        for replacement in entry.get("replacements") or []:
            if replacement["from"] <= as_of:
                current = replacement
        if current:
            fields["replacement"] = str(current["text"])
            fields["replacement_from"] = _fmt_date(current["from"])
            fields["since"] = _fmt_date(current["from"])
        return fields

    def _amount(self, rule: Rule, context: _Context, as_of: dt.date) -> list[Finding]:
        assert rule.table is not None
        table = self.catalogue.resolve(rule.table)
        labels, cues = self._categories(rule.table)
        in_force = _period_in_force(table, as_of)
        findings = []
        for index, view in enumerate(context.views):
            if rule.block_kinds and view.block.kind not in rule.block_kinds:
                continue
            done: set[Span] = set()
            for amount in view.amounts():
                if amount.currency not in rule.currencies:
                    continue
                span = view.doc.char_span(amount.start, amount.end, alignment_mode="expand")
                if span is None:
                    continue
                anchor = (span.start, span.end)
                sentence = view.sentence_of(anchor[0])
                nearby = context.nearby_text(index, sentence)
                indicated = {c for c, words in cues.items() if any(w.search(nearby) for w in words)}
                if rule.amount_match in ("below", "above"):
                    stale = _compare_in_force(amount, in_force, rule)
                else:
                    stale = _figure_match(amount, table, in_force, as_of, indicated, rule)
                if stale is None:
                    continue
                if rule.amount_match == "stale" and _current_figure_nearby(
                    view.block.text, stale[1], in_force
                ):
                    continue  # old and new figures side by side: a comparison, not a claim
                if sentence in done:
                    continue
                captured = self._conditions_hold(rule, context, index, anchor)
                if captured is None:
                    continue
                done.add(sentence)
                period, category = stale
                fields = {
                    "amount": amount.text,
                    "category": labels.get(category, category.replace("_", " ")),
                    "period_from": _fmt_date(period["from"]),
                    "period_until": _fmt_date(period.get("until")),
                    "basis": str(period.get("basis", "")),
                    **captured,
                }
                current_value = (in_force or {}).get("values", {}).get(category)
                if current_value is None:
                    if rule.suggestion and "{current}" in rule.suggestion.text:
                        fields["__no_suggestion"] = "1"
                    fields["current"] = "the figure now in force"
                else:
                    fields["current"] = format_money(float(current_value), amount.currency or "GBP")
                    fields["current_from"] = _fmt_date(in_force["from"]) if in_force else ""
                findings.append(
                    self._finding(rule, view, anchor, sentence, fields, char_span=amount)
                )
        return findings

    def _categories(
        self, table_ref: str
    ) -> tuple[dict[str, str], dict[str, list[re.Pattern[str]]]]:
        """Labels and cue words of a table's categories (the ``categories`` beside it)."""
        parent = table_ref.rsplit(".", 1)[0] if "." in table_ref else ""
        try:
            categories = self.catalogue.resolve(f"{parent}.categories") if parent else {}
        except KeyError:
            categories = {}
        labels: dict[str, str] = {}
        cues: dict[str, list[re.Pattern[str]]] = {}
        for key, value in (categories or {}).items():
            value = value if isinstance(value, dict) else {"label": value}
            labels[key] = str(value.get("label", key))
            cues[key] = [
                re.compile(rf"\b{re.escape(str(word).lower())}\b") for word in value.get("cues", [])
            ]
        return labels, cues

    def _period(self, rule: Rule, context: _Context) -> list[Finding]:
        assert rule.minimum_days is not None
        findings = []
        for index, view in enumerate(context.views):
            if rule.block_kinds and view.block.kind not in rule.block_kinds:
                continue
            done: set[Span] = set()
            for period in view.periods():
                if period.days >= rule.minimum_days:
                    continue
                span = view.doc.char_span(period.start, period.end, alignment_mode="expand")
                if span is None:
                    continue
                anchor = (span.start, span.end)
                sentence = view.sentence_of(anchor[0])
                if sentence in done:
                    continue
                captured = self._conditions_hold(rule, context, index, anchor)
                if captured is None:
                    continue
                done.add(sentence)
                fields = {"period": period.text, "minimum": rule.minimum_text or "", **captured}
                findings.append(
                    self._finding(rule, view, anchor, sentence, fields, char_span=period)
                )
        return findings

    def _absence(self, rule: Rule, context: _Context) -> list[Finding]:
        assert rule.anchor is not None
        if not context.views:
            return []
        for index, view in enumerate(context.views):
            for anchor in view.spans.get(rule.anchor.key, []):
                if self._conditions_hold(rule, context, index, anchor) is not None:
                    return []  # present: nothing is missing
        block = context.views[0].block
        fields = {"title": context.document.title or block.text[:80]}
        return [
            _new_finding(
                rule,
                block,
                fields,
                span=None,
                excerpt=_excerpt(block.text, 0, min(len(block.text), 80)),
                match="",
                suggestion=_suggestion(rule, fields),
                fingerprint="",
                document_level=True,
            )
        ]

    # -- checklist ------------------------------------------------------------------------------

    def _checklist(self, context: _Context, findings: list[Finding]) -> list[ChecklistEntry]:
        """Each Compact checklist action: found (with where), missing, or outside the code."""
        entries = []
        for item in self.catalogue.checklist:
            if item.absent_families:
                against = [f for f in findings if f.family in item.absent_families]
                locations = [
                    {
                        "paragraph": f.paragraph,
                        "page": f.page,
                        "section": f.section,
                        "clause": f.clause,
                        "excerpt": f.excerpt,
                        "rule": f.rule,
                    }
                    for f in against[:5]
                ]
                status = "missing" if against else "found"
                entries.append(ChecklistEntry(item.id, item.title, status, locations, item.note))
                continue
            if not item.evidence:
                entries.append(ChecklistEntry(item.id, item.title, "outside", note=item.note))
                continue
            locations = []
            for index in context.prechecks.blocks_with(item.evidence[0].key):
                view = context.views[index]
                first = [view.spans.get(group.key) for group in item.evidence]
                if all(first):
                    start, end = first[0][0]
                    block = view.block
                    locations.append(
                        {
                            "paragraph": block.index,
                            "page": block.page,
                            "section": list(block.section),
                            "clause": block.clause,
                            "excerpt": _excerpt(
                                block.text,
                                view.doc[start].idx,
                                view.doc[end - 1].idx + len(view.doc[end - 1].text),
                            ),
                        }
                    )
            status = "found" if locations else "missing"
            entries.append(ChecklistEntry(item.id, item.title, status, locations[:5], item.note))
        return entries

    # -- building findings ----------------------------------------------------------------------

    def _finding(
        self,
        rule: Rule,
        view: _BlockView,
        anchor: Span,
        sentence: Span,
        fields: dict[str, str],
        char_span: Amount | Period | None = None,
    ) -> Finding:
        doc = view.doc
        block = view.block
        if char_span is not None:
            start, end = char_span.start, char_span.end
        else:
            start = doc[anchor[0]].idx
            last = doc[anchor[1] - 1]
            end = last.idx + len(last.text)
        sent_start = doc[sentence[0]].idx
        sent_last = doc[sentence[1] - 1]
        sent_end = sent_last.idx + len(sent_last.text)
        sentence_text = block.text[sent_start:sent_end]
        match = block.text[start:end]
        values = {
            "match": match,
            "sentence": " ".join(sentence_text.split()),
            "clause": block.clause or "",
            "section": " > ".join(block.section),
            "title": "",
            **fields,
        }
        suggestion = None if fields.get("__no_suggestion") else _suggestion(rule, values)
        finding = _new_finding(
            rule,
            block,
            values,
            span=(start, end),
            excerpt=_excerpt(block.text, start, end, sent_start, sent_end),
            match=match,
            suggestion=suggestion,
            fingerprint=f"{rule.code}|{_norm(sentence_text)}|{_norm(match)}",
        )
        finding.sentence = (sent_start, sent_end)
        return finding


class _Context:
    """Cross-block lookups for the scopes that reach beyond one block."""

    def __init__(
        self, document: Document, views: list[_BlockView], prechecks: DocumentFilter
    ) -> None:
        self.document = document
        self.views = views
        #: Where each group may have spans (rules.DocumentFilter).
        self.prechecks = prechecks
        self.rows: dict[tuple[int, int], list[int]] = defaultdict(list)
        self.sections: dict[tuple[str, ...], list[int]] = defaultdict(list)
        for i, view in enumerate(views):
            block = view.block
            if block.cell is not None:
                self.rows[(block.cell[0], block.cell[1])].append(i)
            self.sections[block.section].append(i)
            if block.kind == "heading":
                # The heading belongs to the section it opens.
                self.sections[(*block.section, block.text.strip())].append(i)

    def nearby_text(self, index: int, sentence: Span) -> str:
        """The sentence's text, plus the other cells of its table row, lower-cased."""
        view = self.views[index]
        parts = [view.doc[sentence[0] : sentence[1]].text]
        cell = view.block.cell
        if cell is not None:
            parts += [self.views[i].block.text for i in self.rows[(cell[0], cell[1])] if i != index]
        return " ".join(parts).lower()

    def list_blocks(self, index: int) -> list[int]:
        """The list a block belongs to: its lead-in and the items that depend on it.

        A lead-in is a block that ends with a colon ("it will:", "as follows:"); the items are
        the list items or table cells after it, down to the next block at or above its level.
        """
        lead = index if _introduces(self.views[index].block) else self.lead_in(index)
        if lead is None:
            return [index]
        lead_level = _level(self.views[lead].block)
        members = [lead]
        for j in range(lead + 1, min(len(self.views), lead + 80)):
            block = self.views[j].block
            if block.kind == "table-cell":
                members.append(j)
                continue
            if block.kind != "list-item" or _level(block) <= lead_level:
                break
            members.append(j)
        return members if index in members else [index]

    def lead_in(self, index: int) -> int | None:
        """The block that introduces a list item or table cell (its lead-in), if any.

        For a table cell, the paragraph before the table. For a list item, the nearest earlier
        paragraph or higher-level item that ends with a colon; numbered clauses that simply
        follow one another are not each other's lead-ins.
        """
        block = self.views[index].block
        if block.kind == "table-cell":
            for j in range(index - 1, max(-1, index - 200), -1):
                other = self.views[j].block
                if other.kind in ("paragraph", "heading", "list-item"):
                    return j
            return None
        if block.kind != "list-item":
            return None
        level = _level(block)
        for j in range(index - 1, max(-1, index - 60), -1):
            other = self.views[j].block
            if other.kind == "heading":
                return None
            if other.kind == "list-item" and _level(other) >= level:
                continue
            if other.kind in ("paragraph", "list-item"):
                return j if _introduces(other) else None
        return None

    def find(self, group: Group, index: int, anchor: Span) -> str | None:
        """The text of the first span of ``group`` inside any of its scopes, or None."""
        view = self.views[index]
        for scope in group.scopes:
            window = WINDOW_SCOPE.match(scope)
            if window:
                side, size = window.group(1), int(window.group(2))
                low = anchor[0] - size if side in ("before", "window") else anchor[1]
                high = anchor[1] + size if side in ("after", "window") else anchor[0]
                found = self._in_range(view, group.key, max(low, 0), high, overlap=True)
            elif scope == "sentence":
                low, high = view.sentence_of(anchor[0])
                found = self._in_range(view, group.key, low, high)
            elif scope == "block":
                found = self._in_range(view, group.key, 0, len(view.doc))
            elif scope == "row":
                # The other cells of a table row; outside a table there is no row.
                cell = view.block.cell
                others = self.rows[(cell[0], cell[1])] if cell else []
                found = self._in_blocks(group.key, others)
            elif scope == "section":
                found = self._in_blocks(group.key, self.sections.get(view.block.section, [index]))
            elif scope == "list":
                found = self._in_blocks(group.key, self.list_blocks(index))
            elif scope == "lead-in":
                lead = self.lead_in(index)
                found = self._in_blocks(group.key, [lead]) if lead is not None else None
            else:  # document
                found = self._in_blocks(group.key, range(len(self.views)))
            if found is not None:
                return found
        return None

    def _in_range(
        self, view: _BlockView, key: str, low: int, high: int, overlap: bool = False
    ) -> str | None:
        for start, end in view.spans.get(key, []):
            inside = (start < high and end > low) if overlap else (start >= low and end <= high)
            if inside:
                return view.doc[start:end].text
        return None

    def _in_blocks(self, key: str, indexes: Any) -> str | None:
        for i in indexes:
            spans = self.views[i].spans.get(key)
            if spans:
                start, end = spans[0]
                return self.views[i].doc[start:end].text
        return None


def _level(block: Block) -> int:
    """A list item's depth (0 = top); paragraphs count as above every list."""
    if block.kind == "list-item":
        return block.level or 0
    return -1


def _introduces(block: Block) -> bool:
    """Whether a block ends by introducing what follows ("it will:", "as follows -")."""
    return block.text.rstrip().endswith((":", "—", "–", ":-"))


def _amount_spans(view: _BlockView, limits: dict[str, list[tuple[AmountTest, float]]]) -> Any:
    """A function giving the token spans, in ``view``, of the amount patterns of a key."""

    def spans(key: str) -> list[Span]:
        found = []
        for test, limit in limits.get(key, ()):
            for amount in view.amounts():
                if amount.currency == "EUR":
                    continue
                if test.compare == "below" and not amount.value < limit:
                    continue
                if test.compare == "above" and not amount.value >= limit:
                    continue  # thresholds apply at or above the figure
                if test.preceded_by is not None:
                    before = view.block.text[max(0, amount.start - 40) : amount.start]
                    if not test.preceded_by.search(before):
                        continue
                span = view.doc.char_span(amount.start, amount.end, alignment_mode="expand")
                if span is not None:
                    found.append((span.start, span.end))
        return found

    return spans


def _is_question(view: _BlockView, sentence: Span) -> bool:
    """A question asks; it does not state a rule ("Q: Is OJEU still used?")."""
    # The last token with text decides; reading it backwards keeps this constant-time for a
    # sentence of a million tokens (a hostile 5 MB paragraph), where ``span.text`` is not.
    for index in range(sentence[1] - 1, sentence[0] - 1, -1):
        text = view.doc[index].text.rstrip()
        if text:
            return text.endswith("?")
    return False


def _non_overlapping(spans: list[Span]) -> list[Span]:
    """Longest-first, left-to-right spans with no overlap (spans are sorted by start)."""
    chosen: list[Span] = []
    for start, end in sorted(spans, key=lambda s: (s[0], -(s[1] - s[0]))):
        if chosen and start < chosen[-1][1]:
            continue
        chosen.append((start, end))
    return chosen


def _period_in_force(table: list[dict[str, Any]], as_of: dt.date) -> dict[str, Any] | None:
    """The period of ``table`` whose dates cover ``as_of`` (the latest, if several do)."""
    covering = [
        period
        for period in table
        if period["from"] <= as_of and (period.get("until") is None or as_of <= period["until"])
    ]
    return max(covering, key=lambda period: period["from"]) if covering else None


def _figure_match(
    amount: Amount,
    table: list[dict[str, Any]],
    in_force: dict[str, Any] | None,
    as_of: dt.date,
    indicated: set[str],
    rule: Rule,
) -> tuple[dict[str, Any], str] | None:
    """The (period, category) a figure comes from, if the rule cares about it.

    A figure matches a table value within half the rounding its written form implies (and
    within £1, for the off-by-one figures real codes carry). ``indicated`` holds the
    categories whose cue words sit near the figure; where the figure matches one of them,
    only those categories count (the same number can be a stale figure of one category and
    the current figure of another). For ``match: stale`` the figure must not be in force on
    the as-of date; for ``match: any`` any period up to the as-of date will do.
    """
    # "£174k" may round or truncate £173,934 or £174,450: allow the written unit either way.
    tolerance = max(amount.precision, 1.0)
    matches = []
    for period in table:
        for category, value in (period.get("values") or {}).items():
            if rule.categories and category not in rule.categories:
                continue
            if value is not None and abs(float(value) - amount.value) <= tolerance:
                matches.append((period, category))
    if not matches:
        return None
    narrowed = [(p, c) for p, c in matches if c in indicated]
    if narrowed:
        matches = narrowed
    if rule.amount_match == "any":
        past = [(p, c) for p, c in matches if p["from"] <= as_of]
        return max(past, key=lambda pc: pc[0]["from"]) if past else None
    if in_force is not None and any(period is in_force for period, _ in matches):
        return None  # the figure is (also) the one in force
    past = [(p, c) for p, c in matches if p["from"] <= as_of]
    if not past:
        return None  # a figure from the future of the as-of date: not ours to judge
    return max(past, key=lambda pc: pc[0]["from"])


def _compare_in_force(
    amount: Amount, in_force: dict[str, Any] | None, rule: Rule
) -> tuple[dict[str, Any], str] | None:
    """For ``match: below/above``: the in-force (period, category) the amount is under/over."""
    if in_force is None:
        return None
    candidates = [
        (float(v), c)
        for c, v in (in_force.get("values") or {}).items()
        if v is not None and (not rule.categories or c in rule.categories)
    ]
    if not candidates:
        return None
    if rule.amount_match == "below":
        value, category = min(candidates)
        return (in_force, category) if amount.value < value else None
    value, category = max(candidates)
    return (in_force, category) if amount.value > value else None


def _current_figure_nearby(text: str, category: str, in_force: dict[str, Any] | None) -> bool:
    """Whether ``text`` also states the in-force figure of ``category``."""
    current = (in_force or {}).get("values", {}).get(category)
    if current is None:
        return False
    return any(abs(a.value - float(current)) <= 1.0 for a in find_amounts(text))


def _new_finding(
    rule: Rule,
    block: Block,
    values: dict[str, str],
    *,
    span: Span | None,
    excerpt: str,
    match: str,
    suggestion: dict[str, str] | None,
    fingerprint: str,
    document_level: bool = False,
) -> Finding:
    """A finding of ``rule`` located on ``block``, its message rendered from ``values``."""
    return Finding(
        rule=rule.code,
        family=rule.family,
        severity=rule.severity,
        title=rule.title,
        message=_render(rule.message, values),
        source=rule.source,
        paragraph=block.index,
        page=block.page,
        section=list(block.section),
        clause=block.clause,
        span=span,
        excerpt=excerpt,
        match=match,
        suggestion=suggestion,
        fingerprint=fingerprint,
        document_level=document_level,
    )


def _render(template: str, values: dict[str, str]) -> str:
    return TEMPLATE_FIELD.sub(lambda m: str(values.get(m.group(1), m.group(0))), template)


def _suggestion(rule: Rule, values: dict[str, str]) -> dict[str, str] | None:
    if rule.suggestion is None:
        return None
    return {"text": _render(rule.suggestion.text, values), "fix": rule.suggestion.fix}


def _excerpt(
    text: str, start: int, end: int, sent_start: int | None = None, sent_end: int | None = None
) -> str:
    """The sentence around a match, cut to about 300 characters around it."""
    low = sent_start if sent_start is not None else 0
    high = sent_end if sent_end is not None else len(text)
    if high - low > 300:
        low = max(low, start - 120)
        high = min(high, max(end + 120, low + 300))
    excerpt = " ".join(text[low:high].split())
    if low > (sent_start or 0):
        excerpt = "…" + excerpt
    if high < (sent_end if sent_end is not None else len(text)):
        excerpt += "…"
    return excerpt


def _one_per_family(findings: list[Finding], families: frozenset[str]) -> list[Finding]:
    """One finding per sentence for each of ``families``, whose rules are different ways of
    finding one problem of a clause, which a reader wants said once (the most severe rule,
    then the first by code). Other families (each stale term its own finding, with its own
    redraft) and document-level findings are kept as they are."""

    def rank(finding: Finding) -> tuple[int, str]:
        return (-SEVERITY_ORDER.get(finding.severity, -1), finding.rule)

    best: dict[tuple[str, int | None, tuple[int, int] | None], Finding] = {}
    kept: list[Finding] = []
    for finding in findings:
        if finding.family not in families or finding.document_level or finding.sentence is None:
            kept.append(finding)
            continue
        key = (finding.family, finding.paragraph, finding.sentence)
        other = best.get(key)
        if other is None or rank(finding) < rank(other):
            best[key] = finding
    kept.extend(best.values())
    return kept


def _with_fingerprints(findings: list[Finding]) -> list[Finding]:
    """Replace each finding's fingerprint key with a stable hash.

    The key is the rule, the normalised sentence and the matched words, so a finding keeps
    its fingerprint when text elsewhere changes (a paragraph inserted above it); identical
    sentences are told apart by their order of occurrence.
    """
    seen: dict[str, int] = defaultdict(int)
    for finding in findings:
        key = finding.fingerprint or f"{finding.rule}|document"
        occurrence = seen[key]
        seen[key] += 1
        digest = hashlib.sha256(f"{key}|{occurrence}".encode()).hexdigest()[:16]
        finding.fingerprint = digest
    findings.sort(key=lambda f: (f.paragraph or 0, f.span[0] if f.span else -1, f.rule))
    return findings
