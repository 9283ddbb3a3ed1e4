"""Finding UK postcodes and postal addresses in free text.

A full postcode narrows a location to about fifteen households and, with a house number
or a street, to one: location data that identifies a person (UK GDPR Art. 4(1)). A
postcode is accepted only with a real postcode area ("BS", "EC", "ZE"...) and an inward
code that uses Royal Mail's letters; an address is a house number followed by a street
name and a street-type word ("14 Cranbrook Road"), or a street line just above or before
a postcode ("Mill Lane, Bath BA1 2AB").
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from charter.screening.schemas import PiiFinding


def _words(text: str) -> frozenset[str]:
    """A word list written as one string, so it reads as prose."""
    return frozenset(text.split())


#: The 120-odd postcode areas in use (Royal Mail), plus Crown dependencies and BFPO.
POSTCODE_AREAS = _words(
    """AB AL B BA BB BD BF BH BL BN BR BS BT CA CB CF CH CM CO CR CT CV CW DA DD DE DG DH
    DL DN DT DY E EC EH EN EX FK FY G GL GU GY HA HD HG HP HR HS HU HX IG IM IP IV JE
    KA KT KW KY L LA LD LE LL LN LS LU M ME MK ML N NE NG NN NP NR NW OL OX PA PE PH
    PL PO PR RG RH RM S SA SE SG SK SL SM SN SO SP SR SS ST SW SY TA TD TF TN TQ TR TS
    TW UB W WA WC WD WF WN WR WS WV YO ZE"""
)

#: Words that end a street name. Each needs a name word before it, so "St Mary's Road"
#: ends at "Road" and "High St" at "St".
STREET_TYPES = _words(
    """Road Rd Street St Avenue Ave Lane Ln Close Drive Way Crescent Cres Place Pl
    Terrace Gardens Gdns Grove Court Ct Square Sq Hill Row Walk Mews Parade Rise Vale
    Wharf Quay Yard Boulevard Green Park Croft Chase Meadow Meadows Fields Gate Circus
    Embankment Broadway Esplanade Promenade Hollow Heights Estate Villas Cottages
    Buildings"""
)

#: Without a house number, a street must end in one of these: "Green", "Hill" and "Park"
#: end surnames as often as streets ("Sarah Green" above a postcode is a signature).
UNNUMBERED_STREET_TYPES = _words(
    """Road Rd Street Avenue Ave Lane Close Drive Way Crescent Terrace Gardens Grove Mews
    Square Place Estate"""
)

_POSTCODE = re.compile(
    r"(?<![A-Za-z0-9])([A-Za-z]{1,2})([0-9][A-Za-z0-9]?) ?([0-9][A-Za-z]{2})(?![A-Za-z0-9])"
)
_INWARD_LETTERS = frozenset("ABDEFGHJLNPQRSTUWXYZ")
_NUMBERED = re.compile(
    r"(?<![\w/.,:£$€-])[0-9]{1,4}[A-Za-z]?(?:[-–][0-9]{1,4})? (?=[A-Z])[A-Za-z'’. -]{1,64}"
)
_STREET_RUN = re.compile(r"(?<![\w'’-])[A-Z][A-Za-z'’. -]{1,64}")
#: How far before a postcode an unnumbered street line may start (about three lines).
STREET_WINDOW = 120


def find_postcodes(text: str) -> Iterator[PiiFinding]:
    for match in _POSTCODE.finditer(text):
        raw = match.group()
        if not (raw.isupper() or raw.islower()):
            continue
        area, _district, inward = (group.upper() for group in match.groups())
        if area not in POSTCODE_AREAS or not set(inward[1:]) <= _INWARD_LETTERS:
            continue
        yield PiiFinding("postcode", raw, match.start(), match.end())


def find_addresses(text: str) -> Iterator[PiiFinding]:
    """Postcodes, then street addresses (numbered, or on the line before a postcode)."""
    postcodes = list(find_postcodes(text))
    yield from postcodes
    numbered: list[PiiFinding] = []
    for match in _NUMBERED.finditer(text):
        street = _street(match.group(), start_at=match.group().index(" ") + 1, types=STREET_TYPES)
        if street is not None:
            end = match.start() + street
            numbered.append(
                PiiFinding("postal_address", text[match.start() : end], match.start(), end)
            )
    yield from numbered
    for postcode in postcodes:
        line = _street_line(text, max(0, postcode.start - STREET_WINDOW), postcode.start)
        if line is not None and not any(
            line.start < found.end <= postcode.start for found in numbered
        ):
            yield line


def _street_line(text: str, start: int, end: int) -> PiiFinding | None:
    """The last unnumbered street name in ``text[start:end]`` (the line before a postcode)."""
    line = None
    for run in _STREET_RUN.finditer(text, start, end):
        street = _street(run.group(), start_at=0, types=UNNUMBERED_STREET_TYPES)
        if street is not None:
            stop = run.start() + street
            line = PiiFinding("postal_address", text[run.start() : stop], run.start(), stop)
    return line


def _street(candidate: str, *, start_at: int, types: frozenset[str]) -> int | None:
    """Where the street name in ``candidate`` ends, or None if there is none.

    Words are read from ``start_at`` while each is capitalised; the street ends after the
    last street-type word that has at least one name word before it.
    """
    end = None
    position = start_at
    for names, word in enumerate(candidate[start_at:].split(" ")):
        if not word or not word[0].isupper():
            break
        bare = word.rstrip(".,")
        if bare in types and names:
            end = position + len(bare)
        position += len(word) + 1
        if bare != word:
            break
    return end
