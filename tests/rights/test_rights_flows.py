"""Rectification, objection, complaints, erasure cooling-off, extension notices, reminders
and downgraded verification, through the staff console (real HTTP into the app), the API,
the periodic job and the CLI, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from charter.api.schemas import Scope
from charter.audit.models import AuditEntry
from charter.disclosures.models import RecipientNotice
from charter.disclosures.service import record_disclosure
from charter.jobs.schedule import job_named
from charter.rights import service
from charter.rights.models import Objection, RequestKind, RequestReminder, SubjectRequest
from charter.rights.notices import ico_escalation_text
from charter.rights.objections import ObjectionUpheld, check_not_objected
from charter.runtime import Runtime
from charter.vault import service as vault
from charter.vault.models import Subject
from tests import conftest
from tests.api.factories import bearer, mint_token
from tests.app_client import AppClient, app_client
from tests.privacy_centre.factories import EMAIL, new_customer
from tests.staff.factories import add_staff, audit_entries, email_for, sign_in
from tests.web.asgi import body_text, outbox_messages

from .factories import ACTOR

pytestmark = pytest.mark.postgres


@pytest.fixture
def client(runtime: Runtime) -> Iterator[AppClient]:
    with app_client(runtime) as opened:
        yield opened


def mail(runtime: Runtime) -> Path:
    """Where the app's own sender (built from the settings) writes emails."""
    return runtime.settings.data_dir / "outbox"


def _subject(runtime: Runtime, ref: str) -> Subject:
    with runtime.unit(write=False) as work:
        found = work.session.scalars(select(Subject).where(Subject.ref == ref)).one()
        work.session.expunge(found)
        return found


def verified_request(runtime: Runtime, kind: RequestKind, *, ref: str | None = None) -> str:
    """A request of ``kind`` from a customer on file (``ref`` or a new one), verified by
    staff through a channel on file; returns its reference."""
    ref = ref or new_customer(runtime)
    with runtime.unit() as work:
        subject = work.session.scalars(select(Subject).where(Subject.ref == ref)).one()
        request = service.receive_request(
            work, kind=kind.value, received_via="email", actor=ACTOR, subject=subject
        )
        service.verify_request(work, request, method="staff_on_file", actor=ACTOR)
        return request.reference


def stored(runtime: Runtime, reference: str) -> SubjectRequest:
    with runtime.unit(write=False) as work:
        found = service.find_request(work, reference)
        work.session.expunge(found)
        return found


def signed_in(runtime: Runtime, client: AppClient, role: str) -> None:
    add_staff(runtime, role)
    assert sign_in(client, email_for(role)).status_code == 303


def post(client: AppClient, reference: str, action: str, **fields: str) -> int:
    token = client.csrf(f"/admin/requests/{reference}")
    response = client.post(
        f"/admin/requests/{reference}/{action}", data={"csrf_token": token, **fields}
    )
    return response.status_code


# Rectification (Art. 16, 19) --------------------------------------------------------------


def test_rectification_replaces_the_value_and_queues_art19_notices(
    runtime: Runtime, client: AppClient
) -> None:
    ref = new_customer(runtime)
    with runtime.unit() as work:
        subject = work.session.scalars(select(Subject).where(Subject.ref == ref)).one()
        record_disclosure(
            work,
            subject,
            recipient="payment_processor",
            purpose="provide_services",
            categories=["identity", "contact"],
            reference="ORDER-1001",
            actor=ACTOR,
        )
    reference = verified_request(runtime, RequestKind.RECTIFICATION, ref=ref)
    signed_in(runtime, client, "staff")
    page = client.get(f"/admin/requests/{reference}").text
    assert "Ada" in page  # the current value, shown to compare
    with runtime.unit(write=False) as work:
        purposes = work.session.scalars(
            select(AuditEntry.purpose).where(AuditEntry.action == "personal_data.read")
        ).all()
        assert set(purposes) == {"rights_requests"}
    assert post(client, reference, "rectify", field="contact.email", value="not mail") == 422
    assert post(client, reference, "rectify", field="identity.shoe_size", value="9") == 403
    token = client.csrf(f"/admin/requests/{reference}")
    response = client.post(
        f"/admin/requests/{reference}/rectify",
        data={"csrf_token": token, "field": "identity.first_name", "value": " Adah "},
    )
    assert response.status_code == 303
    assert "Art. 19 notices queued for 1 recipient" in client.get(response.headers["location"]).text
    with runtime.unit(write=False) as work:
        subject = work.session.scalars(select(Subject).where(Subject.ref == ref)).one()
        held = vault.read_personal_data(work, subject, purpose="rights_requests", actor=ACTOR)
        assert held["identity.first_name"] == "Adah"
        notices = work.session.scalars(select(RecipientNotice)).all()
        assert [(n.recipient, n.event, n.request_reference) for n in notices] == [
            ("payment_processor", "rectification", reference)
        ]
    (applied,) = audit_entries(runtime, "rectification.applied")
    assert "Adah" not in applied.detail
    assert stored(runtime, reference).status == "verified"  # staff close it when done


def test_rectification_of_an_address_is_validated_and_normalised(
    runtime: Runtime, client: AppClient
) -> None:
    ref = new_customer(runtime)
    reference = verified_request(runtime, RequestKind.RECTIFICATION, ref=ref)
    signed_in(runtime, client, "staff")
    assert (
        post(client, reference, "rectify", field="contact.email", value=" Ada@Example.ORG ") == 303
    )
    with runtime.unit(write=False) as work:
        assert vault.find_subject(work, email="ada@example.org") is not None
        assert vault.find_subject(work, email=EMAIL) is None  # the old index is gone


# Objection (Art. 21) --------------------------------------------------------------------


def test_legitimate_interests_objection_upheld_stops_that_processing(
    runtime: Runtime, client: AppClient
) -> None:
    ref = new_customer(runtime)
    reference = verified_request(runtime, RequestKind.OBJECTION, ref=ref)
    subject = _subject(runtime, ref)
    with runtime.unit(write=False) as work:
        check_not_objected(work, subject, purpose="respond_to_queries")  # allowed before
    signed_in(runtime, client, "staff")
    assert post(client, reference, "objection", decision="upheld") == 303
    assert stored(runtime, reference).status == "completed"
    with runtime.unit(write=False) as work:
        for purpose in ("respond_to_queries", "communicate", "administer_website"):
            with pytest.raises(ObjectionUpheld):
                check_not_objected(work, subject, purpose=purpose)
        check_not_objected(work, subject, purpose="provide_services")  # contract: goes on
        check_not_objected(work, subject, purpose="rights_requests")  # legal obligation
    told = outbox_messages(mail(runtime))[-1]
    assert told["To"] == EMAIL
    assert "upheld your objection" in body_text(told)


def test_compelling_grounds_need_a_reason_and_processing_goes_on(
    runtime: Runtime, client: AppClient
) -> None:
    ref = new_customer(runtime)
    reference = verified_request(runtime, RequestKind.OBJECTION, ref=ref)
    signed_in(runtime, client, "staff")
    assert post(client, reference, "objection", decision="compelling_grounds") == 422
    assert stored(runtime, reference).status == "verified"
    grounds = "We must keep answering your open warranty claim."
    assert post(client, reference, "objection", decision="compelling_grounds", note=grounds) == 303
    with runtime.unit(write=False) as work:
        (objection,) = work.session.scalars(select(Objection)).all()
        assert (objection.decision, objection.purposes) == ("compelling_grounds", [])
        check_not_objected(work, _subject(runtime, ref), purpose="respond_to_queries")
    text = body_text(outbox_messages(mail(runtime))[-1])
    assert grounds in text
    assert " ".join(ico_escalation_text(runtime.policy).split()) in " ".join(text.split())


# Complaints (DPA 2018 s.164A) -------------------------------------------------------------


def test_complaint_is_acknowledged_tracked_and_answered_with_the_ico_text(
    runtime: Runtime, client: AppClient, clock: conftest.TestClock
) -> None:
    reference = verified_request(runtime, RequestKind.COMPLAINT)
    clock.advance(days=31)
    signed_in(runtime, client, "staff")
    queue = client.get("/admin/requests").text.split("Complaints to acknowledge")[1]
    assert reference in queue
    assert "Acknowledgement overdue" in queue
    assert post(client, reference, "fulfil") == 409  # closed only by an outcome
    assert post(client, reference, "acknowledge") == 303
    assert stored(runtime, reference).acknowledged_at is not None
    assert "Every complaint has been acknowledged" in client.get("/admin/requests").text
    assert post(client, reference, "acknowledge") == 409
    assert post(client, reference, "complaint-outcome", decision="maybe") == 422
    note = "We have retrained the team member concerned."
    assert post(client, reference, "complaint-outcome", decision="upheld", note=note) == 303
    found = stored(runtime, reference)
    assert (found.status, found.outcome) == ("completed", "complaint_upheld")
    acknowledgement, response = outbox_messages(mail(runtime))[-2:]
    assert "received your complaint" in body_text(acknowledgement)
    text = " ".join(body_text(response).split())
    assert note in text
    assert " ".join(ico_escalation_text(runtime.policy).split()) in text
    assert audit_entries(runtime, "complaint.outcome_recorded")


# Erasure cooling-off (Art. 17) ------------------------------------------------------------


def test_erasure_is_refused_during_cooling_off_and_approved_after(
    runtime: Runtime, client: AppClient, clock: conftest.TestClock
) -> None:
    reference = verified_request(runtime, RequestKind.ERASURE)
    signed_in(runtime, client, "privacy_officer")
    page = client.get(f"/admin/requests/{reference}").text
    assert "Cooling-off ends" in page
    assert "Approve and erase" not in page
    assert post(client, reference, "erase") == 409
    assert not audit_entries(runtime, "erasure.completed")
    clock.advance(hours=runtime.settings.erasure_cooling_off_hours)
    assert sign_in(client, email_for("privacy_officer")).status_code == 303
    assert "Approve and erase" in client.get(f"/admin/requests/{reference}").text
    assert post(client, reference, "erase") == 303
    assert audit_entries(runtime, "erasure.completed")
    assert stored(runtime, reference).status == "completed"


# Extension notice (Art. 12(3)) -------------------------------------------------------------


def test_extension_emails_the_reasons_to_the_address_on_file(
    runtime: Runtime, client: AppClient
) -> None:
    reference = verified_request(runtime, RequestKind.ACCESS)
    signed_in(runtime, client, "staff")
    reason = "Your request covers eight years of archived email."
    assert post(client, reference, "extend", note=reason) == 303
    found = stored(runtime, reference)
    assert found.extended
    (message,) = outbox_messages(mail(runtime))
    assert message["To"] == EMAIL
    text = body_text(message)
    assert reason in text
    assert reference in text
    assert found.due_on is not None
    assert f"{found.due_on:%-d %B %Y}" in text
    assert audit_entries(runtime, "rights.notice_sent")


# Deadline reminders (Art. 12(3)) -----------------------------------------------------------


def test_reminder_job_names_each_request_once_per_threshold(
    runtime: Runtime, clock: conftest.TestClock
) -> None:
    soon = verified_request(runtime, RequestKind.ACCESS)  # due Tue 29 Dec 2026
    clock.advance(days=20)
    later = verified_request(runtime, RequestKind.ERASURE)  # due mid January
    clock.advance(days=10)  # 25 Dec: `soon` is due within 7 days
    job = job_named("rights.deadline_reminders")
    assert job.every.total_seconds() == 6 * 3600
    assert job.run(runtime) == 1
    assert job.run(runtime) == 0  # idempotent
    (first,) = outbox_messages(mail(runtime))
    assert first["To"] == runtime.settings.staff_notification_email
    text = body_text(first)
    assert soon in text
    assert later not in text
    assert "Ada" not in text
    assert EMAIL not in text
    clock.advance(days=5)  # 30 Dec: `soon` is overdue
    assert job.run(runtime) == 1
    assert job.run(runtime) == 0
    second = outbox_messages(mail(runtime))[-1]
    assert soon in body_text(second)
    assert "OVERDUE" in body_text(second)
    with runtime.unit(write=False) as work:
        thresholds = work.session.scalars(
            select(RequestReminder.threshold).order_by(RequestReminder.id)
        ).all()
        assert thresholds == ["due_soon", "overdue"]
    assert len(outbox_messages(mail(runtime))) == 2


# Downgraded verification ----------------------------------------------------------------------


@pytest.mark.parametrize("role", ["staff", "admin"])
def test_only_a_privacy_officer_accepts_a_weaker_check(
    runtime: Runtime, client: AppClient, role: str
) -> None:
    ref = new_customer(runtime)
    with runtime.unit() as work:
        subject = work.session.scalars(select(Subject).where(Subject.ref == ref)).one()
        reference = service.receive_request(
            work, kind="access", received_via="phone", actor=ACTOR, subject=subject
        ).reference
    signed_in(runtime, client, role)
    page = client.get(f"/admin/requests/{reference}").text
    assert 'type="file"' not in page
    assert "Never ask for or keep a copy of an identity document" in page
    status = post(
        client,
        reference,
        "verify",
        check="known_customer_in_person",
        reason="no_channel_on_file",
    )
    assert status == 403
    assert stored(runtime, reference).status == "received"
    assert post(client, reference, "verify", check="reply_from_email_on_file") == 303
    assert stored(runtime, reference).verification_method == "staff_on_file"


def test_a_privacy_officer_downgrades_with_a_reason_and_it_is_audited(
    runtime: Runtime, client: AppClient
) -> None:
    ref = new_customer(runtime)
    with runtime.unit() as work:
        subject = work.session.scalars(select(Subject).where(Subject.ref == ref)).one()
        reference = service.receive_request(
            work, kind="access", received_via="phone", actor=ACTOR, subject=subject
        ).reference
    signed_in(runtime, client, "privacy_officer")
    assert post(client, reference, "verify", check="known_customer_in_person") == 422
    assert stored(runtime, reference).status == "received"
    status = post(
        client, reference, "verify", check="known_customer_in_person", reason="no_channel_on_file"
    )
    assert status == 303
    assert stored(runtime, reference).verification_method == "staff_downgraded"
    (entry,) = audit_entries(runtime, "dsr.verification_downgraded")
    assert "no_channel_on_file" in entry.detail


# The API sees the outcome ----------------------------------------------------------------------


def test_api_shows_a_request_closed_by_an_objection(runtime: Runtime, client: AppClient) -> None:
    reference = verified_request(runtime, RequestKind.OBJECTION)
    signed_in(runtime, client, "staff")
    assert post(client, reference, "objection", decision="stop_marketing") == 303
    token = mint_token(runtime, "crm", [Scope.REQUESTS_READ])
    response = client.get(f"/api/v1/requests/{reference}", headers=bearer(token))
    assert response.status_code == 200
    assert response.json()["status"] == "completed"
    assert "@" not in response.text


def test_a_complaint_verified_by_staff_is_acknowledged_at_once(
    runtime: Runtime, client: AppClient
) -> None:
    ref = new_customer(runtime)
    with runtime.unit() as work:
        subject = work.session.scalars(select(Subject).where(Subject.ref == ref)).one()
        reference = service.receive_request(
            work, kind="complaint", received_via="phone", actor=ACTOR, subject=subject
        ).reference
    signed_in(runtime, client, "staff")
    assert post(client, reference, "verify", check="called_back_on_file_number") == 303
    assert stored(runtime, reference).acknowledged_at is not None
    (message,) = outbox_messages(mail(runtime))
    assert message["To"] == EMAIL
    assert "received your complaint" in body_text(message)
