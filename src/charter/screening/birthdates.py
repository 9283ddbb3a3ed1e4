"""Finding dates of birth: a date written where the text says it is someone's birth date.

A date of birth is one of the few facts that, with a name, singles out nearly anyone,
and it is the usual key to identity fraud (UK GDPR Art. 4(1), Art. 32). Any other date
("the invoice dated 12/03/2024") is not personal data by itself and is not reported.
Only complete, real calendar dates count: "born in 1985" or "31/02/1990" do not.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date

from charter.screening.schemas import PiiFinding

_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_DATE = (
    r"(?P<d1>[0-9]{1,2})(?P<s>[/.-])(?P<m1>[0-9]{1,2})(?P=s)(?P<y1>[0-9]{4}|[0-9]{2})"
    r"|(?P<y2>[0-9]{4})-(?P<m2>[0-9]{2})-(?P<d2>[0-9]{2})"
    r"|(?P<d3>[0-9]{1,2})(?:st|nd|rd|th)?(?: of)? (?P<m3>" + _MONTH + r")\.?,? (?P<y3>[0-9]{4})"
    r"|(?P<m4>" + _MONTH + r")\.? (?P<d4>[0-9]{1,2})(?:st|nd|rd|th)?,? (?P<y4>[0-9]{4})"
)
_BIRTH_DATE = re.compile(
    r"\b(?:d\.?o\.?b\.?|date of birth|birth ?date|born|birthday)(?![\w])"
    r"[ \t]{0,3}[:=–-]?[ \t]{0,3}(?:is |was |on |of |= )?(?:the )?"
    r"(?P<date>" + _DATE + r")(?![0-9])",
    re.IGNORECASE,
)
#: Two-digit years up to this are read as 20xx, above it as 19xx.
TWO_DIGIT_PIVOT = 30


def find_birthdates(text: str) -> Iterator[PiiFinding]:
    for match in _BIRTH_DATE.finditer(text):
        if _calendar_date(match) is None:
            continue
        start, end = match.span("date")
        yield PiiFinding("date_of_birth", text[start:end], start, end)


def _calendar_date(match: re.Match[str]) -> date | None:
    groups = match.groupdict()
    for day_key, month_key, year_key in (("d1", "m1", "y1"), ("d2", "m2", "y2")):
        if groups[year_key] is not None:
            day, month, year = int(groups[day_key]), int(groups[month_key]), groups[year_key]
            break
    else:
        for day_key, month_key, year_key in (("d3", "m3", "y3"), ("d4", "m4", "y4")):
            if groups[year_key] is not None:
                day = int(groups[day_key])
                month = _MONTHS[groups[month_key][:3].lower()]
                year = groups[year_key]
                break
        else:  # pragma: no cover - the expression always sets one of the four
            return None
    full_year = int(year)
    if len(year) == 2:
        full_year += 2000 if full_year <= TWO_DIGIT_PIVOT else 1900
    if not 1900 <= full_year <= 2100:
        return None
    try:
        return date(full_year, month, day)
    except ValueError:
        return None
