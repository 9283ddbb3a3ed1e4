"""Finding the identifiers in a text, each checked as the real thing, not just its shape.

An identifier makes a message personal data (UK GDPR Art. 4(1): "an identification
number, location data, an online identifier"); a bank or card number also makes a
breach notifiable and harmful (Art. 33, Art. 34). A number that merely looks like one is
not reported: a card number must pass the Luhn check and belong to a card scheme, an
IBAN its mod-97 check, a phone number libphonenumber's plan for its region, an address
``email_validator``'s syntax check (no DNS lookup: screening never touches the network).

Every candidate expression has bounded, un-nested quantifiers; the validators then run
only on the few candidates, so the cost stays linear in the text.
"""

from __future__ import annotations

import bisect
import ipaddress
import re
from collections.abc import Iterator

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from stdnum import iban, luhn

from charter.screening.addresses import find_addresses
from charter.screening.birthdates import find_birthdates
from charter.screening.names import find_names
from charter.screening.schemas import PiiFinding, PiiType

#: Phone numbers without a country code are read as UK numbers.
PHONE_REGION = "GB"

#: When two findings overlap, the earlier type in this list wins: the stricter check
#: (a checksum) beats the looser one (a phone number's digit pattern, a name's capital).
PRIORITY: tuple[PiiType, ...] = (
    "email",
    "iban",
    "payment_card",
    "uk_sort_code_account",
    "ni_number",
    "ip_address",
    "date_of_birth",
    "phone",
    "postcode",
    "postal_address",
    "person_name",
)

_EMAIL = re.compile(r"(?<![\w.%+'’-])[A-Za-z0-9._%+'-]{1,64}@[A-Za-z0-9.-]{1,253}")
#: A domain must end in a dot and a top-level domain of letters; checked before the
#: (slower) full syntax check, so a text full of "a@b" costs little.
_DOMAIN_END = re.compile(r"\.[A-Za-z]{2,63}$")
_PHONE = re.compile(r"(?<![\w+])(?:\+|\(?0)[0-9 ().-]{8,22}[0-9]")
_IBAN = re.compile(r"(?<![A-Za-z0-9])[A-Z]{2}[0-9]{2}[A-Z0-9 ]{11,40}")
_CARD = re.compile(r"(?<![0-9-])[0-9][0-9 -]{10,24}[0-9](?![0-9])")
_CARD_SEPARATOR = re.compile(r"[ -]")
_SORT_CODE = re.compile(
    r"(?<![0-9-])(?P<code>[0-9]{2}-[0-9]{2}-[0-9]{2})(?![0-9-])"
    r"|(?:[Ss]ort [Cc]ode|SORT CODE):? ?(?P<spaced>[0-9]{2} ?[0-9]{2} ?[0-9]{2})(?![0-9])"
)
_ACCOUNT = re.compile(r"(?<![0-9-])(?:[0-9]{8}|[0-9]{4} [0-9]{4})(?![0-9-])")
#: How far from a sort code its account number may be written ("..., account no. ").
ACCOUNT_WINDOW = 48
_NI_NUMBER = re.compile(
    r"(?<![A-Za-z0-9])([A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]) ?([0-9]{2}) ?([0-9]{2})"
    r" ?([0-9]{2}) ?([A-D])(?![A-Za-z0-9])",
    re.IGNORECASE,
)
#: Prefixes HMRC never issues (on top of the letters excluded in the pattern).
_NI_NEVER = frozenset({"BG", "GB", "NK", "KN", "TN", "NT", "ZZ"})
#: "firmware 15.2.7.3" is a version, not an address.
_VERSION_BEFORE = re.compile(
    r"\b(?:version|firmware|v|ver|build|release|patch)\b[^.\n]{0,24}$", re.IGNORECASE
)
_IPV4 = re.compile(r"(?<![0-9.])[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}(?![0-9]|\.[0-9])")
_IPV6 = re.compile(
    r"(?<![0-9A-Za-z:.])(?=[0-9A-Fa-f]{0,4}:[0-9A-Fa-f]{0,4}:)[0-9A-Fa-f:.]{2,45}"
    r"(?![0-9A-Za-z:])"
)


def find_pii(text: str) -> list[PiiFinding]:
    """Every identifier in ``text``, overlaps resolved by :data:`PRIORITY`, in text order."""
    found: list[PiiFinding] = []
    for finder in (
        find_emails,
        find_ibans,
        find_payment_cards,
        find_sort_code_accounts,
        find_ni_numbers,
        find_ip_addresses,
        find_birthdates,
        find_phones,
        find_addresses,
        find_names,
    ):
        found.extend(finder(text))
    rank = {kind: index for index, kind in enumerate(PRIORITY)}
    starts: list[int] = []  # kept findings never overlap, so they sort by start and end
    kept: list[PiiFinding] = []
    for finding in sorted(found, key=lambda f: (rank[f.type], f.start)):
        index = bisect.bisect_left(starts, finding.start)
        if index > 0 and kept[index - 1].end > finding.start:
            continue
        if index < len(kept) and kept[index].start < finding.end:
            continue
        starts.insert(index, finding.start)
        kept.insert(index, finding)
    return kept


def _finding(kind: PiiType, text: str, start: int, end: int) -> PiiFinding:
    return PiiFinding(kind, text[start:end], start, end)


def find_emails(text: str) -> Iterator[PiiFinding]:
    if "@" not in text:
        return
    for match in _EMAIL.finditer(text):
        start, end = match.span()
        while end > start and text[end - 1] in ".-":
            end -= 1
        if not _DOMAIN_END.search(text, start, end):
            continue
        try:
            validate_email(text[start:end], check_deliverability=False)
        except EmailNotValidError:
            continue
        yield _finding("email", text, start, end)


def find_phones(text: str) -> Iterator[PiiFinding]:
    """Phone numbers libphonenumber accepts as valid, found inside digit-run candidates.

    The matcher runs on each short candidate, not on the whole text: it is the slowest
    check here, and most messages have one number or none.
    """
    for candidate in _PHONE.finditer(text):
        offset = candidate.start()
        for match in phonenumbers.PhoneNumberMatcher(candidate.group(), PHONE_REGION):
            start, end = offset + match.start, offset + match.end
            if text[start] == "(" and ")" not in text[start:end]:
                start += 1  # "(07400 123456)": the bracket is punctuation, not the number
            yield _finding("phone", text, start, end)


def find_ibans(text: str) -> Iterator[PiiFinding]:
    """IBANs whose mod-97 check digits and country format are right (ISO 13616)."""
    for candidate in _IBAN.finditer(text):
        words = candidate.group().rstrip().split(" ")
        while words:
            value = " ".join(words)
            if len(value.replace(" ", "")) >= 15 and iban.is_valid(value):
                start = candidate.start()
                yield _finding("iban", text, start, start + len(value))
                break
            words.pop()


def find_payment_cards(text: str) -> Iterator[PiiFinding]:
    """Card numbers that pass the Luhn check and fit a card scheme's prefix and length.

    Digits may be grouped with single spaces or hyphens; trailing groups that make the
    number too long (a CVV or an expiry typed after it) are dropped one by one.
    """
    for candidate in _CARD.finditer(text):
        raw = candidate.group()
        if "  " in raw or "--" in raw:
            continue
        groups = _CARD_SEPARATOR.split(raw)
        while groups:
            digits = "".join(groups)
            if is_payment_card(digits):
                start = candidate.start()
                length = len(" ".join(groups))
                yield _finding("payment_card", text, start, start + length)
                break
            groups.pop()


def is_payment_card(digits: str) -> bool:
    """A primary account number of a scheme in use in the UK (ISO/IEC 7812 prefixes)."""
    if not digits.isdigit() or not 13 <= len(digits) <= 19 or not luhn.is_valid(digits):
        return False
    length = len(digits)
    two, four = int(digits[:2]), int(digits[:4])
    return (
        (digits[0] == "4" and length in (13, 16, 19))  # Visa
        or ((51 <= two <= 55 or 2221 <= four <= 2720) and length == 16)  # Mastercard
        or (two in (34, 37) and length == 15)  # American Express
        or (
            (digits.startswith("6011") or two == 65 or 644 <= int(digits[:3]) <= 649)
            and 16 <= length <= 19
        )  # Discover
        or (3528 <= four <= 3589 and 16 <= length <= 19)  # JCB
        or ((two in (36, 38, 39) or 300 <= int(digits[:3]) <= 305) and 14 <= length <= 19)
        or ((two == 50 or 56 <= two <= 69) and 13 <= length <= 19)  # Maestro, UnionPay
    )


def find_sort_code_accounts(text: str) -> Iterator[PiiFinding]:
    """A UK sort code with an 8-digit account number written close to it.

    A sort code alone names a bank branch, not a person; with the account number it
    identifies someone's account. The finding spans both, and whatever lies between.
    """
    for match in _SORT_CODE.finditer(text):
        start, end = match.span("code") if match.group("code") else match.span("spaced")
        after = _ACCOUNT.search(text, end, min(len(text), end + ACCOUNT_WINDOW))
        if after:
            yield _finding("uk_sort_code_account", text, start, after.end())
            continue
        before = [m.start() for m in _ACCOUNT.finditer(text, max(0, start - ACCOUNT_WINDOW), start)]
        if before:
            yield _finding("uk_sort_code_account", text, before[-1], end)


def find_ni_numbers(text: str) -> Iterator[PiiFinding]:
    """National Insurance numbers by HMRC's allocation rules (no check digit exists).

    Neither prefix letter may be D, F, I, Q, U or V, the second may not be O, the pair
    may not be BG, GB, NK, KN, TN, NT or ZZ, and the suffix is A to D.
    """
    for match in _NI_NUMBER.finditer(text):
        letters = match.group(1) + match.group(5)
        if not (letters.isupper() or letters.islower()):
            continue
        if match.group(1).upper() in _NI_NEVER:
            continue
        yield _finding("ni_number", text, match.start(), match.end())


def find_ip_addresses(text: str) -> Iterator[PiiFinding]:
    """IPv4 and IPv6 host addresses (an online identifier, Art. 4(1), Recital 30).

    Netmasks ("255.255.255.0"), the unspecified address and loopback are left out: they
    are configuration, never anyone's address.
    """
    for match in _IPV4.finditer(text):
        try:
            address = ipaddress.IPv4Address(match.group())
        except ValueError:
            continue
        if match.group().startswith("255.") or address.is_unspecified or address.is_loopback:
            continue
        if _VERSION_BEFORE.search(text, max(0, match.start() - 40), match.start()):
            continue
        yield _finding("ip_address", text, match.start(), match.end())
    if ":" not in text:
        return
    for match in _IPV6.finditer(text):
        start, end = match.span()
        while end > start and text[end - 1] in ".:" and not text[start:end].endswith("::"):
            end -= 1
        try:
            address6 = ipaddress.IPv6Address(text[start:end])
        except ValueError:
            continue
        if address6.is_unspecified or address6.is_loopback:
            continue
        yield _finding("ip_address", text, start, end)
