"""``codelint eval``: precision and recall per family on labelled corpora.

A labelled corpus is a folder holding passages (``labels.yaml`` with ``cases:``, or
``passages/*.yaml``) and, optionally, whole documents with document-level expectations
(``documents:`` in ``labels.yaml`` naming files in ``sources/``, or ``codes/labels.yaml``).
Passages are linted one by one as single-paragraph documents, as of each case's ``as_of``
(default: the corpus's date). Borderline cases are reported but not scored.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from codelint.document import Block, Document

#: The date the shared real corpus was labelled as of (see its LABELS.md).
DEFAULT_AS_OF = dt.date(2026, 11, 24)

#: Document-level expectation -> the family that should fire when the expectation is False.
DOCUMENT_FAMILIES = {
    "mentions_social_value": "social-value-missing",
    "mentions_compact": "compact-missing",
    "has_proportionate_reporting_threshold": "reporting-threshold-missing",
}


@dataclass
class Case:
    id: str
    text: str
    expect: set[str]
    as_of: dt.date
    borderline: bool
    why: str = ""


@dataclass
class DocumentCase:
    name: str
    text: str
    expect: dict[str, bool]
    as_of: dt.date
    procurement_document: bool | None = None
    path: str | None = None


@dataclass
class Corpus:
    name: str
    cases: list[Case] = field(default_factory=list)
    documents: list[DocumentCase] = field(default_factory=list)


@dataclass
class FamilyScore:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    positives: int = 0

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None

    @property
    def f1(self) -> float | None:
        p, r = self.precision, self.recall
        if p is None or r is None or p + r == 0:
            return None
        return 2 * p * r / (p + r)


@dataclass
class CorpusReport:
    corpus: str
    families: dict[str, FamilyScore]
    errors: list[dict[str, Any]]
    borderline: list[dict[str, Any]]
    documents: dict[str, dict[str, int]]
    document_errors: list[dict[str, Any]]
    scored_cases: int

    def overall(self) -> FamilyScore:
        total = FamilyScore()
        for score in self.families.values():
            total.tp += score.tp
            total.fp += score.fp
            total.fn += score.fn
            total.positives += score.positives
        return total


# -- loading --------------------------------------------------------------------------------------


def _date(value: Any, default: dt.date) -> dt.date:
    if value is None:
        return default
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def _cases(items: list[dict[str, Any]], default: dt.date) -> list[Case]:
    return [
        Case(
            id=str(item["id"]),
            text=str(item["text"]),
            expect=set(item.get("expect") or []),
            as_of=_date(item.get("as_of"), default),
            borderline=bool(item.get("borderline")),
            why=str(item.get("why", "")),
        )
        for item in items
    ]


def _source_text(path: Path, block: str | None) -> str:
    """The stored text of a source file (after its ``---`` header), or one ``=== ===`` block."""
    text = path.read_text(encoding="utf-8")
    if "\n---\n" in text:
        text = text.split("\n---\n", 1)[1]
    if block is None:
        return text
    parts = re.split(r"^(=== .* ===)\s*$", text, flags=re.MULTILINE)
    for i, part in enumerate(parts):
        if part.strip() == block.strip():
            return parts[i + 1] if i + 1 < len(parts) else ""
    raise ValueError(f"{path}: no block {block!r}")


def load_corpus(folder: Path, default_as_of: dt.date = DEFAULT_AS_OF) -> Corpus:
    """Read a labelled corpus folder in either layout (see the module docstring)."""
    corpus = Corpus(name=str(folder))
    labels = folder / "labels.yaml"
    if labels.is_file():
        data = yaml.safe_load(labels.read_text(encoding="utf-8")) or {}
        corpus.cases += _cases(data.get("cases") or [], default_as_of)
        for entry in data.get("documents") or []:
            source = folder / "sources" / entry["source"]
            block = entry.get("block")
            corpus.documents.append(
                DocumentCase(
                    name=f"{entry['source']}{' ' + block if block else ''}",
                    text=_source_text(source, block),
                    expect={k: bool(entry[k]) for k in DOCUMENT_FAMILIES if k in entry},
                    as_of=_date(entry.get("as_of"), default_as_of),
                    procurement_document=entry.get("procurement_document", True),
                )
            )
    for passage_file in sorted((folder / "passages").glob("*.yaml")):
        data = yaml.safe_load(passage_file.read_text(encoding="utf-8")) or {}
        corpus.cases += _cases(data.get("cases") or [], default_as_of)
    codes_labels = folder / "codes" / "labels.yaml"
    if codes_labels.is_file():
        data = yaml.safe_load(codes_labels.read_text(encoding="utf-8")) or {}
        for entry in data.get("documents") or []:
            path = folder / "codes" / entry["file"]
            corpus.documents.append(
                DocumentCase(
                    name=entry["file"],
                    text="",
                    expect={k: bool(entry[k]) for k in DOCUMENT_FAMILIES if k in entry},
                    as_of=_date(entry.get("as_of"), default_as_of),
                    procurement_document=entry.get("procurement_document"),
                    path=str(path),
                )
            )
    return corpus


# -- scoring --------------------------------------------------------------------------------------


def passage_document(text: str, name: str) -> Document:
    """A labelled passage as a one-paragraph document."""
    return Document(
        path=name, format="text", blocks=[Block(kind="paragraph", text=text)]
    ).finalise()


def evaluate(corpus: Corpus, linter: Any, passage_families: list[str]) -> CorpusReport:
    families = {name: FamilyScore() for name in passage_families}
    errors: list[dict[str, Any]] = []
    borderline: list[dict[str, Any]] = []
    scored = 0
    for case in corpus.cases:
        output = linter.lint(passage_document(case.text, case.id), case.as_of)
        found = {f.family for f in output.findings if not f.document_level}
        if case.borderline:
            borderline.append(
                {"id": case.id, "expect": sorted(case.expect), "found": sorted(found)}
            )
            continue
        scored += 1
        for family in case.expect:
            families.setdefault(family, FamilyScore()).positives += 1
        for family in found | case.expect:
            score = families.setdefault(family, FamilyScore())
            if family in found and family in case.expect:
                score.tp += 1
            elif family in found:
                score.fp += 1
            else:
                score.fn += 1
        if found != case.expect:
            matches = [f"{f.rule}: {f.match}" for f in output.findings if not f.document_level]
            errors.append(
                {
                    "id": case.id,
                    "expect": sorted(case.expect),
                    "found": sorted(found),
                    "rules": matches,
                    "text": " ".join(case.text.split()),
                }
            )
    documents, document_errors = _evaluate_documents(corpus, linter)
    return CorpusReport(
        corpus.name, families, errors, borderline, documents, document_errors, scored
    )


def _evaluate_documents(
    corpus: Corpus, linter: Any
) -> tuple[dict[str, dict[str, int]], list[dict[str, Any]]]:
    from codelint.readers import read, read_bytes

    tally: dict[str, dict[str, int]] = defaultdict(lambda: {"correct": 0, "total": 0})
    problems = []
    for case in corpus.documents:
        document = (
            read(case.path) if case.path else read_bytes(f"{case.name}.txt", case.text.encode())
        )
        output = linter.lint(document, case.as_of)
        fired = {f.family for f in output.findings if f.document_level}
        checks = dict(case.expect)
        for key, present in checks.items():
            family = DOCUMENT_FAMILIES[key]
            should_fire = not present and case.procurement_document is not False
            ok = (family in fired) == should_fire
            tally[family]["total"] += 1
            tally[family]["correct"] += int(ok)
            if not ok:
                problems.append(
                    {
                        "document": case.name,
                        "family": family,
                        "expected": should_fire,
                        "fired": family in fired,
                    }
                )
        if case.procurement_document is not None:
            judged = output.procurement_document
            tally["procurement-gate"]["total"] += 1
            tally["procurement-gate"]["correct"] += int(judged == case.procurement_document)
            if judged != case.procurement_document:
                problems.append(
                    {
                        "document": case.name,
                        "family": "procurement-gate",
                        "expected": case.procurement_document,
                        "fired": judged,
                    }
                )
    return dict(tally), problems


# -- output ---------------------------------------------------------------------------------------


def _pct(value: float | None) -> str:
    return "   -  " if value is None else f"{value:6.3f}"


def format_report(report: CorpusReport, verbose: bool = False) -> str:
    lines = [
        f"Corpus: {report.corpus} ({report.scored_cases} scored passages, "
        f"{len(report.borderline)} borderline not scored)"
    ]
    lines.append(
        f"  {'family':<28} {'pos':>4} {'TP':>4} {'FP':>4} {'FN':>4}  "
        f"{'prec':>6} {'recall':>6} {'F1':>6}"
    )
    for name in sorted(report.families):
        s = report.families[name]
        lines.append(
            f"  {name:<28} {s.positives:>4} {s.tp:>4} {s.fp:>4} {s.fn:>4}  "
            f"{_pct(s.precision)} {_pct(s.recall)} {_pct(s.f1)}"
        )
    total = report.overall()
    lines.append(
        f"  {'overall (micro)':<28} {total.positives:>4} {total.tp:>4} {total.fp:>4} "
        f"{total.fn:>4}  {_pct(total.precision)} {_pct(total.recall)} {_pct(total.f1)}"
    )
    if report.documents:
        lines.append("  document-level accuracy:")
        for family, t in sorted(report.documents.items()):
            lines.append(f"    {family:<30} {t['correct']}/{t['total']}")
    if verbose:
        for error in report.errors:
            lines.append(
                f"  MISMATCH {error['id']}: expect {error['expect']} found {error['found']} "
                f"{error['rules']}\n      {error['text'][:300]}"
            )
        for error in report.document_errors:
            lines.append(f"  DOC MISMATCH {error}")
    return "\n".join(lines)


def floor_failures(report: CorpusReport, min_precision: float, min_recall: float) -> list[str]:
    """Families under the floors; a family with no positives may have no false positive."""
    failures = []
    for name, s in sorted(report.families.items()):
        if s.positives == 0:
            if s.fp:
                failures.append(f"{report.corpus}: {name}: {s.fp} false positive(s), no positives")
            continue
        if (s.precision or 0) < min_precision:
            failures.append(
                f"{report.corpus}: {name}: precision {_pct(s.precision)} < {min_precision}"
            )
        if (s.recall or 0) < min_recall:
            failures.append(f"{report.corpus}: {name}: recall {_pct(s.recall)} < {min_recall}")
    for family, t in sorted(report.documents.items()):
        if t["correct"] < t["total"]:
            failures.append(
                f"{report.corpus}: document-level {family}: {t['correct']}/{t['total']}"
            )
    return failures


def family_counts(corpus: Corpus) -> Counter[str]:
    counts: Counter[str] = Counter()
    for case in corpus.cases:
        if not case.borderline:
            counts.update(case.expect)
    return counts
