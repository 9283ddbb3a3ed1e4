"""`charter breach` on a real SQLite installation."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from charter import command
from charter.cli import app as charter_app
from charter.installation.service import open_runtime
from charter.settings import Settings

runner = CliRunner()


@pytest.fixture
def installation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    for name in ("CHARTER_DATABASE_URL", "CHARTER_KEYRING", "CHARTER_POLICY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CHARTER_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CHARTER_NOW", "2026-11-25T09:00:00+00:00")
    monkeypatch.setattr(command.console, "width", 240)  # whole table rows, unwrapped
    settings = Settings()
    open_runtime(settings).close()
    return settings


def _breach(*args: str) -> tuple[int, str]:
    result = runner.invoke(charter_app, ["breach", *args])
    return result.exit_code, result.output


def test_log_list_show_notified_and_decide(installation: Settings) -> None:
    status, output = _breach(
        "log",
        "--aware-at", "2026-11-25T07:00",
        "--description", "Phishing email opened on the office PC.",
        "--category", "contact",
        "--category", "identity",
        "--from", "2026-11-24T00:00",
        "--to", "2026-11-25T06:00",
        "--consequences", "Possible spam to customers.",
        "--measures", "PC reimaged, passwords changed.",
        "--risk", "high",
    )  # fmt: skip
    assert status == 0, output
    assert "ICO deadline 2026-11-28 07:00 UTC" in output
    reference = output.split("Breach ")[1].split(" ")[0]
    status, output = _breach("list")
    assert status == 0
    assert reference in output
    assert "70 h 00 min left" in output
    status, output = _breach("show", reference, "--draft")
    assert status == 0
    assert "Submit at https://ico.org.uk" in output
    status, output = _breach("decide", reference, "--no-notify", "--reason", "Not worth it")
    assert status == 1
    assert "34(3)" in output
    status, output = _breach("decide", reference, "--notify", "--reason", "High risk.")
    assert status == 0, output
    status, output = _breach("notified", reference, "--at", "2026-11-25T08:00")
    assert status == 0, output
    status, output = _breach("list")
    assert "ICO notified" in output


def test_unknown_reference_and_bad_time(installation: Settings) -> None:
    status, output = _breach("show", "BR-NOPE00")
    assert status == 1
    assert "no breach with that reference" in output
    status, output = _breach("notified", "BR-NOPE00", "--at", "yesterday")
    assert status == 1
