"""Server-side staff sessions through real HTTP: expiry, rotation, logout, fixation."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from charter.runtime import Runtime
from charter.staff.auth import STAFF_COOKIE, session_id_for
from charter.staff.models import StaffSession
from charter.staff.service import disable_staff
from charter.web.sessions import ABSOLUTE_TIMEOUT, IDLE_TIMEOUT
from tests.app_client import PEER_NETWORK, AppClient, app_client
from tests.conftest import TestClock as Clock

from .factories import CREATOR, add_staff, email_for, sign_in

pytestmark = pytest.mark.postgres

EMAIL = email_for("staff")


@pytest.fixture
def client(runtime: Runtime) -> Iterator[AppClient]:
    with app_client(runtime) as opened:
        yield opened


def staff_cookie(client: AppClient) -> str | None:
    return client.http.cookies.get(STAFF_COOKIE, domain="testserver.local", path="/admin")


def sessions(runtime: Runtime) -> list[StaffSession]:
    with runtime.unit(write=False) as work:
        return list(work.session.scalars(select(StaffSession)))


def signed_in(client: AppClient) -> bool:
    response = client.get("/admin")
    return response.status_code == 200 and "Staff console" in response.text


def test_sign_in_sets_strict_cookie_and_stores_only_a_hash(
    runtime: Runtime, client: AppClient
) -> None:
    add_staff(runtime, "staff")
    response = sign_in(client, EMAIL)
    assert response.status_code == 303
    assert response.headers["location"] == "/admin"
    header = response.headers["set-cookie"]
    assert header.startswith(f"{STAFF_COOKIE}=")
    for attribute in ("HttpOnly", "Path=/admin", "SameSite=strict"):
        assert attribute.lower() in header.lower()
    token = header.split(";")[0].split("=", 1)[1]
    [row] = sessions(runtime)
    assert row.id != token
    assert token not in row.id
    with runtime.unit(write=False) as work:
        assert row.id == session_id_for(work, token)
    assert row.network == PEER_NETWORK
    assert signed_in(client)


def test_idle_expiry(runtime: Runtime, client: AppClient, clock: Clock) -> None:
    add_staff(runtime, "staff")
    sign_in(client, EMAIL)
    clock.advance(seconds=IDLE_TIMEOUT.total_seconds() - 1)
    assert signed_in(client), "activity within the idle limit keeps the session"
    clock.advance(seconds=IDLE_TIMEOUT.total_seconds() - 1)
    assert signed_in(client)
    clock.advance(seconds=IDLE_TIMEOUT.total_seconds())
    response = client.get("/admin/enquiries")
    assert response.status_code == 303
    assert response.headers["location"] == "/admin/login?next=/admin/enquiries"
    assert sessions(runtime) == [], "the expired row is deleted"


def test_absolute_expiry_despite_activity(
    runtime: Runtime, client: AppClient, clock: Clock
) -> None:
    add_staff(runtime, "staff")
    sign_in(client, EMAIL)
    steps = int(ABSOLUTE_TIMEOUT / (IDLE_TIMEOUT / 2))
    for _ in range(steps - 1):
        clock.advance(seconds=(IDLE_TIMEOUT / 2).total_seconds())
        assert signed_in(client)
    clock.advance(seconds=(IDLE_TIMEOUT / 2).total_seconds())
    assert not signed_in(client)


def test_sign_in_rotates_the_token(runtime: Runtime, client: AppClient) -> None:
    add_staff(runtime, "staff")
    sign_in(client, EMAIL)
    first = staff_cookie(client)
    sign_in(client, EMAIL)
    second = staff_cookie(client)
    assert first
    assert second
    assert first != second
    [row] = sessions(runtime)
    with runtime.unit(write=False) as work:
        assert row.id == session_id_for(work, second), "the old session is gone"


def test_logout_deletes_the_session(runtime: Runtime, client: AppClient) -> None:
    add_staff(runtime, "staff")
    sign_in(client, EMAIL)
    token = staff_cookie(client)
    assert token
    response = client.post("/admin/logout", data={"csrf_token": client.csrf("/admin/login")})
    assert response.status_code == 303
    assert sessions(runtime) == []
    client.http.cookies.set(STAFF_COOKIE, token, domain="testserver.local", path="/admin")
    assert not signed_in(client), "the old token is worthless"


def test_planted_cookie_is_never_adopted(runtime: Runtime, client: AppClient) -> None:
    add_staff(runtime, "staff")
    planted = secrets.token_urlsafe(32)
    client.http.cookies.set(STAFF_COOKIE, planted, domain="testserver.local", path="/admin")
    sign_in(client, EMAIL)
    issued = staff_cookie(client)
    assert issued
    assert issued != planted
    with runtime.unit(write=False) as work:
        planted_id = session_id_for(work, planted)
        assert work.session.get(StaffSession, planted_id) is None
        assert work.session.scalar(select(func.count()).select_from(StaffSession)) == 1


def test_disabling_ends_sessions(runtime: Runtime, client: AppClient) -> None:
    add_staff(runtime, "staff")
    sign_in(client, EMAIL)
    assert signed_in(client)
    with runtime.unit() as work:
        disable_staff(work, EMAIL, actor=CREATOR)
    assert sessions(runtime) == []
    assert not signed_in(client)
