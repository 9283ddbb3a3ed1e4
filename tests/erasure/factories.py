"""Erasure test data: a customer with an order, an enquiry with marketing opt-ins, and a
mention in someone else's email; every detail is easy to search for in output."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import Table, insert, select, update

from charter.audit.models import AuditEntry
from charter.enquiries.service import submit_enquiry
from charter.mail.outbox import OutboxSender
from charter.mail.service import record_correspondence
from charter.runtime import Runtime, Work
from charter.vault import service as vault
from charter.vault.models import BlindIndex, DataKey, PersonalValue, Subject
from tests.enquiries.factories import enquiry_form
from tests.mail.factories import build_email

ACTOR = "staff:test"
FIRST_NAME = "Zebedee"
LAST_NAME = "Quillfeather"
EMAIL = "Zebedee.Quillfeather@Example.org"
NORMALISED_EMAIL = "zebedee.quillfeather@example.org"
PHONE = "0117 496 0123"
BILLING = "1 Wick Lane, Bristol BS1 4AA"
DELIVERY = "Unit 9, Harbourside, Bristol BS1 5TT"
BANK = "20-00-00 55779911"
PAYMENTS = "INV-2026-0042 paid 480.00 GBP by bank transfer"
PURCHASES = "Laptop setup and backup service"
OTHER_SENDER = "Ada Byron <ada.byron@example.net>"
MENTION_BODY = (
    f"Hello, my colleague at the office ({EMAIL}, {PHONE}) asked me to chase the backup job."
)
#: What must never appear in the audit log.
PLANTED = (FIRST_NAME, LAST_NAME, NORMALISED_EMAIL, "496 0123", "4960123", "Wick Lane", BANK)

ORDER_VALUES = {
    "identity.title": "Dr",
    "identity.first_name": FIRST_NAME,
    "identity.last_name": LAST_NAME,
    "contact.billing_address": BILLING,
    "contact.delivery_address": DELIVERY,
    "contact.email": EMAIL,
    "contact.phone": PHONE,
    "financial.bank_account": BANK,
    "transaction.payments": PAYMENTS,
    "transaction.purchases": PURCHASES,
}
#: The minimised accounting record kept after erasure.
KEPT_FIELDS = [
    "contact.billing_address",
    "financial.bank_account",
    "identity.first_name",
    "identity.last_name",
    "transaction.payments",
    "transaction.purchases",
]


def enquire(runtime: Runtime, outbox: Path, *, marketing: tuple[str, ...] = ()) -> str:
    """A contact-form enquiry (with marketing opt-ins); returns the subject ref."""
    sender = OutboxSender(outbox, runtime.settings.mail_from)
    with runtime.unit() as work:
        submit_enquiry(
            work,
            enquiry_form(
                first_name=FIRST_NAME,
                last_name=LAST_NAME,
                email=EMAIL,
                phone=PHONE,
                marketing=marketing,
            ),
            evidence={"method": "web_form"},
            actor=ACTOR,
            sender=sender,
        )
        found = vault.find_subject(work, email=EMAIL)
        assert found is not None
        return found.ref


def order(runtime: Runtime) -> None:
    """An order of the (already known) customer at the ``orders`` collection point."""
    with runtime.unit() as work:
        subject, _ = vault.get_or_create_subject(work, email=EMAIL, actor=ACTOR)
        vault.store_personal_data(
            work,
            subject,
            collection_point="orders",
            values=ORDER_VALUES,
            source="order form",
            actor=ACTOR,
        )


def mention_in_other_email(runtime: Runtime) -> str:
    """Someone else emails us about the customer; returns that sender's subject ref."""
    with runtime.unit() as work:
        result = record_correspondence(
            work,
            build_email(sender=OTHER_SENDER, body=MENTION_BODY, message_id="<m1@example.net>"),
            received_via="eml",
            actor=ACTOR,
        )
        assert result.subject_ref is not None
        return result.subject_ref


def subject_by_ref(work: Work, ref: str) -> Subject:
    return work.session.scalars(select(Subject).where(Subject.ref == ref)).one()


def audit_text(work: Work) -> str:
    rows = work.session.scalars(select(AuditEntry)).all()
    return json.dumps(
        [[row.actor, row.action, row.subject_ref, row.purpose, row.detail] for row in rows]
    )


# Simulating a restored backup ------------------------------------------------------------

_RESTORED = (DataKey, PersonalValue, BlindIndex)


def snapshot(work: Work, subject: Subject) -> dict[str, Any]:
    """The subject's vault rows as a backup holds them."""
    rows: dict[str, Any] = {"erased_at": subject.erased_at}
    for model in _RESTORED:
        table: Table = model.__table__  # type: ignore[assignment]
        result = work.session.execute(select(table).where(table.c.subject_id == subject.id))
        rows[table.name] = [dict(row._mapping) for row in result]
    return rows


def restore(work: Work, subject: Subject, rows: dict[str, Any]) -> None:
    """Put the snapshot back, as restoring the backup would."""
    work.session.execute(
        update(Subject).where(Subject.id == subject.id).values(erased_at=rows["erased_at"])
    )
    for model in _RESTORED:
        table: Table = model.__table__  # type: ignore[assignment]
        if rows[table.name]:
            work.session.execute(insert(table), rows[table.name])
    work.session.expire_all()
