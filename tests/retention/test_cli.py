"""`charter retention` against a real SQLite installation: Typer's CliRunner, and a real
`charter retention run` process killed mid-sweep with SIGKILL and run again."""

from __future__ import annotations

import os
import re
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from charter.cli import app
from charter.installation.service import open_runtime
from charter.retention.models import SweepRun
from charter.runtime import Runtime
from charter.settings import Settings
from charter.vault.models import PersonalValue
from tests.server import charter_command, charter_env

from .factories import PLANTED, audit_rows, enquirer, values_of

runner = CliRunner()
COLLECTED = "2026-11-25T09:00:00+00:00"
DUE = "2028-11-25T09:00:00+00:00"  # two years later: the enquiries rule's deadline
BEFORE_DUE = "2028-11-25T08:59:59+00:00"


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("CHARTER_DATABASE_URL", "CHARTER_KEYRING", "CHARTER_POLICY"):
        monkeypatch.delenv(name, raising=False)
    folder = tmp_path / "data"
    monkeypatch.setenv("CHARTER_DATA_DIR", str(folder))
    monkeypatch.setenv("CHARTER_NOW", COLLECTED)
    return folder


@pytest.fixture
def installed(data_dir: Path) -> Iterator[Runtime]:
    runtime = open_runtime(Settings())
    try:
        yield runtime
    finally:
        runtime.close()


def _people(runtime: Runtime, count: int) -> list[str]:
    with runtime.unit() as work:
        return [enquirer(work, email=f"person{n}@example.org").ref for n in range(count)]


def _value_count(runtime: Runtime) -> int:
    with runtime.unit(write=False) as work:
        return int(work.session.scalar(select(func.count(PersonalValue.id))) or 0)


def test_dry_run_prints_counts_and_changes_nothing(
    installed: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    _people(installed, 2)
    monkeypatch.setenv("CHARTER_NOW", DUE)
    result = runner.invoke(app, ["retention", "run", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "dry run" in result.output
    assert "enquiries" in result.output
    assert re.search(r"enquiries\W+delete\W+6\W", result.output), result.output
    assert "Data keys would be destroyed: 2" in result.output
    assert _value_count(installed) == 6


def test_run_deletes_at_the_deadline_and_not_before(
    installed: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    [ref] = _people(installed, 1)
    monkeypatch.setenv("CHARTER_NOW", BEFORE_DUE)
    result = runner.invoke(app, ["retention", "run"])
    assert result.exit_code == 0, result.output
    assert _value_count(installed) == 3

    monkeypatch.setenv("CHARTER_NOW", DUE)
    result = runner.invoke(app, ["retention", "run", "--batch-size", "2"])
    assert result.exit_code == 0, result.output
    assert "Data keys destroyed: 1" in result.output
    assert values_of(installed, ref) == []
    assert not any(planted in result.output for planted in PLANTED)


def test_hold_and_release(installed: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    [ref] = _people(installed, 1)
    result = runner.invoke(app, ["retention", "hold", ref, "--reason", "legal_claim"])
    assert result.exit_code == 0, result.output
    assert f"Held {ref} (legal_claim)" in result.output

    monkeypatch.setenv("CHARTER_NOW", DUE)
    result = runner.invoke(app, ["retention", "run"])
    assert result.exit_code == 0, result.output
    assert _value_count(installed) == 3

    result = runner.invoke(app, ["retention", "release", ref])
    assert result.exit_code == 0, result.output
    assert "Lifted 1 hold(s)" in result.output
    assert runner.invoke(app, ["retention", "run"]).exit_code == 0
    assert _value_count(installed) == 0


def test_bad_input_is_refused(installed: Runtime) -> None:
    [ref] = _people(installed, 1)
    result = runner.invoke(app, ["retention", "hold", ref, "--reason", "because"])
    assert result.exit_code == 1
    assert "legal_claim" in result.output
    result = runner.invoke(app, ["retention", "release", ref])
    assert result.exit_code == 1
    result = runner.invoke(app, ["retention", "hold", "nobody", "--reason", "legal_claim"])
    assert result.exit_code == 1
    assert runner.invoke(app, ["retention", "run", "--batch-size", "0"]).exit_code == 1


def test_next_lists_what_expires_per_rule_and_date(
    installed: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    _people(installed, 2)
    monkeypatch.setenv("CHARTER_NOW", "2028-11-01T09:00:00+00:00")
    result = runner.invoke(app, ["retention", "next", "--days", "10"])
    assert result.exit_code == 0, result.output
    assert "Nothing expires in the next 10 days." in result.output
    result = runner.invoke(app, ["retention", "next"])
    assert result.exit_code == 0, result.output
    assert "2028-11-25" in result.output
    assert "enquiries" in result.output


def test_a_killed_sweep_is_resumed_by_the_next_run(
    installed: Runtime, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    refs = _people(installed, 150)
    env = charter_env(data_dir, {"CHARTER_NOW": DUE})
    lines = []
    with subprocess.Popen(
        charter_command("retention", "run", "--batch-size", "1"),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    ) as process:
        assert process.stdout is not None
        for raw in process.stdout:
            lines.append(raw.decode())
            if raw.startswith(b"progress: "):
                os.kill(process.pid, signal.SIGKILL)
                break
        process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL, "".join(lines)
    with installed.unit(write=False) as work:
        run = work.session.scalars(select(SweepRun)).one()
        assert run.finished_at is None
        left = int(work.session.scalar(select(func.count(PersonalValue.id))) or 0)
    assert 0 < left < 450

    monkeypatch.setenv("CHARTER_NOW", DUE)
    result = runner.invoke(app, ["retention", "run", "--batch-size", "50"])
    assert result.exit_code == 0, result.output
    assert "Resumed sweep" in result.output
    assert "Data keys destroyed: 150" in result.output
    with installed.unit(write=False) as work:
        run = work.session.scalars(select(SweepRun)).one()
        assert run.finished_at is not None
        assert run.counts == {"enquiries": {"deleted": 450}}
    deleted = [
        value_id
        for _, detail in audit_rows(installed, "retention.deleted")
        for value_id in detail["value_ids"]  # type: ignore[attr-defined]
    ]
    assert len(deleted) == len(set(deleted)) == 450
    assert all(values_of(installed, ref) == [] for ref in refs[:3])
