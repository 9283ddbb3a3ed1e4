"""The console's pages through real HTTP: the role matrix, CSRF, audited reads."""

from __future__ import annotations

import json
from collections.abc import Iterator
from urllib.parse import urlencode

import pytest

from charter.runtime import Runtime
from charter.staff.auth import STAFF_COOKIE
from charter.staff.routes import LOGIN_FAILED, LOGIN_LIMIT
from tests.app_client import AppClient, app_client
from tests.enquiries.factories import FIRST_NAME, LAST_NAME, MESSAGE, NORMALISED_EMAIL

from .factories import (
    PASSWORD,
    add_staff,
    audit_entries,
    email_for,
    outbox_of,
    receive_enquiry,
    sign_in,
)

pytestmark = pytest.mark.postgres

FORM = {"content-type": "application/x-www-form-urlencoded"}
ROLES = ("staff", "privacy_officer", "admin")
#: path -> roles allowed; "{ref}" and "{eml}" are filled in per test.
MATRIX = {
    "/admin": {"staff", "privacy_officer", "admin"},
    "/admin/enquiries": {"staff", "privacy_officer", "admin"},
    "/admin/enquiries/{ref}": {"staff", "privacy_officer", "admin"},
    "/admin/statistics": {"staff", "privacy_officer", "admin"},
    "/admin/outbox": {"privacy_officer", "admin"},
    "/admin/outbox/{eml}": {"privacy_officer"},
    "/admin/staff": {"admin"},
}


@pytest.fixture
def client(runtime: Runtime) -> Iterator[AppClient]:
    with app_client(runtime) as opened:
        yield opened


def fill(path: str, runtime: Runtime, reference: str) -> str:
    emls = sorted(p.name for p in outbox_of(runtime).glob("*.eml"))
    return path.replace("{ref}", reference).replace("{eml}", emls[0] if emls else "none.eml")


@pytest.mark.parametrize("path", list(MATRIX))
@pytest.mark.parametrize("role", ["anonymous", *ROLES])
def test_role_matrix(runtime: Runtime, client: AppClient, path: str, role: str) -> None:
    reference = receive_enquiry(runtime).reference
    url = fill(path, runtime, reference)
    if role != "anonymous":
        add_staff(runtime, role)
        assert sign_in(client, email_for(role)).status_code == 303
    response = client.get(url)
    assert response.headers["cache-control"] == "no-store"
    if role == "anonymous":
        assert response.status_code == 303
        assert response.headers["location"].startswith("/admin/login")
    elif role in MATRIX[path]:
        assert response.status_code == 200, response.text
    else:
        assert response.status_code == 403
        assert "You cannot open this page" in response.text


def test_enquiry_list_holds_no_personal_data(runtime: Runtime, client: AppClient) -> None:
    receipt = receive_enquiry(runtime, message="My colleague has diabetes.", confirmed_special=True)
    add_staff(runtime, "staff")
    sign_in(client, email_for("staff"))
    before = len(audit_entries(runtime, "personal_data.read"))
    page = client.get("/admin/enquiries").text
    assert receipt.reference in page
    assert "health" in page
    for planted in (FIRST_NAME, LAST_NAME, NORMALISED_EMAIL, "diabetes"):
        assert planted.lower() not in page.lower()
    assert len(audit_entries(runtime, "personal_data.read")) == before


def test_enquiry_detail_is_read_for_its_purpose_and_audited(
    runtime: Runtime, client: AppClient
) -> None:
    receipt = receive_enquiry(runtime)
    staff_id = add_staff(runtime, "staff")
    sign_in(client, email_for("staff"))
    response = client.get(f"/admin/enquiries/{receipt.reference}")
    assert response.status_code == 200
    assert FIRST_NAME in response.text
    assert MESSAGE in response.text
    assert "respond_to_queries" in response.text
    entry = audit_entries(runtime, "personal_data.read")[-1]
    assert entry.actor == f"staff:{staff_id}"
    assert entry.purpose == "respond_to_queries"
    assert entry.subject_ref == receipt.subject_ref
    assert FIRST_NAME not in entry.detail


def test_quarantined_enquiry_waits_for_a_privacy_officer(
    runtime: Runtime, client: AppClient
) -> None:
    runtime.settings.special_category_mode = "quarantine"
    receipt = receive_enquiry(runtime, message="My colleague has diabetes.", confirmed_special=True)
    add_staff(runtime, "staff")
    add_staff(runtime, "privacy_officer")
    sign_in(client, email_for("staff"))
    assert client.get(f"/admin/enquiries/{receipt.reference}").status_code == 403
    sign_in(client, email_for("privacy_officer"))
    assert "diabetes" in client.get(f"/admin/enquiries/{receipt.reference}").text


def test_unknown_enquiry_is_404(runtime: Runtime, client: AppClient) -> None:
    add_staff(runtime, "staff")
    sign_in(client, email_for("staff"))
    assert client.get("/admin/enquiries/ENQ-AAAAAAAAAA").status_code == 404
    assert client.get("/admin/enquiries/..%2F..%2Fetc").status_code == 404


def test_outbox_lists_no_personal_data_and_viewing_is_audited(
    runtime: Runtime, client: AppClient
) -> None:
    receive_enquiry(runtime)
    officer = add_staff(runtime, "privacy_officer")
    sign_in(client, email_for("privacy_officer"))
    listing = client.get("/admin/outbox").text
    assert NORMALISED_EMAIL not in listing.lower()
    assert "enquiry" not in listing.lower()
    name = sorted(p.name for p in outbox_of(runtime).glob("*.eml"))[-1]
    message = client.get(f"/admin/outbox/{name}")
    assert message.status_code == 200
    assert "Subject" in message.text
    entry = audit_entries(runtime, "outbox.message_viewed")[-1]
    assert entry.actor == f"staff:{officer}"
    assert entry.purpose == "communicate"
    assert json.loads(entry.detail) == {"file": name}
    assert client.get("/admin/outbox/..%2Fkeyring.json").status_code == 404


def test_statistics_page_renders_tables(runtime: Runtime, client: AppClient) -> None:
    add_staff(runtime, "staff")
    sign_in(client, email_for("staff"))
    page = client.get("/admin/statistics").text
    assert "Website statistics" in page
    assert "page views" in page


def test_failures_share_one_message(runtime: Runtime, client: AppClient) -> None:
    add_staff(runtime, "staff")
    bodies = []
    for email, password in (
        (email_for("staff"), "wrong password!"),
        ("nobody@ajp-it-services.example", PASSWORD),
        ("nonsense", PASSWORD),
    ):
        response = sign_in(client, email, password)
        assert response.status_code == 422
        assert LOGIN_FAILED in response.text
        assert email not in response.text
        bodies.append(response.text)
    assert bodies[0] == bodies[1] == bodies[2], "nothing tells the failures apart"
    assert STAFF_COOKIE not in client.http.cookies


@pytest.mark.parametrize("path", ["/admin/login", "/admin/logout"])
def test_posts_need_csrf(runtime: Runtime, client: AppClient, path: str) -> None:
    add_staff(runtime, "staff")
    sign_in(client, email_for("staff"))
    fields = {"email": email_for("staff"), "password": PASSWORD} if path.endswith("in") else {}
    for body in (fields, {**fields, "csrf_token": "0" * 64}):
        response = client.post(path, content=urlencode(body), headers=FORM)
        assert response.status_code == 403
    assert client.get("/admin").status_code == 200, "still signed in after a refused logout"


def test_next_goes_back_to_the_console_only(runtime: Runtime, client: AppClient) -> None:
    add_staff(runtime, "staff")
    response = sign_in(client, email_for("staff"), next_path="/admin/statistics")
    assert response.headers["location"] == "/admin/statistics"
    for hostile in ("https://evil.example/admin", "//evil.example", "/admin/../privacy"):
        response = sign_in(client, email_for("staff"), next_path=hostile)
        assert response.headers["location"] == "/admin"


def test_sign_in_is_rate_limited(runtime: Runtime, client: AppClient) -> None:
    for _ in range(LOGIN_LIMIT.limit):
        assert sign_in(client, "nobody@ajp-it-services.example").status_code == 422
    assert sign_in(client, "nobody@ajp-it-services.example").status_code == 429
