"""Every public page in a real browser (Debian's Chromium driven by Playwright).

Screenshots land in ``test-artifacts/screenshots`` (not committed) so a person can look at
what a visitor sees. The console must stay clean: a CSP violation or a broken asset shows
up there.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import ConsoleMessage, Page

from tests.browsing import SCREENSHOTS
from tests.server import running_server

PAGES = [
    ("home", "/", "Dependable IT services"),
    ("services", "/services", "Managed support"),
    ("contact", "/contact", "Send message"),
    ("newsletter", "/newsletter", "newsletter"),
    ("cookies", "/cookies", "charter_session"),
    ("privacy", "/privacy", "Privacy"),
    ("privacy-changes", "/privacy/changes", "1.0"),
    ("privacy-version-1.0", "/privacy/versions/1.0", "Privacy"),
    ("not-found", "/no-such-page", "Page not found"),
]

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running_server(tmp_path_factory.mktemp("browser") / "site") as url:
        yield url


@pytest.mark.parametrize(("name", "path", "expected"), PAGES, ids=[p[0] for p in PAGES])
def test_page_renders_cleanly(
    page: Page, base_url: str, name: str, path: str, expected: str
) -> None:
    problems: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error" and "404" not in message.text:
            problems.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(str(error)))
    response = page.goto(base_url + path)
    assert response is not None
    assert response.status == (404 if name == "not-found" else 200)
    assert expected in page.inner_text("main")
    assert page.locator("h1").count() == 1
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(SCREENSHOTS / f"{name}-mobile.png"), full_page=True)
    assert problems == []


def test_keyboard_reaches_skip_link_first(page: Page, base_url: str) -> None:
    page.goto(base_url + "/privacy")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused.strip() == "Skip to content"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
