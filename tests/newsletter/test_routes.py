"""Newsletter pages through real HTTP into the app, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from charter.consent.decisions import decide
from charter.consent.models import ConsentEvent
from charter.newsletter.models import NewsletterSignup, SuppressedAddress
from charter.runtime import Runtime
from charter.vault import service as vault
from tests.web.asgi import AppClient, body_text, build_app, csrf_of, outbox_messages

from .factories import EMAIL, NORMALISED, confirmation_token, preference_token_in

FORM_HEADERS = {"Content-Type": "application/x-www-form-urlencoded"}
WORDING = "Please send me the AJP IT Services newsletter by email. I can unsubscribe at any time."


@pytest.fixture
def app(runtime: Runtime, outbox: Path) -> FastAPI:
    return build_app(runtime, outbox)


@pytest.fixture
def visitor(app: FastAPI) -> AppClient:
    return AppClient(app)


def count(runtime: Runtime, model: type) -> int:
    with runtime.unit(write=False) as work:
        return int(work.session.scalar(select(func.count()).select_from(model)) or 0)


def sign_up(visitor: AppClient, **fields: str) -> httpx.Response:
    token = visitor.csrf_token("/newsletter")
    body = {"csrf_token": token, "email": EMAIL, "first_name": "", "consent": "yes"}
    body.update(fields)
    return visitor.post("/newsletter", content=urlencode(body), headers=FORM_HEADERS)


def confirm_through_the_page(visitor: AppClient, outbox: Path) -> httpx.Response:
    token = confirmation_token(outbox)
    page = visitor.get(f"/newsletter/confirm/{token}")
    assert page.status_code == 200
    return visitor.post(
        f"/newsletter/confirm/{token}",
        content=urlencode({"csrf_token": csrf_of(page.text)}),
        headers=FORM_HEADERS,
    )


def test_signup_page_shows_the_policy_wording_unticked(visitor: AppClient) -> None:
    html = visitor.get("/newsletter").text
    assert WORDING in html
    assert 'id="consent" name="consent" value="yes"' in html
    assert 'id="consent" name="consent" value="yes" checked' not in html


def test_signup_without_ticking_is_an_inline_error(
    visitor: AppClient, runtime: Runtime, outbox: Path
) -> None:
    response = sign_up(visitor, consent="")
    assert response.status_code == 422
    assert '<a href="#consent">Tick the box to say you want the newsletter.</a>' in response.text
    assert f'value="{EMAIL}"' in response.text
    assert count(runtime, NewsletterSignup) == 0
    assert outbox_messages(outbox) == []


def test_double_opt_in_through_the_pages(
    visitor: AppClient, runtime: Runtime, outbox: Path
) -> None:
    response = sign_up(visitor)
    assert response.status_code == 303
    assert response.headers["location"] == "/newsletter/check-email"
    assert "Check your email" in visitor.get("/newsletter/check-email").text
    assert count(runtime, ConsentEvent) == 0
    token = confirmation_token(outbox)
    page = visitor.get(f"/newsletter/confirm/{token}")
    assert page.headers["cache-control"] == "no-store"
    assert page.headers["referrer-policy"] == "no-referrer"
    assert count(runtime, ConsentEvent) == 0, "opening the link confirms nothing"
    confirmed = confirm_through_the_page(visitor, outbox)
    assert confirmed.status_code == 303
    assert confirmed.headers["location"].startswith("/preferences/")
    assert confirmed.headers["location"].endswith("?confirmed=1")
    landing = visitor.get(confirmed.headers["location"])
    assert "Your subscription is confirmed" in landing.text
    assert count(runtime, ConsentEvent) == 1
    again = visitor.get(f"/newsletter/confirm/{token}")
    assert again.status_code == 404


def test_one_click_unsubscribe_needs_no_cookie_and_no_csrf(
    visitor: AppClient, runtime: Runtime, outbox: Path, app: FastAPI
) -> None:
    sign_up(visitor)
    confirm_through_the_page(visitor, outbox)
    token = preference_token_in(body_text(outbox_messages(outbox)[-1]))
    mail_client = AppClient(app, address=("192.0.2.10", 40000))
    assert not mail_client.cookies
    response = mail_client.post(
        f"/unsubscribe/{token}", content="List-Unsubscribe=One-Click", headers=FORM_HEADERS
    )
    assert response.status_code == 200
    assert "You have been unsubscribed" in response.text
    page = AppClient(app).get(f"/unsubscribe/{token}")
    assert page.status_code == 200
    assert 'name="List-Unsubscribe" value="One-Click"' in page.text
    assert "csrf_token" not in page.text.split("<main", 1)[1].split("</main>", 1)[0]
    assert count(runtime, SuppressedAddress) == 1
    with runtime.unit(write=False) as work:
        subject = vault.find_subject(work, email=NORMALISED)
        assert subject is not None
        assert not decide(work, subject.id, "marketing", "email").allowed


def test_one_click_accepts_multipart_as_rfc_8058_allows(
    visitor: AppClient, runtime: Runtime, outbox: Path, app: FastAPI
) -> None:
    sign_up(visitor)
    confirm_through_the_page(visitor, outbox)
    token = preference_token_in(body_text(outbox_messages(outbox)[-1]))
    response = AppClient(app).post(
        f"/unsubscribe/{token}", files={"List-Unsubscribe": (None, "One-Click")}
    )
    assert response.status_code == 200
    assert count(runtime, SuppressedAddress) == 1


@pytest.mark.parametrize("body", ["", "List-Unsubscribe=Yes", "other=1"])
def test_one_click_needs_the_rfc_8058_body(
    visitor: AppClient, runtime: Runtime, outbox: Path, body: str
) -> None:
    sign_up(visitor)
    confirm_through_the_page(visitor, outbox)
    token = preference_token_in(body_text(outbox_messages(outbox)[-1]))
    response = visitor.post(f"/unsubscribe/{token}", content=body, headers=FORM_HEADERS)
    assert response.status_code == 400
    assert count(runtime, SuppressedAddress) == 0


def test_unknown_tokens_are_404(visitor: AppClient) -> None:
    token = "A" * 43
    assert visitor.get(f"/unsubscribe/{token}").status_code == 404
    assert visitor.get(f"/preferences/{token}").status_code == 404
    assert visitor.get(f"/newsletter/confirm/{token}").status_code == 404
    response = visitor.post(
        f"/unsubscribe/{token}", content="List-Unsubscribe=One-Click", headers=FORM_HEADERS
    )
    assert response.status_code == 404


def test_preferences_change_one_channel_per_press(
    visitor: AppClient, runtime: Runtime, outbox: Path
) -> None:
    sign_up(visitor)
    location = confirm_through_the_page(visitor, outbox).headers["location"]
    token = location.split("/")[2].split("?")[0]
    page = visitor.get(f"/preferences/{token}")
    assert "Stop email" in page.text
    response = visitor.post(
        f"/preferences/{token}",
        content=urlencode({"csrf_token": csrf_of(page.text), "channel": "email", "action": "off"}),
        headers=FORM_HEADERS,
    )
    assert response.status_code == 303
    after = visitor.get(response.headers["location"])
    assert "Saved: we will not contact you this way any more: email." in after.text
    assert "Allow email" in after.text
    with runtime.unit(write=False) as work:
        subject = vault.find_subject(work, email=NORMALISED)
        assert subject is not None
        assert not decide(work, subject.id, "marketing", "email").allowed
    no_csrf = visitor.post(
        f"/preferences/{token}",
        content=urlencode({"channel": "email", "action": "on"}),
        headers=FORM_HEADERS,
    )
    assert no_csrf.status_code == 403
    bogus = visitor.post(
        f"/preferences/{token}",
        content=urlencode({"csrf_token": csrf_of(after.text), "channel": "fax", "action": "on"}),
        headers=FORM_HEADERS,
    )
    assert bogus.status_code == 400
