"""/admin/retention through real HTTP: roles, what expires next, holds, the last sweep."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from charter.retention.service import run_sweep
from charter.runtime import Runtime
from tests import conftest
from tests.app_client import AppClient, app_client
from tests.staff.factories import add_staff, email_for, sign_in

from .factories import PLANTED, audit_rows, enquirer, values_of

pytestmark = pytest.mark.postgres


@pytest.fixture
def client(runtime: Runtime) -> Iterator[AppClient]:
    with app_client(runtime) as opened:
        yield opened


def _signed_in(runtime: Runtime, client: AppClient, role: str) -> None:
    add_staff(runtime, role)
    assert sign_in(client, email_for(role)).status_code == 303


@pytest.mark.parametrize("role", ["anonymous", "staff", "privacy_officer", "admin"])
def test_only_officers_and_admins_see_the_page(
    runtime: Runtime, client: AppClient, role: str
) -> None:
    if role != "anonymous":
        _signed_in(runtime, client, role)
    response = client.get("/admin/retention")
    if role == "anonymous":
        assert response.status_code == 303
        assert response.headers["location"].startswith("/admin/login")
    else:
        assert response.status_code == (200 if role in ("privacy_officer", "admin") else 403)


def test_page_shows_what_expires_holds_and_the_last_sweep(
    runtime: Runtime, client: AppClient, clock: conftest.TestClock
) -> None:
    with runtime.unit() as work:
        held = enquirer(work).ref
        other = enquirer(work, email="someone.else@example.org").ref
    clock.advance(days=731 - 60)
    _signed_in(runtime, client, "privacy_officer")
    page = client.get("/admin/retention").text
    assert "No sweep has run yet" in page
    row = page.split("<td>enquiries</td>")[1].split("</tr>")[0]
    assert "<td>0</td><td>6</td>" in row  # none within 30 days, six within 90

    token = client.csrf("/admin/retention")
    response = client.post(
        "/admin/retention/holds",
        data={"csrf_token": token, "subject_ref": held, "reason": "complaint"},
    )
    assert response.status_code == 303
    page = client.get("/admin/retention").text
    assert held in page
    assert "complaint" in page

    clock.advance(days=60)
    report = run_sweep(runtime)
    assert report.held == 3
    assert sign_in(client, email_for("privacy_officer")).status_code == 303  # a new day
    page = client.get("/admin/retention").text
    assert f"Sweep {report.run_id} started" in page
    assert values_of(runtime, other) == []
    assert values_of(runtime, held) != []

    token = client.csrf("/admin/retention")
    response = client.post(
        "/admin/retention/holds/lift", data={"csrf_token": token, "subject_ref": held}
    )
    assert response.status_code == 303
    assert held not in client.get("/admin/retention").text
    assert [ref for ref, _ in audit_rows(runtime, "retention.hold_placed")] == [held]
    assert [ref for ref, _ in audit_rows(runtime, "retention.hold_lifted")] == [held]
    assert not any(planted in page for planted in PLANTED)


def test_a_hold_without_a_csrf_token_is_refused(runtime: Runtime, client: AppClient) -> None:
    with runtime.unit() as work:
        ref = enquirer(work).ref
    _signed_in(runtime, client, "admin")
    response = client.post(
        "/admin/retention/holds", data={"subject_ref": ref, "reason": "legal_claim"}
    )
    assert response.status_code == 403
    assert audit_rows(runtime, "retention.hold_placed") == []
