"""Contact-form test data: a person whose every detail is easy to search for in output."""

from __future__ import annotations

import dataclasses
from typing import Any

from sqlalchemy import func, select

from charter.consent.models import ConsentEvent, ConsentState
from charter.enquiries.models import Enquiry
from charter.enquiries.schemas import EnquiryForm
from charter.runtime import Runtime
from charter.vault.models import BlindIndex, PersonalValue, Subject

ACTOR = "public:test"
TITLE = "Dr"
FIRST_NAME = "Zebedee"
LAST_NAME = "Quillfeather"
EMAIL = "Zebedee.Quillfeather@Example.org"
NORMALISED_EMAIL = "zebedee.quillfeather@example.org"
PHONE = "0117 496 0123"
E164_PHONE = "+441174960123"
MESSAGE = "Our office printer jams every morning at 9. Could you come and look at it?"
SPECIAL_MESSAGE = (
    "Our laptops keep crashing. My colleague Sarah has diabetes and needs a bigger screen."
)
PLANTED = (FIRST_NAME, LAST_NAME, NORMALISED_EMAIL, "Quillfeather", "496 0123", "4960123", "jams")
EVIDENCE = {"method": "web_form", "ip": "203.0.113.77", "user_agent_family": "Firefox"}
WORDINGS = {
    "email": "Email me news and offers about AJP IT Services' products and services.",
    "phone": "Phone me about AJP IT Services' products and services.",
    "text": "Text me news and offers about AJP IT Services' products and services.",
}
#: Tables a submission writes; every rejected submission must leave them unchanged.
STORED_TABLES = (Subject, PersonalValue, BlindIndex, Enquiry, ConsentEvent, ConsentState)


def enquiry_form(**overrides: Any) -> EnquiryForm:
    fields: dict[str, Any] = {
        "title": TITLE,
        "first_name": FIRST_NAME,
        "last_name": LAST_NAME,
        "email": EMAIL,
        "phone": PHONE,
        "message": MESSAGE,
        "marketing": (),
    }
    fields.update(overrides)
    values = {
        name: value
        for name, value in fields.items()
        if name not in ("marketing", "confirmed_special")
    }
    for channel in fields["marketing"]:
        values[f"marketing_{channel}"] = "yes"
    if fields.get("confirmed_special"):
        values["confirmed_special"] = "1"
    return EnquiryForm.from_form({k: v for k, v in values.items() if v is not None})


def stored_counts(runtime: Runtime) -> dict[str, int]:
    with runtime.unit(write=False) as work:
        return {
            model.__tablename__: int(
                work.session.scalar(select(func.count()).select_from(model)) or 0
            )
            for model in STORED_TABLES
        }


def with_mode(runtime: Runtime, mode: str) -> Runtime:
    settings = runtime.settings.model_copy(update={"special_category_mode": mode})
    return dataclasses.replace(runtime, settings=settings)
