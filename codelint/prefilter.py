"""Cheap tests that rule out regular expressions before they run.

The built-in pack holds about 250 regular expressions and a 60-page code a thousand blocks;
running each expression over each block would cost more than all the spaCy matching. Nearly every
expression starts with literal words (``\\b(?:withdraw|reduce|cut)\\s+...``), and a text that
contains none of them cannot match. Two tests follow from that:

* the literal test: one of the leading literals is a substring of the lower-cased text;
* the word test, for an expression that starts at a word boundary: the match starts a word
  (a maximal ``\\w+`` run) of the text, so some word of the text starts with the leading
  ``\\w`` run of one of the literals. :class:`WordIndex` answers that for every expression of
  a block at once, from the block's set of words, with a few dictionary lookups per word.

Both are necessary conditions only: an expression that passes them is still run.

A third test, :func:`required_literals`, reads the whole expression rather than its start:
every literal run it cannot match without ("weeks" in ``(?:a few|several)\\s+weeks``), each
group of alternatives as the set of one required run per alternative. :class:`LiteralIndex`
applies the literal tests to a whole document at once: each literal is searched for once in
the joined blocks, so a block is ruled out for an expression by a set lookup (on the 60-page
benchmark code, two runs in three that the rules ask for).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

#: Shortest literal worth a pre-check (shorter ones are in almost every text).
MIN_LITERAL = 3

_WORD = re.compile(r"\w+")
_META = set(".^$*+?{}[]\\|()")
_QUANTIFIERS = set("*?{")
_LITERAL_ESCAPES = set(".-'\"/&,:;!#%@=<>~` £€$^*+?{}[]()|\\")


@dataclass(frozen=True)
class Prefilter:
    """What a regular expression must start with: ``literals`` (lower case), and whether it
    starts at a word boundary, so that the word test applies."""

    literals: frozenset[str]
    at_word_start: bool


def leading_literals(pattern: str) -> Prefilter | None:
    """The literals ``pattern`` must start with, or None where no cheap test is safe.

    Reads the common shapes by hand (``\\b``, then a literal run or groups of alternatives
    each starting with one); anything else goes to the standard library's own parser. A
    literal that is a short run of letters is no use as a substring test ("no" is in every
    text), but it is as the start of a word."""
    found = _scan(pattern)
    if found is None:
        found = _parse(pattern)
    if found is None or not found.literals:
        return None
    if found.at_word_start and all(_WORD.match(literal) for literal in found.literals):
        return found
    if all(len(lit) >= MIN_LITERAL or not lit.isalnum() for lit in found.literals):
        return Prefilter(found.literals, at_word_start=False)
    return None


def _scan(pattern: str) -> Prefilter | None:
    """The hand-read shapes: zero-width assertions (``\\b``, look-arounds), then a literal
    run or groups of alternatives each starting with one, a group made optional by ``?`` or
    ``*`` adding what follows it."""
    if len(_split_alternatives(pattern)) > 1:
        return None  # "\\bfoo|bar": alternatives at the top, each with its own start
    at_word_start = False
    while True:
        if pattern.startswith("\\b"):
            at_word_start, pattern = True, pattern[2:]
            continue
        opener = next((o for o in _LOOKAROUNDS if pattern.startswith(o)), None)
        if opener is None:
            break
        end = _group_end(pattern, len(opener))
        if end is None:
            return None
        pattern = pattern[end + 1 :]  # matches no text: what follows must start the match
    literals = _leading(pattern)
    if not literals or not all(literals):
        return None
    return Prefilter(frozenset(literal.lower() for literal in literals), at_word_start)


_LOOKAROUNDS = ("(?<!", "(?<=", "(?=", "(?!")


def _leading(text: str, depth: int = 0) -> list[str] | None:
    """The literal runs ``text`` may start with: one, or one per alternative of a leading
    group (nested groups too); None where it may start with something else."""
    if depth > 4:
        return None
    if text.startswith("(?:") or (text.startswith("(") and not text.startswith("(?")):
        start = 3 if text.startswith("(?:") else 1
        end = _group_end(text, start)
        if end is None:
            return None
        found: list[str] = []
        for branch in _split_alternatives(text[start:end]):
            inner = _leading(branch, depth + 1)
            if inner is None:
                return None
            found.extend(inner)
        quantifier = text[end + 1 : end + 2]
        if quantifier in ("?", "*"):  # the group may be absent: or the match starts after it
            after = _leading(text[end + 2 :].removeprefix("?"), depth + 1)
            return None if after is None else found + after
        if quantifier == "{":
            return None
        return found
    if not _starts_literal(text):
        return None
    return [_literal_run(text)]


def _starts_literal(text: str) -> bool:
    if text.startswith("\\"):
        return _is_literal_escape(text)
    return bool(text) and text[0] not in _META


def _is_literal_escape(text: str) -> bool:
    return len(text) > 1 and text[1] in _LITERAL_ESCAPES


def _structure(text: str, start: int = 0, depth: int = 0) -> Iterator[tuple[int, str, int]]:
    """Each character of ``text`` from ``start`` that is not escaped and not inside a
    character class, with the depth of groups after it."""
    i, in_class = start, False
    while i < len(text):
        char = text[i]
        if char == "\\":
            i += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        else:
            depth += {"(": 1, ")": -1}.get(char, 0)
            yield i, char, depth
        i += 1


def _group_end(text: str, start: int) -> int | None:
    """The index of the parenthesis closing the group opened before ``start``; None if it
    is never closed."""
    for i, char, depth in _structure(text, start, depth=1):
        if char == ")" and depth == 0:
            return i
    return None


def _split_alternatives(body: str) -> list[str]:
    """``body`` split at its top-level ``|``."""
    parts, begin = [], 0
    for i, char, depth in _structure(body):
        if char == "|" and depth == 0:
            parts.append(body[begin:i])
            begin = i + 1
    parts.append(body[begin:])
    return parts


def _literal_run(text: str) -> str:
    """The literal characters ``text`` starts with (escaped punctuation included); a
    character made optional or repeatable by a quantifier is not part of it."""
    run: list[str] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char == "\\":
            if not _is_literal_escape(text[i:]):
                break
            literal, width = text[i + 1], 2
        elif char in _META:
            break
        else:
            literal, width = char, 1
        following = text[i + width : i + width + 1]
        if following in _QUANTIFIERS:
            break  # "colou?r": the u need not be there, so the run ends before it
        run.append(literal)
        i += width
    return "".join(run)


def _parse(pattern: str) -> Prefilter | None:
    """The same analysis through ``re._parser``: slower, for the shapes :func:`_scan` skips."""
    import re._parser as sre

    try:
        items = list(sre.parse(pattern, 0))
    except re.error:
        return None
    at_word_start = bool(items) and items[0] == (sre.AT, sre.AT_BOUNDARY)
    while items and items[0][0] == sre.AT:
        items = items[1:]
    if not items:
        return None

    def lead(sequence: list) -> str:
        text = ""
        for op, value in sequence:
            if op != sre.LITERAL:
                break
            text += chr(value)
        return text

    op, value = items[0]
    if op == sre.LITERAL:
        branches = [lead(items)]
    elif op == sre.BRANCH:
        branches = [lead(list(branch)) for branch in value[1]]
    elif op == sre.SUBPATTERN:
        inner = list(value[3])
        if inner and inner[0][0] == sre.BRANCH:
            branches = [lead(list(branch)) for branch in inner[0][1][1]]
        else:
            branches = [lead(inner)]
    else:
        return None
    if not branches or not all(branches):
        return None
    return Prefilter(frozenset(b.lower() for b in branches), at_word_start)


class WordIndex:
    """For expressions that start at a word boundary with literals starting with a word
    character: which of them a text's words allow (the word test)."""

    def __init__(self, prefilters: Iterable[tuple[object, Prefilter | None]]) -> None:
        #: Leading ``\\w`` run of a literal -> the expressions having that literal.
        self.by_head: dict[str, list[object]] = {}
        self.gated: set[object] = set()
        for key, prefilter in prefilters:
            if prefilter is None or not prefilter.at_word_start:
                continue
            heads = [_WORD.match(literal) for literal in prefilter.literals]
            if not all(heads):
                continue  # a literal starting with punctuation: no word test
            self.gated.add(key)
            for head in heads:
                self.by_head.setdefault(head.group(0), []).append(key)
        self.heads = frozenset(self.by_head)
        self.head_lengths = sorted({len(head) for head in self.by_head})

    def allowed(self, lower_text: str) -> set[object]:
        """The gated expressions that some word of ``lower_text`` allows."""
        words = set(_WORD.findall(lower_text))
        starts = {word[:size] for word in words for size in self.head_lengths if size <= len(word)}
        found: set[object] = set()
        for head in starts & self.heads:
            found.update(self.by_head[head])
        return found


#: Most literal sets kept per expression (the longest runs are the most telling).
MAX_REQUIRED = 4
#: Largest set of alternatives worth testing one by one.
MAX_ALTERNATIVES = 64

Required = tuple[frozenset[str], ...]


def required_literals(pattern: str, flags: int = 0) -> Required:
    """Sets of lower-case literals such that a text containing a match of ``pattern``
    contains one literal of each set; empty where nothing useful is required.

    Read with the standard library's parser: a run of literal characters (zero-width
    assertions such as ``\\b`` do not break it) is required unless it sits in a part that
    may be absent (``?``, ``*``, ``{0,n}``, one alternative of several, a look-around);
    a group of alternatives requires one of its alternatives' own requirements. Runs shorter
    than :data:`MIN_LITERAL` are dropped (nearly every text has them)."""
    import re._parser as sre

    try:
        parsed = sre.parse(pattern, flags)
    except (re.error, RecursionError):
        return ()
    try:
        found = _required(list(parsed), sre, 0)
    except RecursionError:
        return ()
    unique = sorted(set(found), key=lambda options: (_selectivity(options), sorted(options)))
    return tuple(unique[:MAX_REQUIRED])


def _selectivity(alternatives: frozenset[str]) -> tuple[int, int]:
    """Sorts the more telling first: longer shortest literal, then fewer alternatives."""
    return -min(len(a) for a in alternatives), len(alternatives)


def _useful(alternatives: frozenset[str]) -> bool:
    return (
        0 < len(alternatives) <= MAX_ALTERNATIVES
        and min(len(a.strip()) for a in alternatives) >= MIN_LITERAL
    )


def _required(sequence: list, sre: object, depth: int) -> list[frozenset[str]]:
    """The literal sets a match of ``sequence`` (a parsed expression) must contain."""
    if depth > 20:
        return []
    found: list[frozenset[str]] = []
    run: list[str] = []

    def flush() -> None:
        if run:
            literal = frozenset({"".join(run).lower()})
            if _useful(literal):
                found.append(literal)
            run.clear()

    for op, value in sequence:
        if op == sre.LITERAL:  # type: ignore[attr-defined]
            run.append(chr(value))
            continue
        if op == sre.AT:  # type: ignore[attr-defined]
            continue  # zero width: the literals on either side are still adjacent
        flush()
        if op == sre.SUBPATTERN:  # type: ignore[attr-defined]
            found += _required(list(value[3]), sre, depth + 1)
        elif op == sre.ATOMIC_GROUP:  # type: ignore[attr-defined]
            found += _required(list(value), sre, depth + 1)
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):  # type: ignore[attr-defined]
            low, _high, item = value
            if low >= 1:
                found += _required(list(item), sre, depth + 1)
        elif op == sre.BRANCH:  # type: ignore[attr-defined]
            union: set[str] = set()
            for branch in value[1]:
                options = _required(list(branch), sre, depth + 1)
                if not options:
                    union.clear()
                    break
                union |= min(options, key=_selectivity)
            if union and _useful(frozenset(union)):
                found.append(frozenset(union))
        # Anything else (classes, any character, look-arounds, back-references) ends the
        # run and requires nothing of its own.
    flush()
    return found


def meets(lower_text: str, required: Required) -> bool:
    """Whether ``lower_text`` contains one literal of each required set."""
    return all(any(literal in lower_text for literal in options) for options in required)


class LiteralIndex:
    """Which of a document's texts (lower-cased) contain each literal.

    The texts are joined and each literal is searched for once in the whole, jumping to the
    next text after a hit, so the cost is one scan per literal plus one step per text that
    has it. The engine then rules a block out for an expression with a set lookup instead of
    a few substring tests in every block.
    """

    #: What one substring test costs beyond its text's length, in characters scanned: it
    #: decides when texts are better tested one by one than the whole scanned again.
    TEST_COST = 500

    def __init__(self, lower_texts: list[str]) -> None:
        self.texts = lower_texts
        #: NUL cannot occur in a literal of an expression, so no hit spans two texts.
        self.text = "\x00".join(lower_texts)
        self.starts: list[int] = []
        at = 0
        for text in lower_texts:
            self.starts.append(at)
            at += len(text) + 1
        self._blocks: dict[str, frozenset[int]] = {}
        #: Most texts worth testing one by one for a literal rather than scanning the whole.
        self.few = at // (at // max(1, len(lower_texts)) + self.TEST_COST)

    def blocks(self, literal: str) -> frozenset[int]:
        """The indexes of the texts containing ``literal``."""
        found = self._blocks.get(literal)
        if found is None:
            text, starts = self.text, self.starts
            hits = []
            position = text.find(literal)
            while position != -1:
                block = bisect_right(starts, position) - 1
                hits.append(block)
                if block + 1 == len(starts):
                    break
                position = text.find(literal, starts[block + 1])
            found = self._blocks[literal] = frozenset(hits)
        return found

    def possible(self, needs: Iterable[frozenset[str]]) -> frozenset[int] | None:
        """The texts containing one literal of each set in ``needs``; None if ``needs`` is
        empty (any text may do)."""
        result: frozenset[int] | None = None
        for options in needs:
            if result is not None and len(result) < self.few:
                texts = self.texts
                result = frozenset(i for i in result if meets(texts[i], (options,)))
            else:
                union = frozenset().union(*(self.blocks(option) for option in options))
                result = union if result is None else result & union
            if not result:
                break
        return result
