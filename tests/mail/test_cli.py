"""`charter mail import` through Typer's CliRunner, on a real SQLite installation."""

from __future__ import annotations

import mailbox
from pathlib import Path

import pytest
from typer.testing import CliRunner

from charter.cli import app

from .factories import HEALTH_TEXT, build_email

runner = CliRunner()


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh SQLite installation folder (shipped policy)."""
    for name in (
        "CHARTER_DATABASE_URL",
        "CHARTER_KEYRING",
        "CHARTER_NOW",
        "CHARTER_POLICY",
        "CHARTER_SMTP_URL",
        "CHARTER_SPECIAL_CATEGORY_MODE",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CHARTER_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


@pytest.fixture
def files(tmp_path: Path) -> list[Path]:
    eml = tmp_path / "one.eml"
    eml.write_bytes(build_email(subject="Broken printer", message_id="<one@example.com>"))
    box = mailbox.mbox(tmp_path / "box.mbox", create=True)
    try:
        box.add(build_email(sender="john@example.org", message_id="<two@example.org>"))
        box.add(build_email(subject="Later", message_id="<three@example.com>"))
        box.flush()
    finally:
        box.close()
    return [eml, tmp_path / "box.mbox"]


def invoke(*args: str | Path) -> tuple[int, str, str]:
    result = runner.invoke(app, ["mail", "import", *map(str, args)])
    return result.exit_code, result.stdout, result.stderr


def test_import_prints_a_summary_and_is_idempotent(data_dir: Path, files: list[Path]) -> None:
    code, out, _ = invoke(*files)
    assert code == 0, out
    assert out.strip().endswith(
        "Processed 3 message(s) from 2 file(s): 3 stored, 0 redacted, 0 quarantined, "
        "0 rejected, 0 duplicate; 0 failed."
    )
    code, out, _ = invoke(*files)
    assert code == 0
    assert "0 stored, 0 redacted, 0 quarantined, 0 rejected, 3 duplicate; 0 failed." in out
    assert (data_dir / "keyring.json").exists()


def test_failures_exit_1_and_name_the_file_not_the_person(
    data_dir: Path, files: list[Path], tmp_path: Path
) -> None:
    bad = tmp_path / "bad.eml"
    bad.write_bytes(build_email(sender=None, subject="Secret subject", message_id="<b@x>"))
    code, out, err = invoke(files[0], bad, tmp_path / "missing.eml")
    assert code == 1
    assert "1 stored" in out
    assert "2 failed." in out
    assert f"{bad}: The message has no valid From address" in err
    assert "missing.eml: No such file." in err
    for secret in ("jane", "Secret subject", "Broken printer"):
        assert secret not in out + err


def test_rejections_are_outcomes_not_failures(
    data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHARTER_SPECIAL_CATEGORY_MODE", "reject")
    path = tmp_path / "health.eml"
    path.write_bytes(build_email(body=HEALTH_TEXT))
    code, out, _ = invoke(path)
    assert code == 0
    assert "0 stored, 0 redacted, 0 quarantined, 1 rejected, 0 duplicate; 0 failed." in out


def test_import_needs_files(data_dir: Path) -> None:
    result = runner.invoke(app, ["mail", "import"])
    assert result.exit_code == 2
