"""Customer accounts through real HTTP on both backends."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from charter.audit.models import AuditEntry
from charter.runtime import Runtime
from tests import conftest
from tests.web.asgi import AppClient, body_text, csrf_of, outbox_messages

PASSWORD = "correct horse battery"
LINK = re.compile(r"http://\S+(/account/(?:verify|reset)/[A-Za-z0-9_-]+)")


def register(client: AppClient, email: str, *, first: str = "Ada") -> Any:
    token = client.csrf_token("/account/register")
    data = {
        "csrf_token": token,
        "email": email,
        "password": PASSWORD,
        "first_name": first,
        "last_name": "Lovelace",
        "website": "",
    }
    return client.post("/account/register", data=data)


def last_link(outbox: Path) -> str:
    found = LINK.search(body_text(outbox_messages(outbox)[-1]))
    assert found
    return found.group(1)


def post_page(client: AppClient, path: str, **data: str) -> Any:
    token = csrf_of(client.get(path).text)
    return client.post(path, data={"csrf_token": token, **data})


def login(client: AppClient, email: str, password: str = PASSWORD) -> Any:
    return post_page(client, "/account/login", email=email, password=password)


def signed_up(client: AppClient, outbox: Path, email: str, first: str = "Ada") -> None:
    assert register(client, email, first=first).status_code == 303
    assert post_page(client, last_link(outbox)).status_code == 303
    assert login(client, email).status_code == 303


def test_register_verify_login_edit_logout(app: Any, outbox: Path) -> None:
    client = AppClient(app)
    assert register(client, "ada@example.com").headers["location"] == "/account/check-email"
    assert login(client, "ada@example.com").status_code == 422  # not verified yet
    assert post_page(client, last_link(outbox)).status_code == 303
    response = login(client, "ada@example.com")
    assert response.status_code == 303
    cookie = response.headers["set-cookie"]
    assert "charter_account=" in cookie
    assert "HttpOnly" in cookie
    assert "Path=/account" in cookie
    assert "samesite=lax" in cookie.lower()
    page = client.get("/account").text
    assert "ada@example.com" in page
    assert 'value="Ada"' in page
    assert "/privacy-centre" in page
    form = {
        "first_name": "Augusta",
        "last_name": "Lovelace",
        "phone": "0117 929 1509",
        "billing_address": "",
        "delivery_address": "",
    }
    token = csrf_of(page)
    assert client.post("/account/details", data={"csrf_token": token, **form}).status_code == 303
    assert 'value="Augusta"' in client.get("/account").text
    token = csrf_of(client.get("/account").text)
    give = {"csrf_token": token, "channel": "text", "action": "give"}
    assert client.post("/account/consents", data=give).status_code == 303
    assert "text: on" in client.get("/account").text
    assert client.post("/account/logout", data={"csrf_token": token}).status_code == 303
    assert client.get("/account").headers["location"] == "/account/login"


def test_duplicate_registration_is_identical_and_notifies(app: Any, outbox: Path) -> None:
    signed_up(AppClient(app), outbox, "ada@example.com")
    first = register(AppClient(app), "new@example.com")
    again = register(AppClient(app), "ada@example.com")
    assert (first.status_code, first.headers["location"]) == (
        again.status_code,
        again.headers["location"],
    )
    assert "Someone tried to register" in str(outbox_messages(outbox)[-1]["subject"])


def test_lockout_after_five_failures(app: Any, outbox: Path, clock: conftest.TestClock) -> None:
    client = AppClient(app)
    signed_up(client, outbox, "ada@example.com")
    for _ in range(5):
        assert login(client, "ada@example.com", "wrong password!").status_code == 422
    assert login(client, "ada@example.com").status_code == 422
    assert login(client, "nobody@example.com").text.count("locked") == 1
    clock.advance(minutes=16)
    assert login(client, "ada@example.com").status_code == 303


def test_reset_single_use_expiry_and_ends_sessions(
    app: Any, outbox: Path, clock: conftest.TestClock
) -> None:
    client = AppClient(app)
    signed_up(client, outbox, "ada@example.com")
    sent = len(outbox_messages(outbox))
    assert post_page(client, "/account/reset", email="nobody@example.com").status_code == 303
    assert len(outbox_messages(outbox)) == sent
    assert post_page(AppClient(app), "/account/reset", email="ada@example.com").status_code == 303
    link = last_link(outbox)
    new = "another long password"
    assert post_page(AppClient(app), link, password=new).status_code == 303
    assert client.get("/account").status_code == 303  # session ended by the reset
    assert AppClient(app).get(link).status_code == 404  # single use
    assert login(AppClient(app), "ada@example.com", new).status_code == 303
    post_page(AppClient(app), "/account/reset", email="ada@example.com")
    clock.advance(hours=2)
    assert AppClient(app).get(last_link(outbox)).status_code == 404


@pytest.mark.parametrize(("delta", "alive"), [({"minutes": 29}, True), ({"minutes": 31}, False)])
def test_idle_expiry(
    app: Any, outbox: Path, clock: conftest.TestClock, delta: Any, alive: bool
) -> None:
    client = AppClient(app)
    signed_up(client, outbox, "ada@example.com")
    clock.advance(**delta)
    assert (client.get("/account").status_code == 200) is alive


def test_absolute_expiry(app: Any, outbox: Path, clock: conftest.TestClock) -> None:
    client = AppClient(app)
    signed_up(client, outbox, "ada@example.com")
    for _ in range(25):
        clock.advance(minutes=29)
        client.get("/account")
    assert client.get("/account").status_code == 303


def test_csrf_required(app: Any) -> None:
    client = AppClient(app)
    data = {"email": "ada@example.com", "password": PASSWORD}
    assert client.post("/account/login", data=data).status_code == 403


def test_session_decides_whose_account(app: Any, outbox: Path, runtime: Runtime) -> None:
    alice, bob = AppClient(app), AppClient(app)
    signed_up(alice, outbox, "alice@example.com", first="Alice")
    signed_up(bob, outbox, "bob@example.com", first="Bobby")
    assert "Alice" in alice.get("/account").text
    assert "Bobby" not in alice.get("/account").text
    assert "Bobby" in bob.get("/account").text
    assert "alice@" not in bob.get("/account").text
    with runtime.unit(write=False) as work:
        details = [row.detail or "" for row in work.session.scalars(select(AuditEntry))]
    text = " ".join(str(item) for item in details)
    assert "alice@example.com" not in text
    assert "Alice" not in text
    assert PASSWORD not in text


def test_restricted_subject_sees_notice(app: Any, outbox: Path, runtime: Runtime) -> None:
    from charter.accounts.models import CustomerAccount
    from charter.vault import service as vault
    from charter.vault.models import Subject

    client = AppClient(app)
    signed_up(client, outbox, "ada@example.com")
    with runtime.unit() as work:
        account = work.session.scalars(select(CustomerAccount)).one()
        subject = work.session.get(Subject, account.subject_id)
        assert subject is not None
        vault.restrict_processing(work, subject, reason="accuracy_contested", actor="test")
    page = client.get("/account").text
    assert "restricted-notice" in page
    assert "ada@example.com" not in page
