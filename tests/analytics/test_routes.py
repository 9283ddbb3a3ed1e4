"""What the statistics count through real HTTP (httpx against the ASGI app), on SQLite and
PostgreSQL, and the visible way to object at /statistics/opt-out."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from charter.analytics.schemas import StatisticsSummary
from charter.analytics.service import statistics_summary
from charter.runtime import Runtime
from tests.app_client import AppClient, app_client

from .factories import without_statistics

TODAY = date(2026, 11, 25)
CURL = "curl/8.5.0"
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"


def summary(runtime: Runtime) -> StatisticsSummary:
    with runtime.unit(write=False) as work:
        return statistics_summary(work, since=TODAY, until=TODAY)


def test_html_pages_are_counted_by_route_without_query_strings(
    client: AppClient, runtime: Runtime
) -> None:
    client.get("/?utm_source=newsletter&email=someone@example.com")
    client.get("/privacy/versions/1.0?token=secret")
    client.get("/privacy", headers={"referer": "https://search.example/q?name=Someone"})
    counted = summary(runtime)
    assert counted.page_views == 3
    assert counted.visitor_days == 1
    assert dict(counted.pages) == {"/": 1, "/privacy/versions/{version}": 1, "/privacy": 1}
    assert counted.referrers == (("search.example", 1),)
    assert counted.browsers == (("Firefox", 1),)


def test_internal_navigation_is_not_a_referrer(client: AppClient, runtime: Runtime) -> None:
    client.get("/privacy", headers={"referer": "http://testserver/"})
    assert summary(runtime).referrers == ()


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        ("/no-such-page", {}),  # not a page of ours
        ("/.well-known/gpc.json", {}),  # not HTML
        ("/static/charter.css", {}),
        ("/", {"user-agent": CURL}),
        ("/", {"user-agent": GOOGLEBOT}),
        ("/", {"sec-gpc": "1"}),  # objection by automated means (Art. 21(5))
        ("/", {"dnt": "1"}),
    ],
)
def test_what_is_not_counted(
    client: AppClient, runtime: Runtime, path: str, headers: dict[str, str]
) -> None:
    client.get(path, headers=headers)
    assert summary(runtime).page_views == 0


def test_opting_out_stops_counting_and_opting_in_restarts_it(
    client: AppClient, runtime: Runtime
) -> None:
    page = client.get("/statistics/opt-out")
    assert "Do not count my visits" in page.text
    assert summary(runtime).page_views == 1
    response = client.post(
        "/statistics/opt-out", data={"csrf_token": client.csrf("/"), "action": "opt-out"}
    )
    assert response.status_code == 303
    [cookie] = response.headers.get_list("set-cookie")
    assert cookie.startswith("charter_stats_optout=1;")
    assert "SameSite=lax" in cookie
    before = summary(runtime).page_views
    after_opt_out = client.get("/statistics/opt-out?done=opt-out")
    assert "we will not count your visits" in after_opt_out.text
    client.get("/privacy")
    assert summary(runtime).page_views == before

    client.post(
        "/statistics/opt-out",
        data={"csrf_token": client.csrf("/statistics/opt-out"), "action": "opt-in"},
    )
    assert "charter_stats_optout" not in client.http.cookies
    client.get("/privacy")
    assert summary(runtime).page_views == before + 1


def test_opting_out_needs_the_csrf_token(client: AppClient) -> None:
    client.get("/statistics/opt-out")
    response = client.post("/statistics/opt-out", data={"action": "opt-out"})
    assert response.status_code == 403
    assert "charter_stats_optout" not in client.http.cookies


def test_the_page_says_when_a_browser_signal_already_objects(client: AppClient) -> None:
    html = client.get("/statistics/opt-out", headers={"dnt": "1"}).text
    assert "we are already not counting your visits" in html


def test_every_page_links_to_the_objection(client: AppClient) -> None:
    assert '<a href="/statistics/opt-out">Website statistics</a>' in client.get("/").text


def test_pages_are_not_counted_while_the_policy_does_not_declare_it(runtime: Runtime) -> None:
    undeclared = dataclasses.replace(runtime, policy=without_statistics(runtime.policy))
    with app_client(undeclared) as client:
        assert client.get("/").status_code == 200
    assert summary(runtime).page_views == 0


def test_the_page_says_so_when_nothing_is_counted(runtime: Runtime) -> None:
    undeclared = dataclasses.replace(runtime, policy=without_statistics(runtime.policy))
    with app_client(undeclared) as client:
        html = client.get("/statistics/opt-out").text
    assert "We are not counting any visits at the moment." in html
