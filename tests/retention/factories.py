"""Retention test data: people with values at each collection point, orders with
invoices and payments, and readers for what is left and what was audited."""

from __future__ import annotations

import json
from datetime import date

from sqlalchemy import func, select

from charter.audit.models import AuditEntry
from charter.orders import service as orders
from charter.orders.models import Invoice, Order
from charter.runtime import Runtime, Work
from charter.vault import service as vault
from charter.vault.models import DataKey, PersonalValue, Subject

ACTOR = "staff:test"
EMAIL = "Wilhelmina.Strand@Example.org"
MESSAGE = "Please call me about a new laptop for the Strand Street office."
#: What must never appear in the audit log or in command output.
PLANTED = ("Wilhelmina", "wilhelmina.strand@example.org", "Strand Street")


def enquirer(work: Work, *, email: str = EMAIL) -> Subject:
    """Someone who used the contact form: ``enquiries`` rule, two years since contact."""
    subject, _ = vault.get_or_create_subject(work, email=email, actor=ACTOR)
    vault.store_personal_data(
        work,
        subject,
        collection_point="contact_form",
        values={
            "identity.first_name": "Wilhelmina",
            "contact.email": email,
            "communications.message": MESSAGE,
        },
        purposes=["respond_to_queries"],
        source="contact form",
        actor=ACTOR,
    )
    return subject


def customer_order(
    work: Work, subject: Subject, *, on: date, number: str, paid_on: date | None = None
) -> Order:
    """An order, its invoice and (bank transfer) payment, all dated ``on`` unless paid
    later."""
    order = orders.record_order(
        work,
        subject,
        service_description="Laptop setup for the Strand Street office",
        amount_pence=48000,
        ordered_on=on,
        actor=ACTOR,
    )
    invoice = orders.record_invoice(
        work, order, number=number, issued_on=on, amount_pence=48000, actor=ACTOR
    )
    orders.record_payment(
        work,
        invoice,
        paid_on=paid_on or on,
        amount_pence=48000,
        method="bank_transfer",
        bank_account="200000 55779911",
        actor=ACTOR,
    )
    return order


def values_of(runtime: Runtime, ref: str) -> list[str]:
    """``category.field`` of every value the subject still has, sorted."""
    with runtime.unit(write=False) as work:
        subject = subject_by_ref(work, ref)
        rows = work.session.execute(
            select(PersonalValue.category, PersonalValue.field).where(
                PersonalValue.subject_id == subject.id
            )
        ).all()
    return sorted(f"{category}.{field}" for category, field in rows)


def has_key(runtime: Runtime, ref: str) -> bool:
    with runtime.unit(write=False) as work:
        subject = subject_by_ref(work, ref)
        return work.session.get(DataKey, subject.id) is not None


def invoice_count(runtime: Runtime) -> int:
    with runtime.unit(write=False) as work:
        return int(work.session.scalar(select(func.count(Invoice.id))) or 0)


def subject_by_ref(work: Work, ref: str) -> Subject:
    return work.session.scalars(select(Subject).where(Subject.ref == ref)).one()


def audit_rows(runtime: Runtime, action: str) -> list[tuple[str | None, dict[str, object]]]:
    with runtime.unit(write=False) as work:
        rows = work.session.execute(
            select(AuditEntry.subject_ref, AuditEntry.detail)
            .where(AuditEntry.action == action)
            .order_by(AuditEntry.seq)
        ).all()
    return [(ref, json.loads(detail)) for ref, detail in rows]


def audit_text(runtime: Runtime) -> str:
    with runtime.unit(write=False) as work:
        rows = work.session.execute(select(AuditEntry.action, AuditEntry.detail)).all()
    return json.dumps([list(row) for row in rows])
