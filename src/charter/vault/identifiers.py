"""Normalising identifiers and computing their blind indexes.

A person must be recognised as the same person however they type their address
("Jane@Example.com " and "jane@example.com"; "+44 117 929 1509" and "01179291509"),
otherwise a rights request or a consent withdrawal would miss part of their data
(Art. 5(1)(d) accuracy, Art. 15, Art. 21). The normalised form is what is stored, and
its keyed HMAC is what lookups use, so the database never holds the identifier itself
(Art. 32(1)(a) pseudonymisation).

Errors never echo the rejected input: it is personal data and may end up in logs.
"""

from __future__ import annotations

import unicodedata

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from charter.crypto import keyed_digest
from charter.errors import InvalidInput
from charter.policy.schemas import IdentifierKind

#: Phone numbers without a country code are read as UK numbers.
DEFAULT_PHONE_REGION = "GB"


def normalise_email(value: str) -> str:
    """Strip, Unicode NFC, lower-case the whole address, then check it is an address.

    Lower-casing the local part is technically lossy, but no mailbox provider a small
    firm's customers use distinguishes case, and two records for one person are worse.
    """
    normalised = unicodedata.normalize("NFC", value.strip()).lower()
    try:
        validate_email(normalised, check_deliverability=False)
    except EmailNotValidError:
        raise InvalidInput("That is not a valid email address.") from None
    return normalised


def normalise_phone(value: str) -> str:
    """A valid phone number in E.164 (``+441179291509``); UK numbers need no prefix."""
    try:
        number = phonenumbers.parse(value, DEFAULT_PHONE_REGION)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise InvalidInput("That is not a valid phone number.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_identifier(kind: IdentifierKind, value: str) -> str:
    if kind is IdentifierKind.EMAIL:
        return normalise_email(value)
    return normalise_phone(value)


def blind_index(index_key: bytes, kind: IdentifierKind, normalised: str) -> bytes:
    """HMAC-SHA-256 of ``kind:normalised`` under the index key (kept outside the database)."""
    return keyed_digest(index_key, f"{kind.value}:{normalised}".encode())
