"""The rights walkthrough in a real browser (Debian's Chromium via Playwright).

A person writes through the contact form (so we hold their email address), asks for a
copy of their data at /privacy-centre, follows the link emailed to them, confirms, and
downloads the zip (data.json inside). They also make a complaint, which stays open for
staff. A second person asks for restriction. Then a staff member (created with the
`charter staff` CLI, as an operator would) signs in, opens the request queue, the open
request and the person's timeline; the restricted person is refused to them (403) and
shown to a privacy officer. Each page is screenshotted into ``test-artifacts/screenshots``.

Selectors are the labels a visitor reads, not markup, so the pages may change shape.
"""

from __future__ import annotations

import io
import json
import re
import subprocess
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import ConsoleMessage, Page, expect

from tests.browsing import SCREENSHOTS
from tests.server import charter_command, charter_env, running_server
from tests.web.asgi import body_text, outbox_messages

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery staple"
STAFF_EMAIL = "office.manager@ajp-it-services.example"
OFFICER_EMAIL = "privacy.officer@ajp-it-services.example"
ZEBEDEE = ("Zebedee", "Quillfeather", "zebedee.quillfeather@example.org")
MARIGOLD = ("Marigold", "Fenwick", "marigold.fenwick@example.org")
VERIFY_LINK = re.compile(r"https?://[^/\s]+(/privacy-centre/verify/[A-Za-z0-9_-]+)")
DOWNLOAD_LINK = re.compile(r"https?://[^/\s]+(/privacy-centre/download/[A-Za-z0-9_-]+)")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    site = tmp_path_factory.mktemp("rights-browser") / "site"
    site.mkdir(parents=True)
    for email, role in ((STAFF_EMAIL, "staff"), (OFFICER_EMAIL, "privacy_officer")):
        created = subprocess.run(
            charter_command("staff", "add", email, "--role", role, "--password-stdin"),
            input=PASSWORD + "\n",
            env=charter_env(site),
            capture_output=True,
            text=True,
            check=False,
        )
        assert created.returncode == 0, created.stdout + created.stderr
    return site


@pytest.fixture(scope="module")
def base_url(site: Path) -> Iterator[str]:
    # The machine may be busy: migrating a new installation can take a while.
    with running_server(site, timeout=120.0) as url:
        yield url


def watch_console(page: Page) -> list[str]:
    problems: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        # The 403 page and a missing favicon are expected "failed to load" reports.
        expected = ("status of 403", "status of 404", "status of 422")
        if message.type == "error" and not any(text in message.text for text in expected):
            problems.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(str(error)))
    return problems


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


def mail_link(site: Path, to: str, pattern: re.Pattern[str], *, after: int) -> str:
    """The link in the newest email to ``to`` among those written after the first
    ``after`` outbox files. The privacy centre sends after replying (so a reply never
    reveals by its timing whether the person is known), so the email may land a moment
    after the page: wait for it, up to a bound."""
    deadline = time.monotonic() + 30
    while True:
        for message in reversed(outbox_messages(site / "outbox")[after:]):
            if to in str(message["To"]).lower():
                found = pattern.search(body_text(message))
                if found:
                    return found.group(1)
        if time.monotonic() > deadline:
            raise AssertionError(f"no email with that link to {to}")
        time.sleep(0.1)


def outbox_count(site: Path) -> int:
    return len(outbox_messages(site / "outbox"))


def write_to_us(page: Page, base_url: str, person: tuple[str, str, str]) -> None:
    first, last, email = person
    page.goto(base_url + "/contact")
    dismiss_cookie_banner(page)
    page.get_by_label("First name").fill(first)
    page.get_by_label("Last name").fill(last)
    page.get_by_label("Email address", exact=True).fill(email)
    page.get_by_label("Your message").fill("Our office printer jams every morning.")
    page.get_by_role("button", name="Send message").click()
    expect(page.get_by_role("heading", level=1)).not_to_have_text("Contact us")


def ask(page: Page, base_url: str, site: Path, email: str, kind: str, shot: str) -> str:
    """Submit a request at the privacy centre, follow the emailed link and confirm it."""
    sent = outbox_count(site)
    page.goto(base_url + "/privacy-centre")
    dismiss_cookie_banner(page)
    page.get_by_label("What would you like us to do?").select_option(label=kind)
    page.get_by_label("Email address", exact=True).fill(email)
    if shot:
        shoot(page, f"{shot}-centre")
    page.get_by_role("button", name="Send request").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    if shot:
        shoot(page, f"{shot}-check-email")
    page.goto(base_url + mail_link(site, email, VERIFY_LINK, after=sent))
    if shot:
        shoot(page, f"{shot}-confirm")
    page.get_by_role("button", name=re.compile(r"^Confirm")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("confirmed")
    if shot:
        shoot(page, f"{shot}-confirmed")
    found = re.search(r"DSR-[A-Z0-9]{4}-[A-Z0-9]{4}", page.content())
    assert found is not None
    return found.group(0)


def sign_in(page: Page, base_url: str, email: str) -> None:
    page.goto(base_url + "/admin/login")
    dismiss_cookie_banner(page)
    page.get_by_label("Email address", exact=True).fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(base_url + "/admin")


def find_person(page: Page, base_url: str, email: str, purpose: str) -> None:
    page.goto(base_url + "/admin/subjects")
    page.get_by_label("Email address", exact=True).fill(email)
    page.get_by_label("Why you need to look them up").select_option(label=purpose)
    page.get_by_role("button", name="Find").click()


def test_rights_walkthrough(page: Page, base_url: str, site: Path) -> None:
    problems = watch_console(page)
    zebedee, marigold = ZEBEDEE[2], MARIGOLD[2]

    # A person who wrote to us asks for a copy of their data and downloads it.
    write_to_us(page, base_url, ZEBEDEE)
    sent = outbox_count(site)
    access = ask(page, base_url, site, zebedee, "Get a copy of my data (access)", "rights-access")
    page.goto(base_url + mail_link(site, zebedee, DOWNLOAD_LINK, after=sent))
    shoot(page, "rights-download")
    with page.expect_download() as downloading:
        page.get_by_role("button", name=re.compile("Download")).click()
    package = Path(downloading.value.path()).read_bytes()
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        assert "data.json" in archive.namelist()
        data = json.loads(archive.read("data.json"))
    assert ZEBEDEE[0] in json.dumps(data)

    # They also complain: that request stays open for staff.
    complaint = ask(
        page, base_url, site, zebedee, "Make a complaint about how you handle my data", ""
    )
    assert complaint != access

    # A second person has processing of their data restricted.
    write_to_us(page, base_url, MARIGOLD)
    ask(
        page,
        base_url,
        site,
        marigold,
        "Stop using my data while something is checked (restriction)",
        "rights-restriction",
    )

    # Staff: the queue, the open request, the person's timeline.
    page.context.clear_cookies()
    sign_in(page, base_url, STAFF_EMAIL)
    page.get_by_role("link", name="Requests").first.click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.get_by_text(complaint)).to_be_visible()
    shoot(page, "rights-staff-queue")
    page.get_by_role("link", name=complaint).click()
    expect(page.get_by_role("heading", name=f"Request {complaint}")).to_be_visible()
    shoot(page, "rights-staff-request")

    page.get_by_role("link", name="People").first.click()
    shoot(page, "subjects-find")
    find_person(page, base_url, zebedee, "Answering your queries")
    expect(page.get_by_role("heading", name=re.compile("^Person "))).to_be_visible()
    assert "@" not in page.url
    expect(page.get_by_text("respond_to_queries").first).to_be_visible()
    timeline = page.locator("#timeline")
    expect(timeline).to_contain_text("Enquiry received")
    expect(timeline).to_contain_text(access)
    expect(timeline).to_contain_text(complaint)
    expect(page.get_by_role("link", name=complaint).first).to_be_visible()
    assert ZEBEDEE[1] not in page.content()
    shoot(page, "subjects-timeline")

    # The restricted person: refused to staff, shown to a privacy officer.
    find_person(page, base_url, marigold, "Answering your queries")
    expect(page.get_by_text("only a privacy officer can open their record")).to_be_visible()
    assert MARIGOLD[1] not in page.content()
    shoot(page, "subjects-restricted-staff")

    page.context.clear_cookies()
    sign_in(page, base_url, OFFICER_EMAIL)
    find_person(page, base_url, marigold, "Answering your data protection requests")
    expect(page.get_by_text("Processing is restricted").first).to_be_visible()
    expect(page.locator("#timeline")).to_contain_text("Processing restricted (Art. 18)")
    shoot(page, "subjects-restricted-officer")
    page.get_by_role("button", name="Show values").click()
    expect(page.locator("#timeline")).to_contain_text(MARIGOLD[0])
    shoot(page, "subjects-values-officer")

    assert problems == []


ACCOUNT_LINK = re.compile(r"https?://[^/\s]+(/account/verify/[A-Za-z0-9_-]+)")
CUSTOMER = ("Ottoline", "Pemberton", "ottoline.pemberton@example.org")


def test_customer_sees_their_orders(page: Page, base_url: str, site: Path) -> None:
    """A customer registers and verifies; staff record an order, invoice and bank
    transfer on the console; the customer's account page shows them, bank details masked."""
    problems = watch_console(page)
    first, last, email = CUSTOMER
    sent = outbox_count(site)
    page.goto(base_url + "/account/register")
    dismiss_cookie_banner(page)
    page.get_by_label("First name").fill(first)
    page.get_by_label("Last name").fill(last)
    page.get_by_label("Email address", exact=True).fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    page.goto(base_url + mail_link(site, email, ACCOUNT_LINK, after=sent))
    page.get_by_role("button", name="Confirm").click()

    # Staff record what the customer bought, on the console.
    page.context.clear_cookies()
    sign_in(page, base_url, STAFF_EMAIL)
    find_person(page, base_url, email, "Providing what you order")
    page.get_by_role("link", name="orders, invoices and payments").click()
    page.get_by_label("What was ordered").fill("Office network survey and report")
    page.get_by_label("Amount (GBP)").fill("350.00")
    page.get_by_label("Ordered on").fill("2026-11-20")
    page.get_by_role("button", name="Record order").click()
    page.get_by_label("Invoice number").fill("INV-2026-042")
    page.get_by_label("Amount (GBP)").first.fill("350.00")
    page.get_by_label("Issued on").fill("2026-11-21")
    page.get_by_role("button", name="Record invoice").click()
    page.get_by_label("Amount (GBP)").first.fill("350.00")
    page.get_by_label("Paid on").fill("2026-11-24")
    page.get_by_label("Method").select_option(label="bank transfer")
    page.get_by_label(re.compile("^Bank account")).fill("20-00-00 55779911")
    page.get_by_role("button", name="Record payment").click()
    expect(page.get_by_text("350.00 GBP by bank transfer")).to_be_visible()

    # The customer signs in and sees it, masked.
    page.context.clear_cookies()
    page.goto(base_url + "/account/login")
    page.get_by_label("Email address", exact=True).fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    dismiss_cookie_banner(page)
    expect(page.get_by_role("heading", name="Your orders")).to_be_visible()
    expect(page.get_by_text("Office network survey and report")).to_be_visible()
    expect(page.get_by_text("INV-2026-042")).to_be_visible()
    expect(page.get_by_text("••••\u00a09911")).to_be_visible()
    assert "55779911" not in page.content()
    shoot(page, "account-orders")
    assert problems == []
