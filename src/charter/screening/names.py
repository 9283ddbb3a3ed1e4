"""Finding people's names in free text.

A name is the first thing that identifies a person (UK GDPR Art. 4(1)). Names have no
checksum, so they are found by where they stand: after a greeting ("Hi Sarah"), under a
sign-off ("Kind regards,\\nOlu Adeyemi"), after "my name is", after a title ("Dr Aisha
Khan") or a role ("our receptionist Sarah"); and anywhere when the word is a listed first
name that is not also an everyday word ("Will", "May" need one of those contexts).

A finding is the name as written, without its title or greeting, with up to two more
capitalised words on the same line as surnames ("Sarah Jane Smith").
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from charter.screening.persons import PERSON_NOUNS, TITLES, is_first_name
from charter.screening.schemas import PiiFinding


def _words(text: str) -> frozenset[str]:
    """A word list written as one string, so it reads as prose."""
    return frozenset(text.split())


_LETTERS = "a-zà-öø-ÿ"
TOKEN = r"(?:Mc|Mac|O['’]|D['’])?[A-Z][" + _LETTERS + r"]+(?:-[A-Z][" + _LETTERS + r"]+)?"
_WORD_END = r"(?![\w@-]|['’](?!s\b)|\.[A-Za-z0-9])"  # "Sarah's" is Sarah

_GREETING = re.compile(
    r"(?m)^[ \t>]*(?:Hi|Hello|Hey|Hiya|Dear|Morning|Good morning|Good afternoon"
    r"|Good evening|Afternoon|Evening)[ \t,]+(?:" + TITLES + r"\.?[ \t]+)?"
    r"(?P<name>" + TOKEN + ")" + _WORD_END
)
_CLOSING = re.compile(
    r"(?:(?m:^)|(?<=[.!?] ))[ \t]*(?:Thanks|Thank you|Many thanks|Thanks again|Thanks so much"
    r"|Thanks a lot"
    r"|Cheers|Regards|Kind regards|Best regards|Warm regards|Warmest regards|Best wishes"
    r"|Best|All the best|Yours sincerely|Yours faithfully|Yours truly|Yours|Ta|Speak soon"
    r"|Sincerely|With thanks|Love|Take care)[ \t]*[,.!]?[ \t]*(?:\r?\n[ \t]*)?(?:\r?\n[ \t]*)?"
    r"(?:[-–—][ \t]*)?(?:"
    + TITLES
    + r"\.?[ \t]+)?(?P<name>(?:[A-Z]\.?[ \t])?"
    + TOKEN
    + ")"
    + _WORD_END
)
_CALLED = re.compile(
    r"\b(?:[Mm]y name is|[Mm]y name['’]s|I am called|I['’]m called|[Nn]ame:)[ \t]+"
    r"(?P<name>" + TOKEN + ")" + _WORD_END
)
_INTRODUCED = re.compile(
    r"\b(?:[Tt]his is|I['’]m|I am|[Ii]t['’]s)[ \t]+(?P<name>" + TOKEN + ")" + _WORD_END
)
_TITLED = re.compile(
    r"\b" + TITLES + r"\.?[ \t]+(?P<name>(?:[A-Z]\.?[ \t])?" + TOKEN + ")" + _WORD_END
)
#: "our receptionist Will", "my colleague, May": a role just before an ambiguous name.
_ROLE_BEFORE = re.compile(r"(?i:\b" + PERSON_NOUNS + r"),?[ \t]+$")
_SIGNATURE_END = re.compile(r"[ \t]*(?:[\r\n,(|–—-]|$)")
_BARE = re.compile(r"(?<![\w@.'’-])" + TOKEN + _WORD_END)
_NEXT = re.compile(r"[ \t](" + TOKEN + ")" + _WORD_END)
_PLACE_BEFORE = re.compile(
    r"(?:\bSt\.?|\bSaint|\bQueen|\bKing|\bPrince|\bPrincess|\bPort|\bFort|\bMount|\bLake"
    r"|\bLady|\bSir|\bLord|\bSan|\bSanta)[ \t]$"
)

#: Words that make the first name before them part of a place ("Albert Road", "Elizabeth
#: line", "Victoria Station"). Words that are also surnames (Green, Hill, Hall) are not here.
_PLACES = _words(
    """Street Road Lane Avenue Close Drive Way Hospital House Court Centre Square Station
    Place Gardens Crescent Terrace Line Building Cottage Farm Chapel Primary Academy
    College University Dental Medical Clinic Pharmacy Hotel Pub Cafe Restaurant Shop
    Store Bank Society Foundation Charity Club Association Memorial Infirmary Estate
    Mews Quay Wharf Arms Inn School Church Surgery Trust Practice"""
)

#: Capitalised words that never continue a name as a surname, nor start one after a
#: greeting or a sign-off ("Hi Team", "Thanks All", "Best Practice").
NOT_NAMES = (
    _words(
        """Mr Mrs Ms Miss Mx Dr Prof Professor Rev Revd Cllr Address Tel Phone Mobile
        The This That These Those There Here We You He She It They Our My Your His Her
        Their Thanks Thank Hi Hello Dear Regards Best Kind Cheers Please Could Can Would
        Should Is Are Was Has Have Had Do Does Did And But Or So If When Where What Why
        How Who On In At From To For With About After Before Also Just Not No Yes Ok Okay
        All Everyone Team Guys Folks Both Again Sir Madam Colleagues Customer Customers
        Sales Support Accounts Admin Reception Service Services Helpdesk Desk Office
        Manager Director Owner Partner Finance Operations Head Ltd Limited Llp Plc Group
        Solutions Consulting Associates Accountants Council Partners Management
        Department Monday Tuesday Wednesday Thursday Friday Saturday Sunday January
        February March July August September October November December Mon Tue Wed Thu
        Fri Sat Sun Windows Outlook Teams Microsoft Google Apple Excel Word Zoom Dell
        Lenovo Mac Sage Xero Quickbooks Onedrive Sharepoint Gmail Virgin Sky Tel Mob
        Email Web Today Tomorrow Yesterday Morning Afternoon Evening Network
        Server Printer Laptop Router Firewall Backup Update Version Pro Plus Home
        Business Enterprise Premium Standard Edition Vat Invoice Order Ticket Ref
        Reference Quote Attached Sent Note Ps Re Fw Fwd Term Alert Warning Day Garden"""
    )
    | _PLACES
)

#: How many capitalised words may follow a first name as middle names and surnames.
MAX_SURNAMES = 2


def find_names(text: str) -> Iterator[PiiFinding]:
    """Names in naming contexts, then listed first names anywhere; each span once."""
    seen: set[int] = set()
    # (pattern, whether the first word must be a listed first name): after "Hi" or a
    # sign-off any capitalised word is a name; after "I'm" it must be a known one.
    contexts = (
        (_GREETING, False),
        (_CLOSING, False),
        (_CALLED, False),
        (_TITLED, False),
        (_INTRODUCED, True),
    )
    for pattern, listed_only in contexts:
        for match in pattern.finditer(text):
            start = match.start("name")
            first = match.group("name")
            if first in NOT_NAMES or start in seen:
                continue
            if listed_only and not is_first_name(first, in_context=True):
                continue
            finding = _extend(text, start, match.end("name"))
            if pattern is _CLOSING and not _SIGNATURE_END.match(text, finding.end):
                continue  # "Thank you. Address is ...": a sentence, not a signature
            seen.add(start)
            yield finding
    for match in _BARE.finditer(text):
        start = match.start()
        if start in seen or not is_first_name(match.group(), in_context=True):
            continue
        if not is_first_name(match.group()) and not (
            _has_surname(text, match.end()) or _ROLE_BEFORE.search(text, max(0, start - 40), start)
        ):
            continue  # "Will", "May", "Grace" alone are words; "Will Thompson" is a name
        if _PLACE_BEFORE.search(text, max(0, start - 9), start):
            continue
        if not _is_place(text, match.end()):
            seen.add(start)
            yield _extend(text, start, match.end())


def _extend(text: str, start: int, end: int) -> PiiFinding:
    """The name from ``start``, taking up to two more capitalised words as surnames."""
    for _ in range(MAX_SURNAMES):
        following = _NEXT.match(text, end)
        if following is None or following.group(1) in NOT_NAMES:
            break
        end = following.end()
    return PiiFinding("person_name", text[start:end], start, end)


def _has_surname(text: str, end: int) -> bool:
    following = _NEXT.match(text, end)
    return following is not None and following.group(1) not in NOT_NAMES


def _is_place(text: str, end: int) -> bool:
    """A first name followed by "Road", "Hospital"... is a place, not a person."""
    following = _NEXT.match(text, end)
    return following is not None and following.group(1) in _PLACES
