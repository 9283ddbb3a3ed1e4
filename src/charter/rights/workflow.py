"""The one state machine of data-subject requests: a transition table and :func:`advance`.

Nothing else sets ``SubjectRequest.status``. Each step is checked against
:data:`TRANSITIONS`, applies the legal rule of the status it enters, appends a
``request_events`` row and an audit entry (Art. 5(2) accountability), and never commits.

    received ──▶ awaiting_verification ──▶ verified ──▶ in_progress ──▶ completed
        │                 │                   │  ▲          │  ▲
        │                 │                   ▼  │          ▼  │
        │                 │                 extended ◀──────┘  │ (back to in_progress)
        └─────────────────┴──▶ refused | cancelled ◀───────────┘

Rules enforced on entering a status:

* ``verified``: the clock starts the UK day the verification (or clarification) arrives
  and the due date is one month on (Art. 12(3); ICO guidance on time limits); the request
  must be matched to a subject by then.
* ``extended``: Art. 12(3) allows two further months for complex or numerous requests,
  once, and only if the person is told, with reasons, *within the first month*: so a
  reason is required and the step is refused after the unextended due date. Sending the
  reasons to the person is the caller's job; what is recorded is that they exist.
* ``refused``: Art. 12(4) obliges us to give the reasons for not acting (and the right
  to complain to the ICO), so a refusal without a reason is refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from sqlalchemy import select

from charter.audit import service as audit
from charter.errors import Conflict, InvalidInput
from charter.rights.deadlines import due_date, extension_allowed, uk_date
from charter.rights.models import (
    CLOSED_STATUSES,
    RequestEvent,
    RequestStatus,
    SubjectRequest,
    VerificationMethod,
)
from charter.runtime import Work
from charter.vault.models import Subject

S = RequestStatus

#: Every allowed step; anything not here is refused with :class:`Conflict`.
TRANSITIONS: Mapping[RequestStatus, frozenset[RequestStatus]] = {
    S.RECEIVED: frozenset({S.AWAITING_VERIFICATION, S.VERIFIED, S.REFUSED, S.CANCELLED}),
    S.AWAITING_VERIFICATION: frozenset({S.VERIFIED, S.REFUSED, S.CANCELLED}),
    S.VERIFIED: frozenset({S.IN_PROGRESS, S.EXTENDED, S.COMPLETED, S.REFUSED, S.CANCELLED}),
    S.IN_PROGRESS: frozenset({S.EXTENDED, S.COMPLETED, S.REFUSED, S.CANCELLED}),
    S.EXTENDED: frozenset({S.IN_PROGRESS}),
    S.COMPLETED: frozenset(),
    S.REFUSED: frozenset(),
    S.CANCELLED: frozenset(),
}

#: The facts each target status accepts as keyword arguments of :func:`advance`.
ACCEPTED_FACTS: Mapping[RequestStatus, frozenset[str]] = {
    S.VERIFIED: frozenset({"method", "subject", "clock_started_on"}),
    S.COMPLETED: frozenset({"outcome"}),
}

MAX_TEXT = 500


class TransitionRefused(Conflict):
    """A step the transition table does not allow."""

    default_message = "That step is not allowed for this request."


def advance(
    work: Work,
    request: SubjectRequest,
    to: RequestStatus,
    *,
    actor: str,
    reason: str | None = None,
    **facts: object,
) -> SubjectRequest:
    """Move ``request`` to ``to``, applying that status's rule; the only status setter.

    ``reason`` is the extension reason, the refusal reason or a cancellation note.
    ``facts`` are per status (:data:`ACCEPTED_FACTS`): ``method`` (a
    :class:`VerificationMethod`), ``subject`` and ``clock_started_on`` for ``verified``;
    ``outcome`` for ``completed``.
    """
    current = RequestStatus(request.status)
    if to not in TRANSITIONS[current]:
        raise TransitionRefused(f"A request cannot go from '{current.value}' to '{to.value}'.")
    unknown = set(facts) - ACCEPTED_FACTS.get(to, frozenset())
    if unknown:
        raise InvalidInput(f"Unexpected details for '{to.value}': {', '.join(sorted(unknown))}.")
    note = _apply(work, request, to, reason=_clean(reason), facts=facts)
    request.status = to.value
    if to in CLOSED_STATUSES:
        request.closed_at = work.now()
    work.session.flush()
    record_step(work, request, from_status=current, actor=actor, note_code=note)
    return request


def _clean(text: str | None) -> str | None:
    if text is None or not text.strip():
        return None
    text = text.strip()
    if len(text) > MAX_TEXT:
        raise InvalidInput(f"Keep the reason under {MAX_TEXT} characters.")
    return text


def _apply(
    work: Work,
    request: SubjectRequest,
    to: RequestStatus,
    *,
    reason: str | None,
    facts: Mapping[str, object],
) -> str | None:
    """Enforce the rule of entering ``to`` and set its fields; returns the note code."""
    if to is S.VERIFIED:
        return _verify(work, request, facts)
    if to is S.EXTENDED:
        return _extend(work, request, reason)
    if to is S.REFUSED:
        if reason is None:
            raise InvalidInput("Give the reason for refusing (Art. 12(4)).")
        request.refusal_reason = reason
        return "reason_recorded"
    if to is S.COMPLETED:
        outcome = facts.get("outcome")
        if outcome is not None and not isinstance(outcome, str):
            raise InvalidInput("The outcome must be text.")
        request.outcome = _clean(outcome)
        return "outcome_recorded" if request.outcome else None
    if to is S.CANCELLED and reason is not None:
        request.outcome = reason
        return "reason_recorded"
    return None


def _verify(work: Work, request: SubjectRequest, facts: Mapping[str, object]) -> str:
    try:
        method = VerificationMethod(str(facts.get("method")))
    except ValueError:
        codes = ", ".join(item.value for item in VerificationMethod)
        raise InvalidInput(f"Say how identity was verified: one of {codes}.") from None
    subject = facts.get("subject")
    if subject is not None:
        if not isinstance(subject, Subject):
            raise InvalidInput("The subject must be a vault subject.")
        request.subject_id = subject.id
    if request.subject_id is None:
        raise InvalidInput("Match the request to a person before verifying it.")
    started = facts.get("clock_started_on")
    if started is None:
        started = uk_date(work.now())
    if not isinstance(started, date):
        raise InvalidInput("The clock start must be a date.")
    request.verification_method = method.value
    request.clock_started_on = started
    request.due_on = due_date(started)
    return f"verified_by_{method.value}"


def _extend(work: Work, request: SubjectRequest, reason: str | None) -> str:
    if request.extended:
        raise Conflict("This request has already been extended; Art. 12(3) allows it once.")
    if reason is None:
        raise InvalidInput("Give the reason for extending; the person must be told it.")
    if request.clock_started_on is None:  # pragma: no cover - verified requests have one
        raise Conflict("The clock has not started for this request.")
    if not extension_allowed(request.clock_started_on, uk_date(work.now())):
        raise Conflict(
            "The first month has passed: an extension must be notified within it (Art. 12(3))."
        )
    request.extended = True
    request.extension_reason = reason
    request.due_on = due_date(request.clock_started_on, extended=True)
    return "reason_recorded"


def record_step(
    work: Work,
    request: SubjectRequest,
    *,
    from_status: RequestStatus | None,
    actor: str,
    note_code: str | None = None,
) -> RequestEvent:
    """Append the event of the status ``request`` is now in, and audit it (``dsr.<to>``).

    Neither the event nor the audit entry holds personal data: the request reference,
    kind, statuses, dates and a note code.
    """
    event = RequestEvent(
        request_id=request.id,
        at=work.now(),
        from_status=None if from_status is None else from_status.value,
        to_status=request.status,
        actor=actor,
        note_code=note_code,
    )
    work.session.add(event)
    work.session.flush()
    detail: dict[str, object] = {
        "reference": request.reference,
        "kind": request.kind,
        "from": event.from_status,
        "to": event.to_status,
    }
    if request.due_on is not None:
        detail["due_on"] = request.due_on.isoformat()
    if note_code is not None:
        detail["note"] = note_code
    audit.record(
        work,
        actor=actor,
        action=f"dsr.{request.status}",
        subject_ref=subject_ref(work, request),
        detail=detail,
    )
    return event


def subject_ref(work: Work, request: SubjectRequest) -> str | None:
    """The pseudonymous ref of the request's subject, once matched."""
    if request.subject_id is None:
        return None
    return work.session.scalar(select(Subject.ref).where(Subject.id == request.subject_id))
