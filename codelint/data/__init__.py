"""Linguistic data shipped with the engine.

``en_lemma_lookup.json.gz`` is the English lemma lookup table from spacy-lookups-data 1.0.5
(MIT; derived from WordNet 3.0, see ``en_lemma_lookup.LICENSE.txt``). We ship this 205 kB
table instead of depending on the 99 MB spacy-lookups-data package, which carries every
language's tables.
"""
