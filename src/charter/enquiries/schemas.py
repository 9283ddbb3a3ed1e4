"""What the contact form accepts, and what submitting it returns.

The form is read in two steps. ``web.forms`` checks the body against
:data:`CONTACT_FORM` (known fields only, lengths, control characters: a crafted request
gets 400 and nothing is stored). :meth:`EnquiryForm.from_form` then checks what a person
can get wrong and says how to fix it, field by field; identifiers are normalised with the
vault's own rules so the person is recognised however they typed them (Art. 5(1)(d)).
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from charter.errors import InvalidInput
from charter.policy.schemas import Channel
from charter.vault.identifiers import normalise_email, normalise_phone
from charter.web.forms import FormField, FormRejected, FormSpec

TITLES = ("Mr", "Mrs", "Miss", "Ms", "Mx", "Dr", "Prof")
NAME_MAX = 100
EMAIL_MAX = 254  # RFC 5321 path limit
PHONE_MAX = 32
MESSAGE_MAX = 5000
CHECKED = "yes"
#: Checkbox per marketing channel; each is a separate, unticked opt-in (PECR reg. 22).
MARKETING_FIELDS = {channel: f"marketing_{channel.value}" for channel in Channel}
CONFIRMED_SPECIAL_FIELD = "confirmed_special"

#: The whitelist ``web.forms`` enforces for ``POST /contact``.
CONTACT_FORM = FormSpec(
    fields=(
        FormField("title", 10),
        FormField("first_name", NAME_MAX),
        FormField("last_name", NAME_MAX),
        FormField("email", EMAIL_MAX),
        FormField("phone", PHONE_MAX),
        FormField("message", MESSAGE_MAX, multiline=True),
        *(FormField(name, 3) for name in MARKETING_FIELDS.values()),
        FormField(CONFIRMED_SPECIAL_FIELD, 1),
    )
)
#: Field order on the page, for the error summary.
FIELD_ORDER = ("title", "first_name", "last_name", "email", "phone", "message", "marketing")
FALLBACK_MESSAGES = {
    "title": "Choose a title from the list, or leave it blank.",
    "first_name": "Enter your first name.",
    "last_name": "Enter your last name.",
    "email": "Enter an email address in the correct format, like name@example.com.",
    "phone": "Enter a phone number, like 0117 929 1509.",
    "message": "Enter your message.",
    "marketing": "Choose how we may contact you for marketing, or leave every box unticked.",
}


def _form_error(message: str) -> PydanticCustomError:
    return PydanticCustomError("form", message)


class EnquiryForm(BaseModel):
    """One valid contact-form submission. ``marketing`` lists the channels whose opt-in
    was ticked; ``confirmed_special`` says the person was warned that the message looked
    like special-category data (Art. 9) and chose to send it anyway."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    title: str | None = None
    first_name: str
    last_name: str
    email: str
    marketing: tuple[Channel, ...] = ()
    phone: str | None = None
    message: str
    confirmed_special: bool = False

    @classmethod
    def from_form(cls, values: Mapping[str, str]) -> EnquiryForm:
        """Build from a submission ``web.forms`` accepted; raises ``ValidationError``
        with a message per field, or :class:`FormRejected` for a checkbox value no page
        of ours sends."""
        ticked: list[Channel] = []
        for channel, name in MARKETING_FIELDS.items():
            value = values.get(name, "")
            if value not in ("", CHECKED):
                raise FormRejected
            if value:
                ticked.append(channel)
        confirmed = values.get(CONFIRMED_SPECIAL_FIELD, "")
        if confirmed not in ("", "1"):
            raise FormRejected
        data: dict[str, Any] = {
            "title": values.get("title") or None,
            "first_name": values.get("first_name", ""),
            "last_name": values.get("last_name", ""),
            "email": values.get("email", ""),
            "marketing": tuple(ticked),
            "phone": values.get("phone") or None,
            "message": values.get("message", ""),
            "confirmed_special": confirmed == "1",
        }
        return cls.model_validate(data)

    @field_validator("title")
    @classmethod
    def _title(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        if value not in TITLES:
            raise _form_error(FALLBACK_MESSAGES["title"])
        return value

    @field_validator("first_name", "last_name")
    @classmethod
    def _name(cls, value: str, info: ValidationInfo) -> str:
        which = "first" if info.field_name == "first_name" else "last"
        if not value:
            raise _form_error(f"Enter your {which} name.")
        if len(value) > NAME_MAX:
            raise _form_error(f"Your {which} name must be {NAME_MAX} characters or fewer.")
        return value

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        if not value:
            raise _form_error("Enter your email address, so we can reply to you.")
        if len(value) > EMAIL_MAX:
            raise _form_error(FALLBACK_MESSAGES["email"])
        try:
            return normalise_email(value)
        except InvalidInput:
            raise _form_error(FALLBACK_MESSAGES["email"]) from None

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str | None, info: ValidationInfo) -> str | None:
        wants_calls = {Channel.PHONE, Channel.TEXT} & set(info.data.get("marketing", ()))
        if not value:
            if wants_calls:
                raise _form_error(
                    "Enter a phone number, or untick the phone and text message options."
                )
            return None
        try:
            return normalise_phone(value[:PHONE_MAX])
        except InvalidInput:
            raise _form_error(
                "Enter a UK phone number, like 0117 929 1509, or an international number "
                "starting with +."
            ) from None

    @field_validator("message")
    @classmethod
    def _message(cls, value: str) -> str:
        if not value:
            raise _form_error("Enter your message.")
        if len(value) > MESSAGE_MAX:
            raise _form_error(f"Your message must be {MESSAGE_MAX:,} characters or fewer.")
        return value


class Handling(StrEnum):
    """What special-category screening did with a message (Art. 9)."""

    CLEAN = "clean"
    REDACTED = "redacted"
    QUARANTINED = "quarantined"


class EnquiryReceipt(BaseModel):
    """What a submission produced, by reference only (no personal data), so it can be
    logged, shown or returned by an API."""

    model_config = ConfigDict(frozen=True)

    reference: str
    subject_ref: str
    subject_created: bool
    handling: Handling
    categories: list[str]
    consent_record_ids: list[str]
    value_ids: list[int]


class ScreenResult(BaseModel):
    """The answer of ``POST /contact/screen``: whether to warn, and the warning."""

    model_config = ConfigDict(frozen=True)

    flagged: bool
    warning: str | None = None
