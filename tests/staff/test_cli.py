"""`charter staff` through Typer's CliRunner, on a real SQLite installation."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyotp
import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from charter.audit.models import AuditEntry
from charter.cli import app
from charter.installation.service import open_runtime
from charter.runtime import Runtime
from charter.staff.service import authenticate, find_staff

from .factories import PASSWORD

runner = CliRunner()
EMAIL = "Office.Manager@ajp-it-services.example"


@pytest.fixture
def installation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Runtime]:
    for name in ("CHARTER_DATABASE_URL", "CHARTER_KEYRING", "CHARTER_POLICY", "CHARTER_NOW"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CHARTER_DATA_DIR", str(tmp_path / "data"))
    from charter.settings import Settings

    runtime = open_runtime(Settings())
    try:
        yield runtime
    finally:
        runtime.close()


def add(*extra: str, password: str = PASSWORD) -> str:
    result = runner.invoke(
        app,
        ["staff", "add", EMAIL, "--role", "privacy_officer", "--password-stdin", *extra],
        input=password + "\n",
    )
    assert result.exit_code == 0, result.output
    return result.output


def staff_audit(runtime: Runtime) -> list[AuditEntry]:
    with runtime.unit(write=False) as work:
        query = select(AuditEntry).where(AuditEntry.action.like("staff.%"))
        return list(work.session.scalars(query.order_by(AuditEntry.seq)))


def test_add_list_disable(installation: Runtime) -> None:
    assert "Created staff account 1 with role privacy_officer" in add()
    listed = runner.invoke(app, ["staff", "list"])
    assert listed.exit_code == 0, listed.output
    assert "office.manager@ajp-it-services.example" in listed.output
    assert "privacy_officer" in listed.output
    assert "active" in listed.output
    disabled = runner.invoke(app, ["staff", "disable", EMAIL])
    assert disabled.exit_code == 0, disabled.output
    assert "disabled" in runner.invoke(app, ["staff", "list"]).output
    entries = staff_audit(installation)
    actions = [e.action for e in entries]
    assert actions == ["staff.created", "staff.listed", "staff.disabled", "staff.listed"]
    assert all(e.actor.startswith("cli:") for e in entries)
    assert all("ajp-it-services" not in e.detail for e in entries)


def test_add_prompts_with_confirmation(installation: Runtime) -> None:
    result = runner.invoke(
        app, ["staff", "add", EMAIL, "--role", "staff"], input=f"{PASSWORD}\n{PASSWORD}\n"
    )
    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output
    mismatch = runner.invoke(
        app, ["staff", "add", "x@ajp-it-services.example"], input="a-long-password\nanother-one\n"
    )
    assert mismatch.exit_code != 0


def test_errors_are_public_messages(installation: Runtime) -> None:
    add()
    again = runner.invoke(app, ["staff", "add", EMAIL, "--password-stdin"], input=PASSWORD + "\n")
    assert again.exit_code == 1
    assert "already exists" in again.output
    short = runner.invoke(
        app, ["staff", "add", "b@ajp-it-services.example", "--password-stdin"], input="short\n"
    )
    assert short.exit_code == 1
    assert "12 to 1024" in short.output
    missing = runner.invoke(app, ["staff", "disable", "nobody@ajp-it-services.example"])
    assert missing.exit_code == 1
    assert "No staff account" in missing.output
    assert runner.invoke(app, ["staff", "add", EMAIL, "--role", "owner"]).exit_code == 2


def test_totp_enrolment_prints_uri_once(installation: Runtime) -> None:
    add()
    result = runner.invoke(app, ["staff", "totp", EMAIL])
    assert result.exit_code == 0, result.output
    uri = next(line for line in result.output.splitlines() if line.startswith("otpauth://"))
    totp = pyotp.parse_uri(uri)
    assert isinstance(totp, pyotp.TOTP)
    assert "ajp-it-services" not in uri, "the URI names the staff id, not the address"
    with installation.unit() as work:
        assert authenticate(work, email=EMAIL, password=PASSWORD) is None
    with installation.unit() as work:
        code = totp.at(work.now())
        assert authenticate(work, email=EMAIL, password=PASSWORD, code=code) is not None
        user = find_staff(work, EMAIL)
        assert user is not None
        assert user.totp_sealed is not None


def test_role_change_is_audited_and_takes_effect(installation: Runtime) -> None:
    add()
    changed = runner.invoke(app, ["staff", "role", EMAIL, "staff"])
    assert changed.exit_code == 0, changed.output
    assert "is now staff" in changed.output
    with installation.unit(write=False) as work:
        user = find_staff(work, EMAIL)
        assert user is not None
        assert user.role == "staff"
    assert staff_audit(installation)[-1].action == "staff.role_changed"
    wrong = runner.invoke(app, ["staff", "role", EMAIL, "owner"])
    assert wrong.exit_code != 0
