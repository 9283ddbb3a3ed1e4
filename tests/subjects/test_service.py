"""The timeline through the service, on both backends: every feature's events in time
order, no values unless asked, the purpose gate, restriction and erasure."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from charter.audit.models import AuditEntry
from charter.erasure.service import erase_subject
from charter.errors import ProcessingRestricted, UndeclaredPurpose
from charter.rights.service import find_request, fulfil_request
from charter.runtime import Runtime
from charter.subjects import service
from charter.subjects.schemas import Source, TimelineEntry
from tests import conftest
from tests.enquiries.factories import FIRST_NAME, NORMALISED_EMAIL
from tests.staff.factories import receive_enquiry

from .factories import ACTOR, PURCHASE, SECRETS, busy_person, restrict

pytestmark = pytest.mark.postgres


def _text(entries: list[TimelineEntry]) -> str:
    return "\n".join(f"{e.title} {e.detail} {e.reference} {e.link} {e.value}" for e in entries)


def test_timeline_merges_every_feature_in_time_order(
    runtime: Runtime, clock: conftest.TestClock
) -> None:
    person = busy_person(runtime)
    clock.advance(minutes=5)
    restrict(runtime, person.ref)
    with runtime.unit() as work:
        subject = service.subject_by_ref(work, person.ref)
        entries = service.subject_timeline(work, subject, actor=ACTOR, purpose="rights_requests")
    assert [e.at for e in entries] == sorted(e.at for e in entries)
    sources = {e.source for e in entries}
    assert sources == {
        Source.LIFECYCLE,
        Source.VAULT,
        Source.CONSENT,
        Source.ENQUIRY,
        Source.CORRESPONDENCE,
        Source.REQUEST,
        Source.ORDER,
    }
    titles = [e.title for e in entries]
    assert titles[0] == "Person recorded"
    assert titles[-1] == "Processing restricted (Art. 18)"
    assert "Collected contact.email" in titles
    assert "Consent given: marketing by email" in titles
    assert "Enquiry received" in titles
    assert "Email received" in titles
    assert "Access request verified" in titles
    assert f"Invoice {person.invoice} recorded" in titles
    assert f"Payment recorded against {person.invoice}" in titles
    by_ref = {e.reference: e for e in entries if e.reference}
    assert by_ref[person.enquiry].link == f"/admin/enquiries/{person.enquiry}"
    assert by_ref[person.request].link == f"/admin/requests/{person.request}"
    text = _text(entries)
    for secret in SECRETS:
        assert secret not in text


def test_values_only_when_revealed_and_only_for_the_purpose(runtime: Runtime) -> None:
    person = busy_person(runtime)
    with runtime.unit() as work:
        subject = service.subject_by_ref(work, person.ref)
        entries = service.subject_timeline(
            work, subject, actor=ACTOR, purpose="provide_services", reveal=True
        )
    values = {e.title: e.value for e in entries if e.value is not None}
    assert values["Collected identity.first_name"] == FIRST_NAME
    assert values["Collected contact.email"] == NORMALISED_EMAIL
    assert values["Collected transaction.purchases"] == PURCHASE
    # Bank details and message text are never revealed on a timeline.
    assert "Collected financial.bank_account" not in values
    assert not any(title.startswith("Collected communications.") for title in values)
    with runtime.unit() as work:
        subject = service.subject_by_ref(work, person.ref)
        narrow = service.subject_timeline(
            work, subject, actor=ACTOR, purpose="respond_to_queries", reveal=True
        )
    assert "Collected transaction.purchases" not in {e.title for e in narrow if e.value}


def test_every_view_is_audited_with_its_purpose_and_no_value(runtime: Runtime) -> None:
    person = busy_person(runtime)
    with runtime.unit() as work:
        subject = service.subject_by_ref(work, person.ref)
        service.subject_overview(work, subject, actor="staff:7", purpose="investigate_complaints")
        found = service.find_person(
            work, email=NORMALISED_EMAIL.upper(), actor="staff:7", purpose="respond_to_queries"
        )
        assert found is not None
        assert found.ref == person.ref
        assert (
            service.find_person(
                work, email="nobody@example.org", actor="staff:7", purpose="respond_to_queries"
            )
            is None
        )
    with runtime.unit(write=False) as work:
        rows = list(
            work.session.scalars(
                select(AuditEntry).where(AuditEntry.actor == "staff:7").order_by(AuditEntry.seq)
            )
        )
    assert [(r.action, r.purpose, r.subject_ref) for r in rows] == [
        ("subject.timeline_viewed", "investigate_complaints", person.ref),
        ("subject.looked_up", "respond_to_queries", person.ref),
        ("subject.looked_up", "respond_to_queries", None),
    ]
    assert json.loads(rows[2].detail) == {"by": ["email"], "found": False}
    for row in rows:
        for secret in (*SECRETS, "nobody@example.org"):
            assert secret.lower() not in row.detail.lower()


@pytest.mark.parametrize("purpose", ["marketing", "analytics", "no_such_purpose"])
def test_marketing_consent_and_undeclared_purposes_open_nothing(
    runtime: Runtime, purpose: str
) -> None:
    person = busy_person(runtime)
    with runtime.unit() as work:
        subject = service.subject_by_ref(work, person.ref)
        expected = UndeclaredPurpose if purpose == "no_such_purpose" else service.NotAViewingPurpose
        with pytest.raises(expected):
            service.subject_timeline(work, subject, actor=ACTOR, purpose=purpose)
        with pytest.raises(expected):
            service.find_person(work, email=NORMALISED_EMAIL, actor=ACTOR, purpose=purpose)


def test_restricted_person_opens_only_for_purposes_permitted_under_restriction(
    runtime: Runtime,
) -> None:
    person = busy_person(runtime)
    restrict(runtime, person.ref)
    with runtime.unit() as work:
        subject = service.subject_by_ref(work, person.ref)
        with pytest.raises(ProcessingRestricted):
            service.subject_overview(work, subject, actor=ACTOR, purpose="respond_to_queries")
        overview = service.subject_overview(work, subject, actor=ACTOR, purpose="legal_compliance")
    assert overview.restricted_at is not None
    assert overview.restriction_reason == "accuracy_contested"
    assert [p.id for p in service.viewing_purposes(runtime.policy, restricted=True)] == [
        "legal_compliance",
        "rights_requests",
    ]


def test_overview_lists_consents_open_requests_and_orders(runtime: Runtime) -> None:
    person = busy_person(runtime)
    with runtime.unit() as work:
        subject = service.subject_by_ref(work, person.ref)
        overview = service.subject_overview(work, subject, actor=ACTOR, purpose="communicate")
    assert [(c.purpose, c.channel, c.given) for c in overview.consents] == [
        ("marketing", "email", True)
    ]
    assert [r.reference for r in overview.open_requests] == [person.request]
    assert overview.orders == 1
    assert overview.values_shown is False


def test_erasure_leaves_the_tombstone_and_the_statutory_records(
    runtime: Runtime, clock: conftest.TestClock
) -> None:
    person = busy_person(runtime)
    with runtime.unit() as work:
        fulfil_request(work, find_request(work, person.request), actor=ACTOR)
    clock.advance(minutes=1)
    with runtime.unit() as work:
        erase_subject(work, service.subject_by_ref(work, person.ref), actor=ACTOR)
    with runtime.unit() as work:
        subject = service.subject_by_ref(work, person.ref)
        entries = service.subject_timeline(
            work, subject, actor=ACTOR, purpose="legal_compliance", reveal=True
        )
    titles = [e.title for e in entries]
    assert "Erased (restricted)" in titles
    assert "Processing restricted (Art. 18)" in titles
    assert f"Invoice {person.invoice} recorded" in titles
    assert "Collected contact.email" not in titles
    values = {e.title: e.value for e in entries if e.value}
    assert values == {"Collected transaction.purchases": PURCHASE, **_payment_values(entries)}


def _payment_values(entries: list[TimelineEntry]) -> dict[str, str]:
    return {
        e.title: e.value for e in entries if e.value and e.title == "Collected transaction.payments"
    }


def test_shredded_person_shows_what_happened_and_no_value(runtime: Runtime) -> None:
    receipt = receive_enquiry(runtime)
    with runtime.unit() as work:
        erase_subject(work, service.subject_by_ref(work, receipt.subject_ref), actor=ACTOR)
    with runtime.unit() as work:
        subject = service.subject_by_ref(work, receipt.subject_ref)
        overview = service.subject_overview(
            work, subject, actor=ACTOR, purpose="respond_to_queries", reveal=True
        )
    titles = [e.title for e in overview.timeline]
    assert overview.erased_at is not None
    assert overview.values_shown is False
    assert "Erased (shredded)" in titles
    assert "Data key destroyed (crypto-shredding, Art. 17)" in titles
    assert not any(e.value for e in overview.timeline)


def test_unknown_reference_is_not_found(runtime: Runtime) -> None:
    from charter.errors import NotFound

    with runtime.unit(write=False) as work:
        for ref in ("", "0" * 32, "x" * 200):
            with pytest.raises(NotFound):
                service.subject_by_ref(work, ref)


def test_disclosures_and_engagements_join_the_timeline(
    runtime: Runtime, clock: conftest.TestClock
) -> None:
    from charter.disclosures.service import record_disclosure
    from charter.engagements.service import close_engagement, find_engagement, open_engagement
    from charter.orders.models import Order
    from charter.staff.service import create_staff

    person = busy_person(runtime)
    clock.advance(minutes=1)
    with runtime.unit() as work:
        subject = service.subject_by_ref(work, person.ref)
        record_disclosure(
            work,
            subject,
            recipient="payment_processor",
            purpose="provide_services",
            categories=["transaction"],
            reference="ORDER-1",
            actor=ACTOR,
        )
        engineer = create_staff(
            work,
            email="engineer@ajp-it-services.example",
            password="correct horse battery staple",
            role="staff",
            actor=ACTOR,
        )
        order = work.session.scalars(select(Order).where(Order.subject_id == subject.id)).one()
        engagement_id = open_engagement(
            work, subject, order=order, staff_id=engineer.id, systems="office NAS", actor=ACTOR
        ).id
    clock.advance(hours=2)
    with runtime.unit() as work:
        close_engagement(work, find_engagement(work, engagement_id), actor=ACTOR)
    with runtime.unit() as work:
        subject = service.subject_by_ref(work, person.ref)
        entries = service.subject_timeline(work, subject, actor=ACTOR, purpose="provide_services")
    titles = [e.title for e in entries]
    assert "Disclosed to payment_processor" in titles
    opened = titles.index(f"Engagement opened for order {order.id}")
    closed = titles.index(f"Engagement closed for order {order.id}")
    assert titles.index("Disclosed to payment_processor") < opened < closed == len(titles) - 1
    assert {e.source for e in entries} >= {Source.DISCLOSURE, Source.ENGAGEMENT}
