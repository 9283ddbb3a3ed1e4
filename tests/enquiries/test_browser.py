"""The contact form in a real browser (Debian's Chromium via Playwright), by keyboard only.

Screenshots of the form, its error state, the special-category warning, the thank-you
page and the newsletter page land in ``test-artifacts/screenshots``. The console must
stay clean: a CSP violation (an inline script, say) shows up there.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import ConsoleMessage, Page, expect

from tests.browsing import SCREENSHOTS
from tests.server import running_server
from tests.web.asgi import body_text, outbox_messages

from .factories import EMAIL, FIRST_NAME, LAST_NAME, PHONE

SPECIAL = "Our laptops keep crashing. My colleague Sarah has diabetes and needs a bigger screen."

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("contact-browser") / "site"


@pytest.fixture(scope="module")
def base_url(site: Path) -> Iterator[str]:
    """A server with no SMTP: its mail goes to the outbox folder ``site/outbox``."""
    with running_server(site) as url:
        yield url


def watch_console(page: Page) -> list[str]:
    problems: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        # Chromium reports the 422 of a form re-rendered with errors, and the missing
        # favicon, as "Failed to load resource"; anything else is a real problem.
        expected = ("status of 404", "status of 422")
        if message.type == "error" and not any(text in message.text for text in expected):
            problems.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(str(error)))
    return problems


def shoot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def dismiss_cookie_banner(page: Page) -> None:
    """Refuse optional cookies if the banner asks, then hide its note (so neither covers
    the form in the screenshots)."""
    refuse = page.get_by_role("button", name="Reject all")
    if not refuse.count():
        return
    refuse.first.click()
    hide = page.get_by_role("button", name="Hide this message")
    hide.first.wait_for(state="visible", timeout=5000)
    hide.first.click()


def tab_to(page: Page, element_id: str, *, limit: int = 60) -> None:
    """Press Tab until ``element_id`` has focus (the way a keyboard user gets there)."""
    for _ in range(limit):
        if page.evaluate("document.activeElement && document.activeElement.id") == element_id:
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached #{element_id}")


def focused(page: Page) -> str:
    return str(page.evaluate("document.activeElement && document.activeElement.id"))


def test_contact_form_by_keyboard(page: Page, base_url: str) -> None:
    problems = watch_console(page)
    page.goto(base_url + "/contact")
    dismiss_cookie_banner(page)
    expect(page.locator("h1")).to_have_text("Contact us")
    shoot(page, "contact")

    # First attempt: no first name and an email address that is not one.
    tab_to(page, "title")
    page.keyboard.press("ArrowDown")  # "Mr"
    page.keyboard.press("Tab")
    assert focused(page) == "first_name"
    page.keyboard.press("Tab")
    page.keyboard.type(LAST_NAME)
    page.keyboard.press("Tab")
    assert focused(page) == "email"
    page.keyboard.type("zebedee-at-example")
    page.keyboard.press("Tab")
    page.keyboard.type(PHONE)
    page.keyboard.press("Tab")
    assert focused(page) == "message"
    page.keyboard.type("Our office printer jams every morning.\nCan you help?")
    page.keyboard.press("Tab")
    assert focused(page) == "marketing_email"
    page.keyboard.press("Space")
    tab_to(page, "marketing_text")
    for _ in range(3):
        page.keyboard.press("Tab")
        assert focused(page) != "website"
        if page.evaluate("document.activeElement.tagName") == "BUTTON":
            break
    page.keyboard.press("Enter")

    page.wait_for_selector("#error-summary")
    assert focused(page) == "error-summary", "focus moves to the error summary"
    summary = page.locator("#error-summary")
    expect(summary).to_contain_text("Enter your first name.")
    expect(summary).to_contain_text("Enter an email address in the correct format")
    expect(page.locator("#email")).to_have_value("zebedee-at-example")
    expect(page.locator("#last_name")).to_have_value(LAST_NAME)
    expect(page.locator("#message")).to_have_value(
        "Our office printer jams every morning.\nCan you help?"
    )
    expect(page.locator("#marketing_email")).to_be_checked()
    expect(page.locator("#marketing_phone")).not_to_be_checked()
    expect(page.locator("#first_name")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#first_name-error")).to_be_visible()
    shoot(page, "contact-errors")

    # Follow the summary's first link: focus lands in the field.
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    assert focused(page) == "first_name"
    page.keyboard.type(FIRST_NAME)
    tab_to(page, "email")
    page.keyboard.press("Control+A")
    page.keyboard.type(EMAIL)
    tab_to(page, "message")
    page.keyboard.press("Control+End")
    page.keyboard.type(" " + SPECIAL)

    # The script screens the message before sending and warns instead.
    page.locator("button[type=submit]").focus()
    page.keyboard.press("Enter")
    warning = page.locator("#message-warning")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text(
        "This looks like it may contain health information about a person — please remove it"
    )
    assert focused(page) == "message"
    assert page.url.endswith("/contact"), "nothing was sent"
    shoot(page, "contact-warning")

    # The person edits the sentence out and sends.
    page.keyboard.press("Control+A")
    page.keyboard.type("Our office printer jams every morning. Our laptops keep crashing too.")
    page.locator("button[type=submit]").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(base_url + "/contact/thanks")
    expect(page.locator("h1")).to_have_text("Thank you, your message has been sent")
    shoot(page, "contact-thanks")
    assert problems == []


def test_newsletter_page(page: Page, base_url: str) -> None:
    problems = watch_console(page)
    page.goto(base_url + "/newsletter")
    dismiss_cookie_banner(page)
    expect(page.locator("h1")).to_have_text("Get our newsletter")
    expect(page.get_by_label("Please send me the AJP IT Services newsletter")).not_to_be_checked()
    shoot(page, "newsletter")
    page.set_viewport_size({"width": 390, "height": 844})
    shoot(page, "newsletter-mobile")
    page.goto(base_url + "/contact")
    shoot(page, "contact-mobile")
    assert problems == []


def test_newsletter_double_opt_in_and_preferences(page: Page, base_url: str, site: Path) -> None:
    problems = watch_console(page)
    page.goto(base_url + "/newsletter")
    dismiss_cookie_banner(page)
    page.get_by_label("Email address").fill("browser.reader@example.org")
    page.get_by_label("Please send me the AJP IT Services newsletter").check()
    page.get_by_role("button", name="Subscribe").click()
    page.wait_for_url(base_url + "/newsletter/check-email")
    shoot(page, "newsletter-check-email")
    (confirmation,) = [
        message
        for message in outbox_messages(site / "outbox")
        if "browser.reader@example.org" in str(message["To"])
    ]
    link = re.search(r"http://\S+/newsletter/confirm/\S+", body_text(confirmation))
    assert link is not None
    page.goto(base_url + urlsplit(link.group(0)).path)
    shoot(page, "newsletter-confirm")
    page.get_by_role("button", name="Yes, subscribe me").click()
    expect(page.get_by_text("Your subscription is confirmed")).to_be_visible()
    shoot(page, "newsletter-preferences")
    page.get_by_role("button", name="Stop email").click()
    expect(
        page.get_by_text("Saved: we will not contact you this way any more: email.")
    ).to_be_visible()
    shoot(page, "newsletter-preferences-changed")
    assert problems == []
