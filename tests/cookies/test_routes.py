"""The banner, the settings page and the consent endpoint through real HTTP (httpx against
the ASGI app), on SQLite and PostgreSQL: nothing optional before a choice, the choice
remembered and logged, withdrawal deleting Google's cookies, GPC honoured."""

from __future__ import annotations

import dataclasses
import json

import httpx
import pytest
from sqlalchemy import select

from charter.cookies.models import CookieChoice
from charter.runtime import Runtime
from tests.app_client import PEER_ADDRESS, PEER_NETWORK, AppClient, app_client

from .conftest import MEASUREMENT_ID

TAG = f"https://www.googletagmanager.com/gtag/js?id={MEASUREMENT_ID}"


def choose(client: AppClient, choice: str, **fields: str) -> httpx.Response:
    data = {"csrf_token": client.csrf(), "choice": choice, "origin": "banner", "return_to": "/"}
    return client.post("/cookies/consent", data=data | fields)


def set_cookies(response: httpx.Response) -> list[str]:
    return response.headers.get_list("set-cookie")


def choices(runtime: Runtime) -> list[CookieChoice]:
    with runtime.unit(write=False) as work:
        return list(work.session.scalars(select(CookieChoice).order_by(CookieChoice.id)))


def csp(response: httpx.Response) -> str:
    return response.headers["content-security-policy"]


def test_before_any_choice_the_banner_asks_and_nothing_optional_is_set(
    client: AppClient,
) -> None:
    response = client.get("/")
    html = response.text
    assert "data-cookie-banner" in html
    assert 'value="accept"' in html
    assert 'value="reject"' in html
    assert 'href="/cookies"' in html
    assert "googletagmanager.com/gtag" not in html
    assert 'ga-bootstrap.js" data-ga-tag' not in html
    names = [c.split("=", 1)[0] for c in set_cookies(response)]
    assert names == ["charter_session"]  # the banner's form needs it (PECR reg. 6(4))
    # The page offers the choice, so accepting may load the tag without a reload.
    assert "https://www.googletagmanager.com" in csp(response)
    assert "unsafe-inline" not in csp(response)


def test_the_footer_link_reopens_the_settings(client: AppClient) -> None:
    assert '<a href="/cookies">Cookie settings</a>' in client.get("/privacy").text


def test_accept_all_is_logged_remembered_and_loads_the_tag(
    client: AppClient, site: Runtime
) -> None:
    response = choose(client, "accept", return_to="/privacy")
    assert response.status_code == 303
    assert response.headers["location"] == "/privacy"
    [cookie] = [c for c in set_cookies(response) if c.startswith("charter_consent=")]
    [row] = choices(site)
    assert cookie.startswith(f"charter_consent={row.choice_id}:1.1;")
    assert "SameSite=lax" in cookie
    assert "Max-Age=15811200" in cookie
    assert "Secure" not in cookie  # plain HTTP here; Secure over HTTPS
    assert row.granted == ["analytics"]
    assert row.origin == "banner"
    assert row.network == PEER_NETWORK
    assert row.user_agent_family == "Firefox"

    page = client.get("/")
    assert "data-cookie-banner" not in page.text
    assert TAG in page.text
    assert f'data-measurement-id="{MEASUREMENT_ID}"' in page.text
    assert "script-src 'self' https://www.googletagmanager.com" in csp(page)
    assert "connect-src 'self' https://*.google-analytics.com" in csp(page)


def test_no_raw_address_or_user_agent_is_stored(client: AppClient, site: Runtime) -> None:
    choose(client, "reject")
    [row] = choices(site)
    stored = json.dumps({c.name: str(getattr(row, c.name)) for c in CookieChoice.__table__.c})
    assert PEER_ADDRESS not in stored
    assert "Mozilla" not in stored
    assert "Gecko" not in stored


def test_reject_all_sets_nothing_optional_and_keeps_the_csp_strict(client: AppClient) -> None:
    response = choose(client, "reject")
    assert response.status_code == 303
    page = client.get("/")
    assert "data-cookie-banner" not in page.text
    assert "googletagmanager.com/gtag" not in page.text
    assert "googletagmanager" not in csp(page)
    assert "google-analytics" not in csp(page)


def test_withdrawing_expires_every_google_analytics_cookie(
    client: AppClient, site: Runtime
) -> None:
    choose(client, "accept")
    client.http.cookies.set("_ga", "GA1.1.1.1", domain="testserver.local")
    client.http.cookies.set("_ga_TEST123", "GS1.1.1", domain="testserver.local")
    data = {"csrf_token": client.csrf(), "origin": "settings", "category-analytics": "off"}
    response = client.post("/cookies/consent", data=data)
    assert response.status_code == 303
    assert response.headers["location"] == "/cookies?saved=1"
    expired = [c for c in set_cookies(response) if c.startswith("_ga")]
    assert sorted(c.split("=", 1)[0] for c in expired) == ["_ga", "_ga_TEST123"]
    assert all("Max-Age=0" in c for c in expired)
    assert choices(site)[-1].origin == "settings"
    assert choices(site)[-1].denied == ["analytics"]
    assert TAG not in client.get("/").text


def test_analytics_cookies_without_consent_are_expired_on_the_parent_domain_too(
    site: Runtime,
) -> None:
    with app_client(site, base_url="http://www.ajp.example") as client:
        client.http.cookies.set("_ga", "GA1.1.1.1", domain=".ajp.example")
        response = client.get("/")  # no choice: left-over Google cookies must go
    domains = sorted(
        next((p.split("=")[1] for p in c.split("; ") if p.startswith("Domain=")), "(host)")
        for c in set_cookies(response)
        if c.startswith("_ga=")
    )
    assert domains == ["(host)", "ajp.example", "www.ajp.example"]


def test_the_json_answer_lets_the_script_apply_the_choice(client: AppClient) -> None:
    data = {"csrf_token": client.csrf(), "choice": "accept", "origin": "banner"}
    response = client.post("/cookies/consent", data=data, headers={"accept": "application/json"})
    assert response.status_code == 200
    body = response.json()
    assert body["granted"] == ["analytics"]
    assert body["analytics"] is True
    assert body["measurement_id"] == MEASUREMENT_ID
    assert body["message"] == "You have accepted all optional cookies."
    assert any(c.startswith("charter_consent=") for c in set_cookies(response))


def test_a_choice_needs_the_csrf_token(client: AppClient, site: Runtime) -> None:
    client.get("/cookies")
    response = client.post("/cookies/consent", data={"choice": "accept", "origin": "banner"})
    assert response.status_code == 403
    assert choices(site) == []


@pytest.mark.parametrize(
    ("fields", "status"),
    [({"choice": "maybe"}, 422), ({"origin": "gpc"}, 422), ({"origin": "elsewhere"}, 422)],
)
def test_unreadable_choices_are_refused(
    client: AppClient, site: Runtime, fields: dict[str, str], status: int
) -> None:
    data = {"csrf_token": client.csrf(), "choice": "accept", "origin": "banner"} | fields
    assert client.post("/cookies/consent", data=data).status_code == status
    assert choices(site) == []


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "\\\\x", "x"])
def test_the_banner_only_returns_to_this_site(client: AppClient, target: str) -> None:
    assert choose(client, "reject", return_to=target).headers["location"] == "/"


def test_the_settings_page_lists_the_policy_cookies_and_offers_each_category(
    client: AppClient,
) -> None:
    html = client.get("/cookies").text
    for text in ("Google Analytics", "charter_session", "2 years", "Until you close your browser"):
        assert text in html
    assert "Strictly necessary cookies" in html
    assert 'name="category-analytics" value="on"' in html
    assert 'name="category-analytics" value="off" checked' in html  # nothing pre-ticked
    assert 'name="category-necessary"' not in html  # always on, never a toggle
    assert "data-cookie-banner" not in html  # the page itself is the choice


def test_saving_settings_grants_only_what_was_switched_on(client: AppClient, site: Runtime) -> None:
    data = {"csrf_token": client.csrf(), "origin": "settings", "category-analytics": "on"}
    client.post("/cookies/consent", data=data)
    assert choices(site)[-1].granted == ["analytics"]
    html = client.get("/cookies?saved=1").text
    assert 'name="category-analytics" value="on" checked' in html
    assert "Your cookie settings were saved." in html


def test_gpc_presets_a_refusal_and_the_page_says_so(client: AppClient, site: Runtime) -> None:
    response = client.get("/", headers={"sec-gpc": "1"})
    assert "Global Privacy Control honoured" in response.text
    assert "data-cookie-banner" not in response.text
    assert "googletagmanager" not in response.text
    assert "googletagmanager" not in csp(response)
    [row] = choices(site)
    assert row.origin == "gpc"
    assert row.denied == ["analytics"]
    assert row.granted == []
    assert any(c.startswith(f"charter_consent={row.choice_id}:") for c in set_cookies(response))
    # Remembered: the next request neither logs another choice nor shows the notice again.
    again = client.get("/", headers={"sec-gpc": "1"})
    assert "Global Privacy Control honoured" not in again.text
    assert len(choices(site)) == 1


def test_gpc_does_not_override_an_explicit_choice(client: AppClient, site: Runtime) -> None:
    choose(client, "accept")
    page = client.get("/", headers={"sec-gpc": "1"})
    assert TAG in page.text
    assert [c.origin for c in choices(site)] == ["banner"]


@pytest.mark.parametrize("value", ["0", "true", "1, 1"])
def test_only_sec_gpc_1_is_the_signal(client: AppClient, site: Runtime, value: str) -> None:
    assert "data-cookie-banner" in client.get("/", headers={"sec-gpc": value}).text
    assert choices(site) == []


def test_a_choice_under_another_policy_version_asks_again(client: AppClient, site: Runtime) -> None:
    choose(client, "accept")
    [row] = choices(site)
    client.http.cookies.set("charter_consent", f"{row.choice_id}:1.0", domain="testserver.local")
    page = client.get("/")
    assert "data-cookie-banner" in page.text
    assert TAG not in page.text


def test_a_new_policy_version_in_force_asks_again(site: Runtime) -> None:
    with app_client(site) as client:
        choose(client, "accept")
        cookie = client.http.cookies["charter_consent"]
    newer = dataclasses.replace(site, policy=site.policy.model_copy(update={"version": "1.2"}))
    with app_client(newer) as client:
        client.http.cookies.set("charter_consent", cookie, domain="testserver.local")
        page = client.get("/")
    assert "data-cookie-banner" in page.text
    assert TAG not in page.text


def test_without_a_measurement_id_no_tag_is_ever_emitted(runtime: Runtime) -> None:
    with app_client(runtime) as client:
        choose(client, "accept")
        page = client.get("/")
    assert "googletagmanager" not in page.text
    assert "googletagmanager" not in csp(page)


def test_gpc_json_is_published(client: AppClient, site: Runtime) -> None:
    response = client.get("/.well-known/gpc.json")
    assert response.status_code == 200
    assert response.json() == {"gpc": True, "lastUpdate": site.policy.effective_date.isoformat()}
    assert "set-cookie" not in response.headers


def test_over_https_the_choice_cookie_is_secure(site: Runtime) -> None:
    with app_client(site, base_url="https://testserver") as client:
        response = choose(client, "reject")
    [cookie] = [c for c in set_cookies(response) if c.startswith("charter_consent=")]
    assert "Secure" in cookie


@pytest.mark.parametrize(
    "path",
    [
        "/admin/login",
        "/account/login",
        "/privacy-centre/verify/" + "A" * 43,
        "/unsubscribe/" + "B" * 43,
    ],
)
def test_private_and_tokened_pages_never_carry_the_tag_or_the_banner(
    client: AppClient, path: str
) -> None:
    """Even with analytics accepted, the console, accounts and any page whose address holds
    a token never load Google's tag (a token in a page URL would reach Google)."""
    assert "data-cookie-banner" in client.get("/").text  # public pages ask first
    choose(client, "accept", return_to="/privacy")
    assert TAG in client.get("/privacy").text
    page = client.get(path)
    assert "googletagmanager.com/gtag" not in page.text
    assert "googletagmanager" not in csp(page)
    assert "data-cookie-banner" not in page.text
