"""Complaints about how we handle personal data (DPA 2018 s.164A, from 19 June 2026).

s.164A obliges a controller to facilitate complaints, to acknowledge each within 30 days
of receiving it, to take appropriate steps to respond without undue delay (including
enquiries and keeping the complainant informed) and to tell them the outcome. The number
of days, our route and what happens next come from the policy's ``complaints``
declaration, and the ICO escalation text from the policy's own words
(:func:`rights.notices.ico_escalation_text`), so none of it is hard-coded here.

A complaint is a :class:`SubjectRequest` of kind ``complaint``: acknowledged (the email
and ``acknowledged_at``) when it is verified through a channel on file, then tracked to
an outcome code and note recorded by staff, which closes it and is sent to the person
with the ICO text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select

from charter.audit import service as audit
from charter.errors import Conflict, InvalidInput
from charter.mail.sender import EmailSender
from charter.rights import service
from charter.rights.deadlines import uk_date
from charter.rights.models import CLOSED_STATUSES, RequestKind, RequestStatus, SubjectRequest
from charter.rights.notices import (
    complaints_route_text,
    ico_escalation_text,
    organisation,
    tell_subject,
)
from charter.rights.workflow import subject_ref
from charter.runtime import Work
from charter.vault.models import Subject

#: s.164A(5): the outcome the complainant is told, as a code staff choose.
COMPLAINT_OUTCOMES = {
    "upheld": "We agree with your complaint and have put things right",
    "partly_upheld": "We agree with part of your complaint and have put that right",
    "not_upheld": "We have looked into it and do not agree that we got it wrong",
    "resolved": "Resolved with you informally",
    "withdrawn": "You withdrew the complaint",
}
MAX_NOTE = 500
DEFAULT_ACKNOWLEDGE_DAYS = 30


@dataclass(frozen=True)
class AwaitingAcknowledgement:
    """A complaint not yet acknowledged and the day s.164A(3) requires it by."""

    request: SubjectRequest
    due_on: date
    overdue: bool


def acknowledge_by(work: Work, request: SubjectRequest) -> date:
    """Receipt plus the policy's ``acknowledge_within_days`` (s.164A(3): at most 30)."""
    complaints = work.policy.complaints
    days = complaints.acknowledge_within_days if complaints else DEFAULT_ACKNOWLEDGE_DAYS
    return uk_date(request.received_at) + timedelta(days=days)


def _check_complaint(request: SubjectRequest) -> None:
    if request.kind != RequestKind.COMPLAINT.value:
        raise Conflict("This is not a complaint.")


def _subject(work: Work, request: SubjectRequest) -> Subject:
    subject = None if request.subject_id is None else work.session.get(Subject, request.subject_id)
    if subject is None:
        raise Conflict("Verify the complaint before answering it.")
    return subject


def acknowledge_complaint(
    work: Work, request: SubjectRequest, *, actor: str, sender: EmailSender
) -> SubjectRequest:
    """s.164A(3): acknowledge the complaint at the address on file, saying what happens
    next and how to escalate to the ICO; records ``acknowledged_at`` (once)."""
    _check_complaint(request)
    if request.acknowledged_at is not None:
        raise Conflict("This complaint has already been acknowledged.")
    subject = _subject(work, request)
    text = (
        f"We have received your complaint about how we handle your personal data "
        f"(reference {request.reference}) and are looking into it.\n\n"
        f"{complaints_route_text(work.policy)}\n\n"
        f"{ico_escalation_text(work.policy)}\n\n{organisation(work)}\n"
    )
    channel = tell_subject(
        work,
        request,
        subject,
        notice="complaint_acknowledged",
        subject_line=f"We have received your complaint ({request.reference})",
        text=text,
        actor=actor,
        sender=sender,
    )
    if channel is not None:
        request.acknowledged_at = work.now()
        work.session.flush()
        audit.record(
            work,
            actor=actor,
            action="complaint.acknowledged",
            subject_ref=subject.ref,
            detail={"reference": request.reference},
        )
    return request


def record_outcome(
    work: Work,
    request: SubjectRequest,
    *,
    outcome: str,
    note: str | None,
    actor: str,
    sender: EmailSender,
) -> SubjectRequest:
    """s.164A(4)-(5): close the complaint with its outcome and tell the person, with the
    ICO escalation text (they may still complain to the Commissioner, Art. 77)."""
    _check_complaint(request)
    if outcome not in COMPLAINT_OUTCOMES:
        raise InvalidInput("Choose the outcome of the complaint.")
    note = (note or "").strip() or None
    if note is not None and len(note) > MAX_NOTE:
        raise InvalidInput(f"Keep the note under {MAX_NOTE} characters.")
    subject = _subject(work, request)
    if request.acknowledged_at is None:
        acknowledge_complaint(work, request, actor=actor, sender=sender)
    service.fulfil_request(work, request, actor=actor, outcome_note=f"complaint_{outcome}")
    text = (
        f"Our response to your complaint (reference {request.reference}).\n\n"
        f"Outcome: {COMPLAINT_OUTCOMES[outcome]}.\n"
        + (f"\n{note}\n" if note else "")
        + f"\nIf you are not satisfied with our response:\n\n{ico_escalation_text(work.policy)}"
        f"\n\n{organisation(work)}\n"
    )
    tell_subject(
        work,
        request,
        subject,
        notice=f"complaint_{outcome}",
        subject_line=f"Our response to your complaint ({request.reference})",
        text=text,
        actor=actor,
        sender=sender,
    )
    audit.record(
        work,
        actor=actor,
        action="complaint.outcome_recorded",
        subject_ref=subject_ref(work, request),
        detail={"reference": request.reference, "outcome": outcome},
    )
    return request


def awaiting_acknowledgement(work: Work) -> list[AwaitingAcknowledgement]:
    """Open complaints not yet acknowledged, soonest due first (the console's list)."""
    closed = [status.value for status in CLOSED_STATUSES]
    rows = work.session.scalars(
        select(SubjectRequest).where(
            SubjectRequest.kind == RequestKind.COMPLAINT.value,
            SubjectRequest.acknowledged_at.is_(None),
            SubjectRequest.status.not_in(closed),
        )
    )
    today = uk_date(work.now())
    found = [
        AwaitingAcknowledgement(row, due := acknowledge_by(work, row), today > due)
        for row in rows
        if RequestStatus(row.status) is not RequestStatus.CANCELLED
    ]
    return sorted(found, key=lambda item: item.due_on)
