"""Deciding cheaply which cue expressions are worth running on which sentence.

Python's ``re`` tries the branches of an alternation one after another, so a lexicon of
hundreds of phrases costs hundreds of attempts at every word of every message. Screening
must keep up with a busy contact form (≥ 1,000 messages a second on one core), so each
cue expression is reduced, once at start-up, to *literal anchors*: a set of strings at
least one of which occurs in anything it matches ("diabetes|diabetic" needs "diabet").
All anchors go into one prefix tree, matched in a single pass over the lower-cased text;
a cue expression then runs only on a sentence that contains one of its anchors.

The anchors are read from CPython's own regular-expression parser (``re._parser``), so
they always agree with the expressions that are actually compiled. If a future Python
moves that module, :func:`cue_anchors` returns ``None`` and every cue runs on every
sentence: slower, never less accurate (a test asserts the fast path is in use).
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

try:
    _PARSER: Any = importlib.import_module("re._parser")
    _OPS: Any = importlib.import_module("re._constants")
except ImportError:  # pragma: no cover - only on an interpreter that moved them
    _PARSER = None
    _OPS = None

Anchors = frozenset[str]


def cue_anchors(pattern: str, flags: int = 0) -> Anchors | None:
    """Lower-cased strings one of which occurs in every match of ``pattern``, or ``None``.

    ``None`` means no such set could be found (the pattern can match without any literal
    text, or the parser is unavailable): the caller must then always run the pattern.
    """
    if _PARSER is None:
        return None
    try:
        parsed = _PARSER.parse(pattern, flags)
    except (AttributeError, TypeError, ValueError, re.error):  # pragma: no cover
        return None
    return _sequence(list(parsed))


#: A run of text with at most this many spellings ("ha(?:s|d|ve) (?:MS|ME)") is kept
#: whole; past it, the run is closed and becomes a candidate on its own.
MAX_SPELLINGS = 64


def _sequence(items: Sequence[tuple[Any, Any]]) -> Anchors | None:
    """Anchors for a sequence: its most selective literal run or sub-expression."""
    candidates: list[Anchors] = []
    run: set[str] = {""}

    def flush() -> None:
        nonlocal run
        if "" not in run:  # a run that may be empty requires nothing
            candidates.append(frozenset(run))
        run = {""}

    for op, av in items:
        if op in (_OPS.AT, _OPS.ASSERT, _OPS.ASSERT_NOT):
            continue  # zero-width: the literal run on either side stays contiguous
        spellings = _language([(op, av)])
        if spellings is not None:
            joined = {head + tail for head in run for tail in spellings}
            if len(joined) > MAX_SPELLINGS:
                flush()
                joined = spellings
            run = joined
            continue
        flush()
        if op is _OPS.SUBPATTERN:
            _add(candidates, _sequence(list(av[-1])))
        elif op is _OPS.BRANCH:
            _add(candidates, _branches(av[1]))
        elif op in (_OPS.MAX_REPEAT, _OPS.MIN_REPEAT) and av[0] >= 1:
            _add(candidates, _sequence(list(av[2])))
    flush()
    if not candidates:
        return None
    # The most selective candidate: longest shortest-anchor, then the smaller set, then
    # the later one (a predicate after its subject is rarer than the subject).
    ranked = sorted(enumerate(candidates), key=lambda pair: (*_selectivity(pair[1]), pair[0]))
    return ranked[-1][1]


def _language(items: Sequence[tuple[Any, Any]]) -> set[str] | None:
    """Every (lower-cased) text ``items`` can match, if that is a small finite set.

    Zero-width assertions are ignored, which can only add texts, never lose one: the
    anchors stay a safe over-approximation.
    """
    texts = {""}
    for op, av in items:
        if op is _OPS.LITERAL:
            options = {chr(av).lower()}
        elif op is _OPS.IN:
            if not all(member_op is _OPS.LITERAL for member_op, _ in av):
                return None
            options = {chr(member).lower() for _, member in av}
        elif op is _OPS.SUBPATTERN:
            found = _language(list(av[-1]))
            if found is None:
                return None
            options = found
        elif op is _OPS.BRANCH:
            options = set()
            for branch in av[1]:
                found = _language(list(branch))
                if found is None:
                    return None
                options |= found
        elif op in (_OPS.MAX_REPEAT, _OPS.MIN_REPEAT) and av[0] == 0 and av[1] == 1:
            found = _language(list(av[2]))
            if found is None:
                return None
            options = found | {""}
        elif op in (_OPS.AT, _OPS.ASSERT, _OPS.ASSERT_NOT):
            continue
        else:
            return None
        texts = {head + tail for head in texts for tail in options}
        if len(texts) > MAX_SPELLINGS:
            return None
    return texts


def _branches(branches: Iterable[Any]) -> Anchors | None:
    """The union of each branch's best anchors: every match goes through one branch."""
    union: set[str] = set()
    for branch in branches:
        found = _sequence(list(branch))
        if found is None:
            return None
        union |= found
    return frozenset(union)


def _add(candidates: list[Anchors], anchors: Anchors | None) -> None:
    if anchors:
        candidates.append(anchors)


_COMMON = """a an the and or of on in at to for from with by as is are was were be been
being has have had got get my his her our your their me we us it its not no can will do
did data held kept stored member members join joined pay pays left card rep reps driver
driving server user users account email print prints use used"""
#: Words so common in IT support mail that an anchor made of one of them picks nearly
#: every sentence; such an anchor counts as one letter long when choosing between
#: candidates. This only affects speed, never what is found.
COMMON_WORDS = frozenset(_COMMON.split()) | {"of my", "of our", "of his", "of her", "of your"}


def _selectivity(anchors: Anchors) -> tuple[int, int]:
    shortest = min(1 if a.strip(" '’") in COMMON_WORDS else len(a) for a in anchors)
    return shortest, -len(anchors)


def trie_pattern(words: Iterable[str]) -> str:
    """One expression matching any of ``words``, as a prefix tree (longest first)."""
    root: dict[str, Any] = {}
    for word in words:
        node = root
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}
    return _trie(root)


def _trie(node: dict[str, Any]) -> str:
    ends = "" in node
    branches = [re.escape(char) + _trie(child) for char, child in sorted(node.items()) if char]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    return "(?:" + body + ")?" if ends else body


class AnchorIndex:
    """Every anchor of every cue, and which cues each anchor stands for."""

    def __init__(self, anchors: Sequence[Anchors | None]) -> None:
        self.always = frozenset(index for index, found in enumerate(anchors) if found is None)
        owners: dict[str, set[int]] = {}
        for index, found in enumerate(anchors):
            for anchor in found or ():
                owners.setdefault(anchor, set()).add(index)
        # An anchor also stands for the cues of every shorter anchor that is its prefix:
        # the tree reports only the longest anchor starting at a position.
        self._cues = {
            anchor: frozenset().union(
                *(owners.get(anchor[:n], ()) for n in range(1, len(anchor) + 1))
            )
            for anchor in owners
        }
        self._pattern = re.compile("(?=(" + trie_pattern(owners) + "))") if owners else None

    def hits(self, lowered: str) -> Iterator[tuple[int, frozenset[int]]]:
        """(position, cues) for each place an anchor starts in the lower-cased text."""
        if self._pattern is None:
            return
        cues = self._cues
        for match in self._pattern.finditer(lowered):
            yield match.start(), cues[match.group(1)]
