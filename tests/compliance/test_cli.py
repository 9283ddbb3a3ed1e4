"""`charter compliance report` and `charter ropa` on a real SQLite installation."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from charter.cli import app as charter_app
from charter.compliance.cli import ropa_command
from charter.installation.service import open_runtime
from charter.orders import service as orders
from charter.settings import Settings
from charter.vault import service as vault

runner = CliRunner()
ACTOR = "cli:test"


@pytest.fixture
def installation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """A real installation (data dir, key ring, published policy) holding one order."""
    for name in ("CHARTER_DATABASE_URL", "CHARTER_KEYRING", "CHARTER_POLICY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CHARTER_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CHARTER_NOW", "2026-11-25T09:00:00+00:00")
    settings = Settings()
    runtime = open_runtime(settings)
    try:
        with runtime.unit() as work:
            subject = vault.create_subject(work, actor=ACTOR)
            orders.record_order(
                work,
                subject,
                service_description="Server maintenance",
                amount_pence=12_000,
                ordered_on=work.now().date(),
                actor=ACTOR,
            )
    finally:
        runtime.close()
    return settings


def _report(*args: str) -> tuple[int, str]:
    result = runner.invoke(charter_app, ["compliance", "report", *args])
    return result.exit_code, result.stdout


def test_json_report_passes_then_fails_with_exit_status_1(installation: Settings) -> None:
    status, output = _report("--format", "json")
    assert status == 0, output
    document = json.loads(output)
    assert document["passed"] is True
    assert set(document) == {"passed", "checks"}
    assert {tuple(sorted(check)) for check in document["checks"]} == {
        ("count", "evidence", "id", "passed", "title")
    }
    runtime = open_runtime(installation, record=False)
    try:
        with runtime.unit() as work:
            work.session.execute(
                text("UPDATE orders SET value_ids = :v"), {"v": '["call 0117 496 0123"]'}
            )
    finally:
        runtime.close()
    status, output = _report("--format", "json")
    assert status == 1
    document = json.loads(output)
    assert document["passed"] is False
    failed = [check for check in document["checks"] if not check["passed"]]
    assert [check["id"] for check in failed] == ["no_plaintext_identifiers"]
    assert failed[0]["count"] == 1
    assert "496 0123" not in output


def test_html_report_names_every_check(installation: Settings, tmp_path: Path) -> None:
    target = tmp_path / "report.html"
    status, _ = _report("--format", "html", "--output", str(target))
    assert status == 0
    page = target.read_text(encoding="utf-8")
    assert "Every check passed." in page
    for check in ("retention_deadlines", "audit_chain_intact", "service_access_in_engagement"):
        assert f'id="check-{check}"' in page


def test_text_report_and_unknown_format(installation: Settings) -> None:
    status, output = _report()
    assert status == 0
    assert "published_policy_in_force" in output
    status, _ = _report("--format", "xml")
    assert status == 2


def test_ropa_csv_is_generated_from_the_policy_and_the_register(installation: Settings) -> None:
    result = runner.invoke(charter_app, ["compliance", "ropa", "--format", "csv"])
    assert result.exit_code == 0, result.output
    rows = {row["purpose_id"]: row for row in csv.DictReader(io.StringIO(result.stdout))}
    assert len(rows) == 13
    services = rows["provide_services"]
    assert services["controller"] == "AJP IT Services"
    assert "privacy@ajp-it-services.example" in services["controller_contact"]
    assert services["lawful_basis"] == "contract (Art. 6(1)(b))"
    assert (
        services["personal_data"] == "Identity Data, Contact Data, Financial Data, Transaction Data"
    )
    assert "Payment processor (processor, US)" in services["recipients"]
    assert "Payment processor (US): adequacy" in services["transfers"]
    assert "6 years from the end of the financial year" in services["retention"]
    assert services["values_held"] == "1"  # the order's purchase record
    assert rows["marketing"]["values_held"] == "0"
    assert "Email service provider (US): uk_idta" in rows["marketing"]["transfers"]
    assert rows["legal_compliance"]["recipients"].startswith("Authorities")
    assert "AES-256-GCM" in services["security_measures"]


def test_ropa_html_and_the_plain_function(installation: Settings, tmp_path: Path) -> None:
    import typer
    from typer.main import get_command

    target = tmp_path / "ropa.html"
    standalone = typer.Typer()
    standalone.command()(ropa_command)
    result = runner.invoke(standalone, ["--format", "html", "--output", str(target)])
    assert result.exit_code == 0, result.output
    page = target.read_text(encoding="utf-8")
    assert page.startswith("<!doctype html>")
    assert 'id="purpose-provide_services"' in page
    assert "Record of processing activities" in page
    assert get_command(standalone) is not None
