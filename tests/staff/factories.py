"""Staff test data: accounts by role, signing in through the real form."""

from __future__ import annotations

from pathlib import Path

import httpx
import pyotp
from sqlalchemy import select

from charter.audit.models import AuditEntry
from charter.enquiries.schemas import EnquiryReceipt
from charter.enquiries.service import submit_enquiry
from charter.mail.outbox import OutboxSender
from charter.runtime import Runtime
from charter.staff.service import create_staff, enrol_totp
from tests.app_client import AppClient
from tests.enquiries.factories import ACTOR, EVIDENCE, enquiry_form

PASSWORD = "correct horse battery staple"
CREATOR = "cli:test"


def email_for(role: str) -> str:
    return f"{role.replace('_', '.')}@ajp-it-services.example"


def add_staff(runtime: Runtime, role: str, *, email: str | None = None) -> int:
    with runtime.unit() as work:
        user = create_staff(
            work, email=email or email_for(role), password=PASSWORD, role=role, actor=CREATOR
        )
        return user.id


def add_totp(runtime: Runtime, email: str) -> pyotp.TOTP:
    with runtime.unit() as work:
        uri = enrol_totp(work, email, actor=CREATOR)
    parsed = pyotp.parse_uri(uri)
    assert isinstance(parsed, pyotp.TOTP)
    return parsed


def sign_in(
    client: AppClient,
    email: str,
    password: str = PASSWORD,
    *,
    code: str = "",
    next_path: str = "/admin",
) -> httpx.Response:
    token = client.csrf("/admin/login")
    return client.post(
        "/admin/login",
        data={
            "csrf_token": token,
            "email": email,
            "password": password,
            "code": code,
            "next": next_path,
        },
    )


def outbox_of(runtime: Runtime) -> Path:
    return runtime.settings.data_dir / "outbox"


def receive_enquiry(runtime: Runtime, **overrides: object) -> EnquiryReceipt:
    sender = OutboxSender(outbox_of(runtime), runtime.settings.mail_from)
    with runtime.unit() as work:
        return submit_enquiry(
            work, enquiry_form(**overrides), evidence=EVIDENCE, actor=ACTOR, sender=sender
        )


def audit_entries(runtime: Runtime, action: str) -> list[AuditEntry]:
    with runtime.unit(write=False) as work:
        return list(
            work.session.scalars(
                select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.seq)
            )
        )
