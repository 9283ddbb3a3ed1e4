"""Mail test factories: emails, the shipped policy without its email fields, and helpers
that call the service the way every entry point does."""

from __future__ import annotations

import email.policy
from email.message import EmailMessage

from sqlalchemy import func, select, text

from charter.mail.models import Correspondence, CorrespondenceMention, CorrespondenceRejection
from charter.mail.schemas import CorrespondenceItem, CorrespondenceResult
from charter.mail.service import (
    MESSAGE_FIELD,
    SUBJECT_LINE_FIELD,
    correspondence_for_subject,
    record_correspondence,
)
from charter.policy.schemas import Policy
from charter.registry import metadata
from charter.runtime import Runtime
from charter.vault.models import PersonalValue, Subject
from tests.policy.factories import item, raw_policy

ACTOR = "staff:test"
SENDER = "Jane Doe <Jane.Doe@Example.com>"
SENDER_EMAIL = "jane.doe@example.com"
HEALTH_TEXT = (
    "I can't come to the office on Tuesday. I was diagnosed with type 2 diabetes last "
    "month and I have a hospital appointment that day."
)
HEALTH_PASSAGE = "diagnosed with type 2 diabetes"


def policy_without_email_fields() -> Policy:
    """The shipped policy as it was before it declared where email text goes."""
    data = raw_policy()
    point = item(data, "collection_points", "correspondence")
    point["fields"] = [
        ref for ref in point["fields"] if ref not in (SUBJECT_LINE_FIELD, MESSAGE_FIELD)
    ]
    return Policy.model_validate(data)


def build_email(
    *,
    sender: str | None = SENDER,
    subject: str = "Printer on the second floor",
    body: str = "Hello, the printer is jammed again. Could someone come on Tuesday?",
    message_id: str | None = "<abc123@example.com>",
    html: str | None = None,
    attachment: tuple[bytes, str, str] | None = None,
) -> bytes:
    """An RFC 5322 message as a mail client would send it."""
    message = EmailMessage(policy=email.policy.SMTP)
    if sender is not None:
        message["From"] = sender
    message["To"] = "enquiries@ajp-it-services.example"
    message["Subject"] = subject
    if message_id is not None:
        message["Message-ID"] = message_id
    if html is not None and not body:
        message.set_content(html, subtype="html")
    else:
        message.set_content(body)
        if html is not None:
            message.add_alternative(html, subtype="html")
    if attachment is not None:
        data, maintype_subtype, filename = attachment
        maintype, subtype = maintype_subtype.split("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return message.as_bytes()


# Using the service in tests ----------------------------------------------------------------


def record(runtime: Runtime, raw: bytes, *, via: str = "eml") -> CorrespondenceResult:
    """Record one message in a unit of work of its own, as every entry point does."""
    with runtime.unit() as work:
        return record_correspondence(work, raw, received_via=via, actor=ACTOR)


def read(
    runtime: Runtime,
    subject_ref: str | None,
    *,
    purpose: str = "respond_to_queries",
    include_quarantined: bool = False,
) -> list[CorrespondenceItem]:
    with runtime.unit() as work:
        subject = work.session.scalars(select(Subject).where(Subject.ref == subject_ref)).one()
        return correspondence_for_subject(
            work, subject, purpose=purpose, actor=ACTOR, include_quarantined=include_quarantined
        )


def counts(runtime: Runtime) -> dict[str, int]:
    """Rows per table that recording a message can add to."""
    tables = (Subject, PersonalValue, Correspondence, CorrespondenceMention)
    with runtime.unit(write=False) as work:
        return {
            table.__tablename__: work.session.scalar(select(func.count()).select_from(table)) or 0
            for table in (*tables, CorrespondenceRejection)
        }


def database_dump(runtime: Runtime) -> str:
    """Every row of every table, as text: what someone holding the database would see."""
    with runtime.unit(write=False) as work:
        rows = [
            repr(tuple(row))
            for table in metadata.sorted_tables
            for row in work.session.execute(text(f"SELECT * FROM {table.name}"))
        ]
    return "\n".join(rows).lower()
