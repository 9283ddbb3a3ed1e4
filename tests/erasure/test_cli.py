"""`charter erasure` through Typer's CliRunner, on a real SQLite installation."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from charter.audit.models import AuditEntry
from charter.cli import app
from charter.installation.service import open_runtime
from charter.settings import Settings
from charter.vault import service as vault

from .factories import ACTOR, EMAIL, NORMALISED_EMAIL, ORDER_VALUES, subject_by_ref

runner = CliRunner()


@pytest.fixture
def subject_ref(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A SQLite installation holding one customer with an order."""
    for name in ("CHARTER_DATABASE_URL", "CHARTER_KEYRING", "CHARTER_POLICY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CHARTER_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CHARTER_NOW", "2026-11-25T09:00:00+00:00")
    runtime = open_runtime(Settings())
    try:
        with runtime.unit() as work:
            subject, _ = vault.get_or_create_subject(work, email=EMAIL, actor=ACTOR)
            vault.store_personal_data(
                work,
                subject,
                collection_point="orders",
                values=ORDER_VALUES,
                source="order form",
                actor=ACTOR,
            )
            return subject.ref
    finally:
        runtime.close()


def _state(ref: str) -> tuple[bool, list[str]]:
    """Whether the subject is restricted, and the erasure audit actions so far."""
    runtime = open_runtime(Settings(), create_keys=False, record=False)
    try:
        with runtime.unit(write=False) as work:
            restricted = subject_by_ref(work, ref).restricted_at is not None
            query = select(AuditEntry.action).where(AuditEntry.action.startswith("erasure."))
            return restricted, list(work.session.scalars(query.order_by(AuditEntry.seq)))
    finally:
        runtime.close()


def test_plan_shows_decisions_and_changes_nothing(subject_ref: str) -> None:
    result = runner.invoke(app, ["erasure", "plan", subject_ref])
    assert result.exit_code == 0, result.output
    assert "transaction.payments" in result.output
    assert "keep" in result.output
    assert "erase" in result.output
    assert NORMALISED_EMAIL not in result.output
    assert _state(subject_ref) == (False, ["erasure.planned"])


def test_run_asks_first_and_stops_on_no(subject_ref: str) -> None:
    result = runner.invoke(app, ["erasure", "run", subject_ref], input="n\n")
    assert result.exit_code == 1
    assert "Nothing was erased." in result.output
    assert _state(subject_ref) == (False, [])


def test_run_with_yes_erases_and_prints_the_receipt(subject_ref: str) -> None:
    result = runner.invoke(app, ["erasure", "run", subject_ref, "--yes"])
    assert result.exit_code == 0, result.output
    assert "restricted" in result.output
    assert "2033-03-31" in result.output
    assert NORMALISED_EMAIL not in result.output
    restricted, actions = _state(subject_ref)
    assert restricted
    assert "erasure.completed" in actions
    again = runner.invoke(app, ["erasure", "run", subject_ref, "--yes"])
    assert again.exit_code == 0, again.output  # nothing left but the kept records


def test_reapply_and_unknown_reference(subject_ref: str) -> None:
    result = runner.invoke(app, ["erasure", "reapply", "--since", "2026-01-01T00:00:00+00:00"])
    assert result.exit_code == 0, result.output
    assert "Erased again: 0" in result.output
    missing = runner.invoke(app, ["erasure", "plan", "0" * 32])
    assert missing.exit_code == 1
    assert "No person has that reference." in missing.output
