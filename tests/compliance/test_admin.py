"""`/admin/compliance` through real HTTP: officers run the report and get the ROPA."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from charter.installation.service import record_installation, record_policy_in_force
from charter.runtime import Runtime
from tests.app_client import AppClient, app_client
from tests.staff.factories import add_staff, audit_entries, email_for, sign_in

pytestmark = pytest.mark.postgres


@pytest.fixture
def client(runtime: Runtime) -> Iterator[AppClient]:
    with runtime.unit() as work:
        record_installation(work)
        record_policy_in_force(work)
    with app_client(runtime) as opened:
        yield opened


@pytest.mark.parametrize("role", ["staff", "privacy_officer", "admin"])
def test_role_matrix(runtime: Runtime, client: AppClient, role: str) -> None:
    add_staff(runtime, role)
    assert sign_in(client, email_for(role)).status_code == 303
    expected = 403 if role == "staff" else 200
    for path in ("/admin/compliance", "/admin/compliance/ropa", "/admin/compliance/ropa.csv"):
        assert client.get(path).status_code == expected, path


def test_the_page_runs_the_report(runtime: Runtime, client: AppClient) -> None:
    add_staff(runtime, "privacy_officer")
    assert sign_in(client, email_for("privacy_officer")).status_code == 303
    page = client.get("/admin/compliance").text
    assert "Every check passed." in page
    assert 'id="check-audit_chain_intact"' in page
    assert len(audit_entries(runtime, "compliance.report_run")) == 1
    csv_response = client.get("/admin/compliance/ropa.csv")
    assert csv_response.headers["content-type"].startswith("text/csv")
    assert csv_response.text.startswith("controller,controller_contact,purpose_id")
