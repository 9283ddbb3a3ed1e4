"""Opening an installation never puts a fresh key over existing data (Art. 32(1)(c)):
a missing, wrong or outdated key ring is refused with a clear message, on SQLite and
PostgreSQL; key files are 0600 in a 0700 folder."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from charter.errors import KeyringError
from charter.installation.service import open_runtime
from charter.keyring import generate_keyring, read_keyring_file, replace_keyring_file
from charter.keys.service import rotate_master_key
from charter.settings import Settings
from charter.vault import service as vault

ACTOR = "cli:test"


def install(data_dir: Path, url: str) -> Settings:
    """A new installation holding one person."""
    settings = Settings(data_dir=data_dir, database_url=url)
    runtime = open_runtime(settings)
    try:
        with runtime.unit() as work:
            vault.create_subject(work, actor=ACTOR)
    finally:
        runtime.close()
    return settings


def test_a_new_installation_gets_a_private_key_ring(
    tmp_path: Path, fresh_database_url: str
) -> None:
    data_dir = tmp_path / "site"
    settings = install(data_dir, fresh_database_url)
    assert stat.S_IMODE(settings.keyring_path.stat().st_mode) == 0o600
    assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700


def test_loose_permissions_are_tightened_at_start(tmp_path: Path, fresh_database_url: str) -> None:
    data_dir = tmp_path / "site"
    settings = install(data_dir, fresh_database_url)
    settings.keyring_path.chmod(0o644)
    data_dir.chmod(0o755)
    runtime = open_runtime(settings)
    try:
        assert any("0600" in note for note in runtime.notes)
        assert any("0700" in note for note in runtime.notes)
    finally:
        runtime.close()
    assert stat.S_IMODE(settings.keyring_path.stat().st_mode) == 0o600
    assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700


def test_a_missing_key_ring_is_refused_and_not_recreated(
    tmp_path: Path, fresh_database_url: str
) -> None:
    settings = install(tmp_path / "site", fresh_database_url)
    settings.keyring_path.unlink()
    with pytest.raises(KeyringError, match="key ring is missing"):
        open_runtime(settings)
    assert not settings.keyring_path.exists()


def test_a_wrong_key_ring_is_refused_and_left_alone(
    tmp_path: Path, fresh_database_url: str
) -> None:
    settings = install(tmp_path / "site", fresh_database_url)
    settings.keyring_path.unlink()
    stranger = generate_keyring()
    replace_keyring_file(settings.keyring_path, stranger)
    with pytest.raises(KeyringError, match="does not belong to this installation"):
        open_runtime(settings)
    assert read_keyring_file(settings.keyring_path) == stranger


def test_a_ring_without_the_data_keys_master_is_refused(
    tmp_path: Path, fresh_database_url: str
) -> None:
    """The ring from before a rotation: right root keys, but the data keys are now
    wrapped under a master it does not hold."""
    settings = install(tmp_path / "site", fresh_database_url)
    before = read_keyring_file(settings.keyring_path)
    assert before is not None
    runtime = open_runtime(settings)
    try:
        report = rotate_master_key(runtime, actor=ACTOR)
    finally:
        runtime.close()
    replace_keyring_file(settings.keyring_path, before)
    with pytest.raises(KeyringError, match=f"does not hold the master key {report.new_key_id}"):
        open_runtime(settings)


def test_serve_refuses_to_start_without_its_key_ring(
    tmp_path: Path, fresh_database_url: str
) -> None:
    settings = install(tmp_path / "site", fresh_database_url)
    settings.keyring_path.unlink()
    environment = {
        **os.environ,
        "CHARTER_DATA_DIR": str(settings.data_dir),
        "CHARTER_DATABASE_URL": fresh_database_url,
    }
    charter = Path(sys.executable).with_name("charter")
    finished = subprocess.run(
        [str(charter), "serve", "--port", "9"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert finished.returncode == 1
    assert "key ring is missing" in " ".join(finished.stderr.split())
    assert not settings.keyring_path.exists()
