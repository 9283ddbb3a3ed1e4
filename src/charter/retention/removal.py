"""Removing due values and everything that exists only because of them.

What goes with a value (explicitly, not by foreign-key cascade, so both databases do the
same): its blind index; a correspondence row whose body it was, with that row's mention
index (the subject line's link is cleared); its place in an enquiry's list, and the
enquiry row with its last value; for an accounting record, the order with its invoices
and payments. A rule whose ``action`` is ``anonymise`` removes the values too but keeps
those rows, which then hold only amounts, dates and codes.

When a person is left with nothing (no value, no pending sealed copy, no account), their
data key is destroyed (Art. 17, Art. 32(1)(a)). Each person touched gets one audit entry
with rule ids, field names and record ids, never a value (Art. 5(2)).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import delete, select, update

from charter.accounts.models import CustomerAccount
from charter.audit import service as audit
from charter.enquiries.models import Enquiry
from charter.mail.models import Correspondence, CorrespondenceMention
from charter.newsletter.models import NewsletterSignup, PreferenceLink
from charter.orders.models import Invoice, Order, Payment
from charter.privacy_centre.models import PackageDownload, VerificationLink
from charter.retention.deadlines import OrderGroup
from charter.runtime import Work
from charter.vault import service as vault
from charter.vault.models import BlindIndex, PersonalValue, Subject


@dataclass
class Batch:
    """What one batch removed, for the counts and the per-person audit entries."""

    rules: dict[int, str] = field(default_factory=dict)  # value id -> rule id
    fields: dict[int, str] = field(default_factory=dict)  # value id -> category.field
    owners: dict[int, int] = field(default_factory=dict)  # value id -> subject id
    records: dict[int, dict[str, list[int]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(list))
    )  # subject id -> kind -> ids
    record_rules: dict[str, int] = field(default_factory=lambda: defaultdict(int))


def remove_orders(
    work: Work, groups: list[OrderGroup], batch: Batch, actions: dict[str, str]
) -> None:
    """An accounting record whose six years are over goes whole: the values it points at,
    then (unless the rule anonymises) its payments, invoices and the order."""
    value_ids = [value_id for group in groups for value_id in group.value_ids]
    for value_id, category, field_id in _value_fields(work, value_ids):
        batch.fields[value_id] = f"{category}.{field_id}"
    for group in groups:
        for value_id in group.value_ids:
            batch.rules[value_id] = group.rule.id
            batch.owners[value_id] = group.subject_id
    delete_values(work, value_ids)
    for group in groups:
        kinds = batch.records[group.subject_id]
        if actions.get(group.rule.id, "delete") == "anonymise":
            work.session.execute(
                update(Order).where(Order.id == group.order_id).values(value_ids=[])
            )
            if group.payment_ids:
                work.session.execute(
                    update(Payment).where(Payment.id.in_(group.payment_ids)).values(value_ids=[])
                )
            kinds["orders_anonymised"].append(group.order_id)
            batch.record_rules[group.rule.id] += 1
            continue
        if group.payment_ids:
            work.session.execute(delete(Payment).where(Payment.id.in_(group.payment_ids)))
        if group.invoice_ids:
            work.session.execute(delete(Invoice).where(Invoice.id.in_(group.invoice_ids)))
        work.session.execute(delete(Order).where(Order.id == group.order_id))
        kinds["orders"].append(group.order_id)
        kinds["invoices"].extend(group.invoice_ids)
        kinds["payments"].extend(group.payment_ids)
        batch.record_rules[group.rule.id] += 1 + len(group.invoice_ids) + len(group.payment_ids)


def _value_fields(work: Work, value_ids: list[int]) -> list[tuple[int, str, str]]:
    found: list[tuple[int, str, str]] = []
    for start in range(0, len(value_ids), 500):
        rows = work.session.execute(
            select(PersonalValue.id, PersonalValue.category, PersonalValue.field).where(
                PersonalValue.id.in_(value_ids[start : start + 500])
            )
        )
        found.extend((value_id, category, field_id) for value_id, category, field_id in rows)
    return found


def delete_values(work: Work, value_ids: list[int]) -> None:
    """Delete values and what exists only because of them, explicitly rather than by
    foreign-key cascade so both databases do the same."""
    for start in range(0, len(value_ids), 500):
        ids = value_ids[start : start + 500]
        bodies = select(Correspondence.id).where(Correspondence.body_value_id.in_(ids))
        work.session.execute(
            delete(CorrespondenceMention).where(CorrespondenceMention.correspondence_id.in_(bodies))
        )
        work.session.execute(delete(Correspondence).where(Correspondence.body_value_id.in_(ids)))
        work.session.execute(
            update(Correspondence)
            .where(Correspondence.subject_value_id.in_(ids))
            .values(subject_value_id=None)
        )
        work.session.execute(delete(BlindIndex).where(BlindIndex.value_id.in_(ids)))
        work.session.execute(delete(PersonalValue).where(PersonalValue.id.in_(ids)))
    work.session.flush()


def prune_enquiries(work: Work, batch: Batch, actions: dict[str, str]) -> None:
    """An enquiry row lists the values it stored: drop the deleted ones from the list, and
    the row itself with its last value (kept, empty, when the rule anonymises)."""
    subjects = sorted(set(batch.owners.values()))
    if not subjects:
        return
    enquiries = work.session.scalars(
        select(Enquiry).where(Enquiry.subject_id.in_(subjects)).order_by(Enquiry.id)
    ).all()
    for enquiry in enquiries:
        gone = [value_id for value_id in enquiry.value_ids or () if value_id in batch.rules]
        if not gone:
            continue
        remaining = [value_id for value_id in enquiry.value_ids if value_id not in batch.rules]
        rule = batch.rules[gone[0]]
        if remaining or actions.get(rule, "delete") == "anonymise":
            enquiry.value_ids = remaining
            continue
        work.session.delete(enquiry)
        batch.records[enquiry.subject_id]["enquiries"].append(enquiry.id)
        batch.record_rules[rule] += 1
    work.session.flush()


def no_other_data(work: Work, subject: Subject) -> bool:
    """Whether nothing sealed under the subject's key, and no account, remains besides
    their vault values."""
    if subject.erased_at is not None:
        return False
    checks = (
        select(NewsletterSignup.id).where(NewsletterSignup.subject_id == subject.id),
        select(VerificationLink.id).where(
            VerificationLink.subject_id == subject.id, VerificationLink.sealed_email.is_not(None)
        ),
        select(PackageDownload.id).where(
            PackageDownload.subject_id == subject.id, PackageDownload.sealed_package.is_not(None)
        ),
        select(CustomerAccount.id).where(CustomerAccount.subject_id == subject.id),
    )
    return all(work.session.scalars(query.limit(1)).first() is None for query in checks)


def audit_and_shred(work: Work, batch: Batch, *, run_id: int, actor: str) -> int:
    """One audit entry per person (rules, fields, record ids; never a value), then the
    data key of each person left with nothing (Art. 17, crypto-shredding)."""
    per_subject: dict[int, list[int]] = defaultdict(list)
    for value_id, subject_id in batch.owners.items():
        per_subject[subject_id].append(value_id)
    for subject_id in batch.records:
        per_subject.setdefault(subject_id, [])
    shredded = 0
    for subject_id in sorted(per_subject):
        subject = work.session.get(Subject, subject_id)
        if subject is None:  # pragma: no cover - subjects are never deleted
            continue
        ids = sorted(per_subject[subject_id])
        rules: dict[str, int] = defaultdict(int)
        for value_id in ids:
            rules[batch.rules[value_id]] += 1
        records = {kind: sorted(found) for kind, found in batch.records[subject_id].items()}
        audit.record(
            work,
            actor=actor,
            action="retention.deleted",
            subject_ref=subject.ref,
            detail={
                "sweep_id": run_id,
                "rules": dict(sorted(rules.items())),
                "fields": sorted({batch.fields.get(value_id, "?") for value_id in ids}),
                "value_ids": ids,
                "records": records,
            },
        )
        left = work.session.scalars(
            select(PersonalValue.id).where(PersonalValue.subject_id == subject_id).limit(1)
        ).first()
        if left is None and no_other_data(work, subject):
            work.session.execute(
                delete(PreferenceLink).where(PreferenceLink.subject_id == subject_id)
            )
            vault.destroy_data_key(work, subject, actor=actor)
            shredded += 1
    return shredded
