"""The request state machine: every allowed and forbidden step, and each status's rule."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from charter.audit.models import AuditEntry
from charter.errors import Conflict, InvalidInput
from charter.mail.outbox import OutboxSender
from charter.rights import service
from charter.rights.models import RequestEvent, RequestStatus
from charter.rights.workflow import TRANSITIONS, TransitionRefused, advance
from charter.runtime import Runtime
from tests.conftest import TestClock as Clock

from .factories import ACTOR, S, request_in, step

#: The transition table, written out independently of the code it pins.
ALLOWED = {
    (S.RECEIVED, S.AWAITING_VERIFICATION),
    (S.RECEIVED, S.VERIFIED),
    (S.RECEIVED, S.REFUSED),
    (S.RECEIVED, S.CANCELLED),
    (S.AWAITING_VERIFICATION, S.VERIFIED),
    (S.AWAITING_VERIFICATION, S.REFUSED),
    (S.AWAITING_VERIFICATION, S.CANCELLED),
    (S.VERIFIED, S.IN_PROGRESS),
    (S.VERIFIED, S.EXTENDED),
    (S.VERIFIED, S.COMPLETED),
    (S.VERIFIED, S.REFUSED),
    (S.VERIFIED, S.CANCELLED),
    (S.IN_PROGRESS, S.EXTENDED),
    (S.IN_PROGRESS, S.COMPLETED),
    (S.IN_PROGRESS, S.REFUSED),
    (S.IN_PROGRESS, S.CANCELLED),
    (S.EXTENDED, S.IN_PROGRESS),
}
PAIRS = list(itertools.product(RequestStatus, RequestStatus))


def test_the_code_has_exactly_this_table() -> None:
    in_code = {(origin, to) for origin, targets in TRANSITIONS.items() for to in targets}
    assert in_code == ALLOWED
    assert set(TRANSITIONS) == set(RequestStatus)


def _events(runtime: Runtime, request_id: int) -> list[tuple[str | None, str]]:
    with runtime.unit(write=False) as work:
        rows = work.session.execute(
            select(RequestEvent.from_status, RequestEvent.to_status)
            .where(RequestEvent.request_id == request_id)
            .order_by(RequestEvent.id)
        )
        return [(origin, to) for origin, to in rows]


@pytest.mark.parametrize(
    ("origin", "to"),
    PAIRS,
    ids=[f"{origin.value}->{to.value}" for origin, to in PAIRS],
)
def test_every_transition(runtime: Runtime, origin: RequestStatus, to: RequestStatus) -> None:
    with runtime.unit() as work:
        created = request_in(work, origin)
        request_id, reference = created.id, created.reference
    before = _events(runtime, request_id)
    if (origin, to) in ALLOWED:
        with runtime.unit() as work:
            request = service.find_request(work, reference)
            step(work, request, to)
            assert request.status == to.value
        assert _events(runtime, request_id) == [*before, (origin.value, to.value)]
    else:
        with pytest.raises(TransitionRefused) as refused, runtime.unit() as work:
            step(work, service.find_request(work, reference), to)
        assert f"'{origin.value}' to '{to.value}'" in refused.value.public_message
        assert isinstance(refused.value, Conflict)
        assert _events(runtime, request_id) == before
        with runtime.unit(write=False) as work:
            assert service.find_request(work, reference).status == origin.value


def test_verification_starts_the_clock_and_sets_the_due_date(runtime: Runtime) -> None:
    with runtime.unit() as work:
        request = request_in(work, S.RECEIVED)
        assert (request.clock_started_on, request.due_on) == (None, None)
        step(work, request, S.VERIFIED)
    # 25 Nov 2026 + one month = Fri 25 Dec: Christmas, Boxing Day (observed) -> Tue 29 Dec
    assert request.clock_started_on == date(2026, 11, 25)
    assert request.due_on == date(2026, 12, 29)
    assert request.verification_method == "staff_on_file"


def test_the_clock_starts_on_the_uk_day(runtime: Runtime, clock: Clock) -> None:
    clock.set(datetime(2026, 6, 30, 23, 30, tzinfo=UTC))  # 00:30 on 1 July in London
    with runtime.unit() as work:
        request = request_in(work, S.VERIFIED)
    assert request.clock_started_on == date(2026, 7, 1)
    assert request.due_on == date(2026, 8, 3)  # 1 Aug 2026 is a Saturday


def test_verification_needs_a_known_method_and_a_subject(runtime: Runtime) -> None:
    with runtime.unit() as work:
        request = request_in(work, S.RECEIVED)
        with pytest.raises(InvalidInput, match="verified"):
            advance(work, request, S.VERIFIED, actor=ACTOR, method="a hunch")
        anonymous = service.receive_request(work, kind="erasure", received_via="phone", actor=ACTOR)
        with pytest.raises(InvalidInput, match="Match the request"):
            advance(work, anonymous, S.VERIFIED, actor=ACTOR, method="sms_code")
        with pytest.raises(InvalidInput, match="Unexpected details"):
            advance(work, request, S.AWAITING_VERIFICATION, actor=ACTOR, method="sms_code")
        assert request.status == anonymous.status == "received"


def test_extension_adds_two_months_once(
    runtime: Runtime, clock: Clock, sender: OutboxSender
) -> None:
    with runtime.unit() as work:
        request = request_in(work, S.IN_PROGRESS)
        clock.advance(days=20)
        service.extend_request(
            work, request, reason="Thousands of emails", actor=ACTOR, sender=sender
        )
        assert request.status == "in_progress"
        assert request.extended is True
        assert request.extension_reason == "Thousands of emails"
        assert request.due_on == date(2027, 2, 25)
        with pytest.raises(Conflict, match="already been extended"):
            service.extend_request(work, request, reason="Even more", actor=ACTOR, sender=sender)
        assert request.due_on == date(2027, 2, 25)


def test_extension_must_come_within_the_first_month(
    runtime: Runtime, clock: Clock, sender: OutboxSender
) -> None:
    with runtime.unit() as work:
        request = request_in(work, S.VERIFIED)
        clock.set(datetime(2026, 12, 29, 12, tzinfo=UTC))  # the unextended due date: allowed
        late = request_in(work, S.VERIFIED)  # clock starts 29 Dec
        service.extend_request(work, request, reason="Complex", actor=ACTOR, sender=sender)
        clock.set(datetime(2027, 1, 30, 12, tzinfo=UTC))  # late's due date is Fri 29 Jan
        with pytest.raises(Conflict, match="first month has passed"):
            service.extend_request(work, late, reason="Complex", actor=ACTOR, sender=sender)
        assert late.extended is False


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_extension_needs_a_reason(runtime: Runtime, reason: str | None) -> None:
    with runtime.unit() as work:
        request = request_in(work, S.VERIFIED)
        with pytest.raises(InvalidInput, match="reason for extending"):
            advance(work, request, S.EXTENDED, actor=ACTOR, reason=reason)
        assert request.extended is False


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_refusal_needs_a_reason(runtime: Runtime, reason: str | None) -> None:
    with runtime.unit() as work:
        request = request_in(work, S.VERIFIED)
        with pytest.raises(InvalidInput, match=r"Art\. 12\(4\)"):
            advance(work, request, S.REFUSED, actor=ACTOR, reason=reason)
        assert request.status == "verified"


def test_closing_stamps_the_time(runtime: Runtime, clock: Clock) -> None:
    with runtime.unit() as work:
        request = request_in(work, S.VERIFIED)
        service.refuse_request(work, request, reason="Manifestly excessive", actor=ACTOR)
    assert request.refusal_reason == "Manifestly excessive"
    assert request.closed_at == clock()


def test_every_step_is_an_event_and_an_audit_entry(runtime: Runtime) -> None:
    with runtime.unit() as work:
        request = request_in(work, S.IN_PROGRESS)
        subject_ref = work.session.scalar(
            select(AuditEntry.subject_ref).where(AuditEntry.action == "subject.created")
        )
        service.refuse_request(work, request, reason="Secret words 07700900123", actor=ACTOR)
        entries = work.session.execute(
            select(AuditEntry.action, AuditEntry.subject_ref, AuditEntry.detail)
            .where(AuditEntry.action.startswith("dsr."))
            .order_by(AuditEntry.seq)
        ).all()
    assert [action for action, _, _ in entries] == [
        "dsr.received",
        "dsr.verified",
        "dsr.in_progress",
        "dsr.refused",
    ]
    assert {ref for _, ref, _ in entries} == {subject_ref}
    last = json.loads(entries[-1][2])
    assert last == {
        "reference": request.reference,
        "kind": "access",
        "from": "in_progress",
        "to": "refused",
        "due_on": "2026-12-29",
        "note": "reason_recorded",
    }
    assert all("07700900123" not in detail for _, _, detail in entries)
    assert _events(runtime, request.id) == [
        (None, "received"),
        ("received", "verified"),
        ("verified", "in_progress"),
        ("in_progress", "refused"),
    ]
