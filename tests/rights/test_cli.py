"""`charter dsr` through Typer's CliRunner: `due` without a database, the rest on a real
SQLite installation."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from charter.audit.models import AuditEntry
from charter.cli import app as charter_app
from charter.installation.service import open_runtime
from charter.rights import service
from charter.rights.cli import app
from charter.settings import Settings
from charter.vault import service as vault
from charter.vault.models import Subject

from .factories import ACTOR, new_subject

runner = CliRunner()


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["due", "2027-01-31"], "2027-03-01"),
        (["due", "2026-11-25"], "2026-12-29"),
        (["due", "2026-11-25", "--extended"], "2027-02-25"),
    ],
)
def test_due_prints_the_iso_date(args: list[str], expected: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == expected


@pytest.mark.parametrize("text", ["2027-02-30", "tomorrow", "31/01/2027"])
def test_due_refuses_a_bad_date(text: str) -> None:
    result = runner.invoke(app, ["due", text])
    assert result.exit_code == 1
    assert "is not a date: use YYYY-MM-DD" in result.output


def test_mounted_on_the_charter_command() -> None:
    result = runner.invoke(charter_app, ["dsr", "due", "2028-01-31"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "2028-02-29"


@pytest.fixture
def references(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """A SQLite installation holding two received requests of one person."""
    for name in ("CHARTER_DATABASE_URL", "CHARTER_KEYRING", "CHARTER_POLICY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CHARTER_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CHARTER_NOW", "2026-11-25T09:00:00+00:00")
    runtime = open_runtime(Settings())
    try:
        with runtime.unit() as work:
            subject = new_subject(work)
            return [
                service.receive_request(
                    work, kind=kind, received_via="email", actor=ACTOR, subject=subject
                ).reference
                for kind in ("access", "erasure")
            ]
    finally:
        runtime.close()


def _actions() -> list[str]:
    runtime = open_runtime(Settings(), create_keys=False, record=False)
    try:
        with runtime.unit(write=False) as work:
            query = select(AuditEntry.action).where(AuditEntry.action.startswith("dsr."))
            return list(work.session.scalars(query.order_by(AuditEntry.seq)))
    finally:
        runtime.close()


def _ok(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_handling_requests_from_the_terminal(references: list[str]) -> None:
    access, erasure = references
    assert "verified, due 2026-12-29" in _ok("verify", access, "--method", "staff_on_file")
    assert "extended, due 2027-02-25" in _ok("extend", access, "--reason", "Many records")
    listing = _ok("list")
    assert listing.index(access) < listing.index(erasure)  # unverified last
    assert "completed" in _ok("fulfil", access)
    assert "refused" in _ok("refuse", erasure, "--reason", "Manifestly unfounded")
    assert "No open requests." in _ok("list")
    shown = _ok("show", access)
    assert "completed" in shown
    assert "staff_on_file" in shown
    assert _actions() == [
        "dsr.received",
        "dsr.received",
        "dsr.verified",
        "dsr.extended",
        "dsr.in_progress",
        "dsr.completed",
        "dsr.refused",
        "dsr.viewed",
    ]


def test_overdue_requests_are_listed(
    references: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    access, erasure = references
    _ok("verify", access)
    assert "No open requests." in _ok("list", "--overdue")
    monkeypatch.setenv("CHARTER_NOW", "2026-12-30T09:00:00+00:00")
    overdue = _ok("list", "--overdue")
    assert access in overdue
    assert erasure not in overdue


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["show", "DSR-AAAA-AAAA"], "No request has that reference."),
        (["fulfil", "{access}"], "cannot go from 'received' to 'completed'"),
        (["refuse", "{access}", "--reason", " "], "Art. 12(4)"),
        (["verify", "{access}", "--method", "session"], "only 'staff_on_file'"),
    ],
)
def test_errors_exit_1_with_the_public_message(
    references: list[str], args: list[str], message: str
) -> None:
    result = runner.invoke(app, [arg.format(access=references[0]) for arg in args])
    assert result.exit_code == 1
    assert message in result.output
    assert _actions() == ["dsr.received", "dsr.received"]


@pytest.fixture
def rectification(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[str, str]:
    """A SQLite installation with a verified rectification request of a customer on file;
    returns the reference and the subject's ref."""
    for name in ("CHARTER_DATABASE_URL", "CHARTER_KEYRING", "CHARTER_POLICY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CHARTER_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CHARTER_NOW", "2026-11-25T09:00:00+00:00")
    runtime = open_runtime(Settings())
    try:
        with runtime.unit() as work:
            subject = new_subject(work)
            vault.store_personal_data(
                work,
                subject,
                collection_point="orders",
                values={"identity.first_name": "Ada", "contact.email": "ada@example.com"},
                source="website",
                actor=ACTOR,
            )
            request = service.receive_request(
                work, kind="rectification", received_via="email", actor=ACTOR, subject=subject
            )
            service.verify_request(work, request, method="staff_on_file", actor=ACTOR)
            return request.reference, subject.ref
    finally:
        runtime.close()


def _first_name(ref: str) -> str:
    runtime = open_runtime(Settings(), create_keys=False, record=False)
    try:
        with runtime.unit(write=False) as work:
            subject = work.session.scalars(select(Subject).where(Subject.ref == ref)).one()
            held = vault.read_personal_data(
                work, subject, purpose="rights_requests", actor=ACTOR, categories=["identity"]
            )
            return held["identity.first_name"]
    finally:
        runtime.close()


def test_rectify_reads_the_value_from_stdin_only(rectification: tuple[str, str]) -> None:
    reference, ref = rectification
    refused = runner.invoke(app, ["rectify", reference, "--field", "identity.first_name"])
    assert refused.exit_code == 1
    assert "standard input" in refused.output
    assert _first_name(ref) == "Ada"
    result = runner.invoke(
        app,
        ["rectify", reference, "--field", "identity.first_name", "--value-from-stdin"],
        input="Adah\n",
    )
    assert result.exit_code == 0, result.output
    assert "identity.first_name corrected" in result.output
    assert "Adah" not in result.output
    assert _first_name(ref) == "Adah"
    bad = runner.invoke(
        app,
        ["rectify", reference, "--field", "contact.email", "--value-from-stdin"],
        input="not an address\n",
    )
    assert bad.exit_code == 1
    assert "not an address" not in bad.output
