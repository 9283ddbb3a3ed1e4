"""Finding special-category and criminal-offence passages about a person.

UK GDPR Art. 9(1) forbids processing data revealing racial or ethnic origin, political
opinions, religious or philosophical beliefs, trade union membership, genetic data,
biometric data used to identify someone, health, and sex life or sexual orientation,
unless a condition of Art. 9(2) applies; Art. 10 does the same for criminal convictions
and offences. The policy promises none of it is collected, so any passage that reveals
it about an identifiable person (Art. 4(1)) is flagged for removal.

How: one pass of the anchor index (``prefilter.py``) finds the sentences that could
hold a cue; in those only, the guards of ``lexicon.py`` are blanked (same length, so
offsets survive) and each candidate cue is matched and checked against its person
condition, computed once per sentence. Work is linear in the text.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from charter.screening.lexicon import GUARDS, LEXICONS, TOPIC_FOLLOWERS, TOPIC_PREFIX
from charter.screening.persons import is_first_name, mentions_person, person_subject
from charter.screening.prefilter import AnchorIndex, cue_anchors
from charter.screening.schemas import SpecialCategory, SpecialFinding
from charter.screening.segments import sentence_spans

_ADVERBS = (
    r"(?: (?:also|now|still|actually|currently|recently|unfortunately|sadly|both|all|very"
    r"|quite|seriously|really|just|been|finally|apparently|allegedly|previously|once|then"
    r"|never|not|always|has|had|have|was|were|got|being|so|too|sometimes|now been"
    r"|since been|partially|profoundly|severely|long-term|heavily|newly|recently been))"
    r"{0,3}"
)
_END = r"(?![\w-])"
_NO_TOPIC = r"(?![ -]" + TOPIC_FOLLOWERS + ")"


def _state(states: str, *, named: bool) -> str:
    subject = person_subject(named=named, with_verb=True)
    return subject + _ADVERBS + " (?:" + states + ")" + _END + _NO_TOPIC


def _act(acts: str, *, named: bool, with_verb: bool = False) -> str:
    subject = person_subject(named=named, with_verb=with_verb)
    return subject + _ADVERBS + " (?:" + acts + ")" + _END


def _term(terms: str) -> str:
    return r"(?<![\w-])(?:" + terms + ")" + _END + _NO_TOPIC


@dataclass(frozen=True, slots=True)
class _Cue:
    category: SpecialCategory
    pattern: re.Pattern[str]
    needs_person: bool
    veto: re.Pattern[str] | None


def _compile() -> list[_Cue]:
    cues: list[_Cue] = []
    for lexicon in LEXICONS:
        veto = re.compile(lexicon.veto, re.IGNORECASE) if lexicon.veto else None
        sources = [
            (_state(lexicon.states, named=True) if lexicon.states else "", False),
            (_act(lexicon.acts, named=True) if lexicon.acts else "", False),
            # "I'm standing for the SNP", "she's stolen": an act after "I'm", "she's"
            (_act(lexicon.acts, named=True, with_verb=True) if lexicon.acts else "", False),
            (_term(lexicon.terms) if lexicon.terms else "", True),
        ]
        for source, needs_person in sources:
            if source:
                pattern = re.compile(source, re.IGNORECASE)
                cues.append(_Cue(lexicon.category, pattern, needs_person, veto))
    return cues


_CUES = _compile()
_INDEX = AnchorIndex([cue_anchors(cue.pattern.pattern, re.IGNORECASE) for cue in _CUES])
# Guards are matched on the lower-cased text, which is what makes them cheap: without
# IGNORECASE, ``re`` skips a branch as soon as its first letter differs.
_GUARD = re.compile(r"(?<![\w-])(?:" + GUARDS.lower() + r")(?![\w])")
_TOPIC_PREFIX = re.compile(TOPIC_PREFIX, re.IGNORECASE)
_OUR = re.compile(r"our ", re.IGNORECASE)


def lower_in_place(text: str) -> str:
    """``text`` lower-cased without changing any offset (a few characters grow when
    lower-cased, such as "İ"; those are kept as they are)."""
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(char if len(char.lower()) != 1 else char.lower() for char in text)


def blank_guards(text: str, lowered: str, spans: list[tuple[int, int]]) -> str:
    """``text`` with every guard phrase inside ``spans`` replaced by spaces (same length)."""
    guards = [m.span() for start, end in spans for m in _GUARD.finditer(lowered, start, end)]
    if not guards:
        return text
    pieces: list[str] = []
    last = 0
    for start, end in guards:
        pieces += (text[last:start], " " * (end - start))
        last = end
    pieces.append(text[last:])
    return "".join(pieces)


def find_special(text: str, *, exhaustive: bool = False) -> list[SpecialFinding]:
    """Each sentence revealing a special category about a person, once per category.

    Only sentences holding an anchor of some cue are looked at, and the guards are only
    blanked there: most sentences of most messages are never examined further.
    ``exhaustive`` runs every cue on every sentence instead: slower, with the same result
    (the tests check that it is).
    """
    lowered = lower_in_place(text)
    spans = sentence_spans(text)
    starts = [start for start, _ in spans]
    wanted: dict[int, set[int]] = {}
    always = set(range(len(_CUES))) if exhaustive else set(_INDEX.always)
    if always:
        wanted = {index: set(always) for index in range(len(spans))}
    for position, cues in _INDEX.hits(lowered):
        index = bisect.bisect_right(starts, position) - 1
        if index >= 0:
            wanted.setdefault(index, set()).update(cues)
    if not wanted:
        return []
    candidates = sorted(wanted)
    masked = blank_guards(text, lowered, [spans[index] for index in candidates])
    findings: list[SpecialFinding] = []
    for index in candidates:
        start, end = spans[index]
        for category in _categories_in(masked, start, end, sorted(wanted[index])):
            findings.append(SpecialFinding(category, start, end))
    return findings


def _categories_in(text: str, start: int, end: int, cues: list[int]) -> list[SpecialCategory]:
    found: list[SpecialCategory] = []
    person: bool | None = None
    for cue in (_CUES[index] for index in cues):
        if cue.category in found or (cue.veto and cue.veto.search(text, start, end)):
            continue
        for match in cue.pattern.finditer(text, start, end):
            if not cue.needs_person:
                name = match.group("cap")
                if name is not None and not is_first_name(name):
                    continue
            else:
                if _TOPIC_PREFIX.search(text[max(start, match.start() - 24) : match.start()]):
                    continue
                if person is None:
                    person = mentions_person(text, start, end)
                if not person and not _OUR.match(match.group()):
                    continue
            found.append(cue.category)
            break
    return found
