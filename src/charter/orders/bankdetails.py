"""Checking bank details, and refusing card numbers anywhere they might be typed.

PCI DSS (Requirement 3) keeps cardholder data out of systems that do not need it: card
payments are taken by the declared payment processor, so Charter must never store a
primary account number. Any run of 13-19 digits (spaces and dashes allowed) that passes
the Luhn check is refused as a card number. The one exception is a UK sort code written
as such (``NN-NN-NN`` and an 8-digit account number), which is a bank account by form.

Bank accounts are a UK sort code and account number, or an IBAN checked with
python-stdnum (mod-97 and the country's BBAN layout).
"""

from __future__ import annotations

import re

from stdnum import iban, luhn
from stdnum.exceptions import ValidationError

from charter.errors import InvalidInput

CARD_REFUSED = (
    "That looks like a card number. Card details must never be recorded here (PCI DSS): "
    "card payments are taken by our payment processor; record only its reference."
)
_DIGIT_RUN = re.compile(r"\d(?:[ -]?\d){12,18}")
_SORT_CODE_ACCOUNT = re.compile(r"^(\d{2})-(\d{2})-(\d{2})[ ]+(\d{8})$")
_PLAIN_SORT_CODE_ACCOUNT = re.compile(r"^(\d{6})[ ]*(\d{8})$")


def looks_like_card_number(text: str) -> bool:
    """Whether ``text`` holds a 13-19 digit run passing the Luhn check."""
    for match in _DIGIT_RUN.finditer(text):
        digits = re.sub(r"[ -]", "", match.group())
        if luhn.is_valid(digits):
            return True
    return False


def refuse_card_number(text: str) -> None:
    if looks_like_card_number(text):
        raise InvalidInput(CARD_REFUSED)


def normalise_bank_account(value: str) -> str:
    """``"NN-NN-NN NNNNNNNN"`` for a UK sort code and account, or the compact IBAN.

    Raises :class:`InvalidInput` for anything else, and with :data:`CARD_REFUSED` for a
    card number (checked first, unless the value is written as a sort code).
    """
    text = " ".join(value.split())
    written = _SORT_CODE_ACCOUNT.match(text)
    if written is not None:
        return f"{written[1]}-{written[2]}-{written[3]} {written[4]}"
    refuse_card_number(text)
    plain = _PLAIN_SORT_CODE_ACCOUNT.match(text)
    if plain is not None:
        code = plain[1]
        return f"{code[:2]}-{code[2:4]}-{code[4:]} {plain[2]}"
    try:
        return str(iban.validate(text))
    except ValidationError:
        raise InvalidInput(
            "Give a UK sort code and 8-digit account number (e.g. 20-00-00 12345678) "
            "or a valid IBAN."
        ) from None
