from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from charter.policy.cli import app
from tests.policy.factories import POLICY_1_0, POLICY_1_1, SCHEMA_FILE, item, raw_policy

runner = CliRunner()


@pytest.fixture
def broken_policy(tmp_path: Path) -> Path:
    data = raw_policy()
    item(data, "purposes", "marketing")["categories"].append("health")
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def test_check_defaults_to_the_policy_in_force(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHARTER_POLICY", str(POLICY_1_1))
    result = runner.invoke(app, ["check"])
    assert result.exit_code == 0, result.output
    assert "ajp-it-services version 1.1: 0 error(s), 0 warning(s)." in result.output


def test_check_follows_charter_policy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHARTER_POLICY", str(POLICY_1_0))
    result = runner.invoke(app, ["check"])
    assert "version 1.0: 0 error(s), 21 warning(s)." in result.output


def test_check_passes_with_warnings() -> None:
    result = runner.invoke(app, ["check", str(POLICY_1_0)])
    assert result.exit_code == 0, result.output
    assert "warning sections[transfers].title: For a UK controller" in result.output
    assert "[transfer-described-as-eea]" in result.output


def test_check_fails_with_located_errors(broken_policy: Path) -> None:
    result = runner.invoke(app, ["check", str(broken_policy)])
    assert result.exit_code == 1
    assert "error   purposes[marketing].categories[2]: The category 'health'" in result.output
    assert "1 error(s), 0 warning(s)." in result.output


def test_check_reports_an_invalid_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("version: [\n", encoding="utf-8")
    result = runner.invoke(app, ["check", str(path)])
    assert result.exit_code == 1
    assert "Error: bad.yaml: not valid YAML at line 2" in result.output


def test_check_reports_a_missing_file(tmp_path: Path) -> None:
    result = runner.invoke(app, ["check", str(tmp_path / "absent.yaml")])
    assert result.exit_code == 1
    assert "Cannot read the policy file" in result.output


@pytest.mark.parametrize(
    ("output", "start"),
    [
        ("text", "Privacy Policy\n=============="),
        ("markdown", "# Privacy Policy"),
        ("html", "<!doctype html>"),
    ],
)
def test_render_formats(output: str, start: str) -> None:
    result = runner.invoke(app, ["render", str(POLICY_1_1), "--format", output])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(start)
    assert "Transferring your information outside the UK" in result.stdout


def test_render_rejects_an_unknown_format() -> None:
    result = runner.invoke(app, ["render", str(POLICY_1_1), "--format", "pdf"])
    assert result.exit_code == 2


def test_diff_prints_changes_renewals_and_a_draft_entry() -> None:
    result = runner.invoke(app, ["diff", str(POLICY_1_0), str(POLICY_1_1)])
    assert result.exit_code == 0, result.output
    assert "Version 1.0 → 1.1: 29 material change(s)." in result.output
    assert "Google Analytics cookies are now set only with your consent." in result.output
    assert "Consents to renew: none" in result.output
    draft = yaml.safe_load(result.output.split("Drafted change-log entry:\n", 1)[1])
    assert draft[0]["version"] == "1.1"
    assert len(draft[0]["changes"]) == 29


def test_schema_prints_the_shipped_schema() -> None:
    result = runner.invoke(app, ["schema"])
    assert result.exit_code == 0
    assert result.stdout == SCHEMA_FILE.read_text(encoding="utf-8")


def test_no_command_shows_help() -> None:
    result = runner.invoke(app, [])
    assert "check" in result.output
    assert "render" in result.output
