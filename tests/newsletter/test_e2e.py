"""The newsletter end to end: a real `charter serve` process, real HTTP, a real SMTP server.

Sign up on the page; the confirmation email's link confirms; a marketing email built by
``newsletter_email`` and sent through SMTP carries RFC 8058 headers, and the one-click
POST its ``List-Unsubscribe`` names unsubscribes at once, with no cookie.
"""

from __future__ import annotations

import re
from pathlib import Path

import httpx

from charter.consent.decisions import decide
from charter.installation.service import open_runtime
from charter.mail.sender import build_sender
from charter.newsletter.preferences import is_suppressed
from charter.newsletter.service import send_newsletter
from charter.runtime import Runtime
from charter.settings import Settings
from charter.vault import service as vault
from tests.server import running_server
from tests.web.asgi import body_text, csrf_of
from tests.web.mailbox import smtp_server

from .factories import EMAIL, NORMALISED

PUBLIC = "https://www.ajp-it-services.example"


def local(url: str, base: str) -> str:
    assert url.startswith(PUBLIC), url
    return base + url[len(PUBLIC) :]


def installation(data_dir: Path, env: dict[str, str]) -> Runtime:
    """The same installation the server runs, opened in this process (as a job would)."""
    return open_runtime(
        Settings(
            data_dir=data_dir,
            database_url=env["CHARTER_DATABASE_URL"],
            smtp_url=env["CHARTER_SMTP_URL"],
            base_url=PUBLIC,
        )
    )


def test_double_opt_in_then_one_click_unsubscribe_from_a_real_email(
    tmp_path: Path, fresh_database_url: str
) -> None:
    data_dir = tmp_path / "site"
    with smtp_server() as (smtp_url, mailbox):
        env = {
            "CHARTER_DATABASE_URL": fresh_database_url,
            "CHARTER_SMTP_URL": smtp_url,
            "CHARTER_BASE_URL": PUBLIC,
        }
        with running_server(data_dir, env) as base:
            with httpx.Client(base_url=base) as web:
                token = csrf_of(web.get("/newsletter").text)
                signed_up = web.post(
                    "/newsletter",
                    data={"csrf_token": token, "email": EMAIL, "consent": "yes", "website": ""},
                )
                assert signed_up.status_code == 303
                (confirmation,) = mailbox.wait_for(1)
                assert confirmation["To"] == NORMALISED
                link = re.search(rf"{PUBLIC}/newsletter/confirm/\S+", body_text(confirmation))
                assert link is not None
                page = web.get(local(link.group(0), base))
                assert page.status_code == 200
                confirmed = web.post(
                    local(link.group(0), base), data={"csrf_token": csrf_of(page.text)}
                )
                assert confirmed.status_code == 303
                assert (
                    "Your subscription is confirmed" in web.get(confirmed.headers["location"]).text
                )
            welcome = mailbox.wait_for(2)[1]
            assert "/consent-records/" in body_text(welcome)

            runtime = installation(data_dir, env)
            try:
                with runtime.unit() as work:
                    subject = vault.find_subject(work, email=EMAIL)
                    assert subject is not None
                    sent = send_newsletter(
                        work,
                        subject,
                        title="IT tips for November",
                        text="Patch Tuesday is next week.",
                        sender=build_sender(runtime.settings),
                        actor="staff:test",
                    )
                assert sent is not None
                marketing = mailbox.wait_for(3)[2]
                assert marketing["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
                targets = re.findall(r"<([^>]+)>", str(marketing["List-Unsubscribe"]))
                assert targets[0].startswith(f"{PUBLIC}/unsubscribe/")
                assert targets[1].startswith("mailto:")
                assert EMAIL.lower() not in str(marketing["List-Unsubscribe"]).lower()
                assert targets[0] in body_text(marketing), "a visible unsubscribe link too"

                # The mail client's one-click POST: no cookie, no CSRF token.
                one_click = httpx.post(
                    local(targets[0], base),
                    content="List-Unsubscribe=One-Click",
                    headers={"Content-Type": "application/x-www-form-urlencoded"},
                )
                assert one_click.status_code == 200
                with runtime.unit(write=False) as work:
                    assert not decide(work, subject.id, "marketing", "email").allowed
                    assert is_suppressed(work, EMAIL)
            finally:
                runtime.close()
