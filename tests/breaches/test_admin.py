"""`/admin/breaches` through real HTTP: officers log a breach, see its clock and draft,
and record the decisions; other staff are refused."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from charter.runtime import Runtime
from tests.app_client import AppClient, app_client
from tests.staff.factories import add_staff, audit_entries, email_for, sign_in

pytestmark = pytest.mark.postgres


@pytest.fixture
def client(runtime: Runtime) -> Iterator[AppClient]:
    with app_client(runtime) as opened:
        yield opened


def test_an_officer_logs_a_breach_and_records_decisions(
    runtime: Runtime, client: AppClient
) -> None:
    add_staff(runtime, "privacy_officer")
    assert sign_in(client, email_for("privacy_officer")).status_code == 303
    token = client.csrf("/admin/breaches")
    response = client.post(
        "/admin/breaches",
        data={
            "csrf_token": token,
            "aware_at": "2026-11-22T08:00",
            "description": "Misdirected invoice batch.",
            "categories": "identity, transaction",
            "period_from": "2026-11-21T08:00",
            "period_to": "2026-11-21T09:00",
            "likely_consequences": "Others saw what customers bought.",
            "measures": "Recipients asked to delete the emails.",
            "risk_level": "risk",
        },
    )
    assert response.status_code == 303
    location = response.headers["location"]
    page = client.get(location).text
    assert "overdue by 1 h 00 min" in page
    assert "Misdirected invoice batch." in page
    assert "Personal data breach notification - AJP IT Services" in page
    assert "overdue by 1 h 00 min" in client.get("/admin/breaches").text
    assert "Reasons for notifying after 72 hours" in page
    response = client.post(
        f"{location}/notified",
        data={"csrf_token": token, "notified_at": "2026-11-25T08:30", "ico_reference": "IC-1"},
    )
    assert response.status_code == 303
    response = client.post(
        f"{location}/decision",
        data={"csrf_token": token, "notify": "yes", "reason": "Customers should know."},
    )
    assert response.status_code == 303
    page = client.get(location).text
    assert "ICO notified" in page
    assert "Yes: Customers should know." in page
    assert len(audit_entries(runtime, "breach.subjects_decision")) == 1


@pytest.mark.parametrize("role", ["staff", "privacy_officer", "admin"])
def test_role_matrix(runtime: Runtime, client: AppClient, role: str) -> None:
    add_staff(runtime, role)
    assert sign_in(client, email_for(role)).status_code == 303
    expected = 403 if role == "staff" else 200
    assert client.get("/admin/breaches").status_code == expected
