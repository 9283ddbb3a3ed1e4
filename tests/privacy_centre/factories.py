"""Privacy-centre test helpers: a customer on file, the form, and links read from mail."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlencode

import httpx
from sqlalchemy import select

from charter.audit.models import AuditEntry
from charter.consent import service as consent
from charter.runtime import Runtime
from charter.sms.sender import LocalTextOutbox
from charter.vault import service as vault
from charter.vault.models import Subject
from tests.web.asgi import AppClient, body_text, csrf_of, outbox_messages

ACTOR = "staff:test"
EMAIL = "ada@example.com"
FORM_HEADERS = {"Content-Type": "application/x-www-form-urlencoded"}
WEB = {"method": "web_form", "ip": "203.0.113.77", "user_agent_family": "Firefox"}
_VERIFY = re.compile(r"/privacy-centre/verify/([A-Za-z0-9_-]{43})")
_DOWNLOAD = re.compile(r"/privacy-centre/download/([A-Za-z0-9_-]{43})")


def new_customer(runtime: Runtime, *, email: str | None = EMAIL, phone: str | None = None) -> str:
    """A customer who ordered and gave consent to email marketing; returns their ref.
    ``email=None`` holds no address for them; ``phone`` adds a number on file."""
    values = {"identity.first_name": "Ada"}
    if email is not None:
        values["contact.email"] = email
    if phone is not None:
        values["contact.phone"] = phone
    with runtime.unit() as work:
        subject = vault.create_subject(work, actor=ACTOR)
        vault.store_personal_data(
            work,
            subject,
            collection_point="orders",
            values=values,
            source="website",
            actor=ACTOR,
        )
        wording = next(
            request.wording
            for request in work.policy.collection_point("contact_form").consents
            if request.channels == ["email"]
        )
        consent.give_consent(
            work,
            subject,
            purpose="marketing",
            channel="email",
            collection_point="contact_form",
            wording=wording,
            evidence=WEB,
            actor=ACTOR,
        )
        return subject.ref


def subject_by_ref(runtime: Runtime, ref: str) -> Subject:
    with runtime.unit(write=False) as work:
        found = work.session.scalars(select(Subject).where(Subject.ref == ref)).one()
        work.session.expunge(found)
        return found


def ask(visitor: AppClient, **fields: str) -> httpx.Response:
    """Fill in and send the privacy-centre form as a browser would (``kind`` is needed)."""
    body = {"csrf_token": visitor.csrf_token("/privacy-centre"), "email": EMAIL, "choice": ""}
    body.update(fields)
    return visitor.post("/privacy-centre", content=urlencode(body), headers=FORM_HEADERS)


def press(visitor: AppClient, path: str, **fields: str) -> httpx.Response:
    """Open a link's page and press its button (the page's CSRF token, plus ``fields``)."""
    page = visitor.get(path)
    assert page.status_code == 200, page.text
    body = {"csrf_token": csrf_of(page.text), **fields}
    return visitor.post(path, content=urlencode(body), headers=FORM_HEADERS)


def link_in(outbox: Path, pattern: re.Pattern[str]) -> str:
    for message in reversed(outbox_messages(outbox)):
        found = pattern.search(body_text(message))
        if found:
            return found.group(0)
    raise AssertionError("no such link in the outbox")


def verify_path(outbox: Path) -> str:
    return link_in(outbox, _VERIFY)


def download_path(outbox: Path) -> str:
    return link_in(outbox, _DOWNLOAD)


def audit_details(runtime: Runtime) -> list[tuple[str, str]]:
    with runtime.unit(write=False) as work:
        rows = work.session.execute(select(AuditEntry.action, AuditEntry.detail)).all()
        return [(action, detail) for action, detail in rows]


_CANCEL = re.compile(r"/privacy-centre/cancel/([A-Za-z0-9_-]{43})")


def cancel_path(outbox: Path) -> str:
    return link_in(outbox, _CANCEL)


def texts_sent(runtime: Runtime) -> list[dict[str, str]]:
    """What the local text outbox (the SMS gateway stand-in) was given."""
    return LocalTextOutbox(runtime.settings.data_dir / "text-outbox").sent()
