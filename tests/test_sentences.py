"""Sentence starts of the built-in pipeline (codelint/nlp.py ``split_sentences``): the same as
spaCy's own ``sentencizer`` followed by breaks at line breaks and bullets, read token by token,
on every passage and sample code we have."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import pytest
from conftest import labelled_passages, sample_codes

from codelint.nlp import BULLETS, build_pipeline, sentence_bounds


@lru_cache(maxsize=1)
def sentencizer() -> Any:
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    return nlp


def reference_starts(text: str) -> list[bool]:
    """spaCy's sentencizer, then a start after each line break and at each bullet whose
    previous token does not start a sentence: the straightforward Token-by-Token reading."""
    doc = sentencizer()(text)
    starts = [bool(token.is_sent_start) for token in doc]
    for i in range(1, len(doc)):
        if "\n" in doc[i - 1].text or (doc[i].text in BULLETS and not starts[i - 1]):
            starts[i] = True
    return starts


def texts() -> list[str]:
    found = labelled_passages()
    for path in sample_codes():
        found += path.read_text(encoding="utf-8").split("\n\n")
    return found


@pytest.mark.parametrize(
    "text",
    [
        "The Council shall advertise. Tenders close at noon! Is that late? Yes...",
        "Officers must:\n• seek three quotes\n• record them",
        "• A bullet first\n\n\nand blank lines",
        'He said "stop." Then left. (See rule 4.) Next',
        "",
        "No stop at all",
    ],
)
def test_hand_made_cases(text: str) -> None:
    doc = build_pipeline()(text)
    assert [bool(token.is_sent_start) for token in doc] == reference_starts(text)
    assert sentence_bounds(doc) == [(s.start, s.end) for s in doc.sents]


def test_sentence_offsets_of_another_pipeline_come_from_spacy() -> None:
    # A pipeline without our component (a trained model's parser, here the sentencizer)
    # leaves no offsets of ours: they are read from doc.sents.
    doc = sentencizer()("One rule. Another rule! A third")
    assert sentence_bounds(doc) == [(0, 3), (3, 6), (6, 8)]


def test_every_passage_splits_as_the_reference_does() -> None:
    nlp = build_pipeline()
    corpus = texts()
    assert len(corpus) > 1500
    breaks = 0
    for text, doc in zip(corpus, nlp.pipe(corpus), strict=True):
        starts = [bool(token.is_sent_start) for token in doc]
        assert starts == reference_starts(text), text
        # The offsets the engine reads are those of spaCy's own sentence iterator.
        assert sentence_bounds(doc) == [(s.start, s.end) for s in doc.sents], text
        breaks += sum(starts)
    assert breaks > len(corpus)  # some passages have several sentences
