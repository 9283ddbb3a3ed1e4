"""`charter consent` through Typer's CliRunner, on a real SQLite installation."""

from __future__ import annotations

import json
from pathlib import Path
from typing import NamedTuple

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from charter.audit.models import AuditEntry
from charter.consent.cli import app
from charter.consent.service import give_consent
from charter.installation.service import open_runtime
from charter.settings import Settings
from charter.vault import service as vault

from .factories import ACTOR

runner = CliRunner()


@pytest.fixture
def installation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[str, str]:
    """A SQLite installation (shipped policy) holding one subject who gave one consent;
    returns the subject's reference and the consent's record id."""
    for name in ("CHARTER_DATABASE_URL", "CHARTER_KEYRING", "CHARTER_POLICY", "CHARTER_NOW"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CHARTER_DATA_DIR", str(tmp_path / "data"))
    runtime = open_runtime(Settings())
    try:
        [newsletter] = runtime.policy.collection_point("newsletter").consents
        with runtime.unit() as work:
            subject = vault.create_subject(work, actor=ACTOR)
            event = give_consent(
                work,
                subject,
                purpose=newsletter.purpose,
                channel="email",
                collection_point="newsletter",
                wording=newsletter.wording,
                evidence={"method": "web_form", "ip": "192.0.2.44"},
                actor=ACTOR,
            )
        return subject.ref, event.record_id
    finally:
        runtime.close()


class Viewed(NamedTuple):
    actor: str
    subject_ref: str | None
    purpose: str | None
    detail: str


def viewed_entries() -> list[Viewed]:
    runtime = open_runtime(Settings(), create_keys=False)
    try:
        with runtime.unit(write=False) as work:
            query = (
                select(
                    AuditEntry.actor, AuditEntry.subject_ref, AuditEntry.purpose, AuditEntry.detail
                )
                .where(AuditEntry.action == "consent.viewed")
                .order_by(AuditEntry.seq)
            )
            return [Viewed(*row) for row in work.session.execute(query)]
    finally:
        runtime.close()


def test_show_lists_current_consent_and_is_audited(installation: tuple[str, str]) -> None:
    ref, _ = installation
    result = runner.invoke(app, ["show", ref])
    assert result.exit_code == 0, result.output
    assert "marketing" in result.output
    assert "email" in result.output
    assert "given" in result.output
    [entry] = viewed_entries()
    assert entry.subject_ref == ref
    assert entry.actor.startswith("cli:")
    assert json.loads(entry.detail) == {"view": "states"}


def test_log_lists_events(installation: tuple[str, str]) -> None:
    ref, _ = installation
    result = runner.invoke(app, ["log", ref])
    assert result.exit_code == 0, result.output
    assert "given" in result.output
    assert "web_form" in result.output
    assert "192.0.2.44" not in result.output
    assert [json.loads(entry.detail)["view"] for entry in viewed_entries()] == ["events"]


def test_export_prints_the_iso_record(installation: tuple[str, str]) -> None:
    ref, record_id = installation
    result = runner.invoke(app, ["export", record_id])
    assert result.exit_code == 0, result.output
    record = json.loads(result.stdout)
    assert record["record_id"] == record_id
    assert record["pii_principal_id"] == ref
    assert record["state"] == "given"
    assert record["event"]["evidence"]["ip_prefix"] == "192.0.2.0/24"
    [entry] = viewed_entries()
    assert (entry.subject_ref, entry.purpose) == (ref, "marketing")
    assert json.loads(entry.detail) == {"view": "record", "record_id": record_id}


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["show", "0" * 32], "No person has that reference."),
        (["log", "0" * 32], "No person has that reference."),
        (["export", "not-a-record"], "No consent record has that id."),
    ],
)
def test_unknown_reference_prints_the_public_message_and_exits_1(
    installation: tuple[str, str], arguments: list[str], message: str
) -> None:
    result = runner.invoke(app, arguments)
    assert result.exit_code == 1
    assert message in result.output
    assert viewed_entries() == []
