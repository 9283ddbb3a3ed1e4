"""Legal holds: what stops the retention sweep from deleting a person's data.

A person's data is held, and the sweep skips them (counting what it skipped), while:

* an **access or portability request** of theirs is open (DPA 2018 s.173: altering or
  erasing what they would be entitled to receive is an offence; from
  :func:`charter.rights.service.holds_for`);
* a **complaint** of theirs is open (Art. 77, DPA 2018 s.164A: the records of what we
  did are the evidence the complaint is decided on);
* staff placed a **legal hold** (:class:`HoldReason`: a legal claim, a complaint made
  elsewhere, a regulator's inquiry, a preservation request), Art. 17(3)(e) and
  Art. 18(1)(c). A hold is a reason *code* and who placed and lifted it, never a note:
  the circumstances of a claim are personal data of their own.

Placing and lifting are audited with the subject's pseudonymous ref and the code.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, select, union

from charter.audit import service as audit
from charter.errors import Conflict, InvalidInput, NotFound
from charter.retention.models import HoldReason, LegalHold
from charter.rights.models import CLOSED_STATUSES, RequestKind, SubjectRequest
from charter.rights.service import ACCESS_KINDS, holds_for
from charter.runtime import Work
from charter.vault.keys import DataErased
from charter.vault.models import Subject

#: Requests whose being open holds the person's data.
HOLDING_REQUESTS = frozenset({*ACCESS_KINDS, RequestKind.COMPLAINT})
_CLOSED = sorted(status.value for status in CLOSED_STATUSES)


@dataclass(frozen=True)
class OpenHold:
    """A placed hold as the console lists it: no personal data."""

    id: int
    subject_ref: str
    reason: str
    placed_at: datetime
    placed_by: str


def find_subject(work: Work, ref: str) -> Subject:
    subject = work.session.scalars(select(Subject).where(Subject.ref == ref.strip())).first()
    if subject is None:
        raise NotFound("No person has that reference.")
    return subject


def held_subject_ids() -> Select[tuple[int]]:
    """The ids of every held subject, as one query the sweep filters by."""
    placed = select(LegalHold.subject_id).where(LegalHold.lifted_at.is_(None))
    requested = select(SubjectRequest.subject_id).where(
        SubjectRequest.subject_id.is_not(None),
        SubjectRequest.kind.in_(sorted(kind.value for kind in HOLDING_REQUESTS)),
        SubjectRequest.status.not_in(_CLOSED),
    )
    combined = union(placed, requested).subquery()
    return select(combined.c[0])


def holds(work: Work, subject: Subject) -> list[str]:
    """Why ``subject``'s data must not be deleted now; empty when nothing holds it."""
    reasons = list(holds_for(work, subject))
    complaints = work.session.scalars(
        select(SubjectRequest.reference)
        .where(
            SubjectRequest.subject_id == subject.id,
            SubjectRequest.kind == RequestKind.COMPLAINT.value,
            SubjectRequest.status.not_in(_CLOSED),
        )
        .order_by(SubjectRequest.id)
    )
    reasons.extend(
        f"Open complaint {reference}: the records it is decided on are kept until it closes."
        for reference in complaints
    )
    reasons.extend(
        f"Legal hold ({hold.reason}) placed {hold.placed_at:%Y-%m-%d}: UK GDPR Art. 17(3)(e)."
        for hold in _open(work, subject)
    )
    return reasons


def _open(work: Work, subject: Subject) -> list[LegalHold]:
    return list(
        work.session.scalars(
            select(LegalHold)
            .where(LegalHold.subject_id == subject.id, LegalHold.lifted_at.is_(None))
            .order_by(LegalHold.id)
        )
    )


def place_hold(work: Work, subject: Subject, *, reason: str, actor: str) -> LegalHold:
    """Hold ``subject``'s data from retention deletion until lifted (Art. 17(3)(e))."""
    try:
        code = HoldReason(reason)
    except ValueError:
        codes = ", ".join(item.value for item in HoldReason)
        raise InvalidInput(f"The reason for a hold must be one of: {codes}.") from None
    if subject.erased_at is not None:
        raise DataErased
    if any(hold.reason == code.value for hold in _open(work, subject)):
        raise Conflict("This person's data is already held for that reason.")
    hold = LegalHold(
        subject_id=subject.id, reason=code.value, placed_at=work.now(), placed_by=actor
    )
    work.session.add(hold)
    work.session.flush()
    audit.record(
        work,
        actor=actor,
        action="retention.hold_placed",
        subject_ref=subject.ref,
        detail={"hold_id": hold.id, "reason": code.value},
    )
    return hold


def lift_holds(work: Work, subject: Subject, *, actor: str, reason: str | None = None) -> int:
    """Lift ``subject``'s open legal holds (of one reason, if given); returns how many.

    Requests that hold the data are not lifted here: they end when the request closes.
    """
    lifted = [hold for hold in _open(work, subject) if reason is None or hold.reason == reason]
    if not lifted:
        raise Conflict("This person's data has no open legal hold to lift.")
    now = work.now()
    for hold in lifted:
        hold.lifted_at = now
        hold.lifted_by = actor
    work.session.flush()
    audit.record(
        work,
        actor=actor,
        action="retention.hold_lifted",
        subject_ref=subject.ref,
        detail={
            "hold_ids": [hold.id for hold in lifted],
            "reasons": sorted({hold.reason for hold in lifted}),
        },
    )
    return len(lifted)


def open_holds(work: Work) -> list[OpenHold]:
    rows = work.session.execute(
        select(LegalHold, Subject.ref)
        .join(Subject, Subject.id == LegalHold.subject_id)
        .where(LegalHold.lifted_at.is_(None))
        .order_by(LegalHold.placed_at, LegalHold.id)
    ).all()
    return [
        OpenHold(
            id=hold.id,
            subject_ref=ref,
            reason=hold.reason,
            placed_at=hold.placed_at,
            placed_by=hold.placed_by,
        )
        for hold, ref in rows
    ]
