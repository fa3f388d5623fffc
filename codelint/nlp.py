"""Build the spaCy pipeline once per process.

The default pipeline needs no trained model: a blank English tokenizer, sentence starts
where spaCy's sentencizer puts them and also at line breaks and bullets (table rows and
bulleted sub-clauses are separate statements in a procurement code), and a lookup
lemmatizer reading a 205 kB table shipped with the engine. Lemmas are lower-cased so that
phrase patterns can match on LEMMA regardless of capitalisation ("Tenders" and "tender" share
the lemma "tender").

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
        # Through arrays of hashes rather than Token objects: making a Token per word costs
        # more than the lookup itself.
        import numpy
        from spacy.attrs import LEMMA, LOWER

        if not len(doc):
            return doc
        cache = self.cache
        strings = self.strings
        lemmas = []
        for lower in doc.to_array(LOWER).tolist():
            lemma = cache.get(lower)
            if lemma is None:
                form = strings[lower]
                lemma = strings.add(self.table.get(form, form))
                cache[lower] = lemma
            lemmas.append(lemma)
        doc.from_array([LEMMA], numpy.array(lemmas, dtype="uint64").reshape(-1, 1))
        return doc


#: What each token text (by ORTH hash) means for sentence breaks, as bits: LINE holds a line
#: break, BULLET is a bullet, STOP is a sentence-final character. Shared by every pipeline
#: (ORTH hashes do not depend on the vocab).
_KINDS: dict[int, int] = {}
LINE, BULLET, STOP = 1, 2, 4
#: Where ``split_sentences`` leaves the sentence offsets, in ``Doc.user_data``.
SENTENCES = "codelint.sentences"


def _stops() -> frozenset[str]:
    from spacy.pipeline import Sentencizer

    return frozenset(Sentencizer.default_punct_chars)


def split_sentences(doc: Doc) -> Doc:
    """Mark sentence starts: after sentence-final punctuation (as spaCy's ``sentencizer``
    does with its default characters), after a line break and at a bullet character.

    Read through arrays of the tokens' ORTH and IS_PUNCT: a Token object per word (as the
    ``sentencizer`` makes) costs more than the whole test. spaCy puts a line break in a token
    of its own (whitespace after a token is at most one space), so token texts suffice.
    tests/test_sentences.py checks the punctuation rule against spaCy's own component.
    """
    import numpy
    from spacy.attrs import IS_PUNCT, ORTH, SENT_START

    if not len(doc):
        return doc
    strings = doc.vocab.strings
    stops: frozenset[str] | None = None
    starts = []
    seen_stop = False
    previous = 0
    for orth, punct in doc.to_array([ORTH, IS_PUNCT]).tolist():
        kind = _KINDS.get(orth)
        if kind is None:
            if stops is None:
                stops = _stops()
            text = strings[orth]
            kind = (LINE if "\n" in text else 0) | (BULLET if text in BULLETS else 0)
            kind |= STOP if text in stops else 0
            _KINDS[orth] = kind
        # The sentencizer: a sentence ends at the first token after a stop that is neither
        # punctuation nor a stop itself.
        start = seen_stop and not punct and not kind & STOP
        if start:
            seen_stop = False
        elif kind & STOP:
            seen_stop = True
        if starts:
            # Line breaks and bullets: after a line break; at a bullet unless the token
            # before it already starts a sentence.
            start = start or bool(previous & LINE) or (bool(kind & BULLET) and not starts[-1])
        else:
            start = True
        starts.append(start)
        previous = kind
    values = numpy.array([1 if start else -1 for start in starts], dtype="int64")
    doc.from_array([SENT_START], values.astype("uint64").reshape(-1, 1))
    firsts = [i for i, start in enumerate(starts) if start]
    doc.user_data[SENTENCES] = list(zip(firsts, [*firsts[1:], len(starts)], strict=True))
    return doc


def sentence_bounds(doc: Doc) -> list[tuple[int, int]]:
    """The (start, end) token offsets of ``doc``'s sentences: as ``split_sentences`` left
    them, or from ``doc.sents`` (a trained parser's). Reading ``doc.sents`` costs about 50
    microseconds a block before the first sentence, for a check of every token's annotation."""
    bounds = doc.user_data.get(SENTENCES)
    if bounds is None:
        return [(sentence.start, sentence.end) for sentence in doc.sents]
    return list(bounds)


def _register_factories() -> None:
    from spacy.language import Language

    if not Language.has_factory("codelint_lemmatizer"):
        Language.factory("codelint_lemmatizer")(lambda nlp, name: LowerLemmatizer(nlp))
    if not Language.has_factory("codelint_sentences"):
        Language.component("codelint_sentences")(split_sentences)


def import_spacy() -> None:
    """Import spaCy without ``spacy.cli``, which ``import spacy`` loads eagerly (typer, weasel,
    requests...) for nothing a linter uses: about 0.13 s of the 0.35 s import.

    ``spacy/__init__.py`` only takes ``info`` from ``spacy.cli.info``; placeholder modules
    stand in for ``spacy.cli`` and ``spacy.cli.info`` during the import and are removed
    afterwards, so a later ``import spacy.cli`` (or ``spacy.info()``) loads the real ones.
    """
    import importlib.util
    import sys
    import types

    if "spacy" in sys.modules:
        return
    spec = importlib.util.find_spec("spacy")
    placeholders = {}
    if spec is not None and spec.submodule_search_locations:
        package = types.ModuleType("spacy.cli")
        package.__path__ = [f"{location}/cli" for location in spec.submodule_search_locations]
        info = types.ModuleType("spacy.cli.info")

        def real_info(*args: object, **kwargs: object) -> object:
            from spacy.cli.info import info as real

            return real(*args, **kwargs)

        info.info = real_info  # type: ignore[attr-defined]
        placeholders = {"spacy.cli": package, "spacy.cli.info": info}
    stand_ins = [name for name in placeholders if name not in sys.modules]
    for name in stand_ins:
        sys.modules[name] = placeholders[name]
    try:
        import spacy  # noqa: F401
    finally:
        for name in stand_ins:
            if sys.modules.get(name) is placeholders[name]:
                del sys.modules[name]


#: Longest text one block may have for the pipeline (spaCy's own default is 1,000,000).
MAX_BLOCK_CHARS = 1_000_000_000


@lru_cache(maxsize=4)
def build_pipeline(model: str | None = None) -> Language:
    """The pipeline for ``model`` (None = blank English), built once per process."""
    import_spacy()
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
        nlp.max_length = max(nlp.max_length, MAX_BLOCK_CHARS)
        return nlp
    nlp = spacy.blank("en")
    nlp.add_pipe("codelint_sentences")
    nlp.add_pipe("codelint_lemmatizer")
    # spaCy refuses texts over 1,000,000 characters (E088), a guard for the parser's memory;
    # this pipeline has no parser, and one block can be longer (a 5 MB paragraph): the
    # readers' max_chars limit and the worker's memory ceiling bound the text instead.
    nlp.max_length = MAX_BLOCK_CHARS
    return nlp
