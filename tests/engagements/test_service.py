"""Engagements: bounded to the client's order, one staff member and a span of time."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from charter.audit.models import AuditEntry
from charter.engagements import service
from charter.engagements.models import Engagement
from charter.errors import Conflict, InvalidInput, NotFound, UndeclaredPurpose
from charter.orders import service as orders
from charter.runtime import Runtime, Work
from charter.vault.models import Subject
from tests import conftest

from .factories import ACTOR, Client, new_client, new_staff

pytestmark = pytest.mark.postgres


def _open(work: Work, client: Client, staff_id: int, **options: object) -> Engagement:
    subject = orders.find_subject(work, client.ref)
    return service.open_engagement(
        work,
        subject,
        order=orders.find_order(work, subject, client.order_id),
        staff_id=staff_id,
        systems=str(options.pop("systems", "office NAS, router")),
        actor=ACTOR,
        **options,  # type: ignore[arg-type]
    )


def test_open_and_close_bound_the_access_in_time(
    runtime: Runtime, clock: conftest.TestClock
) -> None:
    client = new_client(runtime)
    staff_id = new_staff(runtime)
    with runtime.unit() as work:
        engagement_id = _open(work, client, staff_id).id
    opened_at = clock()
    clock.advance(hours=3)
    with runtime.unit() as work:
        subject = orders.find_subject(work, client.ref)
        assert service.active_engagement(work, subject, staff_id, clock()) is not None
        assert service.active_engagement(work, subject, staff_id + 1, clock()) is None
        assert (
            service.active_engagement(work, subject, staff_id, opened_at - timedelta(seconds=1))
            is None
        )
        service.close_engagement(work, service.find_engagement(work, engagement_id), actor=ACTOR)
    clock.advance(minutes=1)
    with runtime.unit(write=False) as work:
        subject = orders.find_subject(work, client.ref)
        assert service.active_engagement(work, subject, staff_id, clock()) is None
        during = service.active_engagement(work, subject, staff_id, opened_at + timedelta(hours=1))
        assert during is not None
        assert during.id == engagement_id
        assert [e.id for e in service.engagements_of(work, subject)] == [engagement_id]
        assert service.list_engagements(work, open_only=True) == []
        actions = [
            (e.action, e.subject_ref, e.purpose)
            for e in work.session.scalars(
                select(AuditEntry).where(AuditEntry.action.like("engagement.%"))
            )
        ]
    assert actions == [
        ("engagement.opened", client.ref, "provide_services"),
        ("engagement.closed", client.ref, "provide_services"),
    ]


def test_refusals_change_nothing(runtime: Runtime) -> None:
    client = new_client(runtime)
    other = new_client(runtime)
    staff_id = new_staff(runtime)
    cases: list[tuple[dict[str, object], type[Exception]]] = [
        ({"systems": "jane@example.com's laptop"}, InvalidInput),
        ({"systems": "  "}, InvalidInput),
        ({"systems": "x" * 201}, InvalidInput),
        ({"purpose": "selling_data"}, UndeclaredPurpose),
    ]
    for options, error in cases:
        with pytest.raises(error), runtime.unit() as work:
            _open(work, client, staff_id, **options)
    with pytest.raises(NotFound), runtime.unit() as work:
        _open(work, client, staff_id + 99)
    with runtime.unit() as work:
        subject = work.session.get(Subject, client.subject_id)
        assert subject is not None
        foreign = orders.find_order(work, orders.find_subject(work, other.ref), other.order_id)
        with pytest.raises(NotFound):
            service.open_engagement(
                work, subject, order=foreign, staff_id=staff_id, systems="laptop", actor=ACTOR
            )
    with runtime.unit(write=False) as work:
        assert work.session.scalars(select(Engagement)).first() is None
    with runtime.unit() as work:
        engagement = _open(work, client, staff_id)
        with pytest.raises(Conflict):
            _open(work, client, staff_id)
        service.close_engagement(work, engagement, actor=ACTOR)
        with pytest.raises(Conflict):
            service.close_engagement(work, engagement, actor=ACTOR)
