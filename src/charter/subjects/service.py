"""One person's timeline across every feature, for staff and operators.

:func:`subject_timeline` merges, oldest first, what happened to one person: values
collected (``category.field``, where and when — not the value), consent given and
withdrawn, enquiries and emails received (references, not text), rights requests and
each of their steps, orders, invoices and payments, restriction and its lifting, the
erasure tombstone, disclosures to recipients and Art. 19 notices, marketing messages with
the consent gate's decision, and service engagements. It answers "what do we hold about
this person, and since when" for a request, a complaint or a query (Art. 5(2)
accountability, Art. 15, Art. 30).

What is enforced here:

* **A declared purpose for every view** (Art. 5(1)(b)): the viewer names a purpose from
  the policy in force; marketing and consent-based purposes never open a timeline, and
  the purpose passes the vault's gate, so a restricted person (Art. 18(2)) is opened only
  for a purpose permitted under restriction. Every view, and every lookup by email or
  phone, is audited with its purpose, naming counts and codes only.
* **No values by default** (Art. 5(1)(c), Art. 25(2)): the timeline names fields; with
  ``reveal`` the values of the categories the purpose may use are read through the
  purpose gate (audited by the vault). Message text (``communications``) and bank
  details (``financial``) are never revealed here: they have their own pages.
* **Who may see a restricted person** is decided by the caller (the console allows only
  a privacy officer, see ``admin.py``); this module refuses what the policy refuses.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from sqlalchemy import select

from charter.audit import service as audit
from charter.audit.models import AuditEntry
from charter.campaigns.models import SentMessage
from charter.consent.service import consent_history, consent_states
from charter.disclosures.models import Disclosure, RecipientNotice
from charter.engagements.models import Engagement
from charter.enquiries.models import Enquiry
from charter.erasure.models import ErasureTombstone
from charter.errors import NotFound, PolicyRefusal
from charter.mail.models import Correspondence
from charter.orders.models import Invoice, Order, Payment
from charter.orders.service import METHOD_LABELS, pounds
from charter.policy.schemas import LawfulBasis, Policy, Purpose
from charter.rights.models import CLOSED_STATUSES, RequestEvent, SubjectRequest
from charter.runtime import Work
from charter.subjects.schemas import (
    ConsentSummary,
    RequestSummary,
    Source,
    SubjectOverview,
    TimelineEntry,
)
from charter.vault import service as vault
from charter.vault.models import PersonalValue, Subject

#: Categories whose values are never shown on a timeline, even on request: message text
#: is read on its enquiry or correspondence page, bank details only masked by orders.
NEVER_REVEALED = frozenset({"communications", "financial"})
#: Audit actions that mark a person's life cycle in the vault (restriction, erasure).
LIFECYCLE_ACTIONS = {
    "subject.created": "Person recorded",
    "subject.restricted": "Processing restricted (Art. 18)",
    "subject.restriction_lifted": "Restriction lifted (Art. 18(3))",
    "subject.data_key_destroyed": "Data key destroyed (crypto-shredding, Art. 17)",
}
MAX_REF_CHARS = 32


class NotAViewingPurpose(PolicyRefusal):
    default_message = (
        "A person's record is not opened for marketing or for a purpose based on consent: "
        "choose the purpose you need it for."
    )


# Purposes ----------------------------------------------------------------------------------


def viewing_purposes(policy: Policy, *, restricted: bool = False) -> list[Purpose]:
    """The purposes a timeline may be opened for: declared, not marketing, not resting on
    consent (nobody consented to being looked up), and, for a restricted person, only those
    permitted under restriction (Art. 18(2))."""
    return [
        purpose
        for purpose in policy.purposes
        if not purpose.marketing
        and purpose.lawful_basis is not LawfulBasis.CONSENT
        and (purpose.permitted_under_restriction or not restricted)
    ]


def _check_purpose(work: Work, subject: Subject | None, purpose: str) -> Purpose:
    declared = work.policy.purpose(purpose)
    if declared.id not in {item.id for item in viewing_purposes(work.policy)}:
        raise NotAViewingPurpose
    if subject is not None and subject.erased_at is None:
        vault.check_purpose(work, subject, purpose=declared.id, categories=declared.categories)
    return declared


# Finding -------------------------------------------------------------------------------------


def subject_by_ref(work: Work, ref: str) -> Subject:
    """The person with this pseudonymous reference (erased ones too: their tombstone and
    statutory records remain)."""
    found = None
    if 0 < len(ref) <= MAX_REF_CHARS:
        found = work.session.scalar(select(Subject).where(Subject.ref == ref))
    if found is None:
        raise NotFound("No person has that reference.")
    return found


def find_person(
    work: Work,
    *,
    email: str | None = None,
    phone: str | None = None,
    actor: str,
    purpose: str,
) -> Subject | None:
    """The current person holding this email (else phone), through the blind index only;
    the lookup is audited with its purpose, how it was made and whether it found anyone,
    never the identifier typed (Art. 5(2), Art. 32(1)(a))."""
    _check_purpose(work, None, purpose)
    email = (email or "").strip() or None
    phone = (phone or "").strip() or None
    found = vault.find_subject(work, email=email, phone=phone)
    audit.record(
        work,
        actor=actor,
        action="subject.looked_up",
        subject_ref=None if found is None else found.ref,
        purpose=purpose,
        detail={
            "by": [kind for kind, given in (("email", email), ("phone", phone)) if given],
            "found": found is not None,
        },
    )
    return found


# The timeline --------------------------------------------------------------------------------


def subject_timeline(
    work: Work, subject: Subject, *, actor: str, purpose: str, reveal: bool = False
) -> list[TimelineEntry]:
    """Everything that happened to ``subject``, oldest first, opened for ``purpose``.

    Raises :class:`UndeclaredPurpose`, :class:`NotAViewingPurpose` or, for a restricted
    person and a purpose not permitted under restriction, :class:`ProcessingRestricted`.
    With ``reveal`` the collected values of the purpose's categories (except
    :data:`NEVER_REVEALED`) are shown too; the vault audits that read.
    """
    declared = _check_purpose(work, subject, purpose)
    entries = _timeline(work, subject, actor=actor, purpose=declared, reveal=reveal)
    _record_view(work, subject, actor=actor, purpose=purpose, view="timeline", entries=entries)
    return entries


def subject_overview(
    work: Work, subject: Subject, *, actor: str, purpose: str, reveal: bool = False
) -> SubjectOverview:
    """The timeline with the person's current consents, open requests and restriction
    state: the console page about them. Audited once, like :func:`subject_timeline`."""
    declared = _check_purpose(work, subject, purpose)
    entries = _timeline(work, subject, actor=actor, purpose=declared, reveal=reveal)
    closed = [status.value for status in CLOSED_STATUSES]
    requests = work.session.scalars(
        select(SubjectRequest)
        .where(SubjectRequest.subject_id == subject.id, SubjectRequest.status.not_in(closed))
        .order_by(SubjectRequest.id)
    )
    orders = work.session.scalars(select(Order.id).where(Order.subject_id == subject.id))
    _record_view(work, subject, actor=actor, purpose=purpose, view="overview", entries=entries)
    return SubjectOverview(
        ref=subject.ref,
        purpose=purpose,
        created_at=subject.created_at,
        restricted_at=subject.restricted_at,
        restriction_reason=subject.restriction_reason,
        erased_at=subject.erased_at,
        values_shown=reveal and subject.erased_at is None,
        timeline=entries,
        consents=[ConsentSummary.of(state) for state in consent_states(work, subject)],
        open_requests=[RequestSummary.of(request) for request in requests],
        orders=len(list(orders)),
    )


def _record_view(
    work: Work,
    subject: Subject,
    *,
    actor: str,
    purpose: str,
    view: str,
    entries: list[TimelineEntry],
) -> None:
    audit.record(
        work,
        actor=actor,
        action="subject.timeline_viewed",
        subject_ref=subject.ref,
        purpose=purpose,
        detail={
            "view": view,
            "entries": len(entries),
            "values_shown": sum(1 for entry in entries if entry.value is not None),
        },
    )


def _timeline(
    work: Work, subject: Subject, *, actor: str, purpose: Purpose, reveal: bool
) -> list[TimelineEntry]:
    revealed = _revealed(work, subject, actor=actor, purpose=purpose) if reveal else {}
    sources: Iterable[list[TimelineEntry]] = (
        _lifecycle(work, subject),
        _values(work, subject, revealed),
        _consents(work, subject),
        _enquiries(work, subject),
        _correspondence(work, subject),
        _requests(work, subject),
        _orders(work, subject),
        _tombstones(work, subject),
        _disclosures(work, subject),
        _messages(work, subject),
        _engagements(work, subject),
    )
    merged = [entry for entries in sources for entry in entries]
    # Stable: entries at the same moment keep the order above (cause before effect).
    return sorted(merged, key=lambda entry: entry.at)


def _revealed(work: Work, subject: Subject, *, actor: str, purpose: Purpose) -> dict[int, str]:
    categories = [c for c in purpose.categories if c not in NEVER_REVEALED]
    if subject.erased_at is not None or not categories:
        return {}
    opened = vault.read_personal_values(
        work, subject, purpose=purpose.id, actor=actor, categories=categories, include_replaced=True
    )
    return {item.record.id: item.value for item in opened}


def _lifecycle(work: Work, subject: Subject) -> list[TimelineEntry]:
    rows = work.session.scalars(
        select(AuditEntry)
        .where(AuditEntry.subject_ref == subject.ref, AuditEntry.action.in_(LIFECYCLE_ACTIONS))
        .order_by(AuditEntry.seq)
    )
    entries = []
    for row in rows:
        reason = json.loads(row.detail or "{}").get("reason")
        entries.append(
            TimelineEntry(
                at=row.at,
                source=Source.LIFECYCLE,
                title=LIFECYCLE_ACTIONS[row.action],
                detail=f"ground: {str(reason).replace('_', ' ')}" if reason else "",
            )
        )
    return entries


def _values(work: Work, subject: Subject, revealed: dict[int, str]) -> list[TimelineEntry]:
    rows = work.session.scalars(
        select(PersonalValue)
        .where(PersonalValue.subject_id == subject.id)
        .order_by(PersonalValue.id)
    )
    entries = []
    for row in rows:
        ref = f"{row.category}.{row.field}"
        until = f"; kept until {row.retain_until:%d %b %Y}" if row.retain_until else ""
        entries.append(
            TimelineEntry(
                at=row.collected_at,
                source=Source.VAULT,
                title=f"Collected {ref}",
                detail=f"at {row.collection_point} ({row.source}){until}",
                value=revealed.get(row.id),
            )
        )
        if row.replaced_at is not None:
            entries.append(
                TimelineEntry(
                    at=row.replaced_at,
                    source=Source.VAULT,
                    title=f"Replaced {ref}",
                    detail="earlier value kept as rectification history (Art. 16)",
                )
            )
    return entries


def _consents(work: Work, subject: Subject) -> list[TimelineEntry]:
    return [
        TimelineEntry(
            at=event.occurred_at,
            source=Source.CONSENT,
            title=f"Consent {event.action}: {event.purpose}"
            + ("" if event.channel == "any" else f" by {event.channel}"),
            detail=f"at {event.collection_point}, policy {event.policy_version}",
            reference=event.record_id,
        )
        for event in consent_history(work, subject)
    ]


def _enquiries(work: Work, subject: Subject) -> list[TimelineEntry]:
    rows = work.session.scalars(
        select(Enquiry).where(Enquiry.subject_id == subject.id).order_by(Enquiry.id)
    )
    return [
        TimelineEntry(
            at=row.created_at,
            source=Source.ENQUIRY,
            title="Enquiry received",
            detail=f"handling: {row.handling}"
            + (f"; flagged: {', '.join(row.categories)}" if row.categories else ""),
            reference=row.reference,
            link=f"/admin/enquiries/{row.reference}",
        )
        for row in rows
    ]


def _correspondence(work: Work, subject: Subject) -> list[TimelineEntry]:
    rows = work.session.scalars(
        select(Correspondence)
        .where(Correspondence.subject_id == subject.id)
        .order_by(Correspondence.id)
    )
    return [
        TimelineEntry(
            at=row.received_at,
            source=Source.CORRESPONDENCE,
            title="Email received",
            detail=f"via {row.received_via}; {row.attachment_count} attachment(s)"
            + ("; quarantined (Art. 9)" if row.quarantined else ""),
            reference=f"correspondence {row.id}",
        )
        for row in rows
    ]


def _requests(work: Work, subject: Subject) -> list[TimelineEntry]:
    rows = work.session.execute(
        select(RequestEvent, SubjectRequest)
        .join(SubjectRequest, SubjectRequest.id == RequestEvent.request_id)
        .where(SubjectRequest.subject_id == subject.id)
        .order_by(RequestEvent.id)
    ).all()
    return [
        TimelineEntry(
            at=event.at,
            source=Source.REQUEST,
            title=f"{request.kind.replace('_', ' ').capitalize()} request "
            + event.to_status.replace("_", " "),
            detail=f"by {event.actor}" + (f"; {event.note_code}" if event.note_code else ""),
            reference=request.reference,
            link=f"/admin/requests/{request.reference}",
        )
        for event, request in rows
    ]


def _orders(work: Work, subject: Subject) -> list[TimelineEntry]:
    orders = list(
        work.session.scalars(select(Order).where(Order.subject_id == subject.id).order_by(Order.id))
    )
    invoices = list(
        work.session.scalars(
            select(Invoice).where(Invoice.order_id.in_([o.id for o in orders] or [-1]))
        )
    )
    payments = work.session.scalars(
        select(Payment).where(Payment.invoice_id.in_([i.id for i in invoices] or [-1]))
    )
    link = f"/admin/subjects/{subject.ref}/orders"
    entries = [
        TimelineEntry(
            at=order.recorded_at,
            source=Source.ORDER,
            title=f"Order {order.id} recorded",
            detail=f"{pounds(order.amount_pence)}, ordered on {order.ordered_on.isoformat()}",
            reference=f"order {order.id}",
            link=link,
        )
        for order in orders
    ]
    entries += [
        TimelineEntry(
            at=invoice.recorded_at,
            source=Source.ORDER,
            title=f"Invoice {invoice.number} recorded",
            detail=f"{pounds(invoice.amount_pence)}, issued on {invoice.issued_on.isoformat()}",
            reference=invoice.number,
            link=link,
        )
        for invoice in invoices
    ]
    numbers = {invoice.id: invoice.number for invoice in invoices}
    entries += [
        TimelineEntry(
            at=payment.recorded_at,
            source=Source.ORDER,
            title=f"Payment recorded against {numbers[payment.invoice_id]}",
            detail=f"{pounds(payment.amount_pence)} by "
            f"{METHOD_LABELS.get(payment.method, payment.method)} "
            f"on {payment.paid_on.isoformat()}",
            reference=numbers[payment.invoice_id],
            link=link,
        )
        for payment in payments
    ]
    return entries


def _tombstones(work: Work, subject: Subject) -> list[TimelineEntry]:
    rows = work.session.scalars(
        select(ErasureTombstone)
        .where(ErasureTombstone.subject_ref == subject.ref)
        .order_by(ErasureTombstone.id)
    )
    return [
        TimelineEntry(
            at=row.erased_at,
            source=Source.ERASURE,
            title=f"Erased ({row.outcome})",
            detail="tombstone kept so a restored backup forgets the person again",
            reference=row.request_reference,
            link=f"/admin/requests/{row.request_reference}" if row.request_reference else None,
        )
        for row in rows
    ]


def _disclosures(work: Work, subject: Subject) -> list[TimelineEntry]:
    """Art. 15(1)(c), Art. 19: to whom the person's data went, and the notices sent."""
    disclosed = work.session.scalars(
        select(Disclosure).where(Disclosure.subject_id == subject.id).order_by(Disclosure.id)
    )
    entries = [
        TimelineEntry(
            at=row.disclosed_at,
            source=Source.DISCLOSURE,
            title=f"Disclosed to {row.recipient}",
            detail=f"for {row.purpose}; {', '.join(row.categories)}; country {row.country}"
            + (f"; safeguard {row.transfer_mechanism}" if row.transfer_mechanism else ""),
            reference=row.reference,
        )
        for row in disclosed
    ]
    notices = work.session.scalars(
        select(RecipientNotice)
        .where(RecipientNotice.subject_id == subject.id)
        .order_by(RecipientNotice.id)
    )
    entries += [
        TimelineEntry(
            at=row.created_at,
            source=Source.DISCLOSURE,
            title=f"Notice to {row.recipient}: {row.event.replace('_', ' ')} (Art. 19)",
            detail=f"status {row.status}",
            reference=row.request_reference,
            link=f"/admin/requests/{row.request_reference}" if row.request_reference else None,
        )
        for row in notices
    ]
    return entries


def _messages(work: Work, subject: Subject) -> list[TimelineEntry]:
    """Marketing and service messages, with the consent gate's decision for each."""
    rows = work.session.scalars(
        select(SentMessage).where(SentMessage.subject_id == subject.id).order_by(SentMessage.id)
    )
    return [
        TimelineEntry(
            at=row.decided_at,
            source=Source.MESSAGE,
            title=f"{row.kind.replace('_', ' ').capitalize()} by {row.channel}: {row.decision}",
            detail=f"reason {row.decision_reason}; {row.status}"
            + (f"; campaign {row.campaign_id}" if row.campaign_id else ""),
        )
        for row in rows
    ]


def _engagements(work: Work, subject: Subject) -> list[TimelineEntry]:
    """When staff could see the person's systems to deliver a service (Art. 29, 32(4))."""
    rows = work.session.scalars(
        select(Engagement).where(Engagement.subject_id == subject.id).order_by(Engagement.id)
    )
    entries = []
    for row in rows:
        entries.append(
            TimelineEntry(
                at=row.started_at,
                source=Source.ENGAGEMENT,
                title=f"Engagement opened for order {row.order_id}",
                detail=f"staff:{row.staff_id}; {row.purpose}; systems: {row.systems}",
                reference=f"engagement {row.id}",
            )
        )
        if row.ended_at is not None:
            entries.append(
                TimelineEntry(
                    at=row.ended_at,
                    source=Source.ENGAGEMENT,
                    title=f"Engagement closed for order {row.order_id}",
                    detail=f"by {row.closed_by}" if row.closed_by else "",
                    reference=f"engagement {row.id}",
                )
            )
    return entries
