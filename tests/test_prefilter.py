"""The pre-checks that rule out regular expressions (codelint/prefilter.py) never rule out
one that would match: read by hand on the shapes that matter, and checked on every built-in
expression against every labelled passage we have."""

from __future__ import annotations

import re

import pytest
from conftest import labelled_passages, sample_codes

from codelint.prefilter import (
    LiteralIndex,
    Prefilter,
    WordIndex,
    leading_literals,
    meets,
    required_literals,
)


@pytest.mark.parametrize(
    ("pattern", "literals", "at_word_start"),
    [
        (r"\bOJEU\b", {"ojeu"}, True),
        (r"\b(?:withdraw|reduce|cut)\s+funding", {"withdraw", "reduce", "cut"}, True),
        (r"\b(?:had\s+to|(?:was|were)\s+exempt)\b", {"had", "was", "were"}, True),
        (r"\b(?:the\s+)?same\b", {"the", "same"}, True),
        (r"(?<!competitive )\bflexib", {"flexib"}, True),
        (r"\b(?=\w*-\s+\w)r[-\s]*e", {"r"}, True),
        (r"colou?r scheme", {"colo"}, False),
        (r"(?:£|gbp\s?)\s?\d", {"£", "gbp"}, False),
        (r"Official\ Journal", {"official journal"}, False),
        (r"\bno\s+(?:bidder|supplier)s?\b", {"no"}, True),
    ],
)
def test_literals_read_from_common_shapes(
    pattern: str, literals: set[str], at_word_start: bool
) -> None:
    found = leading_literals(pattern)
    assert found is not None
    assert {literal.strip() for literal in found.literals} == literals
    assert found.at_word_start is at_word_start


@pytest.mark.parametrize(
    "pattern",
    [
        r"\bfoo|bar",  # alternatives at the top: "bar" needs no "foo"
        r"\b(?:x|)y",  # an empty alternative
        r"(?:abc){0,2}def",  # a counted group may be absent
        r"\d+ days",  # starts with a class
        r"[,;]\s*now",
        r"(?:\s[-–]|[–—])\s*now",
        r"ab\s+c",  # a short run of letters is no substring test
    ],
)
def test_no_literals_where_none_is_safe(pattern: str) -> None:
    assert leading_literals(pattern) is None


def test_alternatives_sharing_their_start_keep_it() -> None:
    # The standard library's parser factors "\bno\b|\bnot\b" into "\bno" then a branch.
    assert leading_literals(r"\bno\b|\bnot\b") == Prefilter(frozenset({"no"}), True)


def test_short_literals_serve_only_as_word_starts() -> None:
    assert leading_literals(r"ab\s+c") is None
    assert leading_literals(r"\bab\s+c") == Prefilter(frozenset({"ab"}), True)


def test_word_index_allows_by_the_start_of_a_word() -> None:
    index = WordIndex(
        [
            ("notice", Prefilter(frozenset({"notice"}), True)),
            ("no", Prefilter(frozenset({"no"}), True)),
            ("ojeu", Prefilter(frozenset({"ojeu"}), True)),
            ("mid-word", Prefilter(frozenset({"tender"}), False)),
        ]
    )
    assert index.gated == {"notice", "no", "ojeu"}
    assert index.allowed("three months' notice of any change") == {"notice", "no"}
    assert index.allowed("nothing here") == {"no"}
    assert index.allowed("the journal (ojeu/ted)") == {"ojeu"}
    assert index.allowed("a contract") == set()


@pytest.mark.parametrize(
    ("pattern", "required"),
    [
        # The run after a group of alternatives, and the group itself.
        (r"\b(?:a few|several)\s+weeks\b", [{"weeks"}, {"a few", "several"}]),
        # A zero-width assertion does not break a run.
        (r"\bOJEU\b notice", [{"ojeu notice"}]),
        # An optional part requires nothing; a repeated one (at least once) does.
        (r"(?:the )?same\s+form", [{"same"}, {"form"}]),
        (r"(?:abc){0,2}def", [{"def"}]),
        (r"x(?:abc){2}", [{"abc"}]),
        # An alternative with nothing useful to require makes the group require nothing.
        (r"\b(?:is|are|being)\s+exempt", [{"exempt"}]),
        (r"\bno\b|\bnot\b", []),
        # A look-ahead requires nothing (it is not part of the match).
        (r"price(?=\s+alone)", [{"price"}]),
        # Nested alternatives: one required run per alternative.
        (r"(?:withdraw(?:al|n)|cut)\s+of\s+funding", [{"funding"}, {"withdraw", "cut"}]),
    ],
)
def test_required_literals(pattern: str, required: list[set[str]]) -> None:
    assert set(required_literals(pattern)) == {frozenset(options) for options in required}


def test_required_literals_are_lower_case_and_follow_flags() -> None:
    assert set(required_literals(r"(?x) Official \s+ Journal")) == {
        frozenset({"journal"}),
        frozenset({"official"}),
    }
    assert meets("the official journal", required_literals(r"(?i)OFFICIAL\s+JOURNAL"))
    assert not meets("an official notice", required_literals(r"(?i)OFFICIAL\s+JOURNAL"))
    assert required_literals(r"(unclosed") == ()


def test_literal_index_lists_each_text_once() -> None:
    texts = ["notice of notice", "no such thing", "", "three months' notice"]
    index = LiteralIndex(texts)
    assert index.blocks("notice") == {0, 3}
    assert index.blocks("no") == {0, 1, 3}
    assert index.blocks("absent") == frozenset()
    assert LiteralIndex(["a tend", "er"]).blocks("tender") == frozenset()  # not across texts
    assert index.possible([frozenset({"notice"}), frozenset({"three", "such"})]) == {3}
    assert index.possible([]) is None


def test_no_built_in_expression_is_ruled_out_where_it_matches(catalogue) -> None:
    """Soundness on real wording: wherever a built-in expression matches a labelled passage
    or a whole sample code, its match starts with one of its literals, at the start of a
    word where the word test applies, the word index allows it, and every group that uses it
    tries it in that block."""
    from codelint.nlp import build_pipeline
    from codelint.rules import compile_rules

    compiled = compile_rules(build_pipeline(), catalogue, list(catalogue.rules.values()))
    texts = labelled_passages() + [path.read_text(encoding="utf-8") for path in sample_codes()]
    assert len(texts) > 1500
    allowed = [compiled.words.allowed(text.lower()) for text in texts]
    document = compiled.document(texts)
    keys_of: dict = {}
    for key, regexes in compiled.regex_by_key.items():
        for regex in regexes:
            keys_of.setdefault(regex, []).append(key)
    checked = required = 0
    for regex, prefilter in compiled.prefilter.items():
        for index, (text, words) in enumerate(zip(texts, allowed, strict=True)):
            for match in regex.finditer(text):
                assert regex not in compiled.words.gated or regex in words, regex.pattern
                possible = document.blocks(regex)
                assert possible is None or index in possible, (regex.pattern, text)
                # and each group that uses it tries it in this block
                for key in keys_of.get(regex, ()):
                    assert regex in document.regexes_in(key, index), (key, regex.pattern, text)
                if regex in compiled.required:
                    assert meets(match.group(0).lower(), compiled.required[regex])
                    required += 1
                if prefilter is None:
                    continue
                start = text[match.start() :].lower()
                assert any(start.startswith(lit) for lit in prefilter.literals), (regex, text)
                if prefilter.at_word_start and regex in compiled.words.gated:
                    assert match.start() == 0 or not re.match(r"\w", text[match.start() - 1])
                    assert regex in words, (regex.pattern, text)
                checked += 1
    assert checked > 1000
    assert required > 1000
