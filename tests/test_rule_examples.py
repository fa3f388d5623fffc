"""Every rule's own examples: each `flag` passage fires the rule, each `pass` passage does not.

The examples live with the rules in checks/rules/*.yaml; a rule without both kinds of example
fails to load. Passages are linted as of the example's `as_of`, else as of the date the shared
real corpus was labelled, so the outcome never depends on the day the tests run.
"""

from __future__ import annotations

import pytest

from codelint.evaluate import DEFAULT_AS_OF, passage_document
from codelint.rules import load_catalogue

CATALOGUE = load_catalogue()
CASES = [
    (rule.code, kind, number, example)
    for rule in CATALOGUE.rules.values()
    for kind, examples in (("flag", rule.flag_examples), ("pass", rule.pass_examples))
    for number, example in enumerate(examples, start=1)
]


@pytest.mark.parametrize(
    ("code", "kind", "number", "example"), CASES, ids=[f"{c}-{k}{n}" for c, k, n, _ in CASES]
)
def test_rule_example(linter, code, kind, number, example):
    rule = CATALOGUE.rules[code]
    document = passage_document(example.text, f"{code}-{kind}{number}")
    output = linter.lint(
        document, example.as_of or DEFAULT_AS_OF, force_document_rules=True, every_rule=True
    )
    fired = [f for f in output.findings if f.rule == code]
    if kind == "flag":
        assert fired, f"{code} did not fire on: {example.text}"
        if not rule.document_level:
            finding = fired[0]
            assert finding.span is not None
            assert example.text[finding.span[0] : finding.span[1]] == finding.match
    else:
        assert not fired, f"{code} fired on: {example.text} ({fired[0].message})"


def test_every_rule_has_both_kinds_of_example():
    for rule in CATALOGUE.rules.values():
        assert rule.flag_examples and rule.pass_examples, rule.code


def test_every_rule_cites_a_source_and_a_rationale():
    for rule in CATALOGUE.rules.values():
        assert len(rule.rationale) > 80, rule.code
        assert len(rule.source) > 10, rule.code


def test_one_finding_per_family_and_sentence(linter):
    """Two rules of a family on one sentence are one finding (of equal severity, the first
    by code); every_rule keeps each rule's finding, as the examples above need."""
    text = (
        "Where a service is to be decommissioned at the end of its contract to meet budget "
        "savings, the contract manager shall arrange an orderly exit."
    )
    document = passage_document(text, "dedupe")
    every = linter.lint(document, DEFAULT_AS_OF, every_rule=True).findings
    rules = sorted({f.rule for f in every if f.family == "decommissioning"})
    assert len(rules) >= 2
    assert len({f.severity for f in every if f.family == "decommissioning"}) == 1
    once = linter.lint(document, DEFAULT_AS_OF).findings
    assert [f.rule for f in once if f.family == "decommissioning"] == rules[:1]


def test_each_stale_term_of_a_sentence_is_its_own_finding(linter):
    """outdated-law is not one_per_sentence: two superseded instruments in one sentence are
    two findings, each with its own redraft."""
    text = (
        "1.2 Procurement above the thresholds is governed by the Public Contracts Regulations "
        "2015, which implement Directive 2014/24/EU."
    )
    output = linter.lint(passage_document(text, "two-terms"), DEFAULT_AS_OF)
    matches = {f.match for f in output.findings if f.family == "outdated-law"}
    assert len(matches) == 2, matches
