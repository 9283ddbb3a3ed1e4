"""Cookie consent in a real browser (Debian's Chromium via Playwright) against a real
`charter serve` with a Google Analytics measurement id.

Every request to Google is intercepted and answered with a tiny stub that sets a ``_ga``
cookie the way the real tag does, so the tests see what would happen on the internet
without reaching it: before a choice and after refusing, no request leaves for Google and
no ``_ga`` cookie exists; after accepting, the tag loads and ``_ga`` appears; withdrawing
deletes it and the tag stays away. Screenshots of the banner and the settings page land
in ``test-artifacts/screenshots``.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Page,
    Route,
    ViewportSize,
)

from tests.browsing import SCREENSHOTS
from tests.server import running_server

MEASUREMENT_ID = "G-TEST123"
GOOGLE = re.compile(r"^https?://([a-z0-9-]+\.)*(googletagmanager|google-analytics|google)\.com/")
GA_STUB = (
    'document.cookie = "_ga=GA1.1.1234567890.1700000000; path=/; max-age=63072000";'
    'document.cookie = "_ga_TEST123=GS1.1.1700000000.1.0.1700000000.0.0.0; path=/; '
    'max-age=63072000";'
)
DESKTOP: ViewportSize = {"width": 1280, "height": 900}
MOBILE: ViewportSize = {"width": 390, "height": 844}

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    env = {"CHARTER_GA_MEASUREMENT_ID": MEASUREMENT_ID}
    with running_server(tmp_path_factory.mktemp("cookies") / "site", env) as url:
        yield url


@dataclass
class Visit:
    """One browser context: its page, every Google request seen, every console error."""

    context: BrowserContext
    page: Page
    base_url: str
    google: list[str] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def go(self, path: str) -> None:
        response = self.page.goto(self.base_url + path)
        assert response is not None
        assert response.status == 200

    def cookie_names(self) -> set[str]:
        return {str(c.get("name")) for c in self.context.cookies()}

    def wait_for_cookie(self, name: str, timeout: float = 10.0) -> None:
        """Poll from outside the page: the CSP (rightly) forbids Playwright's eval."""
        deadline = time.monotonic() + timeout
        while name not in self.cookie_names():
            assert time.monotonic() < deadline, f"no {name} cookie: {self.problems}"
            self.page.wait_for_timeout(50)

    def analytics_cookies(self) -> set[str]:
        return {n for n in self.cookie_names() if n == "_ga" or n.startswith("_ga_")}


@pytest.fixture
def visit(browser: Browser, base_url: str) -> Iterator[Callable[..., Visit]]:
    contexts: list[BrowserContext] = []

    def open_visit(**options: Any) -> Visit:
        context = browser.new_context(viewport=DESKTOP, **options)
        contexts.append(context)
        opened = Visit(context=context, page=context.new_page(), base_url=base_url)

        def fulfil_google(route: Route) -> None:
            opened.google.append(route.request.url)
            route.fulfill(status=200, content_type="text/javascript", body=GA_STUB)

        def other_hosts(route: Route) -> None:
            opened.foreign.append(route.request.url)
            route.abort()

        # The handler registered last is asked first: Google's stub before the catch-all.
        context.route(re.compile(r"^https?://(?!127\.0\.0\.1[:/])"), other_hosts)
        context.route(GOOGLE, fulfil_google)
        opened.page.on(
            "console", lambda m: opened.problems.append(m.text) if m.type == "error" else None
        )
        opened.page.on("pageerror", lambda error: opened.problems.append(str(error)))
        return opened

    yield open_visit
    for context in contexts:
        context.close()


def screenshot(page: Page, name: str, *, full_page: bool = False) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=full_page)


def banner_buttons(page: Page) -> tuple[Any, Any]:
    banner = page.locator("[data-cookie-banner]")
    return (
        banner.get_by_role("button", name="Accept all"),
        banner.get_by_role("button", name="Reject all"),
    )


def test_before_any_choice_nothing_reaches_google(visit: Callable[..., Visit]) -> None:
    v = visit()
    v.go("/")
    v.go("/privacy")
    assert v.page.locator("[data-cookie-banner]").is_visible()
    assert v.google == []
    assert v.foreign == []
    assert v.cookie_names() <= {"charter_session"}
    assert v.page.evaluate("typeof window.gtag") == "undefined"
    screenshot(v.page, "cookies-banner")
    v.page.set_viewport_size(MOBILE)
    screenshot(v.page, "cookies-banner-mobile")
    assert v.problems == []


def test_reject_all_keeps_google_away(visit: Callable[..., Visit]) -> None:
    v = visit()
    v.go("/")
    banner_buttons(v.page)[1].click()
    status = v.page.locator("[data-cookie-status]")
    status.wait_for(state="visible")
    assert "You have rejected all optional cookies." in status.inner_text()
    assert status.get_by_role("link", name="change your cookie settings").is_visible()
    screenshot(v.page, "cookies-banner-rejected")
    v.go("/services")
    v.go("/privacy")
    assert not v.page.locator("[data-cookie-banner]").is_visible()
    assert v.google == []
    assert v.analytics_cookies() == set()
    assert v.cookie_names() <= {"charter_session", "charter_consent"}
    assert v.problems == []


def test_accept_all_loads_the_tag_and_withdrawing_removes_it(
    visit: Callable[..., Visit],
) -> None:
    v = visit()
    v.go("/")
    banner_buttons(v.page)[0].click()
    v.wait_for_cookie("_ga")
    assert any("googletagmanager.com/gtag/js?id=G-TEST123" in url for url in v.google)
    assert v.analytics_cookies() == {"_ga", "_ga_TEST123"}
    assert v.page.evaluate("Array.isArray(window.dataLayer)")

    v.google.clear()
    v.go("/privacy")  # the server now renders the tag itself
    assert any("googletagmanager.com" in url for url in v.google)

    v.go("/cookies")
    v.page.get_by_label("Do not use analytics cookies").check()
    v.page.get_by_role("button", name="Save cookie settings").click()
    v.page.locator("[data-cookie-saved]").wait_for(state="visible")
    assert v.analytics_cookies() == set()
    assert v.page.evaluate(f"window['ga-disable-{MEASUREMENT_ID}']") is True

    v.google.clear()
    v.go("/")
    v.go("/privacy")
    assert v.google == []
    assert v.analytics_cookies() == set()
    assert v.page.locator("script[data-ga-tag]").count() == 0
    assert v.problems == []


def test_without_javascript_the_banner_still_works(visit: Callable[..., Visit]) -> None:
    v = visit(java_script_enabled=False)
    v.go("/privacy")
    banner_buttons(v.page)[0].click()
    v.page.wait_for_url(v.base_url + "/privacy")
    assert not v.page.locator("[data-cookie-banner]").is_visible()
    assert "charter_consent" in v.cookie_names()
    tag = v.page.locator("script[src*='googletagmanager.com/gtag/js']")
    assert tag.count() == 1  # rendered by the server (it cannot run here)


def test_gpc_presets_analytics_off(visit: Callable[..., Visit]) -> None:
    v = visit(extra_http_headers={"Sec-GPC": "1"})
    v.go("/")
    notice = v.page.get_by_role("status").filter(has_text="Global Privacy Control")
    assert notice.is_visible()
    assert not v.page.locator("[data-cookie-banner]").is_visible()
    screenshot(v.page, "cookies-gpc-notice")
    v.go("/privacy")
    v.go("/cookies")
    assert v.page.get_by_label("Do not use analytics cookies").is_checked()
    assert "Global Privacy Control" in v.page.inner_text("main")
    assert v.google == []
    assert v.analytics_cookies() == set()
    assert v.problems == []


def test_accept_and_reject_are_equally_prominent_and_reachable_by_keyboard(
    visit: Callable[..., Visit],
) -> None:
    v = visit()
    v.go("/")
    for viewport in (DESKTOP, MOBILE):
        v.page.set_viewport_size(viewport)
        accept, reject = banner_buttons(v.page)
        a, r = accept.bounding_box(), reject.bounding_box()
        assert a is not None
        assert r is not None
        assert (a["width"], a["height"]) == (r["width"], r["height"])
        styles = [
            b.evaluate(
                "e => { const s = getComputedStyle(e);"
                " return [s.backgroundColor, s.color, s.fontSize, s.fontWeight, s.borderWidth]; }"
            )
            for b in (accept, reject)
        ]
        assert styles[0] == styles[1]

    v.page.set_viewport_size(DESKTOP)
    v.go("/")
    focused = []
    for _ in range(3):
        v.page.keyboard.press("Tab")
        focused.append(v.page.evaluate("document.activeElement.textContent.trim()"))
    assert focused == ["Skip to content", "Accept all", "Reject all"]
    v.page.keyboard.press("Enter")  # Reject all, from the keyboard
    v.page.locator("[data-cookie-status]").wait_for(state="visible")
    assert "charter_consent" in v.cookie_names()
    assert v.google == []


def test_the_settings_page(visit: Callable[..., Visit]) -> None:
    v = visit()
    v.go("/cookies")
    main = v.page.inner_text("main")
    for text in ("Google Analytics", "charter_session", "Strictly necessary", "2 years"):
        assert text in main
    assert v.page.locator("h1").count() == 1
    assert not v.page.get_by_label("Use analytics cookies", exact=True).is_checked()
    screenshot(v.page, "cookies-settings", full_page=True)
    v.page.set_viewport_size(MOBILE)
    screenshot(v.page, "cookies-settings-mobile", full_page=True)
    v.page.set_viewport_size(DESKTOP)
    v.go("/statistics/opt-out")
    screenshot(v.page, "statistics-opt-out", full_page=True)
    assert v.google == []
    assert v.problems == []
