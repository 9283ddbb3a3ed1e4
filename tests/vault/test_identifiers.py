"""Normalising emails and phone numbers, and the blind index built on them."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from charter.crypto import new_key
from charter.errors import InvalidInput
from charter.policy.schemas import IdentifierKind
from charter.vault.identifiers import (
    blind_index,
    normalise_email,
    normalise_identifier,
    normalise_phone,
)


@pytest.mark.parametrize(
    ("given_value", "normalised"),
    [
        ("a@b.com", "a@b.com"),
        ("  A@B.com \n", "a@b.com"),
        ("Jane.Doe+News@Example.CO.UK", "jane.doe+news@example.co.uk"),
        ("Zoe\u0301@example.com", "zoé@example.com"),  # decomposed accent -> NFC
        ("ZOÉ@EXAMPLE.COM", "zoé@example.com"),
    ],
)
def test_email_normalisation(given_value: str, normalised: str) -> None:
    assert normalise_email(given_value) == normalised


@pytest.mark.parametrize(
    ("given_value", "e164"),
    [
        ("01179291509", "+441179291509"),
        ("+44 117 929 1509", "+441179291509"),
        ("0117 929 1509", "+441179291509"),
        ("(0117) 929-1509", "+441179291509"),
        ("+441179291509", "+441179291509"),
        ("07400 123456", "+447400123456"),
        ("+1 212 555 0100", "+12125550100"),
    ],
)
def test_phone_normalisation_is_e164_with_uk_default(given_value: str, e164: str) -> None:
    assert normalise_phone(given_value) == e164


@pytest.mark.parametrize(
    "bad",
    ["", "jane", "jane@", "@example.com", "jane@@example.com", "jane doe@example.com",
     "jane@localhost", "jane..doe@example.com"],
)  # fmt: skip
def test_invalid_email_is_refused_without_echoing_it(bad: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        normalise_email(bad)
    _assert_not_echoed(caught.value, bad)


@pytest.mark.parametrize(
    "bad", ["", "hello", "12", "0117 929", "+44 117 929 1509 999 999", "07700 900123x"]
)
def test_invalid_phone_is_refused_without_echoing_it(bad: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        normalise_phone(bad)
    _assert_not_echoed(caught.value, bad)


def _assert_not_echoed(error: InvalidInput, bad: str) -> None:
    text = f"{error} {error.public_message} {error!r}"
    if bad.strip():
        assert bad.strip() not in text
    # Nothing chained either: a traceback in a log must not carry the value.
    assert error.__cause__ is None
    assert error.__suppress_context__ or error.__context__ is None


def test_blind_index_depends_on_kind_key_and_value() -> None:
    key = new_key()
    digest = blind_index(key, IdentifierKind.EMAIL, "a@b.com")
    assert len(digest) == 32
    assert digest == blind_index(key, IdentifierKind.EMAIL, "a@b.com")
    assert digest != blind_index(key, IdentifierKind.PHONE, "a@b.com")
    assert digest != blind_index(key, IdentifierKind.EMAIL, "c@b.com")
    assert digest != blind_index(new_key(), IdentifierKind.EMAIL, "a@b.com")
    assert b"a@b.com" not in digest


_local = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789._+-", min_size=1, max_size=20)


@given(local=_local, spaces=st.text(alphabet=" \t\n", max_size=3), upper=st.booleans())
def test_email_spelling_variants_share_one_normal_form(
    local: str, spaces: str, upper: bool
) -> None:
    address = f"x{local}x@example.com"
    try:
        canonical = normalise_email(address)
    except InvalidInput:
        return
    variant = spaces + (address.upper() if upper else address) + spaces
    assert normalise_identifier(IdentifierKind.EMAIL, variant) == canonical
    assert normalise_email(canonical) == canonical


@given(st.integers(min_value=0, max_value=9999))
def test_uk_national_and_international_forms_agree(last_four: int) -> None:
    national = f"0117 929 {last_four:04d}"
    international = f"+44 (0)117 929{last_four:04d}"
    assert normalise_phone(national) == normalise_phone(international)
