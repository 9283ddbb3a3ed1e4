"""Use cases around the state machine: receipt, the work queue, and s.173 legal holds."""

from __future__ import annotations

import re
from datetime import date

import pytest

from charter.errors import InvalidInput, NotFound
from charter.rights import service
from charter.rights.models import RequestKind
from charter.runtime import Runtime
from tests.conftest import TestClock as Clock

from .factories import ACTOR, S, new_subject, request_in, step


def test_receipt_gets_a_public_reference_and_no_clock_yet(runtime: Runtime) -> None:
    with runtime.unit() as work:
        request = service.receive_request(work, kind="access", received_via="web", actor=ACTOR)
        assert re.fullmatch(r"DSR-[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}", request.reference)
        assert request.status == "received"
        assert request.subject_id is None
        assert (request.due_on, request.extended) == (None, False)
        assert service.find_request(work, request.reference.lower()) is request


@pytest.mark.parametrize(
    ("kind", "via"), [("gossip", "web"), ("access", "pigeon")], ids=["kind", "route"]
)
def test_receipt_refuses_unknown_kinds_and_routes(runtime: Runtime, kind: str, via: str) -> None:
    with pytest.raises(InvalidInput), runtime.unit() as work:
        service.receive_request(work, kind=kind, received_via=via, actor=ACTOR)


def test_unknown_reference(runtime: Runtime) -> None:
    with pytest.raises(NotFound), runtime.unit(write=False) as work:
        service.find_request(work, "DSR-AAAA-AAAA")


def test_verify_matches_the_subject(runtime: Runtime) -> None:
    with runtime.unit() as work:
        subject = new_subject(work)
        request = service.receive_request(work, kind="erasure", received_via="letter", actor=ACTOR)
        service.verify_request(
            work,
            request,
            method="email_link",
            actor=ACTOR,
            subject=subject,
            clock_started_on=date(2027, 1, 31),
        )
    assert request.subject_id == subject.id
    assert request.due_on == date(2027, 3, 1)


def test_fulfil_and_cancel_close_the_request(runtime: Runtime) -> None:
    with runtime.unit() as work:
        done = request_in(work, S.IN_PROGRESS)
        service.fulfil_request(work, done, actor=ACTOR, outcome_note="Copy sent by post")
        dropped = request_in(work, S.AWAITING_VERIFICATION)
        service.cancel_request(work, dropped, actor=ACTOR)
    assert (done.status, done.outcome) == ("completed", "Copy sent by post")
    assert dropped.status == "cancelled"
    assert done.closed_at is not None
    assert dropped.closed_at is not None


def test_open_requests_soonest_due_first(runtime: Runtime, clock: Clock) -> None:
    with runtime.unit() as work:
        unverified = request_in(work, S.RECEIVED)
        request_in(work, S.COMPLETED)
        later = request_in(work, S.VERIFIED)  # clock starts 25 Nov: due 29 Dec
        clock.advance(days=-10)
        sooner = request_in(work, S.IN_PROGRESS)  # 15 Nov: due 15 Dec
        assert service.open_requests(work) == [sooner, later, unverified]
        assert service.open_requests(work, overdue_only=True) == []
        clock.set(clock().replace(year=2026, month=12, day=16))
        assert service.open_requests(work, overdue_only=True) == [sooner]
        assert service.is_request_overdue(work, sooner)
        assert not service.is_request_overdue(work, unverified)


def test_history_lists_every_step(runtime: Runtime) -> None:
    with runtime.unit() as work:
        request = request_in(work, S.EXTENDED)
        steps = [
            (event.from_status, event.to_status) for event in service.request_history(work, request)
        ]
    assert steps == [(None, "received"), ("received", "verified"), ("verified", "extended")]


def test_an_open_access_request_holds_deletion(runtime: Runtime) -> None:
    """DPA 2018 s.173: no deleting what an open access request covers."""
    with runtime.unit() as work:
        subject = new_subject(work)
        other = new_subject(work)
        assert service.holds_for(work, subject) == []
        request = request_in(work, S.VERIFIED, subject=subject)
        request_in(work, S.IN_PROGRESS, subject=subject, kind=RequestKind.ERASURE)
        [hold] = service.holds_for(work, subject)
        assert request.reference in hold
        assert "s.173" in hold
        assert service.holds_for(work, other) == []
        step(work, request, S.COMPLETED)
        assert service.holds_for(work, subject) == []


def test_portability_holds_too_and_each_request_is_named(runtime: Runtime) -> None:
    with runtime.unit() as work:
        subject = new_subject(work)
        first = request_in(work, S.RECEIVED, subject=subject)
        second = request_in(work, S.RECEIVED, subject=subject, kind=RequestKind.PORTABILITY)
        holds = service.holds_for(work, subject)
    assert len(holds) == 2
    assert first.reference in holds[0]
    assert second.reference in holds[1]
