"""The console's disclosures page through real HTTP: the register, notices, recording."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from charter.disclosures import service
from charter.disclosures.models import Disclosure
from charter.runtime import Runtime
from tests.app_client import AppClient, app_client
from tests.staff.factories import add_staff, audit_entries, email_for, sign_in

from .factories import ACTOR, new_subject

pytestmark = pytest.mark.postgres


@pytest.fixture
def client(runtime: Runtime) -> Iterator[AppClient]:
    with app_client(runtime) as opened:
        yield opened


def _signed_in(runtime: Runtime, client: AppClient, role: str = "staff") -> None:
    add_staff(runtime, role)
    assert sign_in(client, email_for(role)).status_code == 303


def _subject_ref(runtime: Runtime) -> str:
    with runtime.unit() as work:
        return new_subject(work).ref


def _count(runtime: Runtime) -> int:
    with runtime.unit(write=False) as work:
        return int(work.session.scalar(select(func.count()).select_from(Disclosure)) or 0)


def _form(token: str, ref: str, **overrides: str) -> dict[str, str]:
    data = {
        "csrf_token": token,
        "subject_ref": ref,
        "recipient": "payment_processor",
        "purpose": "provide_services",
        "category_identity": "on",
        "category_financial": "on",
        "reference": "Order 1001",
    }
    data.update(overrides)
    return data


def test_anonymous_visitors_are_sent_to_sign_in(client: AppClient) -> None:
    response = client.get("/admin/disclosures")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/admin/login")


def test_staff_record_a_disclosure_and_see_it(runtime: Runtime, client: AppClient) -> None:
    ref = _subject_ref(runtime)
    _signed_in(runtime, client)
    token = client.csrf("/admin/disclosures")
    response = client.post("/admin/disclosures", data=_form(token, ref))
    assert response.status_code == 303
    assert response.headers["location"] == "/admin/disclosures?recipient=payment_processor"
    page = client.get(response.headers["location"]).text
    assert ref in page
    assert "Order 1001" in page
    assert "UK adequacy regulations" in page
    assert "identity, financial" in page
    (entry,) = audit_entries(runtime, "disclosure.recorded")
    assert entry.actor.startswith("staff:")
    assert entry.subject_ref == ref


def test_a_refused_disclosure_changes_nothing(runtime: Runtime, client: AppClient) -> None:
    ref = _subject_ref(runtime)
    _signed_in(runtime, client)
    token = client.csrf("/admin/disclosures")
    marketing = _form(
        token, ref, recipient="email_provider", purpose="marketing", category_contact="on"
    )
    del marketing["category_identity"], marketing["category_financial"]
    response = client.post("/admin/disclosures", data=marketing)
    assert response.status_code == 403
    assert "marketing" in response.text
    no_category = _form(token, ref)
    del no_category["category_identity"], no_category["category_financial"]
    assert client.post("/admin/disclosures", data=no_category).status_code == 422
    assert _count(runtime) == 0


def test_recording_needs_the_csrf_token(runtime: Runtime, client: AppClient) -> None:
    ref = _subject_ref(runtime)
    _signed_in(runtime, client)
    client.get("/admin/disclosures")
    response = client.post("/admin/disclosures", data=_form("0" * 64, ref))
    assert response.status_code == 403
    assert _count(runtime) == 0


def test_the_register_filters_by_recipient_and_shows_notices(
    runtime: Runtime, client: AppClient
) -> None:
    with runtime.unit() as work:
        subject = new_subject(work)
        for recipient, purpose, reference in (
            ("hosting_provider", "provide_services", "Order 2002"),
            ("authorities", "legal_compliance", "Court order 17"),
        ):
            service.record_disclosure(
                work,
                subject,
                recipient=recipient,
                purpose=purpose,
                categories=["identity"],
                reference=reference,
                actor=ACTOR,
            )
        notices = service.notify_recipients(
            work, subject, event="restriction", request_reference="R-9", actor=ACTOR
        )
    _signed_in(runtime, client)
    everything = client.get("/admin/disclosures").text
    assert "Order 2002" in everything
    assert "Court order 17" in everything
    assert all(notice.idempotency_key in everything for notice in notices)
    assert "Pending 2" in everything
    assert "not connected" in everything
    filtered = client.get("/admin/disclosures?recipient=authorities").text
    register = filtered.split("Notices to recipients")[0]
    assert "Court order 17" in register
    assert "Order 2002" not in register
