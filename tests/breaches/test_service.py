"""The breach register: logging, the 72-hour clock, who is affected, the decisions and
the ICO draft (Art. 33-34)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from charter.audit.models import AuditEntry
from charter.breaches import service
from charter.breaches.models import Breach
from charter.errors import CategoryNotAllowed, Conflict, InvalidInput
from charter.runtime import Runtime, Work
from charter.vault import service as vault
from charter.vault.models import Subject
from tests import conftest

pytestmark = pytest.mark.postgres

ACTOR = "staff:test"


def _log(work: Work, **overrides: object) -> Breach:
    now = work.now()
    values: dict[str, object] = {
        "aware_at": now,
        "description": "Backup drive lost in transit.",
        "categories": ["contact"],
        "period_from": now - timedelta(days=1),
        "period_to": now,
        "likely_consequences": "Unwanted contact.",
        "measures": "Courier investigation; drive was encrypted.",
        "risk_level": "risk",
        "actor": ACTOR,
    }
    values.update(overrides)
    return service.log_breach(work, **values)  # type: ignore[arg-type]


def _with_contact(work: Work, email: str) -> Subject:
    subject = vault.create_subject(work, actor=ACTOR)
    vault.store_personal_data(
        work,
        subject,
        collection_point="newsletter",
        values={"contact.email": email},
        source="test",
        actor=ACTOR,
    )
    return subject


def test_the_72_hour_clock_runs_from_awareness(runtime: Runtime, clock: conftest.TestClock) -> None:
    with runtime.unit() as work:
        breach = _log(work, aware_at=work.now() - timedelta(hours=2))
        reference = breach.reference
        first = service.notification_clock(work, breach)
    assert first.deadline == breach.aware_at + timedelta(hours=72)
    assert first.remaining == timedelta(hours=70)
    assert first.label() == "70 h 00 min left"
    assert not first.overdue
    clock.advance(hours=71, minutes=30)
    with runtime.unit(write=False) as work:
        late = service.notification_clock(work, service.find_breach(work, reference))
    assert late.overdue
    assert late.label() == "overdue by 1 h 30 min"
    with runtime.unit() as work:
        found = service.find_breach(work, reference)
        service.record_ico_notification(
            work, found, notified_at=work.now() - timedelta(hours=1), actor=ACTOR
        )
        stopped = service.notification_clock(work, found)
    assert stopped.notified
    assert not stopped.overdue
    assert stopped.label() == "ICO notified"
    clock.advance(days=10)
    with runtime.unit(write=False) as work:
        again = service.notification_clock(work, service.find_breach(work, reference))
    assert again.remaining == timedelta(minutes=-30)
    with runtime.unit(write=False) as work:
        entry = work.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "breach.ico_notified")
        ).one()
    assert '"late":true' in entry.detail


def test_affected_subjects_by_category_and_period(
    runtime: Runtime, clock: conftest.TestClock
) -> None:
    start = clock()
    with runtime.unit() as work:
        early = _with_contact(work, "early@example.org")
    clock.advance(days=10)
    with runtime.unit() as work:
        later = _with_contact(work, "later@example.org")
        vault.store_personal_data(
            work,
            work.session.get(Subject, early.id),  # type: ignore[arg-type]
            collection_point="newsletter",
            values={"contact.email": "early.new@example.org"},
            source="test",
            actor=ACTOR,
        )
        not_contact = vault.create_subject(work, actor=ACTOR)
        vault.store_personal_data(
            work,
            not_contact,
            collection_point="orders",
            values={"transaction.purchases": "Printer repair"},
            source="test",
            actor=ACTOR,
        )
    with runtime.unit(write=False) as work:
        first_week = service.affected_subjects(
            work, categories=["contact"], period_from=start, period_to=start + timedelta(days=7)
        )
        whole = service.affected_subjects(
            work, categories=["contact"], period_from=start, period_to=clock()
        )
        both = service.affected_subjects(
            work,
            categories=["contact", "transaction"],
            period_from=clock(),
            period_to=clock(),
        )
    assert (first_week.count, first_week.refs) == (1, [early.ref])
    assert whole.count == 2
    assert set(whole.refs) == {early.ref, later.ref}
    assert set(both.refs) == {early.ref, later.ref, not_contact.ref}


def test_a_breach_is_recorded_without_personal_data(runtime: Runtime) -> None:
    with runtime.unit() as work:
        breach = _log(work, categories=["contact", "identity", "contact"])
        reference = breach.reference
    assert reference.startswith("BR-")
    assert breach.categories == ["contact", "identity"]
    with runtime.unit(write=False) as work:
        entry = work.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "breach.logged")
        ).one()
        assert reference in entry.detail
        assert "Backup drive" not in entry.detail


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"description": "Sent jane@example.com's file to the wrong client"}, InvalidInput),
        ({"measures": "Called 0117 496 0123 to apologise"}, InvalidInput),
        ({"description": " "}, InvalidInput),
        ({"risk_level": "medium"}, InvalidInput),
        ({"categories": []}, InvalidInput),
        ({"categories": ["health"]}, CategoryNotAllowed),
        ({"aware_at": conftest.START + timedelta(days=1)}, InvalidInput),
        (
            {"period_from": conftest.START, "period_to": conftest.START - timedelta(days=1)},
            InvalidInput,
        ),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(
    runtime: Runtime, overrides: dict[str, object], error: type[Exception]
) -> None:
    with pytest.raises(error), runtime.unit() as work:
        _log(work, **overrides)
    with runtime.unit(write=False) as work:
        assert work.session.scalars(select(Breach)).first() is None


def test_the_decision_to_tell_people_is_recorded(runtime: Runtime) -> None:
    with runtime.unit() as work:
        high = _log(work, risk_level="high")
        with pytest.raises(InvalidInput, match="34\\(3\\)"):
            service.decide_subject_notification(
                work, high, notify=False, reason="Too much work", actor=ACTOR
            )
        service.decide_subject_notification(
            work,
            high,
            notify=False,
            reason="34(3)(a): the data was encrypted and the key was not lost",
            actor=ACTOR,
        )
        assert high.subjects_notified is False
        assert high.subjects_decided_at == work.now()
        low = _log(work, risk_level="risk")
        service.decide_subject_notification(
            work, low, notify=True, reason="Telling them anyway, to be open.", actor=ACTOR
        )
        assert low.subjects_notified is True
        service.record_ico_notification(work, low, notified_at=work.now(), actor=ACTOR)
        with pytest.raises(Conflict):
            service.record_ico_notification(work, low, notified_at=work.now(), actor=ACTOR)


def test_the_ico_draft_is_prefilled(runtime: Runtime) -> None:
    with runtime.unit() as work:
        _with_contact(work, "someone@example.org")
        breach = _log(work, aware_at=work.now() - timedelta(hours=80))
        draft = service.notification_draft(work, breach)
    assert "AJP IT Services" in draft
    assert "privacy@ajp-it-services.example" in draft
    assert "0117 929 1509" in draft
    assert breach.reference in draft
    assert "Backup drive lost in transit." in draft
    assert "Categories of personal data: Contact Data" in draft
    assert "Approximate number of people concerned: 1" in draft
    assert "Reasons for notifying after 72 hours" in draft
    assert "someone@example.org" not in draft
    assert "decision not yet recorded" in draft
