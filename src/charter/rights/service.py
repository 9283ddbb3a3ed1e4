"""Use cases of data-subject requests, called by every entry point (pages, staff, CLI).

Each takes the unit of work first, never commits, and changes a request's status only
through :func:`charter.rights.workflow.advance`, which writes the event and audit entry.
Time limits follow UK GDPR Art. 12(3) and the ICO's guidance (see ``deadlines.py``);
:func:`holds_for` tells retention and erasure what must not be deleted while a request
is open (DPA 2018 s.173).
"""

from __future__ import annotations

import secrets
from datetime import date
from typing import Literal

from sqlalchemy import select

from charter.errors import InvalidInput, NotFound
from charter.rights.deadlines import is_overdue, uk_date
from charter.rights.models import (
    CLOSED_STATUSES,
    ReceivedVia,
    RequestEvent,
    RequestKind,
    RequestStatus,
    SubjectRequest,
)
from charter.rights.workflow import advance, record_step
from charter.runtime import Work
from charter.vault.models import Subject

#: Unambiguous characters for references people read out on the phone.
REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
REFERENCE_PREFIX = "DSR"

#: Requests for a copy of the person's data: while one is open, DPA 2018 s.173 makes it an
#: offence to alter or erase what the person would have been entitled to receive.
ACCESS_KINDS = frozenset({RequestKind.ACCESS, RequestKind.PORTABILITY})

Method = Literal["session", "email_link", "sms_code", "staff_on_file"]


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
    """Record verified identity: the one-month clock of Art. 12(3) starts (ICO guidance)."""
    return advance(
        work,
        request,
        RequestStatus.VERIFIED,
        actor=actor,
        method=method,
        subject=subject,
        clock_started_on=clock_started_on,
    )


def start_work(work: Work, request: SubjectRequest, *, actor: str) -> SubjectRequest:
    return advance(work, request, RequestStatus.IN_PROGRESS, actor=actor)


def extend_request(
    work: Work, request: SubjectRequest, *, reason: str, actor: str
) -> SubjectRequest:
    """Art. 12(3): two further months, recorded as ``extended`` and then back to
    ``in_progress``; the caller tells the person the reasons within the first month."""
    advance(work, request, RequestStatus.EXTENDED, actor=actor, reason=reason)
    return advance(work, request, RequestStatus.IN_PROGRESS, actor=actor)


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
