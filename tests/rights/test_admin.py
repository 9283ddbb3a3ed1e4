"""The request queue and request pages through real HTTP: roles, overdue, erasure, zip."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from charter.rights.models import RequestKind, RequestStatus
from charter.runtime import Runtime
from tests import conftest
from tests.app_client import AppClient, app_client
from tests.staff.factories import add_staff, audit_entries, email_for, sign_in

from .factories import request_in

pytestmark = pytest.mark.postgres


@pytest.fixture
def client(runtime: Runtime) -> Iterator[AppClient]:
    with app_client(runtime) as opened:
        yield opened


def _request(runtime: Runtime, status: RequestStatus, kind: RequestKind) -> str:
    with runtime.unit() as work:
        return request_in(work, status, kind=kind).reference


def _signed_in(runtime: Runtime, client: AppClient, role: str) -> None:
    add_staff(runtime, role)
    assert sign_in(client, email_for(role)).status_code == 303


def test_queue_is_sorted_by_due_date_and_flags_overdue(
    runtime: Runtime, client: AppClient, clock: conftest.TestClock
) -> None:
    older = _request(runtime, RequestStatus.VERIFIED, RequestKind.ACCESS)
    clock.advance(days=20)
    newer = _request(runtime, RequestStatus.VERIFIED, RequestKind.ERASURE)
    clock.advance(days=15)
    _signed_in(runtime, client, "staff")
    text = client.get("/admin/requests").text
    assert text.index(older) < text.index(newer)
    assert text.count('class="overdue"') == 1
    assert "Overdue" in text.split(newer)[0]


@pytest.mark.parametrize("role", ["anonymous", "staff", "privacy_officer", "admin"])
def test_role_matrix(runtime: Runtime, client: AppClient, role: str) -> None:
    access = _request(runtime, RequestStatus.VERIFIED, RequestKind.ACCESS)
    if role != "anonymous":
        _signed_in(runtime, client, role)
    for path, allowed in (
        ("/admin/requests", {"staff", "privacy_officer", "admin"}),
        (f"/admin/requests/{access}", {"staff", "privacy_officer", "admin"}),
        (f"/admin/requests/{access}/package", {"privacy_officer"}),
    ):
        response = client.get(path)
        if role == "anonymous":
            assert response.status_code == 303
            assert response.headers["location"].startswith("/admin/login")
        else:
            assert response.status_code == (200 if role in allowed else 403), path


def test_package_download_is_a_zip_and_audited(runtime: Runtime, client: AppClient) -> None:
    reference = _request(runtime, RequestStatus.VERIFIED, RequestKind.ACCESS)
    _signed_in(runtime, client, "privacy_officer")
    response = client.get(f"/admin/requests/{reference}/package")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/zip"
    assert response.content[:2] == b"PK"
    assert audit_entries(runtime, "rights.access_package.built")


@pytest.mark.parametrize("role", ["staff", "admin", "privacy_officer"])
def test_only_a_privacy_officer_approves_erasure(
    runtime: Runtime, client: AppClient, clock: conftest.TestClock, role: str
) -> None:
    reference = _request(runtime, RequestStatus.VERIFIED, RequestKind.ERASURE)
    clock.advance(hours=runtime.settings.erasure_cooling_off_hours)  # see test_rights_flows
    _signed_in(runtime, client, role)
    page = client.get(f"/admin/requests/{reference}").text
    assert ("Erasure plan" in page) is (role == "privacy_officer")
    token = client.csrf(f"/admin/requests/{reference}")
    response = client.post(f"/admin/requests/{reference}/erase", data={"csrf_token": token})
    if role != "privacy_officer":
        assert response.status_code == 403
        assert not audit_entries(runtime, "erasure.completed")
        return
    assert response.status_code == 303
    assert audit_entries(runtime, "erasure.completed")
    assert "completed" in client.get(f"/admin/requests/{reference}").text


def test_verify_needs_a_note(runtime: Runtime, client: AppClient) -> None:
    reference = _request(runtime, RequestStatus.RECEIVED, RequestKind.ACCESS)
    _signed_in(runtime, client, "staff")
    token = client.csrf(f"/admin/requests/{reference}")
    url = f"/admin/requests/{reference}/verify"
    assert client.post(url, data={"csrf_token": token, "check": "passport"}).status_code == 422
    ok = client.post(url, data={"csrf_token": token, "check": "called_back_on_file_number"})
    assert ok.status_code == 303
    assert audit_entries(runtime, "dsr.identity_check_noted")
