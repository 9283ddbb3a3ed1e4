"""The strict form reader: whitelist, sizes, encodings, control characters, honeypot."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError, field_validator
from pydantic_core import PydanticCustomError

from charter.web.forms import (
    FormErrors,
    FormField,
    FormRejected,
    FormSpec,
    FormTooLarge,
    errors_from_validation,
    parse_form,
    text_is_clean,
)

SPEC = FormSpec(fields=(FormField("name", 20), FormField("message", 200, multiline=True)))


def body(**fields: str) -> bytes:
    return urlencode(fields).encode()


def test_declared_fields_are_read_and_missing_ones_are_blank() -> None:
    form = parse_form(body(name="Ann", csrf_token="abc", website=""), SPEC)
    assert form["name"] == "Ann"
    assert form["message"] == ""
    assert form.csrf_token == "abc"
    assert form.honeypot_filled is False
    assert "csrf_token" not in form.values


def test_percent_encoded_utf8_is_decoded() -> None:
    form = parse_form(body(name="Zoë Ó Briain"), SPEC)
    assert form["name"] == "Zoë Ó Briain"


@pytest.mark.parametrize(
    "raw",
    [
        body(name="Ann", favourite_colour="red"),  # unknown field
        b"name=Ann&name=Bob",  # repeated field
        b"name=%FF%FE",  # invalid UTF-8 behind percent-encoding
        b"name=\xff",  # raw invalid UTF-8
        body(name="Ann\x00"),  # NUL
        body(name="Ann\r\nBcc: x@example.com"),  # header injection attempt
        body(name="Ann\x1b[31m"),  # terminal escape
        body(name="Ann\u202egnp.exe"),  # bidirectional override
        body(name="x" * 21),  # over the field's length
        body(message="tab\tok but \x07 bell is not"),
        b"name",  # not key=value
    ],
    ids=[
        "unknown",
        "repeated",
        "bad-utf8-escaped",
        "bad-utf8-raw",
        "nul",
        "crlf",
        "escape",
        "bidi",
        "too-long",
        "bell",
        "no-equals",
    ],
)
def test_anything_our_pages_never_send_is_rejected(raw: bytes) -> None:
    with pytest.raises(FormRejected):
        parse_form(raw, SPEC)


def test_line_breaks_and_tabs_are_allowed_only_in_multiline_fields() -> None:
    form = parse_form(body(message="Line one\r\nLine two\tindented"), SPEC)
    assert form["message"] == "Line one\r\nLine two\tindented"
    with pytest.raises(FormRejected):
        parse_form(body(name="Ann\nBob"), SPEC)


def test_oversized_body_is_413() -> None:
    small = FormSpec(fields=(FormField("message", 10_000, multiline=True),), max_bytes=100)
    with pytest.raises(FormTooLarge) as caught:
        parse_form(body(message="x" * 200), small)
    assert caught.value.status_code == 413


def test_filled_honeypot_is_reported_not_rejected() -> None:
    assert parse_form(body(name="Ann", website="http://spam.example"), SPEC).honeypot_filled


def test_rejection_never_echoes_the_input() -> None:
    with pytest.raises(FormRejected) as caught:
        parse_form(body(name="Secret Person", extra="secret@example.com"), SPEC)
    assert "secret" not in caught.value.public_message.lower()


@given(st.binary(max_size=300))
def test_arbitrary_bytes_are_read_or_rejected_never_crash(raw: bytes) -> None:
    try:
        form = parse_form(raw, SPEC)
    except (FormRejected, FormTooLarge):
        return
    assert set(form.values) <= {"name", "message"}
    assert all(text_is_clean(value, multiline=True) for value in form.values.values())


@given(st.text(max_size=50))
def test_clean_text_round_trips(value: str) -> None:
    if not text_is_clean(value, multiline=True) or len(value) > 200:
        return
    assert parse_form(body(message=value), SPEC)["message"] == value


class _Person(BaseModel):
    name: str
    age: int

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not value:
            raise PydanticCustomError("form", "Enter your name.")
        return value


def test_validation_errors_become_messages_in_form_order_without_the_input() -> None:
    with pytest.raises(ValidationError) as caught:
        _Person.model_validate({"name": "", "age": "secret-value"})
    errors = errors_from_validation(
        caught.value, order=("name", "age"), fallback={"age": "Enter your age in years."}
    )
    assert list(errors) == [("name", "Enter your name."), ("age", "Enter your age in years.")]
    assert "secret" not in str(list(errors))


def test_form_errors_keep_the_first_message_per_field() -> None:
    errors = FormErrors(order=("a", "b"))
    assert not errors
    errors.add("b", "second field")
    errors.add("a", "first field")
    errors.add("a", "ignored")
    assert list(errors) == [("a", "first field"), ("b", "second field")]
    assert "a" in errors
    assert errors.get("c") is None
