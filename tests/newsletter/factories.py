"""Newsletter test helpers: sign someone up and confirm, and read the links out of mail."""

from __future__ import annotations

import re
from pathlib import Path

from charter.mail.sender import EmailSender
from charter.newsletter.schemas import SignupForm
from charter.newsletter.service import Confirmation, confirm_signup, request_signup
from charter.runtime import Runtime
from tests.web.asgi import body_text, outbox_messages

ACTOR = "public:test"
EMAIL = "Zebedee.Quill@Example.org"
NORMALISED = "zebedee.quill@example.org"
FIRST_NAME = "Zebedee"
EVIDENCE = {"method": "web_form", "ip": "203.0.113.77", "user_agent_family": "Firefox"}
_CONFIRM = re.compile(r"/newsletter/confirm/([A-Za-z0-9_-]{43})")
_PREFERENCES = re.compile(r"/(?:preferences|unsubscribe)/([A-Za-z0-9_-]{43})")


def signup_form(email: str = EMAIL, first_name: str | None = FIRST_NAME) -> SignupForm:
    return SignupForm(email=email, first_name=first_name, consent=True)


def sign_up(runtime: Runtime, sender: EmailSender, email: str = EMAIL) -> bool:
    with runtime.unit() as work:
        return request_signup(work, signup_form(email), actor=ACTOR, sender=sender)


def confirmation_token(outbox: Path) -> str:
    """The token in the latest confirmation email."""
    for message in reversed(outbox_messages(outbox)):
        found = _CONFIRM.search(body_text(message))
        if found:
            return found.group(1)
    raise AssertionError("no confirmation email")


def confirm(runtime: Runtime, sender: EmailSender, token: str) -> Confirmation:
    with runtime.unit() as work:
        return confirm_signup(work, token, evidence=EVIDENCE, actor=ACTOR, sender=sender)


def subscribe(
    runtime: Runtime, sender: EmailSender, outbox: Path, email: str = EMAIL
) -> Confirmation:
    sign_up(runtime, sender, email)
    return confirm(runtime, sender, confirmation_token(outbox))


def preference_token_in(text: str) -> str:
    found = _PREFERENCES.search(text)
    assert found, "no preferences link"
    return found.group(1)
