"""`charter subject` through Typer's CliRunner, on a real SQLite installation."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from charter.audit.models import AuditEntry
from charter.installation.service import open_runtime
from charter.runtime import Runtime
from charter.settings import Settings
from charter.subjects.cli import app
from tests.enquiries.factories import EMAIL, PHONE

from .factories import PURCHASE, SECRETS, Person, busy_person, restrict

runner = CliRunner()


@pytest.fixture
def installation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Runtime]:
    for name in ("CHARTER_DATABASE_URL", "CHARTER_KEYRING", "CHARTER_POLICY", "CHARTER_NOW"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CHARTER_DATA_DIR", str(tmp_path / "data"))
    runtime = open_runtime(Settings())
    try:
        yield runtime
    finally:
        runtime.close()


@pytest.fixture
def person(installation: Runtime) -> Person:
    return busy_person(installation)


def _audited(runtime: Runtime, action: str) -> list[AuditEntry]:
    with runtime.unit(write=False) as work:
        query = select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.seq)
        return list(work.session.scalars(query))


def test_show_prints_the_timeline_and_is_audited(installation: Runtime, person: Person) -> None:
    result = runner.invoke(app, ["show", person.ref, "--purpose", "provide_services"])
    assert result.exit_code == 0, result.output
    assert person.ref in result.output
    assert person.enquiry in result.output
    assert person.request in result.output
    assert person.invoice in result.output
    assert "Consent given: marketing by email" in result.output
    for secret in SECRETS:
        assert secret not in result.output
    [entry] = _audited(installation, "subject.timeline_viewed")
    assert entry.actor.startswith("cli:")
    assert (entry.subject_ref, entry.purpose) == (person.ref, "provide_services")
    assert json.loads(entry.detail)["values_shown"] == 0


def test_show_values_on_request(installation: Runtime, person: Person) -> None:
    result = runner.invoke(
        app, ["show", person.ref, "--purpose", "provide_services", "--show-values"]
    )
    assert result.exit_code == 0, result.output
    assert PURCHASE.split()[0] in result.output
    assert "55779911" not in result.output


def test_restricted_person_needs_a_purpose_permitted_under_restriction(
    installation: Runtime, person: Person
) -> None:
    restrict(installation, person.ref)
    refused = runner.invoke(app, ["show", person.ref])
    assert refused.exit_code == 1
    assert "restricted" in refused.output
    allowed = runner.invoke(app, ["show", person.ref, "--purpose", "rights_requests"])
    assert allowed.exit_code == 0, allowed.output
    assert "(restricted)" in allowed.output


def test_find_reads_the_identifier_from_stdin_only(installation: Runtime, person: Person) -> None:
    found = runner.invoke(app, ["find", "--email-from-stdin"], input=EMAIL.upper() + "\n")
    assert found.exit_code == 0, found.output
    assert found.stdout.strip() == person.ref
    by_phone = runner.invoke(app, ["find", "--phone-from-stdin"], input=PHONE + "\n")
    assert by_phone.stdout.strip() == person.ref
    missing = runner.invoke(app, ["find", "--email-from-stdin"], input="nobody@example.org\n")
    assert missing.exit_code == 1
    assert "No current person matches" in missing.output
    entries = _audited(installation, "subject.looked_up")
    assert [json.loads(e.detail)["found"] for e in entries] == [True, True, False]
    assert all("@" not in e.detail for e in entries)


@pytest.mark.parametrize(
    ("arguments", "stdin", "message"),
    [
        (["show", "0" * 32], "", "No person has that reference."),
        (["show", "REF", "--purpose", "marketing"], "", "not opened for marketing"),
        (["find"], "a@example.org\n", "exactly one of"),
        (["find", "--email-from-stdin"], "\n", "Nothing was given"),
        (["find", "--email-from-stdin"], "not an address\n", "not a valid email"),
    ],
)
def test_bad_input_prints_a_clear_error(
    installation: Runtime, person: Person, arguments: list[str], stdin: str, message: str
) -> None:
    arguments = [person.ref if item == "REF" else item for item in arguments]
    result = runner.invoke(app, arguments, input=stdin)
    assert result.exit_code == 1
    assert message in result.output
    assert "not an address" not in result.output
