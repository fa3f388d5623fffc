"""Build the spaCy pipeline once per process.

The default pipeline needs no trained model: a blank English tokenizer, a sentencizer that
also breaks at line breaks and bullets (table rows and bulleted sub-clauses are separate
statements in a procurement code), and a lookup lemmatizer reading a 205 kB table shipped
with the engine. Lemmas are lower-cased so that phrase patterns can match on LEMMA
regardless of capitalisation ("Tenders" and "tender" share the lemma "tender").

A user who has a trained English pipeline installed can name it (``model = "en_core_web_sm"``
in configuration); its own lemmatizer and parser are then used, and our sentence rules are
added after its parser only where it has none.
"""

from __future__ import annotations

import gzip
import json
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # spaCy is imported lazily: a cache hit must not pay for it.
    from spacy.language import Language
    from spacy.tokens import Doc

LEMMA_TABLE = "en_lemma_lookup.json.gz"
BULLETS = frozenset("•▪◦‣●○■□–—·")


@lru_cache(maxsize=1)
def lemma_table() -> dict[str, str]:
    """The English lemma lookup table, keyed by lower-cased word form."""
    raw = resources.files("codelint.data").joinpath(LEMMA_TABLE).read_bytes()
    table = json.loads(gzip.decompress(raw))
    lowered: dict[str, str] = {}
    for form, lemma in table.items():
        lowered.setdefault(form.lower(), lemma.lower())
    return lowered


class LowerLemmatizer:
    """Sets ``token.lemma`` to the lower-cased lookup lemma (or the lower form itself)."""

    def __init__(self, nlp: Language) -> None:
        self.table = lemma_table()
        self.strings = nlp.vocab.strings
        self.cache: dict[int, int] = {}

    def __call__(self, doc: Doc) -> Doc:
        cache = self.cache
        for token in doc:
            lower = token.lower
            lemma = cache.get(lower)
            if lemma is None:
                form = token.lower_
                lemma = self.strings.add(self.table.get(form, form))
                cache[lower] = lemma
            token.lemma = lemma
        return doc


def break_at_lines(doc: Doc) -> Doc:
    """Start a sentence after a line break and at a bullet character."""
    for i, token in enumerate(doc):
        if i == 0:
            continue
        previous = doc[i - 1]
        if (
            "\n" in previous.text
            or "\n" in previous.whitespace_
            or (token.text in BULLETS and not previous.is_sent_start)
        ):
            token.is_sent_start = True
    return doc


def _register_factories() -> None:
    from spacy.language import Language

    if not Language.has_factory("codelint_lemmatizer"):
        Language.factory("codelint_lemmatizer")(lambda nlp, name: LowerLemmatizer(nlp))
    if not Language.has_factory("codelint_line_breaks"):
        Language.component("codelint_line_breaks")(break_at_lines)


@lru_cache(maxsize=4)
def build_pipeline(model: str | None = None) -> Language:
    """The pipeline for ``model`` (None = blank English), built once per process."""
    import spacy

    _register_factories()
    if model:
        try:
            nlp = spacy.load(model, exclude=["ner"])
        except OSError as exc:
            from codelint.errors import ConfigError

            raise ConfigError(
                f"spaCy model {model!r} is not installed ({exc}); remove `model` from the "
                "configuration to use the built-in pipeline"
            ) from None
        if not nlp.has_pipe("parser") and not nlp.has_pipe("senter"):
            nlp.add_pipe("sentencizer")
        if not nlp.has_pipe("lemmatizer"):
            nlp.add_pipe("codelint_lemmatizer")
        return nlp
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("codelint_line_breaks")
    nlp.add_pipe("codelint_lemmatizer")
    return nlp
