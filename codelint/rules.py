"""Load, validate and compile rule packs.

A pack is a folder holding ``pack.yaml`` (the families, the shared vocabulary, the document
gate, the checklist), ``rules/*.yaml`` (one file per family) and ``data/*.yaml`` (dated facts
the rules refer to). The engine knows no procurement law: everything a rule needs is in its
pack, and this module only checks that the pack is well formed and turns its patterns into
spaCy matchers. Loading does not import spaCy; compiling does.

Every problem in every file is collected and reported at once, each naming the file, the
rule and the field (as Vale and spaCy do), so a broken pack is fixed in one pass.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from codelint.errors import PackError
from codelint.lazyregex import LazyRegex
from codelint.prefilter import (
    MIN_LITERAL,
    LiteralIndex,
    Prefilter,
    Required,
    WordIndex,
    leading_literals,
    required_literals,
)

KINDS = ("phrase", "amount", "period", "absence")
SEVERITIES = ("info", "warning", "error")
FIXES = ("replace", "advisory")
SCOPES = ("sentence", "block", "row", "section", "lead-in", "list", "document")
BLOCK_KINDS = ("heading", "paragraph", "list-item", "table-cell", "footnote", "endnote")
WINDOW_SCOPE = re.compile(r"^(before|after|window)\s+(\d+)$")
TEMPLATE_FIELD = re.compile(r"\{([a-z_][a-z0-9_.]*)\}")

#: Template fields every kind offers; kinds add their own (see KIND_FIELDS).
COMMON_FIELDS = {"match", "sentence", "clause", "section", "title"}
KIND_FIELDS = {
    "phrase": {"replacement", "outdated_from", "replacement_from", "since"},
    "amount": {"amount", "current", "category", "period_from", "period_until", "basis",
               "current_from"},
    "period": {"period", "minimum"},
    "absence": set(),
}  # fmt: skip

RULE_KEYS = {
    "code", "title", "kind", "severity", "rationale", "source", "patterns", "requires",
    "excludes", "scope", "message", "suggestion", "examples", "data", "when", "table",
    "currencies", "minimum", "gate", "status", "tags", "match", "categories", "in",
}  # fmt: skip
REQUIRED_RULE_KEYS = ("code", "title", "kind", "severity", "rationale", "source", "message")


@dataclass(frozen=True)
class Pattern:
    """One pattern: a phrase on LOWER or LEMMA, a regular expression, or a token pattern."""

    type: str  # "lower", "lemma", "regex", "tokens"
    value: Any


@dataclass
class Group:
    """A set of patterns tested together, e.g. the words that must co-occur with a match."""

    key: str
    patterns: list[Pattern]
    scopes: tuple[str, ...] = ("sentence",)
    name: str | None = None
    #: For an exclusion: it does not exclude when this group is present in the same scopes.
    unless: Group | None = None


@dataclass(frozen=True)
class AmountTest:
    """A money amount compared with a figure: a fixed sum or a table value on the as-of date."""

    compare: str  # "below" or "above"
    than: float | None = None
    table: str | None = None
    categories: tuple[str, ...] = ()
    #: A regular expression the text just before the amount must match ("up to", "over").
    preceded_by: LazyRegex | None = None


@dataclass
class Suggestion:
    text: str
    fix: str  # "replace": a direct replacement of the matched words; "advisory": text to consider


@dataclass
class Example:
    text: str
    as_of: dt.date | None = None


@dataclass
class Rule:
    code: str
    family: str
    title: str
    kind: str
    severity: str
    rationale: str
    source: str
    message: str
    path: str
    anchor: Group | None = None
    requires: list[Group] = field(default_factory=list)
    excludes: list[Group] = field(default_factory=list)
    suggestion: Suggestion | None = None
    flag_examples: list[Example] = field(default_factory=list)
    pass_examples: list[Example] = field(default_factory=list)
    data: str | None = None
    when_from: str | dt.date | None = None
    when_until: str | dt.date | None = None
    table: str | None = None
    currencies: tuple[str | None, ...] = ("GBP", None)
    #: Amount rules: "stale" (a figure no longer in force), "any" (any figure of the table),
    #: "below"/"above" (less/more than the in-force figure of ``categories``).
    amount_match: str = "stale"
    #: Amount rules: only figures of these table categories count (empty: all).
    categories: tuple[str, ...] = ()
    #: Block kinds the rule reads (empty: all), e.g. not headings.
    block_kinds: tuple[str, ...] = ()
    minimum_days: float | None = None
    minimum_text: str | None = None
    gate: str | None = None
    status: str = "stable"
    tags: tuple[str, ...] = ()

    @property
    def document_level(self) -> bool:
        return self.kind == "absence"


@dataclass
class Gate:
    """What a document must contain for document-level rules to apply to it."""

    name: str
    group: Group
    min_hits: int
    min_distinct: int
    note: str
    #: Hits per 1,000 words (0: no density test).
    min_density: float = 0.0
    #: The note when the gate fails but document-level checks are forced.
    note_forced: str = ""
    #: Markers of other kinds of document (minutes, newsletters); enough of them fail the gate.
    against: Group | None = None
    max_against: int = 1


@dataclass
class ChecklistItem:
    """One action of the Compact checklist and what in a code would show it.

    ``evidence`` lists groups that must all occur in one block; ``absent_families`` names
    families whose findings show the action is not met (met when there are none). An action
    with neither is one no document can show (it is done outside the code).
    """

    id: str
    title: str
    evidence: list[Group] = field(default_factory=list)
    absent_families: tuple[str, ...] = ()
    note: str = ""
    guidance: str = ""


@dataclass
class Catalogue:
    """Every rule, vocabulary list, data file, gate and checklist item of the loaded packs."""

    rules: dict[str, Rule]
    families: dict[str, str]
    data: dict[str, Any]
    groups: dict[str, Group]
    gates: dict[str, Gate]
    checklist: list[ChecklistItem]
    packs: list[str]
    redirects: dict[str, str] = field(default_factory=dict)
    #: Families whose rules are ways of finding one problem of a clause: a sentence gets one
    #: finding of such a family, not one per rule (pack.yaml ``one_per_sentence``).
    one_per_sentence: frozenset[str] = frozenset()
    #: What each regular expression must start with and contain (prefilter.py), worked out
    #: once with the catalogue so that a catalogue from the pack cache carries it.
    regex_facts: dict[LazyRegex, RegexFacts] = field(default_factory=dict)

    def select(self, select: list[str] | None, ignore: list[str] | None) -> list[Rule]:
        """Rules whose code starts with a ``select`` prefix and with no ``ignore`` prefix."""
        chosen = []
        for code in sorted(self.rules):
            if select and not any(_code_matches(code, s) for s in select):
                continue
            if ignore and any(_code_matches(code, s) for s in ignore):
                continue
            chosen.append(self.rules[code])
        return chosen

    def resolve(self, ref: str) -> Any:
        """Look up a dotted data reference such as ``terms.ojeu``."""
        node: Any = self.data
        for part in ref.split("."):
            if not isinstance(node, dict) or part not in node:
                raise KeyError(ref)
            node = node[part]
        return node


def _code_matches(code: str, selector: str) -> bool:
    return selector.upper() == "ALL" or code.upper().startswith(selector.upper())


# ---------------------------------------------------------------------------------------------
# Loading


class _Problems:
    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, where: str, message: str) -> None:
        self.items.append(f"{where}: {message}")


def _load_yaml(path: Path, problems: _Problems) -> Any:
    try:
        with path.open("rb") as handle:
            return yaml.load(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" line {mark.line + 1}" if mark else ""
        problems.add(f"{path}{line}", f"invalid YAML: {getattr(exc, 'problem', exc)}")
    except OSError as exc:
        problems.add(str(path), f"cannot be read: {exc.strerror}")
    return None


def builtin_pack_dir() -> Path:
    """The built-in pack: ``checks/`` in a source checkout, ``codelint/checks`` when installed."""
    here = Path(__file__).resolve().parent
    source_tree = here.parent / "checks"
    if (source_tree / "pack.yaml").is_file():
        return source_tree
    return here / "checks"


class _Loader:
    def __init__(self) -> None:
        self.problems = _Problems()
        self.families: dict[str, str] = {}
        self.prefixes: dict[str, str] = {}
        self.one_per_sentence: set[str] = set()
        self.vocab: dict[str, list[Any]] = {}
        self.vocab_where: dict[str, str] = {}
        self.raw_groups: dict[str, tuple[str, Any]] = {}
        self.data: dict[str, Any] = {}
        self.rules: dict[str, Rule] = {}
        self.groups: dict[str, Group] = {}
        self.gates: dict[str, Gate] = {}
        self.checklist: list[ChecklistItem] = []
        self.redirects: dict[str, str] = {}
        self.packs: list[str] = []
        self._pending_gates: list[tuple[str, str, Any]] = []
        self._pending_checklist: list[tuple[str, list[Any]]] = []
        self._pending_rules: list[tuple[Path, Any]] = []
        #: Every file read, for the pack cache (see read_inside).
        self.read: list[Path] = []

    def _yaml(self, path: Path) -> Any:
        self.read.append(path)
        return _load_yaml(path, self.problems)

    def read_inside(self, folders: list[Path]) -> bool:
        """Whether every file read lies in one of ``folders`` (the pack cache's key covers
        only those)."""
        roots = [folder.resolve() for folder in folders]
        return all(any(path.resolve().is_relative_to(root) for root in roots) for path in self.read)

    # -- pack.yaml ----------------------------------------------------------------------------

    def load_pack(self, folder: Path) -> None:
        manifest_path = folder / "pack.yaml"
        if not manifest_path.is_file():
            self.problems.add(str(folder), "not a rule pack (no pack.yaml)")
            return
        manifest = self._yaml(manifest_path) or {}
        where = str(manifest_path)
        if not isinstance(manifest, dict):
            self.problems.add(where, "must be a mapping")
            return
        self.packs.append(str(manifest.get("name") or folder.name))
        for name, spec in (manifest.get("families") or {}).items():
            if not isinstance(spec, dict) or "prefix" not in spec:
                self.problems.add(where, f"family {name!r}: needs a prefix and a description")
                continue
            self.families[name] = str(spec.get("description", ""))
            self.prefixes[name] = str(spec["prefix"])
            once = spec.get("one_per_sentence", False)
            if not isinstance(once, bool):
                self.problems.add(where, f"family {name!r}: one_per_sentence must be true or false")
            elif once:
                self.one_per_sentence.add(name)
        self._vocab(where, manifest.get("vocab") or {})
        self.redirects.update(manifest.get("redirects") or {})
        for data_path in sorted((folder / "data").glob("*.yaml")):
            content = self._yaml(data_path)
            if content is not None:
                if data_path.stem in self.data:
                    self.problems.add(str(data_path), "data file name used by another pack")
                self.data[data_path.stem] = content
        for name, spec in (manifest.get("gates") or {}).items():
            self._pending_gates.append((where, name, spec))
        checklist = manifest.get("checklist")
        if isinstance(checklist, str):
            checklist_path = folder / checklist
            loaded = self._yaml(checklist_path) or {}
            self._vocab(str(checklist_path), loaded.get("vocab") or {})
            self._pending_checklist.append((str(checklist_path), loaded.get("actions") or []))
        for rule_path in sorted((folder / "rules").glob("*.yaml")):
            content = self._yaml(rule_path)
            if content is not None:
                self._pending_rules.append((rule_path, content))

    # -- after every pack is read: vocab and data are known, so rules can be checked ----------

    def finish(self) -> Catalogue:
        for where, name, spec in self._pending_gates:
            self._gate(where, name, spec)
        for where, actions in self._pending_checklist:
            self._checklist(where, actions)
        # Vocabulary from every rule file first, so any rule may use any list.
        for rule_path, content in self._pending_rules:
            if isinstance(content, dict):
                self._vocab(str(rule_path), content.get("vocab") or {})
        for rule_path, content in self._pending_rules:
            self._rule_file(rule_path, content)
        for code, target in self.redirects.items():
            if target not in self.rules:
                self.problems.add("redirects", f"{code} points at unknown rule {target}")
        if self.problems.items:
            raise PackError(self.problems.items)
        return Catalogue(
            rules=self.rules,
            families=self.families,
            data=self.data,
            groups=self.groups,
            gates=self.gates,
            checklist=self.checklist,
            packs=self.packs,
            redirects=self.redirects,
            one_per_sentence=frozenset(self.one_per_sentence),
        )

    def _vocab(self, where: str, lists: Any) -> None:
        if not isinstance(lists, dict):
            self.problems.add(where, "`vocab` must map names to lists of patterns")
            return
        for name, items in lists.items():
            if name in self.vocab:
                self.problems.add(
                    where, f"vocab {name!r} already defined in {self.vocab_where[name]}"
                )
                continue
            if not isinstance(items, list):
                self.problems.add(where, f"vocab {name!r} must be a list")
                continue
            self.vocab[name] = items
            self.vocab_where[name] = where

    def _gate(self, where: str, name: str, spec: Any) -> None:
        if not isinstance(spec, dict):
            self.problems.add(where, f"gate {name!r} must be a mapping")
            return
        group = self._group(f"{where}: gate {name}", spec.get("patterns"), f"gate:{name}")
        if group is None:
            return
        self.gates[name] = Gate(
            name=name,
            group=group,
            min_hits=int(spec.get("min_hits", 1)),
            min_distinct=int(spec.get("min_distinct", 1)),
            note=str(spec.get("note", "")),
            min_density=float(spec.get("min_density", 0)),
            note_forced=str(spec.get("note_forced", "")).strip(),
            against=(
                self._group(
                    f"{where}: gate {name}: against", spec["against"], f"gate:{name}:against"
                )
                if spec.get("against")
                else None
            ),
            max_against=int(spec.get("max_against", 1)),
        )

    def _checklist(self, where: str, actions: list[Any]) -> None:
        seen = set()
        for position, action in enumerate(actions, start=1):
            here = f"{where}: action {position}"
            if not isinstance(action, dict) or "id" not in action or "title" not in action:
                self.problems.add(here, "needs id and title")
                continue
            unknown = set(action) - {
                "id",
                "title",
                "evidence",
                "absent_families",
                "note",
                "guidance",
            }
            if unknown:
                self.problems.add(here, f"unknown field(s) {sorted(unknown)}")
            if action["id"] in seen:
                self.problems.add(here, f"duplicate id {action['id']!r}")
            seen.add(action["id"])
            evidence = []
            for number, spec in enumerate(action.get("evidence") or [], start=1):
                group = self._group(
                    f"{here}: evidence[{number}]",
                    spec,
                    f"checklist:{action['id']}:{number}",
                    "block",
                )
                if group is not None:
                    evidence.append(group)
            absent = tuple(action.get("absent_families") or ())
            for family in absent:
                if family not in self.families:
                    self.problems.add(here, f"absent_families: unknown family {family!r}")
            self.checklist.append(
                ChecklistItem(
                    id=str(action["id"]),
                    title=str(action["title"]).strip(),
                    evidence=evidence,
                    absent_families=absent,
                    note=str(action.get("note", "")).strip(),
                    guidance=str(action.get("guidance", "")).strip(),
                )
            )

    def _rule_file(self, path: Path, content: Any) -> None:
        where = str(path)
        if not isinstance(content, dict):
            self.problems.add(where, "must be a mapping with `family` and `rules`")
            return
        family = content.get("family")
        if family not in self.families:
            self.problems.add(where, f"family {family!r} is not declared in any pack.yaml")
            return
        if path.stem != family and not content.get("extends_family"):
            self.problems.add(where, f"file name must be the family name ({family}.yaml)")
        rules = content.get("rules")
        if not isinstance(rules, list) or not rules:
            self.problems.add(where, "`rules` must be a non-empty list")
            return
        for position, spec in enumerate(rules, start=1):
            self._rule(path, family, position, spec)

    def _rule(self, path: Path, family: str, position: int, spec: Any) -> None:
        where = f"{path}: rule {position}"
        if not isinstance(spec, dict):
            self.problems.add(where, "must be a mapping")
            return
        code = str(spec.get("code", ""))
        if code:
            where = f"{path}: {code}"
        unknown = set(spec) - RULE_KEYS
        for key in sorted(unknown):
            self.problems.add(where, f"unknown field {key!r}")
        for key in REQUIRED_RULE_KEYS:
            if not spec.get(key):
                self.problems.add(where, f"missing field {key!r}")
        if not code:
            return
        prefix = self.prefixes[family]
        if not re.fullmatch(rf"{re.escape(prefix)}\d{{3}}", code):
            self.problems.add(where, f"code must be {prefix} followed by three digits")
        if code in self.rules:
            self.problems.add(where, f"code {code} already used in {self.rules[code].path}")
        kind = spec.get("kind")
        if kind not in KINDS:
            self.problems.add(where, f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
            return
        severity = spec.get("severity")
        if severity not in SEVERITIES:
            self.problems.add(where, f"severity must be one of {', '.join(SEVERITIES)}")
        rule = Rule(
            code=code,
            family=family,
            title=str(spec.get("title", "")).strip(),
            kind=kind,
            severity=str(severity),
            rationale=str(spec.get("rationale", "")).strip(),
            source=str(spec.get("source", "")).strip(),
            message=str(spec.get("message", "")).strip(),
            path=str(path),
            status=str(spec.get("status", "stable")),
            tags=tuple(spec.get("tags") or ()),
        )
        default_scope = spec.get("scope", "sentence")
        if spec.get("patterns") is not None:
            rule.anchor = self._group(f"{where}: patterns", spec["patterns"], f"{code}:anchor")
        elif kind in ("phrase", "absence"):
            self.problems.add(where, f"a {kind} rule needs `patterns`")
        for field_name in ("requires", "excludes"):
            groups = spec.get(field_name) or []
            if not isinstance(groups, list):
                self.problems.add(where, f"`{field_name}` must be a list of groups")
                continue
            for index, group_spec in enumerate(groups, start=1):
                group = self._group(
                    f"{where}: {field_name}[{index}]",
                    group_spec,
                    f"{code}:{field_name}:{index}",
                    default_scope,
                )
                if group is not None:
                    getattr(rule, field_name).append(group)
        kinds = spec.get("in") or []
        for kind_name in kinds:
            if kind_name not in BLOCK_KINDS:
                self.problems.add(where, f"in: unknown block kind {kind_name!r}")
        rule.block_kinds = tuple(kinds)
        self._rule_kind_fields(where, rule, spec)
        self._rule_suggestion(where, rule, spec)
        self._rule_examples(where, rule, spec)
        self._rule_templates(where, rule)
        self.rules[code] = rule

    def _rule_kind_fields(self, where: str, rule: Rule, spec: dict[str, Any]) -> None:
        if spec.get("data") is not None:
            rule.data = str(spec["data"])
            entry = self._resolve(rule.data)
            if entry is None:
                self.problems.add(where, f"data {rule.data!r} not found in any data file")
            elif not isinstance(entry, dict) or "outdated_from" not in entry:
                self.problems.add(where, f"data {rule.data!r} needs `outdated_from`")
        when = spec.get("when") or {}
        if not isinstance(when, dict) or set(when) - {"from", "until"}:
            self.problems.add(
                where, "`when` takes `from` and/or `until` (dates or data references)"
            )
        else:
            for key in ("from", "until"):
                value = when.get(key)
                if value is None:
                    continue
                if isinstance(value, str) and not isinstance(self._resolve(value), dt.date):
                    self.problems.add(
                        where, f"when.{key}: {value!r} is neither a date nor a data date"
                    )
                setattr(rule, f"when_{key}", value)
        if rule.kind == "amount":
            table = spec.get("table")
            if not table or not isinstance(self._resolve(str(table)), list):
                self.problems.add(
                    where, "an amount rule needs `table`: a data list of dated periods"
                )
            else:
                rule.table = str(table)
                self._check_table(where, rule.table)
            rule.amount_match = str(spec.get("match", "stale"))
            if rule.amount_match not in ("stale", "any", "below", "above"):
                self.problems.add(where, "`match` must be stale, any, below or above")
            rule.categories = tuple(str(c) for c in spec.get("categories") or ())
            if rule.table and rule.categories:
                known = set()
                for period in self._resolve(rule.table) or []:
                    known |= set((period or {}).get("values") or {})
                for category in rule.categories:
                    if category not in known:
                        self.problems.add(where, f"category {category!r} is not in {rule.table}")
            currencies = spec.get("currencies", ["GBP", None])
            rule.currencies = tuple(
                None if c in (None, "none", "bare") else str(c) for c in currencies
            )
        if rule.kind == "period":
            minimum = spec.get("minimum")
            days = _minimum_days(minimum)
            if days is None:
                self.problems.add(where, "a period rule needs `minimum`, e.g. {weeks: 12}")
            else:
                rule.minimum_days = days
                unit, amount = next(iter(minimum.items()))
                rule.minimum_text = f"{amount} {unit}"
        if rule.kind == "absence":
            gate = spec.get("gate")
            if gate is not None and gate not in self.gates:
                self.problems.add(where, f"gate {gate!r} is not defined in any pack.yaml")
            rule.gate = gate

    def _check_table(self, where: str, ref: str) -> None:
        table = self._resolve(ref)
        for number, period in enumerate(table, start=1):
            if not isinstance(period, dict) or not isinstance(period.get("from"), dt.date):
                self.problems.add(where, f"{ref}[{number}] needs a `from` date")
            elif not isinstance(period.get("values"), dict) or not period["values"]:
                self.problems.add(where, f"{ref}[{number}] needs `values` by category")

    def _rule_suggestion(self, where: str, rule: Rule, spec: dict[str, Any]) -> None:
        suggestion = spec.get("suggestion")
        if suggestion is None:
            return
        if isinstance(suggestion, str):
            suggestion = {"text": suggestion, "fix": "advisory"}
        if not isinstance(suggestion, dict) or not suggestion.get("text"):
            self.problems.add(where, "suggestion needs `text` (and `fix`: replace or advisory)")
            return
        fix = suggestion.get("fix", "advisory")
        if fix not in FIXES:
            self.problems.add(where, f"suggestion.fix must be one of {', '.join(FIXES)}")
        if fix == "replace" and rule.document_level:
            self.problems.add(where, "a document-level rule cannot replace words")
        rule.suggestion = Suggestion(text=str(suggestion["text"]).strip(), fix=str(fix))

    def _rule_examples(self, where: str, rule: Rule, spec: dict[str, Any]) -> None:
        examples = spec.get("examples") or {}
        for key, target in (("flag", rule.flag_examples), ("pass", rule.pass_examples)):
            items = examples.get(key) or []
            if not items:
                self.problems.add(where, f"examples.{key} must list at least one passage")
            for item in items:
                if isinstance(item, str):
                    target.append(Example(item))
                elif isinstance(item, dict) and isinstance(item.get("text"), str):
                    as_of = item.get("as_of")
                    if as_of is not None and not isinstance(as_of, dt.date):
                        self.problems.add(where, f"examples.{key}: as_of must be a date")
                        as_of = None
                    target.append(Example(item["text"], as_of))
                else:
                    self.problems.add(
                        where, f"examples.{key}: each item is text or {{text, as_of}}"
                    )

    def _rule_templates(self, where: str, rule: Rule) -> None:
        allowed = COMMON_FIELDS | KIND_FIELDS[rule.kind]
        allowed |= {f"group.{g.name}" for g in rule.requires if g.name}
        texts = {"message": rule.message}
        if rule.suggestion:
            texts["suggestion"] = rule.suggestion.text
        for name, text in texts.items():
            for field_name in TEMPLATE_FIELD.findall(text):
                if field_name not in allowed:
                    self.problems.add(where, f"{name}: unknown template field {{{field_name}}}")
        if rule.kind == "phrase" and not rule.data:
            for name, text in texts.items():
                for field_name in ("replacement", "outdated_from", "replacement_from"):
                    if f"{{{field_name}}}" in text:
                        self.problems.add(where, f"{name}: {{{field_name}}} needs `data`")

    # -- groups and patterns --------------------------------------------------------------------

    def _amount_test(self, where: str, item: dict[str, Any]) -> AmountTest | None:
        """``{amount: below|above, than: N}`` or ``{amount: ..., table: REF, category: C}``."""
        unknown = set(item) - {"amount", "than", "table", "category", "categories", "preceded_by"}
        if unknown:
            self.problems.add(where, f"amount pattern: unknown field(s) {sorted(unknown)}")
            return None
        compare = item.get("amount")
        if compare not in ("below", "above"):
            self.problems.add(where, "amount pattern: `amount` must be below or above")
            return None
        categories = item.get("categories") or ([item["category"]] if "category" in item else [])
        table = item.get("table")
        than = item.get("than")
        if (than is None) == (table is None):
            self.problems.add(where, "amount pattern: give either `than` (a sum) or `table`")
            return None
        if table is not None and not isinstance(self._resolve(str(table)), list):
            self.problems.add(where, f"amount pattern: table {table!r} not found")
            return None
        preceded = None
        if item.get("preceded_by"):
            try:
                preceded = LazyRegex.compile(rf"(?:{item['preceded_by']})\s*$", re.IGNORECASE)
            except re.error as exc:
                self.problems.add(where, f"amount pattern: bad preceded_by: {exc}")
                return None
        return AmountTest(
            compare=compare,
            than=float(than) if than is not None else None,
            table=str(table) if table is not None else None,
            categories=tuple(str(c) for c in categories),
            preceded_by=preceded,
        )

    def _resolve(self, ref: str) -> Any:
        node: Any = self.data
        for part in ref.split("."):
            if not isinstance(node, dict) or part not in node:
                return None
            node = node[part]
        return node

    def _group(
        self, where: str, spec: Any, key: str, default_scope: Any = "sentence"
    ) -> Group | None:
        name = None
        scopes: Any = default_scope
        if isinstance(spec, str) and spec.startswith("@"):
            patterns_spec: Any = [spec]
            # A group that is exactly one vocabulary list shares its matcher key with every
            # other use of that list, so the phrases are added to the matcher once.
            key = f"vocab:{spec[1:]}"
        elif isinstance(spec, dict) and "any" in spec:
            patterns_spec = spec["any"]
            name = spec.get("name")
            scopes = spec.get("within", default_scope)
            extra = set(spec) - {"any", "name", "within", "unless"}
            if extra:
                self.problems.add(where, f"unknown group field(s) {sorted(extra)}")
        elif isinstance(spec, list):
            patterns_spec = spec
        elif isinstance(spec, dict) and (
            (len(spec) == 1 and set(spec) & {"regex", "lemma"}) or "amount" in spec
        ):
            patterns_spec = [spec]
        else:
            self.problems.add(
                where, "a group is @vocab, a list of patterns, or {any: [...], within: ...}"
            )
            return None
        scope_list = tuple(scopes if isinstance(scopes, list) else [scopes])
        for scope in scope_list:
            if scope not in SCOPES and not WINDOW_SCOPE.match(str(scope)):
                self.problems.add(
                    where,
                    f"unknown scope {scope!r} (use {', '.join(SCOPES)}, 'before N', "
                    "'after N' or 'window N')",
                )
        patterns = self._patterns(where, patterns_spec, set())
        if not patterns:
            self.problems.add(where, "no patterns")
            return None
        group = Group(key=key, patterns=patterns, scopes=scope_list, name=name)
        if isinstance(spec, dict) and spec.get("unless") is not None:
            unless_spec = spec["unless"]
            if not (isinstance(unless_spec, dict) and "any" in unless_spec):
                # a list of patterns, looked for in the exclusion's own scopes
                if not isinstance(unless_spec, list):
                    unless_spec = [unless_spec]
                unless_spec = {"any": unless_spec, "within": list(scope_list)}
            group.unless = self._group(f"{where}: unless", unless_spec, f"{key}:unless")
        self.groups[key] = group
        return group

    def _patterns(self, where: str, spec: Any, seen: set[str]) -> list[Pattern]:
        if not isinstance(spec, list):
            self.problems.add(where, "patterns must be a list")
            return []
        out: list[Pattern] = []
        for item in spec:
            if isinstance(item, str) and item.startswith("@") and "." in item:
                # A list of phrases kept with the dated data, e.g. @services.light_touch.terms
                listed = self._resolve(item[1:])
                if not isinstance(listed, list) or not all(isinstance(x, str) for x in listed):
                    self.problems.add(where, f"{item!r} is not a list of phrases in the data files")
                else:
                    out.extend(Pattern("lower", x) for x in listed)
            elif isinstance(item, str) and item.startswith("@"):
                name = item[1:]
                if name not in self.vocab:
                    self.problems.add(where, f"unknown vocabulary list {item!r}")
                elif name in seen:
                    self.problems.add(where, f"vocabulary list {item!r} includes itself")
                else:
                    out.extend(self._patterns(where, self.vocab[name], seen | {name}))
            elif isinstance(item, str):
                if not item.strip():
                    self.problems.add(where, "empty phrase")
                else:
                    out.append(Pattern("lower", item))
            elif isinstance(item, dict) and len(item) == 1 and "lemma" in item:
                out.append(Pattern("lemma", str(item["lemma"])))
            elif isinstance(item, dict) and "amount" in item:
                test = self._amount_test(where, item)
                if test is not None:
                    out.append(Pattern("amount", test))
            elif isinstance(item, dict) and len(item) == 1 and "regex" in item:
                try:
                    regex = LazyRegex.compile(str(item["regex"]), re.IGNORECASE)
                    out.append(Pattern("regex", regex))
                except re.error as exc:
                    self.problems.add(where, f"bad regex {item['regex']!r}: {exc}")
            elif isinstance(item, list) and item and all(isinstance(t, dict) for t in item):
                out.append(Pattern("tokens", item))
            else:
                self.problems.add(
                    where,
                    f"cannot read pattern {item!r} (a phrase, {{lemma: ...}}, "
                    "{regex: ...}, a token pattern list, or @vocab)",
                )
        return out


def _minimum_days(minimum: Any) -> float | None:
    units = {"days": 1.0, "weeks": 7.0, "months": 30.0, "years": 365.0}
    if not isinstance(minimum, dict) or len(minimum) != 1:
        return None
    unit, amount = next(iter(minimum.items()))
    if unit not in units or not isinstance(amount, (int, float)):
        return None
    return float(amount) * units[unit]


def load_catalogue(
    extra_packs: list[str | Path] | None = None, builtin: bool = True, cached: bool = True
) -> Catalogue:
    """Load the built-in pack and any extra pack folders; raise PackError listing all problems.

    A catalogue loaded before from the same pack files by the same codelint comes from the
    compiled-pack cache (packcache.py) unless ``cached`` is false."""
    from codelint import packcache

    entry = None
    if cached:
        # Folders resolved: the same pack content in another place has other rule paths.
        entry = packcache.key(tuple(str(Path(p).resolve()) for p in extra_packs or []), builtin)
        stored = packcache.load(entry)
        if isinstance(stored, Catalogue):
            return stored
    loader = _Loader()
    folders = [builtin_pack_dir()] if builtin else []
    folders += [Path(p) for p in extra_packs or []]
    for folder in folders:
        loader.load_pack(folder)
    catalogue = loader.finish()
    catalogue.regex_facts = analyse_regexes(all_groups(catalogue, list(catalogue.rules.values())))
    if entry is not None and loader.read_inside(folders):
        packcache.store(entry, catalogue)
    return catalogue


@dataclass(frozen=True)
class RegexFacts:
    """What a text must hold for an expression to match in it (see prefilter.py)."""

    leading: Prefilter | None
    required: Required


def analyse_regexes(groups: list[Group]) -> dict[LazyRegex, RegexFacts]:
    """The facts of every distinct regular expression of ``groups``."""
    facts: dict[LazyRegex, RegexFacts] = {}
    for group in groups:
        for pattern in group.patterns:
            regex = pattern.value
            if pattern.type == "regex" and regex not in facts:
                facts[regex] = RegexFacts(
                    leading_literals(regex.pattern), required_literals(regex.pattern, regex.flags)
                )
    return facts


def all_groups(catalogue: Catalogue, rules: list[Rule]) -> list[Group]:
    """The groups ``rules`` use, with those of the gates and the checklist."""
    groups: dict[str, Group] = {}
    for rule in rules:
        for group in ([rule.anchor] if rule.anchor else []) + rule.requires + rule.excludes:
            groups[group.key] = group
            if group.unless is not None:
                groups[group.unless.key] = group.unless
    for gate in catalogue.gates.values():
        groups[gate.group.key] = gate.group
        if gate.against is not None:
            groups[gate.against.key] = gate.against
    for item in catalogue.checklist:
        for group in item.evidence:
            groups[group.key] = group
    return list(groups.values())


# ---------------------------------------------------------------------------------------------
# Compiling


class CompiledPatterns:
    """All groups' patterns as three spaCy matchers plus a list of regular expressions.

    One PhraseMatcher on LOWER, one on LEMMA and one Matcher hold every pattern of every
    group, keyed by the group key, so a document is matched in one pass whatever the number
    of rules (a PhraseMatcher with hundreds of phrases costs about as much as one with ten).
    """

    def __init__(
        self, nlp: Any, groups: list[Group], facts: dict[LazyRegex, RegexFacts] | None = None
    ) -> None:
        from spacy.matcher import Matcher, PhraseMatcher
        from spacy.tokens import Doc

        self.nlp = nlp
        self._names: dict[int, str] = {}
        self.lower = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.lemma = PhraseMatcher(nlp.vocab, attr="LEMMA")
        #: Fixed token sequences of token patterns, matched on exact text (ORTH) or LOWER.
        self.exact = PhraseMatcher(nlp.vocab, attr="ORTH")
        self.lower_tokens = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.tokens = Matcher(nlp.vocab, validate=True)
        self.regexes: list[tuple[str, LazyRegex]] = []
        #: Amount tests need the as-of date, so the engine evaluates them per document.
        self.amounts: list[tuple[str, AmountTest]] = []
        problems: list[str] = []
        lower: dict[str, list[str]] = {}
        lemma: dict[str, list[str]] = {}
        for group in groups:
            for pattern in group.patterns:
                if pattern.type == "lower":
                    lower.setdefault(group.key, []).append(pattern.value)
                elif pattern.type == "lemma":
                    lemma.setdefault(group.key, []).append(pattern.value)
                elif pattern.type == "regex":
                    self.regexes.append((group.key, pattern.value))
                elif pattern.type == "amount":
                    self.amounts.append((group.key, pattern.value))
                else:
                    fixed = _fixed_sequences(pattern.value)
                    if fixed is not None:
                        attr, sequences = fixed
                        target = self.exact if attr == "ORTH" else self.lower_tokens
                        target.add(group.key, [Doc(nlp.vocab, words=w) for w in sequences])
                        continue
                    try:
                        self.tokens.add(group.key, [pattern.value])
                    except (ValueError, KeyError) as exc:
                        problems.append(f"{group.key}: invalid token pattern: {exc}")
        if problems:
            raise PackError(problems)
        texts = sorted({t for items in lower.values() for t in items})
        docs = dict(zip(texts, nlp.tokenizer.pipe(texts), strict=True))
        for key, items in lower.items():
            self.lower.add(key, [docs[t] for t in items])
        lemma_texts = sorted({t for items in lemma.values() for t in items})
        lemma_docs = dict(zip(lemma_texts, nlp.pipe(lemma_texts), strict=True))
        for key, items in lemma.items():
            self.lemma.add(key, [lemma_docs[t] for t in items])

        self.regex_by_key: dict[str, list[LazyRegex]] = {}
        for key, regex in self.regexes:
            self.regex_by_key.setdefault(key, []).append(regex)
        self.amount_keys = {key for key, _ in self.amounts}
        #: Groups with spans found only when asked for (regular expressions, amounts).
        self.lazy_keys = set(self.regex_by_key) | self.amount_keys
        #: For each regular expression, what a text it can match must start a match with and
        #: must contain (prefilter.py).
        known = facts or {}
        missing = [
            group
            for group in groups
            if any(p.type == "regex" and p.value not in known for p in group.patterns)
        ]
        known = {**known, **analyse_regexes(missing)} if missing else known
        distinct = dict.fromkeys(regex for _, regex in self.regexes)
        self.prefilter = {regex: known[regex].leading for regex in distinct}
        self.required = {
            regex: known[regex].required for regex in distinct if known[regex].required
        }
        #: The word test, for expressions whose leading literals are too short to tell by
        #: substring ("no", "20"): others are told well enough by their literals.
        self.words = WordIndex(
            (regex, p)
            for regex, p in self.prefilter.items()
            if p is not None and min(len(literal) for literal in p.literals) < MIN_LITERAL
        )

    def document(self, texts: list[str]) -> DocumentFilter:
        """The literal pre-checks for a whole document of blocks ``texts``."""
        return DocumentFilter(self, texts)

    def match(
        self,
        doc: Any,
        text: str | None = None,
        document: DocumentFilter | None = None,
        index: int = 0,
    ) -> BlockSpans:
        """The matches of every group in ``doc``: matcher results now, regular expressions
        when a group that has them is first asked for (most groups are conditions that are
        only looked at around an anchor, so most blocks never need them). ``document`` and
        ``index`` place the block in its document, whose pre-checks are then used; a block
        on its own is a document of one."""
        names = self._names
        found: dict[str, list[tuple[int, int]]] = {}
        for matcher in (self.lower, self.lemma, self.exact, self.lower_tokens, self.tokens):
            if not len(matcher):
                continue
            for match_id, start, end in matcher(doc):
                key = names.get(match_id)
                if key is None:  # a hash to the group key, once (StringStore lookups cost)
                    key = names[match_id] = self.nlp.vocab.strings[match_id]
                spans = found.get(key)
                if spans is None:
                    found[key] = [(start, end)]
                else:
                    spans.append((start, end))
        for spans in found.values():
            spans.sort()
        text = doc.text if text is None else text
        if document is None:
            document, index = self.document([text]), 0
        for key in found:
            document.found_in.setdefault(key, []).append(index)
        return BlockSpans(self, doc, text, found, document, index)


class DocumentFilter:
    """The literal pre-checks of prefilter.py made once for a whole document: for each
    regular expression, the blocks containing the literals it needs (see LiteralIndex)."""

    def __init__(self, compiled: CompiledPatterns, texts: list[str]) -> None:
        self.compiled = compiled
        self.literals = LiteralIndex([text.lower() for text in texts])
        self.count = len(texts)
        #: For each group, the blocks where the spaCy matchers found it (set by ``match``).
        self.found_in: dict[str, list[int]] = {}
        self._by_regex: dict[LazyRegex, frozenset[int] | None] = {}
        self._by_key: dict[str, frozenset[int] | None] = {}
        self._key_regexes: dict[str, tuple[list[LazyRegex], dict[int, list[LazyRegex]]]] = {}

    def blocks_with(self, key: str) -> list[int] | range:
        """The blocks where group ``key`` may have spans, in order."""
        found = self.found_in.get(key, [])
        if key not in self.compiled.lazy_keys:
            return found
        possible = self.lazy_blocks(key)
        if possible is None:
            return range(self.count)
        return sorted(possible.union(found))

    def lazy_blocks(self, key: str) -> frozenset[int] | None:
        """The blocks where the expressions of ``key`` may match; None where any block may
        (a group with amounts, which are found per block, or an expression with no literal
        test)."""
        if key not in self._by_key:
            always, by_block = self._table(key)
            none_ruled_out = bool(always) or key in self.compiled.amount_keys
            self._by_key[key] = None if none_ruled_out else frozenset(by_block)
        return self._by_key[key]

    def regexes_in(self, key: str, index: int) -> list[LazyRegex]:
        """The expressions of group ``key`` whose literals do not rule out block ``index``.

        A group may hold dozens of expressions, one of them with a common literal, so that most
        blocks pass the group's test; the table (``_table``) spares testing each of the others
        in each of those blocks."""
        always, by_block = self._table(key)
        found = by_block.get(index)
        if found is None:
            return always
        return always + found if always else found

    def _table(self, key: str) -> tuple[list[LazyRegex], dict[int, list[LazyRegex]]]:
        """Made once per group and document: the group's expressions that no literal test rules
        out anywhere, and for each block the others its literals allow. ``lazy_blocks`` and
        ``regexes_in`` both read it."""
        table = self._key_regexes.get(key)
        if table is None:
            always: list[LazyRegex] = []
            by_block: dict[int, list[LazyRegex]] = {}
            for regex in self.compiled.regex_by_key.get(key, ()):
                possible = self.blocks(regex)
                if possible is None:
                    always.append(regex)
                else:
                    for block in possible:
                        by_block.setdefault(block, []).append(regex)
            table = self._key_regexes[key] = (always, by_block)
        return table

    def blocks(self, regex: LazyRegex) -> frozenset[int] | None:
        """The blocks ``regex`` may match in; None if its literals rule none out."""
        try:
            return self._by_regex[regex]
        except KeyError:
            needs = list(self.compiled.required.get(regex, ()))
            prefilter = self.compiled.prefilter.get(regex)
            if prefilter is not None:
                needs.append(prefilter.literals)
            possible = self._by_regex[regex] = self.literals.possible(needs)
            return possible


class BlockSpans:
    """Token spans of each group in one block, keyed by group key; read with ``get``.

    Spans from the spaCy matchers are found up front in one pass; those of regular
    expressions and money amounts (which need the as-of date: see ``amounts``) are found the
    first time their group is asked for.
    """

    def __init__(
        self,
        compiled: CompiledPatterns,
        doc: Any,
        text: str,
        found: dict[str, list[tuple[int, int]]],
        document: DocumentFilter,
        index: int,
    ) -> None:
        self.compiled = compiled
        self.doc = doc
        self.text = text
        self.found = found
        self.done: set[str] = set()
        self._words: set[object] | None = None
        #: The block's document and its place there.
        self.document = document
        self.index = index
        #: Spans of each regular expression, shared by every group that uses it.
        self.by_regex: dict[LazyRegex, list[tuple[int, int]]] = {}
        #: Set by the engine: key -> list of token spans of amount patterns, for this block.
        self.amounts: Any = None

    def get(
        self, key: str, default: list[tuple[int, int]] | None = None
    ) -> list[tuple[int, int]] | None:
        if key in self.compiled.lazy_keys and key not in self.done:
            self.done.add(key)
            possible = self.document.lazy_blocks(key)
            if possible is not None and self.index not in possible:
                return self.found.get(key, default)
            extra: list[tuple[int, int]] = []
            by_regex = self.by_regex
            for regex in self.document.regexes_in(key, self.index):
                spans = by_regex.get(regex)
                if spans is None:
                    spans = by_regex[regex] = self._regex_spans(regex)
                extra.extend(spans)
            if key in self.compiled.amount_keys and self.amounts is not None:
                extra.extend(self.amounts(key))
            if extra:
                merged = self.found.get(key, []) + extra
                self.found[key] = sorted(set(merged))
        return self.found.get(key, default)

    def _regex_spans(self, regex: LazyRegex) -> list[tuple[int, int]]:
        """Spans of ``regex`` in a block its literals do not rule out (``get`` checks that)."""
        if regex in self.compiled.words.gated:
            if self._words is None:  # the word test, for short leading literals
                lower = self.document.literals.texts[self.index]
                self._words = self.compiled.words.allowed(lower)
            if regex not in self._words:
                return []
        spans = []
        for m in regex.finditer(self.text):
            span = self.doc.char_span(m.start(), m.end(), alignment_mode="expand")
            if span is not None and len(span):
                spans.append((span.start, span.end))
        return spans


def _fixed_sequences(pattern: list[dict[str, Any]]) -> tuple[str, list[list[str]]] | None:
    """A token pattern that only lists fixed words, as phrases, or None.

    The Matcher costs about the same per pattern whatever the pattern, while a PhraseMatcher
    costs next to nothing per phrase; so a token pattern whose tokens each name one exact
    text (``TEXT``/``ORTH``) or one or a few lower-case words (``LOWER``, with ``IN``), and are
    at most optional (``OP: "?"``), is compiled into the phrases it stands for (at most 1,000).
    Lower-case words among exact ones match in lower case, capitalised or upper case.
    """
    tokens: list[tuple[str, list[str], bool]] = []
    for token in pattern:
        optional = token.get("OP") == "?"
        rest = {k: v for k, v in token.items() if k != "OP"}
        if len(rest) != 1 or ("OP" in token and not optional):
            return None
        ((attr, value),) = rest.items()
        attr = {"TEXT": "ORTH"}.get(attr, attr)
        if attr not in ("ORTH", "LOWER"):
            return None
        if isinstance(value, str):
            options = [value]
        elif isinstance(value, dict) and set(value) == {"IN"} and isinstance(value["IN"], list):
            options = [str(v) for v in value["IN"]]
        else:
            return None
        tokens.append((attr, options, optional))
    if not tokens:
        return None
    attr = "LOWER" if all(a == "LOWER" for a, _, _ in tokens) else "ORTH"
    sequences: list[list[str]] = [[]]
    for token_attr, options, optional in tokens:
        if attr == "ORTH" and token_attr == "LOWER":
            # A lower-case word among exact ones: its usual spellings.
            options = sorted({v for o in options for v in (o, o.capitalize(), o.upper())})
        grown = [[*seq, option] for seq in sequences for option in options]
        sequences = grown + (sequences if optional else [])
        if len(sequences) > 1000:
            return None
    sequences = [seq for seq in sequences if seq]
    return (attr, sequences) if sequences else None


def compile_rules(nlp: Any, catalogue: Catalogue, rules: list[Rule]) -> CompiledPatterns:
    """Compile the groups that ``rules`` (plus gates and the checklist) use."""
    return CompiledPatterns(nlp, all_groups(catalogue, rules), catalogue.regex_facts)
