"""What the newsletter sign-up form accepts, and the forms behind the preference links."""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict, field_validator
from pydantic_core import PydanticCustomError

from charter.errors import InvalidInput
from charter.vault.identifiers import normalise_email
from charter.web.forms import FormField, FormRejected, FormSpec

NAME_MAX = 100
EMAIL_MAX = 254
CHECKED = "yes"
CONSENT_FIELD = "consent"

#: The whitelist ``web.forms`` enforces for ``POST /newsletter``.
SIGNUP_FORM = FormSpec(
    fields=(
        FormField("email", EMAIL_MAX),
        FormField("first_name", NAME_MAX),
        FormField(CONSENT_FIELD, 3),
    )
)
#: ``POST /newsletter/confirm/{token}``: the button only.
CONFIRM_FORM = FormSpec(fields=(), honeypot=False)
#: ``POST /preferences/{token}``: one channel, switched on or off.
CHANNEL_FORM = FormSpec(fields=(FormField("channel", 8), FormField("action", 8)), honeypot=False)
FIELD_ORDER = ("email", "first_name", CONSENT_FIELD)
FALLBACK_MESSAGES = {
    "email": "Enter an email address in the correct format, like name@example.com.",
    "first_name": f"Your first name must be {NAME_MAX} characters or fewer.",
    CONSENT_FIELD: "Tick the box to say you want the newsletter.",
}


def _form_error(message: str) -> PydanticCustomError:
    return PydanticCustomError("form", message)


class SignupForm(BaseModel):
    """A valid sign-up: the address (normalised), an optional first name, and the
    ticked consent box (an unticked box is no consent, Art. 4(11), recital 32)."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    email: str
    first_name: str | None = None
    consent: bool

    @classmethod
    def from_form(cls, values: Mapping[str, str]) -> SignupForm:
        ticked = values.get(CONSENT_FIELD, "")
        if ticked not in ("", CHECKED):
            raise FormRejected
        return cls.model_validate(
            {
                "email": values.get("email", ""),
                "first_name": values.get("first_name") or None,
                "consent": ticked == CHECKED,
            }
        )

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        if not value:
            raise _form_error("Enter your email address.")
        try:
            return normalise_email(value)
        except InvalidInput:
            raise _form_error(FALLBACK_MESSAGES["email"]) from None

    @field_validator("first_name")
    @classmethod
    def _first_name(cls, value: str | None) -> str | None:
        if value and len(value) > NAME_MAX:
            raise _form_error(FALLBACK_MESSAGES["first_name"])
        return value or None

    @field_validator("consent")
    @classmethod
    def _consent(cls, value: bool) -> bool:
        if not value:
            raise _form_error(FALLBACK_MESSAGES[CONSENT_FIELD])
        return value
