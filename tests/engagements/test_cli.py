"""`charter engagement` on a real SQLite installation."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from charter import command
from charter.cli import app as charter_app
from charter.installation.service import open_runtime
from charter.settings import Settings

from .factories import new_client, new_staff

runner = CliRunner()


@pytest.fixture
def installation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[str, int, int]:
    for name in ("CHARTER_DATABASE_URL", "CHARTER_KEYRING", "CHARTER_POLICY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CHARTER_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CHARTER_NOW", "2026-11-25T09:00:00+00:00")
    monkeypatch.setattr(command.console, "width", 240)  # whole table rows, unwrapped
    runtime = open_runtime(Settings())
    try:
        client = new_client(runtime)
        staff_id = new_staff(runtime)
    finally:
        runtime.close()
    return client.ref, client.order_id, staff_id


def _run(*args: str) -> tuple[int, str]:
    result = runner.invoke(charter_app, ["engagement", *args])
    return result.exit_code, result.output


def test_open_list_close(installation: tuple[str, int, int]) -> None:
    ref, order_id, staff_id = installation
    status, output = _run(
        "open", ref, "--order", str(order_id), "--staff", str(staff_id), "--systems", "NAS"
    )
    assert status == 0, output
    engagement_id = output.split("Engagement ")[1].split(" ")[0]
    status, output = _run("list", "--open")
    assert status == 0
    assert ref in output
    assert "open" in output
    status, output = _run("close", engagement_id)
    assert status == 0, output
    status, output = _run("list", "--open")
    assert "No engagements." in output
    status, output = _run("close", engagement_id)
    assert status == 1
    assert "already closed" in output


def test_an_order_of_someone_else_is_refused(installation: tuple[str, int, int]) -> None:
    _ref, order_id, staff_id = installation
    status, output = _run(
        "open", "0" * 32, "--order", str(order_id), "--staff", str(staff_id), "--systems", "NAS"
    )
    assert status == 1
    assert "no person with that reference" in output
