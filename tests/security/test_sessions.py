"""Session management of the staff console and customer accounts, through real HTTP:
fixation, rotation at sign-in and at a change of role, sign-out that ends the server-side
session (replaying the old cookie fails), idle and absolute timeouts on the test clock.
UK GDPR Art. 32(1)(b); OWASP Session Management Cheat Sheet."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass

import httpx
import pytest

from charter.accounts import auth as account_auth
from charter.staff import auth as staff_auth
from charter.staff.models import StaffUser
from charter.staff.schemas import Role
from charter.web.csrf import SESSION_COOKIE
from charter.web.sessions import ABSOLUTE_TIMEOUT, IDLE_TIMEOUT
from tests import conftest
from tests.security.conftest import (
    EMAIL_OF,
    ActorClient,
    SecurityWorld,
    customer_sign_in,
)
from tests.staff.factories import PASSWORD as STAFF_PASSWORD
from tests.staff.factories import email_for, sign_in

pytestmark = pytest.mark.postgres


@dataclass(frozen=True)
class Kind:
    """One kind of session: its cookie, a page only it opens, how to sign in and out."""

    cookie: str
    page: str
    login_page: str
    logout: str
    sign_in: Callable[[ActorClient], httpx.Response]


KINDS = {
    "staff": Kind(
        staff_auth.STAFF_COOKIE,
        "/admin",
        "/admin/login",
        "/admin/logout",
        lambda client: sign_in(client, email_for("staff"), STAFF_PASSWORD),
    ),
    "customer": Kind(
        account_auth.ACCOUNT_COOKIE,
        "/account",
        "/account/login",
        "/account/logout",
        lambda client: customer_sign_in(client, EMAIL_OF["a"]),
    ),
}


def cookie_of(response: httpx.Response, name: str) -> str | None:
    """The value ``response`` sets for cookie ``name`` (None if it sets none)."""
    for header in response.headers.get_list("set-cookie"):
        key, _, rest = header.partition("=")
        if key.strip() == name:
            return rest.split(";", 1)[0].strip('"') or None
    return None


def opens(world: SecurityWorld, kind: Kind, token: str) -> bool:
    """Whether a browser holding only ``token`` gets the signed-in page."""
    fresh = world.new_client()
    response = fresh.get(kind.page, headers={"cookie": f"{kind.cookie}={token}"})
    return response.status_code == 200


def signed_in(world: SecurityWorld, kind: Kind) -> tuple[ActorClient, str]:
    client = world.new_client()
    response = kind.sign_in(client)
    assert response.status_code == 303, response.text
    token = cookie_of(response, kind.cookie)
    assert token is not None
    return client, token


@pytest.fixture(params=sorted(KINDS))
def kind(request: pytest.FixtureRequest) -> Kind:
    return KINDS[str(request.param)]


def test_a_planted_session_is_never_adopted(security_world: SecurityWorld, kind: Kind) -> None:
    """Fixation: whatever token the browser brings to the sign-in form, a new one is
    minted; the planted one opens nothing, before or after."""
    world = security_world
    for planted in (secrets.token_urlsafe(32), signed_in(world, kind)[1]):
        victim = world.new_client()
        victim.http.cookies.set(kind.cookie, planted, domain="testserver.local")
        response = kind.sign_in(victim)
        assert response.status_code == 303
        minted = cookie_of(response, kind.cookie)
        assert minted is not None
        assert minted != planted
        assert opens(world, kind, minted)
        assert not opens(world, kind, planted)  # an attacker's own session is dropped too


def test_sign_in_renews_the_csrf_session_id(security_world: SecurityWorld, kind: Kind) -> None:
    """The CSRF token is bound to the ``charter_session`` id; signing in renews it, so a
    token planted or learnt before sign-in forges nothing after it."""
    world = security_world
    client = world.new_client()
    before_token = client.form_token(kind.login_page)
    before = client.http.cookies.get(SESSION_COOKIE)
    response = kind.sign_in(client)
    assert response.status_code == 303
    after = cookie_of(response, SESSION_COOKIE)
    assert after is not None
    assert after != before
    # The old token no longer passes: the forged sign-out is refused, the session lives.
    refused = client.post(kind.logout, data={"csrf_token": before_token})
    assert refused.status_code == 403
    assert client.get(kind.page).status_code == 200
    assert client.form_token(kind.page) != before_token


def test_sign_out_ends_the_server_side_session(security_world: SecurityWorld, kind: Kind) -> None:
    world = security_world
    client, token = signed_in(world, kind)
    assert opens(world, kind, token)
    response = client.post(kind.logout, data={"csrf_token": client.form_token(kind.page)})
    assert response.status_code == 303
    assert response.headers["location"].startswith(kind.login_page)
    assert not opens(world, kind, token)  # the copied cookie is worthless: the row is gone
    assert client.get(kind.page).status_code == 303


def test_idle_timeout(security_world: SecurityWorld, kind: Kind, clock: conftest.TestClock) -> None:
    """30 minutes without a request end the session; any request resets the count."""
    world = security_world
    client, token = signed_in(world, kind)
    for _ in range(3):  # an hour and a half of steady use
        clock.advance(seconds=IDLE_TIMEOUT.total_seconds() - 60)
        assert client.get(kind.page).status_code == 200
    clock.advance(seconds=IDLE_TIMEOUT.total_seconds())
    assert client.get(kind.page).status_code == 303
    assert not opens(world, kind, token)


def test_absolute_timeout(
    security_world: SecurityWorld, kind: Kind, clock: conftest.TestClock
) -> None:
    """12 hours after sign-in the session ends however busy it was."""
    world = security_world
    client, token = signed_in(world, kind)
    step = IDLE_TIMEOUT / 2
    used = step
    while used < ABSOLUTE_TIMEOUT:
        clock.advance(seconds=step.total_seconds())
        assert client.get(kind.page).status_code == 200, used
        used += step
    clock.advance(seconds=step.total_seconds())
    assert client.get(kind.page).status_code == 303
    assert not opens(world, kind, token)
    assert kind.sign_in(world.new_client()).status_code == 303  # signing in again works


def _user(world: SecurityWorld, role: str) -> StaffUser:
    with world.runtime.unit() as work:
        user = work.session.get(StaffUser, world.staff_ids[role])
        assert user is not None
        return user


def test_a_change_of_role_ends_every_session(security_world: SecurityWorld) -> None:
    """Privilege change: a promoted member's old session does not carry the new role (it
    ends, and the next sign-in mints a new one); a demoted member loses access at once."""
    world = security_world
    kind = KINDS["staff"]
    client, token = signed_in(world, kind)
    assert client.get("/admin/compliance").status_code == 403
    with world.runtime.unit() as work:
        user = work.session.get(StaffUser, world.staff_ids["staff"])
        assert user is not None
        assert staff_auth.change_role(work, user, Role.PRIVACY_OFFICER, actor="cli:test") >= 1
    assert not opens(world, kind, token)
    assert client.get("/admin/compliance").status_code == 303
    response = kind.sign_in(client)
    assert response.status_code == 303
    assert cookie_of(response, kind.cookie) not in (None, token)
    assert client.get("/admin/compliance").status_code == 200


def test_a_role_changed_behind_the_sessions_back_is_read_live(
    security_world: SecurityWorld,
) -> None:
    """Even a role edited straight in the table (no session ended) takes effect on the
    next request: the session carries no role, the guard reads the account's."""
    world = security_world
    officer = world.clients["privacy_officer"]
    assert officer.get("/admin/compliance").status_code == 200
    with world.runtime.unit() as work:
        user = work.session.get(StaffUser, world.staff_ids["privacy_officer"])
        assert user is not None
        user.role = Role.STAFF.value
    assert officer.get("/admin/compliance").status_code == 403
