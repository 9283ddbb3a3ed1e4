"""Use cases of data-subject requests, called by every entry point (pages, staff, CLI).

Each takes the unit of work first, never commits, and changes a request's status only
through :func:`charter.rights.workflow.advance`, which writes the event and audit entry.
Time limits follow UK GDPR Art. 12(3) and the ICO's guidance (see ``deadlines.py``);
:func:`holds_for` tells retention and erasure what must not be deleted while a request
is open (DPA 2018 s.173).
"""

from __future__ import annotations

import secrets
from datetime import date, datetime, timedelta
from typing import Literal

from sqlalchemy import select

from charter.audit import service as audit
from charter.errors import Conflict, InvalidInput, NotFound
from charter.mail.sender import EmailSender
from charter.rights.deadlines import is_overdue, uk_date
from charter.rights.models import (
    CLOSED_STATUSES,
    ReceivedVia,
    RequestEvent,
    RequestKind,
    RequestStatus,
    SubjectRequest,
)
from charter.rights.notices import organisation, tell_subject
from charter.rights.workflow import advance, record_step, subject_ref
from charter.runtime import Work
from charter.vault.models import Subject

#: Unambiguous characters for references people read out on the phone.
REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
REFERENCE_PREFIX = "DSR"

#: Requests for a copy of the person's data: while one is open, DPA 2018 s.173 makes it an
#: offence to alter or erase what the person would have been entitled to receive.
ACCESS_KINDS = frozenset({RequestKind.ACCESS, RequestKind.PORTABILITY})

Method = Literal["session", "email_link", "sms_code", "staff_on_file", "staff_downgraded"]

#: How staff may confirm identity through what is already on file (Art. 12(6); ICO
#: guidance), recorded as a code so no free text (and no document number) is stored.
ON_FILE_CHECKS = {
    "called_back_on_file_number": "We called them back on the phone number on file",
    "reply_from_email_on_file": "They replied from the email address on file",
    "letter_to_address_on_file": "We wrote to the postal address on file and they answered",
}
#: Checks weaker than a channel on file: a privacy officer's decision, with a reason code.
DOWNGRADED_CHECKS = {
    "known_customer_in_person": "A known customer, met in person by staff who know them",
}
DOWNGRADE_REASONS = {
    "no_channel_on_file": "We hold no email address, phone number or postal address for them",
    "channels_out_of_date": "The contact details on file are out of date",
    "cannot_use_channel": "They cannot use the channels on file (e.g. accessibility needs)",
}


class CoolingOff(Conflict):
    """Art. 17 erasure is irreversible, so it waits out the cooling-off period."""

    default_message = (
        "The erasure cooling-off period has not ended: the person can still cancel it."
    )


class DowngradeNotAllowed(Conflict):
    """Only a privacy officer may accept identity checked other than through a channel
    already on file."""

    status_code = 403
    default_message = (
        "Only a privacy officer may accept a check weaker than a channel on file, with a reason."
    )


def new_reference() -> str:
    """A random public reference such as ``DSR-7KQ2-M9XD`` (40 bits: not guessable)."""
    groups = ("".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(4)) for _ in range(2))
    return "-".join((REFERENCE_PREFIX, *groups))


def _unused_reference(work: Work) -> str:
    while True:
        reference = new_reference()
        taken = work.session.scalar(
            select(SubjectRequest.id).where(SubjectRequest.reference == reference)
        )
        if taken is None:
            return reference


def receive_request(
    work: Work,
    *,
    kind: str,
    received_via: str,
    actor: str,
    subject: Subject | None = None,
) -> SubjectRequest:
    """Log a request the moment it arrives, by any route and in any words (Art. 12(2)).

    ``subject`` may be unknown until the person is matched; the clock starts only when
    verification arrives (ICO guidance), so no due date is set yet.
    """
    try:
        right = RequestKind(kind)
        via = ReceivedVia(received_via)
    except ValueError as exc:
        raise InvalidInput("Unknown kind of request or route.") from exc
    request = SubjectRequest(
        reference=_unused_reference(work),
        kind=right.value,
        status=RequestStatus.RECEIVED.value,
        subject_id=None if subject is None else subject.id,
        received_at=work.now(),
        received_via=via.value,
        extended=False,
    )
    work.session.add(request)
    work.session.flush()
    record_step(work, request, from_status=None, actor=actor, note_code=f"via_{via.value}")
    return request


def find_request(work: Work, reference: str) -> SubjectRequest:
    request = work.session.scalar(
        select(SubjectRequest).where(SubjectRequest.reference == reference.strip().upper())
    )
    if request is None:
        raise NotFound("No request has that reference.")
    return request


def verify_request(
    work: Work,
    request: SubjectRequest,
    *,
    method: Method,
    actor: str,
    subject: Subject | None = None,
    clock_started_on: date | None = None,
) -> SubjectRequest:
    """Record verified identity: the one-month clock of Art. 12(3) starts (ICO guidance).

    An erasure request also starts its cooling-off period (``erasure_cooling_off_hours``):
    erasure cannot be undone, so the person may still cancel it until then.
    """
    advance(
        work,
        request,
        RequestStatus.VERIFIED,
        actor=actor,
        method=method,
        subject=subject,
        clock_started_on=clock_started_on,
    )
    if request.kind == RequestKind.ERASURE.value:
        hours = work.settings.erasure_cooling_off_hours
        request.cooling_off_until = work.now() + timedelta(hours=hours)
        work.session.flush()
    return request


def verify_by_staff(
    work: Work,
    request: SubjectRequest,
    *,
    check: str,
    actor: str,
    is_privacy_officer: bool,
    downgrade_reason: str | None = None,
) -> SubjectRequest:
    """Staff record how they checked identity (Art. 12(6)): a code from
    :data:`ON_FILE_CHECKS`, or a weaker one from :data:`DOWNGRADED_CHECKS`, which only a
    privacy officer may accept and only with a :data:`DOWNGRADE_REASONS` code; the
    downgrade is audited on its own (``dsr.verification_downgraded``). Identity
    documents are never taken or stored: only the code of the check is."""
    if check in ON_FILE_CHECKS:
        method: Method = "staff_on_file"
    elif check in DOWNGRADED_CHECKS:
        if not is_privacy_officer:
            raise DowngradeNotAllowed
        if downgrade_reason not in DOWNGRADE_REASONS:
            raise InvalidInput("Give the reason for accepting a weaker identity check.")
        method = "staff_downgraded"
    else:
        raise InvalidInput("Choose how you checked the person's identity against our records.")
    verify_request(work, request, method=method, actor=actor)
    detail: dict[str, object] = {"reference": request.reference, "check": check}
    if method == "staff_downgraded":
        detail["reason"] = downgrade_reason
        audit.record(
            work,
            actor=actor,
            action="dsr.verification_downgraded",
            subject_ref=subject_ref(work, request),
            detail=detail,
        )
    else:
        audit.record(
            work,
            actor=actor,
            action="dsr.identity_check_noted",
            subject_ref=subject_ref(work, request),
            detail=detail,
        )
    return request


def cooling_off_ends(request: SubjectRequest) -> datetime | None:
    """When a verified erasure may be carried out (``None``: not an erasure, or none)."""
    if request.kind != RequestKind.ERASURE.value:
        return None
    return request.cooling_off_until


def check_erasure_may_proceed(work: Work, request: SubjectRequest) -> None:
    """Refuse approving an erasure before its cooling-off ends (:class:`CoolingOff`)."""
    ends = cooling_off_ends(request)
    if ends is not None and work.now() < ends:
        raise CoolingOff(
            f"The cooling-off period ends at {ends:%d %b %Y %H:%M} UTC; "
            "the erasure can be approved after that."
        )


def start_work(work: Work, request: SubjectRequest, *, actor: str) -> SubjectRequest:
    return advance(work, request, RequestStatus.IN_PROGRESS, actor=actor)


def extend_request(
    work: Work,
    request: SubjectRequest,
    *,
    reason: str,
    actor: str,
    sender: EmailSender,
) -> SubjectRequest:
    """Art. 12(3): two further months, recorded as ``extended`` and then back to
    ``in_progress``; the person is told the reasons now (within the first month, which
    ``advance`` enforces) at the email address on file."""
    advance(work, request, RequestStatus.EXTENDED, actor=actor, reason=reason)
    advance(work, request, RequestStatus.IN_PROGRESS, actor=actor)
    subject = None if request.subject_id is None else work.session.get(Subject, request.subject_id)
    if subject is not None and request.due_on is not None:
        text = (
            f"We need more time to answer your data protection request {request.reference}.\n\n"
            f"Why: {request.extension_reason}\n\n"
            "UK GDPR Article 12(3) allows us up to two further months when a request is "
            f"complex or one of many. We will answer by {request.due_on:%-d %B %Y}.\n\n"
            "If you are unhappy with this, you can complain to us or to the Information "
            f"Commissioner's Office.\n\n{organisation(work)}\n"
        )
        tell_subject(
            work,
            request,
            subject,
            notice="extension",
            subject_line=f"We need more time for your request {request.reference}",
            text=text,
            actor=actor,
            sender=sender,
        )
    return request


def fulfil_request(
    work: Work, request: SubjectRequest, *, actor: str, outcome_note: str | None = None
) -> SubjectRequest:
    """Close the request as done (Art. 12(3): without undue delay, by the due date)."""
    return advance(work, request, RequestStatus.COMPLETED, actor=actor, outcome=outcome_note)


def refuse_request(
    work: Work, request: SubjectRequest, *, reason: str, actor: str
) -> SubjectRequest:
    """Art. 12(4)/(5): refusing needs reasons (and the person is told of the ICO)."""
    return advance(work, request, RequestStatus.REFUSED, actor=actor, reason=reason)


def cancel_request(
    work: Work, request: SubjectRequest, *, actor: str, reason: str | None = None
) -> SubjectRequest:
    """The person withdrew the request, or it was never verified and has lapsed."""
    return advance(work, request, RequestStatus.CANCELLED, actor=actor, reason=reason)


def _open(work: Work) -> list[SubjectRequest]:
    closed = [status.value for status in CLOSED_STATUSES]
    return list(
        work.session.scalars(
            select(SubjectRequest)
            .where(SubjectRequest.status.not_in(closed))
            .order_by(SubjectRequest.id)
        )
    )


def is_request_overdue(work: Work, request: SubjectRequest) -> bool:
    if request.due_on is None or RequestStatus(request.status) in CLOSED_STATUSES:
        return False
    return is_overdue(request.due_on, uk_date(work.now()))


def open_requests(work: Work, *, overdue_only: bool = False) -> list[SubjectRequest]:
    """Requests still to answer, soonest due first (not yet verified ones last)."""
    requests = _open(work)
    if overdue_only:
        requests = [request for request in requests if is_request_overdue(work, request)]
    return sorted(
        requests, key=lambda request: (request.due_on is None, request.due_on or date.max)
    )


def request_history(work: Work, request: SubjectRequest) -> list[RequestEvent]:
    query = select(RequestEvent).where(RequestEvent.request_id == request.id)
    return list(work.session.scalars(query.order_by(RequestEvent.id)))


def holds_for(work: Work, subject: Subject) -> list[str]:
    """Why ``subject``'s data must not be deleted now; empty when nothing holds it.

    DPA 2018 s.173: once an access (or portability) request is received, altering or
    erasing information the person would be entitled to receive, to prevent its
    disclosure, is an offence. Retention and erasure jobs therefore hold deletions that
    would not have happened anyway while such a request is open.
    """
    closed = [status.value for status in CLOSED_STATUSES]
    rows = work.session.execute(
        select(SubjectRequest.reference, SubjectRequest.kind)
        .where(
            SubjectRequest.subject_id == subject.id,
            SubjectRequest.kind.in_([kind.value for kind in ACCESS_KINDS]),
            SubjectRequest.status.not_in(closed),
        )
        .order_by(SubjectRequest.id)
    ).all()
    return [
        f"Open {kind} request {reference}: DPA 2018 s.173 forbids deleting or altering "
        "data it covers, other than as would have happened anyway."
        for reference, kind in rows
    ]
