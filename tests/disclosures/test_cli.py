"""`charter disclosures` through Typer's CliRunner, on a real SQLite installation."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from charter.audit.models import AuditEntry
from charter.cli import app
from charter.disclosures import service
from charter.disclosures.models import Disclosure, RecipientNotice
from charter.installation.service import open_runtime
from charter.settings import Settings

from .factories import ACTOR, new_subject, webhook_receiver

runner = CliRunner()


@pytest.fixture
def subject_ref(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A SQLite installation holding one person."""
    for name in ("CHARTER_DATABASE_URL", "CHARTER_KEYRING", "CHARTER_POLICY", "CHARTER_SMTP_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CHARTER_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CHARTER_NOW", "2026-11-25T09:00:00+00:00")
    monkeypatch.setenv("CHARTER_ALLOW_PRIVATE_WEBHOOKS", "1")  # the receiver is on 127.0.0.1
    runtime = open_runtime(Settings())
    try:
        with runtime.unit() as work:
            return new_subject(work).ref
    finally:
        runtime.close()


def _rows() -> tuple[list[Disclosure], list[str]]:
    runtime = open_runtime(Settings(), create_keys=False, record=False)
    try:
        with runtime.unit(write=False) as work:
            rows = list(work.session.scalars(select(Disclosure)))
            actions = list(
                work.session.scalars(
                    select(AuditEntry.action).where(AuditEntry.action.startswith("disclosure."))
                )
            )
            return rows, actions
    finally:
        runtime.close()


def _record(ref: str, *extra: str) -> list[str]:
    return [
        "disclosures",
        "record",
        ref,
        "--recipient",
        "payment_processor",
        "--purpose",
        "provide_services",
        "--category",
        "identity",
        "--category",
        "financial",
        "--reference",
        "Order 1001",
        *extra,
    ]


def test_record_and_list(subject_ref: str) -> None:
    result = runner.invoke(app, _record(subject_ref))
    assert result.exit_code == 0, result.output
    assert "payment_processor (US)" in result.output
    assert "UK adequacy regulations" in result.output
    rows, actions = _rows()
    assert [(r.recipient, r.categories, r.actor.startswith("cli:")) for r in rows] == [
        ("payment_processor", ["identity", "financial"], True)
    ]
    assert actions == ["disclosure.recorded"]
    listed = runner.invoke(app, ["disclosures", "list", "--subject", subject_ref])
    assert listed.exit_code == 0, listed.output
    assert "Order 1001" in listed.output
    assert "payment_processor" in listed.output
    other = runner.invoke(app, ["disclosures", "list", "--recipient", "authorities"])
    assert "No disclosures recorded." in other.output


def test_a_refusal_exits_1_and_records_nothing(subject_ref: str) -> None:
    result = runner.invoke(
        app,
        [
            "disclosures",
            "record",
            subject_ref,
            "--recipient",
            "email_provider",
            "--purpose",
            "marketing",
            "--category",
            "contact",
            "--reference",
            "Campaign 5",
        ],
    )
    assert result.exit_code == 1
    assert "marketing" in result.output
    assert _rows() == ([], [])
    unknown = runner.invoke(app, _record("0" * 32))
    assert unknown.exit_code == 1
    assert "No person has that reference" in unknown.output


def test_connect_prints_the_secret_once_and_deliver_uses_it(subject_ref: str) -> None:
    runtime = open_runtime(Settings(), create_keys=False, record=False)
    try:
        with runtime.unit() as work:
            subject = service.subject_by_ref(work, subject_ref)
            service.record_disclosure(
                work,
                subject,
                recipient="hosting_provider",
                purpose="provide_services",
                categories=["identity"],
                reference="Order 1001",
                actor=ACTOR,
            )
            service.notify_recipients(
                work, subject, event="rectification", request_reference=None, actor=ACTOR
            )
    finally:
        runtime.close()
    with webhook_receiver("unknown yet") as receiver:
        connected = runner.invoke(
            app, ["disclosures", "connect", "hosting_provider", "--webhook", receiver.url]
        )
        assert connected.exit_code == 0, connected.output
        secret = connected.output.strip().splitlines()[-1].strip()
        assert len(secret) == 64
        receiver.secret = secret
        delivered = runner.invoke(app, ["disclosures", "deliver"])
        assert delivered.exit_code == 0, delivered.output
        assert "Delivered 1 notice(s)." in delivered.output
    assert len(receiver.acted) == 1
    notices = runner.invoke(app, ["disclosures", "notices"])
    assert "completed" in notices.output
    assert secret not in notices.output
    listing = runner.invoke(app, ["disclosures", "list"])
    assert secret not in listing.output


def test_connect_by_email_and_bad_input(subject_ref: str) -> None:
    ok = runner.invoke(
        app, ["disclosures", "connect", "payment_processor", "--email", "dpo@payments.example"]
    )
    assert ok.exit_code == 0, ok.output
    assert "by email" in ok.output
    neither = runner.invoke(app, ["disclosures", "connect", "payment_processor"])
    assert neither.exit_code == 1
    plain = runner.invoke(
        app, ["disclosures", "connect", "payment_processor", "--webhook", "http://x.example/"]
    )
    assert plain.exit_code == 1
    assert "https" in plain.output
    undeclared = runner.invoke(
        app, ["disclosures", "connect", "data_broker", "--email", "a@b.example"]
    )
    assert undeclared.exit_code == 1
    runtime = open_runtime(Settings(), create_keys=False, record=False)
    try:
        with runtime.unit(write=False) as work:
            assert list(work.session.scalars(select(RecipientNotice))) == []
    finally:
        runtime.close()
