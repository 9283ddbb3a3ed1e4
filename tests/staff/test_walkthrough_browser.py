"""The console walkthrough in a real browser (Debian's Chromium via Playwright), by keyboard.

A real server on a free port; the staff account is created with the CLI first, as an
operator would. Screenshots of /admin/login, /admin and /admin/enquiries land in
``test-artifacts/screenshots``; the console must stay free of errors (CSP included).

The file name sorts after the package's ASGI tests on purpose: the session-wide ``browser``
fixture keeps Playwright's event loop running in the test thread, and an httpx ASGI client
started after it in the same process fails ("cannot be called from a running event loop").
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import ConsoleMessage, Page, expect

from tests.browsing import SCREENSHOTS
from tests.server import charter_command, charter_env, running_server

from .factories import PASSWORD

pytestmark = pytest.mark.browser

EMAIL = "office.manager@ajp-it-services.example"
_CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    site = tmp_path_factory.mktemp("staff-browser") / "site"
    site.mkdir(parents=True)
    created = subprocess.run(
        charter_command("staff", "add", EMAIL, "--role", "staff", "--password-stdin"),
        input=PASSWORD + "\n",
        env=charter_env(site),
        capture_output=True,
        text=True,
        check=False,
    )
    assert created.returncode == 0, created.stdout + created.stderr
    with running_server(site) as url:
        send_enquiry(url)
        yield url


def send_enquiry(base_url: str) -> None:
    with httpx.Client(base_url=base_url) as client:
        found = _CSRF.search(client.get("/contact").text)
        assert found is not None
        response = client.post(
            "/contact",
            data={
                "csrf_token": found.group(1),
                "first_name": "Zebedee",
                "last_name": "Quillfeather",
                "email": "zebedee@example.org",
                "message": "Our office printer jams every morning.",
            },
        )
        assert response.status_code in (200, 303), response.text


def shoot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def dismiss_cookie_banner(page: Page) -> None:
    refuse = page.get_by_role("button", name="Reject all")
    if not refuse.count():
        return
    refuse.first.click()
    hide = page.get_by_role("button", name="Hide this message")
    hide.first.wait_for(state="visible", timeout=5000)
    hide.first.click()


def tab_to(page: Page, text: str, *, limit: int = 60) -> None:
    """Press Tab until the focused element's text is ``text``."""
    for _ in range(limit):
        focused = page.evaluate("document.activeElement && document.activeElement.textContent")
        if focused and focused.strip() == text:
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {text!r}")


def test_sign_in_by_keyboard_and_open_enquiries(page: Page, base_url: str) -> None:
    problems: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error" and "status of 404" not in message.text:
            problems.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(str(error)))

    page.goto(f"{base_url}/admin/enquiries")
    expect(page).to_have_url(re.compile(r"/admin/login\?next=/admin/enquiries$"))
    dismiss_cookie_banner(page)
    expect(page.get_by_role("heading", name="Staff sign in")).to_be_visible()
    shoot(page, "staff-login")

    page.get_by_label("Email address").focus()
    page.keyboard.type(EMAIL)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Tab")  # the code field: this account has no authenticator
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")

    expect(page).to_have_url(f"{base_url}/admin/enquiries")
    expect(page.get_by_role("heading", name="Enquiries")).to_be_visible()
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("ENQ-")
    assert "Quillfeather" not in page.content()
    shoot(page, "staff-enquiries")

    tab_to(page, "Dashboard")
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{base_url}/admin")
    expect(page.get_by_role("heading", name="Staff console")).to_be_visible()
    shoot(page, "staff-dashboard")

    tab_to(page, "Enquiries")
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{base_url}/admin/enquiries")
    assert problems == []
    for name in ("staff-login", "staff-dashboard", "staff-enquiries"):
        assert (SCREENSHOTS / f"{name}.png").exists()
