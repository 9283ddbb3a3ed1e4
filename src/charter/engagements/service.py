"""Use cases of service-delivery engagements: opening, closing and finding them.

The policy says staff may see clients' personal or sensitive information while delivering
IT services, and use it only as needed for that service. An engagement makes that promise
checkable (Art. 5(1)(b) purpose limitation, Art. 5(2) accountability, Art. 29 processing
under the controller's authority, Art. 32(4) staff act only on instructions):

* it is bound to one **order** of the client (the service they asked for), one **staff
  member** and a **purpose** the policy declares and that uses the client's data;
* it is open from ``started_at`` until it is closed; reads of the client's data by that
  staff member for ``provide_services`` outside an open engagement are flagged by the
  compliance report;
* ``systems`` is a short label of what was touched, screened so that no identifier
  (email, phone, bank or card number) is written in clear;
* opening and closing are audited under the client's pseudonymous reference, and the
  client's access package lists their engagements (Art. 15(1)(a)-(c)).

Nothing here commits: the route or command that opened the unit of work does.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select

from charter.audit import service as audit
from charter.errors import Conflict, InvalidInput, NotFound
from charter.orders.models import Order
from charter.runtime import Work
from charter.screening.identifiers import (
    find_emails,
    find_ibans,
    find_payment_cards,
    find_phones,
    find_sort_code_accounts,
)
from charter.staff.models import StaffUser
from charter.vault.models import Subject

from .models import Engagement

#: The purpose the policy declares for delivering what a client ordered.
SERVICE_PURPOSE = "provide_services"
MAX_SYSTEMS = 200
MAX_LISTED = 500


def _systems_label(systems: str) -> str:
    """A short printable label, with no identifier in it: it is stored and shown in clear."""
    label = " ".join(systems.split())
    if not label or len(label) > MAX_SYSTEMS or not label.isprintable():
        raise InvalidInput(
            f"Name the systems touched in a short label of up to {MAX_SYSTEMS} characters."
        )
    finders = (find_emails, find_phones, find_ibans, find_payment_cards, find_sort_code_accounts)
    if any(next(iter(finder(label)), None) is not None for finder in finders):
        raise InvalidInput(
            "The systems label must not contain an email address, phone, bank or card number."
        )
    return label


def _staff(work: Work, staff_id: int) -> StaffUser:
    user = work.session.get(StaffUser, staff_id)
    if user is None or not user.active:
        raise NotFound("There is no active staff account with that id.")
    return user


def open_engagement(
    work: Work,
    subject: Subject,
    *,
    order: Order,
    staff_id: int,
    systems: str,
    actor: str,
    purpose: str = SERVICE_PURPOSE,
) -> Engagement:
    """Record that ``staff_id`` starts work on ``order`` and may see the client's data.

    The order must be the client's own (the access is bounded to the service *they*
    ordered) and the purpose declared in the policy with a lawful basis (Art. 6).
    """
    declared = work.policy.purpose(purpose)
    if order.subject_id != subject.id:
        raise NotFound("There is no such order for this person.")
    if subject.erased_at is not None:
        raise Conflict("This person's data has been erased.")
    _staff(work, staff_id)
    label = _systems_label(systems)
    already = work.session.scalar(
        select(Engagement.id).where(
            Engagement.order_id == order.id,
            Engagement.staff_id == staff_id,
            Engagement.ended_at.is_(None),
        )
    )
    if already is not None:
        raise Conflict("This staff member already has an open engagement on this order.")
    engagement = Engagement(
        subject_id=subject.id,
        order_id=order.id,
        purpose=declared.id,
        systems=label,
        staff_id=staff_id,
        started_at=work.now(),
        opened_by=actor,
    )
    work.session.add(engagement)
    work.session.flush()
    audit.record(
        work,
        actor=actor,
        action="engagement.opened",
        subject_ref=subject.ref,
        purpose=declared.id,
        detail={"engagement_id": engagement.id, "order_id": order.id, "staff_id": staff_id},
    )
    return engagement


def close_engagement(work: Work, engagement: Engagement, *, actor: str) -> Engagement:
    """End the engagement now: from here on the access it allowed is over."""
    if engagement.ended_at is not None:
        raise Conflict("This engagement is already closed.")
    engagement.ended_at = work.now()
    engagement.closed_by = actor
    work.session.flush()
    subject = work.session.get(Subject, engagement.subject_id)
    audit.record(
        work,
        actor=actor,
        action="engagement.closed",
        subject_ref=None if subject is None else subject.ref,
        purpose=engagement.purpose,
        detail={
            "engagement_id": engagement.id,
            "order_id": engagement.order_id,
            "staff_id": engagement.staff_id,
        },
    )
    return engagement


def find_engagement(work: Work, engagement_id: int) -> Engagement:
    found = work.session.get(Engagement, engagement_id)
    if found is None:
        raise NotFound("There is no engagement with that id.")
    return found


def active_engagement(
    work: Work, subject: Subject, staff_id: int, at: datetime
) -> Engagement | None:
    """The engagement under which ``staff_id`` could see ``subject``'s data at ``at``."""
    return work.session.scalars(
        select(Engagement)
        .where(
            Engagement.subject_id == subject.id,
            Engagement.staff_id == staff_id,
            Engagement.started_at <= at,
            or_(Engagement.ended_at.is_(None), Engagement.ended_at >= at),
        )
        .order_by(Engagement.started_at)
        .limit(1)
    ).first()


def list_engagements(
    work: Work, *, open_only: bool = False, subject: Subject | None = None
) -> list[Engagement]:
    """Newest first; ``open_only`` leaves out closed ones."""
    query = select(Engagement)
    if open_only:
        query = query.where(Engagement.ended_at.is_(None))
    if subject is not None:
        query = query.where(Engagement.subject_id == subject.id)
    query = query.order_by(Engagement.started_at.desc(), Engagement.id.desc()).limit(MAX_LISTED)
    return list(work.session.scalars(query))


def engagements_of(work: Work, subject: Subject) -> list[Engagement]:
    """All of a client's engagements, oldest first (for their access package, Art. 15)."""
    query = (
        select(Engagement)
        .where(Engagement.subject_id == subject.id)
        .order_by(Engagement.started_at, Engagement.id)
    )
    return list(work.session.scalars(query))


def subject_refs(work: Work, engagements: list[Engagement]) -> dict[int, str]:
    """Pseudonymous refs of the engagements' clients, for lists."""
    ids = {item.subject_id for item in engagements}
    if not ids:
        return {}
    rows = work.session.execute(select(Subject.id, Subject.ref).where(Subject.id.in_(ids)))
    return {row.id: row.ref for row in rows}
