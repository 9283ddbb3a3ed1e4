"""`charter serve` on a fresh installation, through real HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import httpx
import pytest

from tests.server import charter_command, charter_env, free_port, running_server


def run_charter(
    data_dir: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        charter_command(*args),
        env=charter_env(data_dir, env),
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def test_fresh_installation_serves_the_policy(tmp_path: Path, fresh_database_url: str) -> None:
    data_dir = tmp_path / "site"
    env = {"CHARTER_DATABASE_URL": fresh_database_url}
    with running_server(data_dir, env) as base:
        privacy = httpx.get(f"{base}/privacy")
        home = httpx.get(f"{base}/")
        changes = httpx.get(f"{base}/privacy/changes")
        health = httpx.get(f"{base}/healthz").json()
        missing = httpx.get(f"{base}/no-such-page")
    assert privacy.status_code == 200
    assert "AJP IT Services" in privacy.text
    assert "Your Legal Rights" in privacy.text or "Your legal rights" in privacy.text
    assert home.status_code == 200
    assert changes.status_code == 200
    assert "1.0" in changes.text
    assert health["policy_version"] in changes.text
    assert missing.status_code == 404
    assert "Page not found" in missing.text
    for response in (privacy, home):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        assert "unsafe-inline" not in response.headers["content-security-policy"]

    keyring = data_dir / "keyring.json"
    assert stat.S_IMODE(keyring.stat().st_mode) == 0o600
    log = run_charter(data_dir, "audit", "log", env=env)
    assert log.returncode == 0, log.stderr
    assert "installation.created" in log.stdout
    assert "policy.in_force" in log.stdout
    verified = run_charter(data_dir, "audit", "verify", env=env)
    assert verified.returncode == 0, verified.stderr
    assert "2 entries verified" in verified.stdout


def test_restart_reuses_keys_and_records_nothing_new(
    tmp_path: Path, fresh_database_url: str
) -> None:
    data_dir = tmp_path / "site"
    env = {"CHARTER_DATABASE_URL": fresh_database_url}
    with running_server(data_dir, env):
        pass
    keyring_before = (data_dir / "keyring.json").read_bytes()
    with running_server(data_dir, env) as base:
        assert httpx.get(f"{base}/privacy").status_code == 200
    assert (data_dir / "keyring.json").read_bytes() == keyring_before
    verified = run_charter(data_dir, "audit", "verify", env=env)
    assert "2 entries verified" in verified.stdout


def test_missing_key_with_data_present_is_refused(tmp_path: Path, fresh_database_url: str) -> None:
    data_dir = tmp_path / "site"
    env = {"CHARTER_DATABASE_URL": fresh_database_url}
    with running_server(data_dir, env):
        pass
    (data_dir / "keyring.json").rename(tmp_path / "moved-away.json")
    result = run_charter(data_dir, "serve", "--port", str(free_port()), env=env)
    assert result.returncode == 1
    assert "key ring is missing" in result.stderr
    assert not (data_dir / "keyring.json").exists(), "a fresh key was created over existing data"


def test_wrong_key_is_refused(tmp_path: Path, fresh_database_url: str) -> None:
    data_dir = tmp_path / "site"
    env = {"CHARTER_DATABASE_URL": fresh_database_url}
    with running_server(data_dir, env):
        pass
    other = tmp_path / "other"
    with running_server(other):
        pass
    (data_dir / "keyring.json").unlink()
    (other / "keyring.json").rename(data_dir / "keyring.json")
    result = run_charter(data_dir, "serve", "--port", str(free_port()), env=env)
    assert result.returncode == 1
    assert "does not belong to this installation" in result.stderr


def test_changed_policy_without_new_version_is_refused(
    tmp_path: Path, fresh_database_url: str
) -> None:
    from charter.settings import shipped_policy_path

    data_dir = tmp_path / "site"
    policies = tmp_path / "policies"
    policies.mkdir()
    for source in shipped_policy_path().parent.glob("*.yaml"):
        (policies / source.name).write_text(source.read_text())
    policy = policies / shipped_policy_path().name
    env = {"CHARTER_DATABASE_URL": fresh_database_url, "CHARTER_POLICY": str(policy)}
    with running_server(data_dir, env):
        pass
    text = policy.read_text()
    policy.write_text(text.replace("  name: AJP IT Services\n", "  name: AJP IT Services Ltd\n", 1))
    result = run_charter(data_dir, "serve", "--port", str(free_port()), env=env)
    assert result.returncode == 1
    assert "kept version" in result.stderr


def test_data_dirs_keep_installations_apart(tmp_path: Path) -> None:
    first, second = tmp_path / "one", tmp_path / "two"
    with running_server(first) as base_one, running_server(second) as base_two:
        assert httpx.get(f"{base_one}/healthz").status_code == 200
        assert httpx.get(f"{base_two}/healthz").status_code == 200
    for folder in (first, second):
        assert (folder / "charter.db").exists()
        assert (folder / "keyring.json").exists()
    assert (first / "keyring.json").read_bytes() != (second / "keyring.json").read_bytes()


@pytest.mark.parametrize("flag_first", [True, False])
def test_data_dir_option_equals_environment(tmp_path: Path, flag_first: bool) -> None:
    data_dir = tmp_path / "flagged"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHARTER_")}
    args = ["--data-dir", str(data_dir), "migrate"] if flag_first else ["migrate"]
    if not flag_first:
        env["CHARTER_DATA_DIR"] = str(data_dir)
    result = subprocess.run(
        charter_command(*args), env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert (data_dir / "charter.db").exists()
