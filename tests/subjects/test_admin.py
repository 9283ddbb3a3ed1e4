"""The console's person pages through real HTTP: finding by POST, roles, restriction,
purposes, values only for a privacy officer."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from charter.runtime import Runtime
from tests.app_client import AppClient, app_client
from tests.enquiries.factories import EMAIL, FIRST_NAME, NORMALISED_EMAIL
from tests.staff.factories import add_staff, audit_entries, email_for, sign_in

from .factories import PURCHASE, SECRETS, busy_person, restrict

pytestmark = pytest.mark.postgres


@pytest.fixture
def client(runtime: Runtime) -> Iterator[AppClient]:
    with app_client(runtime) as opened:
        yield opened


def _signed_in(runtime: Runtime, client: AppClient, role: str) -> None:
    add_staff(runtime, role)
    assert sign_in(client, email_for(role)).status_code == 303


def _find(client: AppClient, **data: str) -> httpx.Response:
    token = client.csrf("/admin/subjects")
    return client.post("/admin/subjects", data={"csrf_token": token, **data})


def test_find_by_email_posts_and_lands_on_the_pseudonymous_page(
    runtime: Runtime, client: AppClient
) -> None:
    person = busy_person(runtime)
    _signed_in(runtime, client, "staff")
    response = _find(client, email=EMAIL, phone="", purpose="respond_to_queries")
    assert response.status_code == 303
    location = response.headers["location"]
    assert location == f"/admin/subjects/{person.ref}?purpose=respond_to_queries"
    assert "@" not in location
    text = client.get(location).text
    assert person.ref in text
    assert "respond_to_queries" in text  # the purpose notice
    assert person.enquiry in text
    assert person.request in text
    assert f"/admin/subjects/{person.ref}/orders" in text
    for secret in SECRETS:
        assert secret not in text
    assert "Show values" not in text  # staff cannot ask for values
    [looked_up] = audit_entries(runtime, "subject.looked_up")
    assert looked_up.actor.startswith("staff:")
    assert looked_up.purpose == "respond_to_queries"
    assert NORMALISED_EMAIL not in looked_up.detail
    assert [e.purpose for e in audit_entries(runtime, "subject.timeline_viewed")] == [
        "respond_to_queries"
    ]


def test_no_match_and_bad_input_are_said_plainly(runtime: Runtime, client: AppClient) -> None:
    _signed_in(runtime, client, "staff")
    missing = _find(client, email="nobody@example.org", phone="", purpose="communicate")
    assert missing.status_code == 200
    assert "No current record matches" in missing.text
    assert "nobody@example.org" not in missing.text
    for data, message in (
        ({"email": "", "phone": "", "purpose": "communicate"}, "Give an email address"),
        ({"email": "not an address", "phone": "", "purpose": "communicate"}, "not a valid"),
        ({"email": EMAIL, "phone": "", "purpose": ""}, "Choose the purpose"),
        ({"email": EMAIL, "phone": "", "purpose": "marketing"}, "not opened for marketing"),
    ):
        response = _find(client, **data)
        assert response.status_code == 422, data
        assert message in response.text
        assert "not an address" not in response.text


def test_opening_without_a_purpose_asks_for_one_and_reads_nothing(
    runtime: Runtime, client: AppClient
) -> None:
    person = busy_person(runtime)
    _signed_in(runtime, client, "admin")
    text = client.get(f"/admin/subjects/{person.ref}").text
    assert "Why are you opening this record?" in text
    assert person.enquiry not in text
    assert not audit_entries(runtime, "subject.timeline_viewed")
    for purpose, reason in (
        ("marketing", "not opened for marketing"),
        ("nonsense", "not declared"),
    ):
        refused = client.get(f"/admin/subjects/{person.ref}?purpose={purpose}")
        assert refused.status_code == 403
        assert reason in refused.text
        assert "Why are you opening this record?" in refused.text
        assert person.enquiry not in refused.text
    assert client.get("/admin/subjects/0123456789abcdef?purpose=communicate").status_code == 404


@pytest.mark.parametrize("role", ["staff", "admin", "privacy_officer"])
def test_restricted_person_is_for_privacy_officers_only(
    runtime: Runtime, client: AppClient, role: str
) -> None:
    person = busy_person(runtime)
    restrict(runtime, person.ref)
    _signed_in(runtime, client, role)
    response = client.get(f"/admin/subjects/{person.ref}?purpose=rights_requests")
    if role != "privacy_officer":
        assert response.status_code == 403
        assert "only a privacy officer" in response.text
        assert person.enquiry not in response.text
        return
    assert response.status_code == 200
    assert "Processing is restricted" in response.text
    assert person.enquiry in response.text
    refused = client.get(f"/admin/subjects/{person.ref}?purpose=respond_to_queries")
    assert refused.status_code == 403


def test_values_for_a_privacy_officer_who_asks(runtime: Runtime, client: AppClient) -> None:
    person = busy_person(runtime)
    _signed_in(runtime, client, "privacy_officer")
    text = client.get(f"/admin/subjects/{person.ref}?purpose=provide_services").text
    assert "Show values" in text
    token = client.csrf(f"/admin/subjects/{person.ref}?purpose=provide_services")
    shown = client.post(
        f"/admin/subjects/{person.ref}/values",
        data={"csrf_token": token, "purpose": "provide_services"},
    )
    assert shown.status_code == 200
    assert shown.headers["cache-control"] == "no-store"
    assert FIRST_NAME in shown.text
    assert PURCHASE in shown.text
    assert "55779911" not in shown.text  # bank details never shown here
    reads = audit_entries(runtime, "personal_data.read")
    assert any(r.purpose == "provide_services" and r.actor.startswith("staff:") for r in reads)


def test_staff_cannot_ask_for_values(runtime: Runtime, client: AppClient) -> None:
    person = busy_person(runtime)
    _signed_in(runtime, client, "staff")
    token = client.csrf(f"/admin/subjects/{person.ref}?purpose=provide_services")
    response = client.post(
        f"/admin/subjects/{person.ref}/values",
        data={"csrf_token": token, "purpose": "provide_services"},
    )
    assert response.status_code == 403
    assert FIRST_NAME not in response.text


def test_signed_out_visitors_go_to_sign_in(runtime: Runtime, client: AppClient) -> None:
    person = busy_person(runtime)
    for path in ("/admin/subjects", f"/admin/subjects/{person.ref}?purpose=communicate"):
        response = client.get(path)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/admin/login")


@pytest.mark.parametrize("role", ["staff", "admin", "privacy_officer"])
def test_orders_page_follows_the_same_restriction_rule(
    runtime: Runtime, client: AppClient, role: str
) -> None:
    person = busy_person(runtime)
    _signed_in(runtime, client, role)
    assert client.get(f"/admin/subjects/{person.ref}/orders").status_code == 200
    restrict(runtime, person.ref)
    response = client.get(f"/admin/subjects/{person.ref}/orders")
    token = client.csrf("/admin/subjects")
    added = client.post(
        f"/admin/subjects/{person.ref}/orders",
        data={
            "csrf_token": token,
            "service_description": "Another survey",
            "amount": "10.00",
            "ordered_on": "2026-11-20",
        },
    )
    if role != "privacy_officer":
        assert response.status_code == 403
        assert "only a privacy officer" in response.text
        assert added.status_code == 403
        return
    assert response.status_code == 200
    assert added.status_code == 303
