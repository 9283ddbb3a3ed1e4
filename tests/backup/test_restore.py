"""Backup and restore on SQLite and PostgreSQL, through the `charter` command: a backup
holds no key material, and restoring one taken before an erasure leaves the person erased
(UK GDPR Art. 17, Art. 32): only the restricted statutory records and the suppression
hash remain, nothing of theirs can be decrypted or exported, and the audit log verifies."""

from __future__ import annotations

import base64
import io
import json
import subprocess
import tarfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from charter.audit.models import AuditEntry
from charter.backup.service import libpq_target, read_manifest
from charter.erasure.mentions import RIGHTS_PURPOSE
from charter.erasure.service import erase_subject
from charter.exports.service import build_access_package
from charter.installation.service import open_runtime
from charter.keyring import Keyring, generate_keyring, read_keyring_file, replace_keyring_file
from charter.keys.service import rotate_master_key
from charter.newsletter.preferences import is_suppressed
from charter.orders.models import Invoice
from charter.settings import Settings
from charter.vault import keys
from charter.vault import service as vault
from charter.vault.keys import DataErased
from charter.vault.models import DataKey, PersonalValue
from tests.erasure.factories import (
    DELIVERY,
    EMAIL,
    KEPT_FIELDS,
    PHONE,
    subject_by_ref,
)

from .factories import (
    ACTOR,
    KEEPER_EMAIL,
    READER_EMAIL,
    People,
    charter,
    flat,
    installation,
    populate,
)


@pytest.fixture
def site(tmp_path: Path, fresh_database_url: str) -> tuple[Settings, People]:
    settings = installation(tmp_path / "site", fresh_database_url)
    return settings, populate(settings)


def erase(settings: Settings, *refs: str) -> None:
    runtime = open_runtime(settings)
    try:
        for ref in refs:
            with runtime.unit() as work:
                erase_subject(work, subject_by_ref(work, ref), actor=ACTOR)
    finally:
        runtime.close()


def backup(settings: Settings, path: Path) -> None:
    made = charter(settings, "backup", "create", str(path))
    assert made.returncode == 0, made.stderr
    assert "Backup written" in made.stdout


def key_forms(ring: Keyring) -> list[bytes]:
    """Every key of the ring as raw bytes, base64 and hex."""
    forms: list[bytes] = []
    for key in (ring.master, ring.index, ring.audit, *ring.data_masters, ring.web_secret):
        forms += [key, base64.b64encode(key), key.hex().encode()]
    return forms


def backup_bytes(path: Path, settings: Settings) -> bytes:
    """The backup as stored, plus its database as plain SQL for PostgreSQL (the custom
    format compresses table data, which would hide key bytes from a plain search)."""
    raw = path.read_bytes()
    manifest = read_manifest(path)
    if manifest.backend == "sqlite":
        return raw
    with tarfile.open(path) as archive:
        member = archive.extractfile(manifest.database_file)
        assert member is not None
        dump = member.read()
    plain = subprocess.run(
        ["pg_restore", "-f", "-"], input=dump, capture_output=True, check=True
    ).stdout
    return raw + plain


def test_a_restore_keeps_erased_people_erased(
    site: tuple[Settings, People], tmp_path: Path
) -> None:
    settings, people = site
    path = tmp_path / "before-erasure.tar"
    backup(settings, path)

    # The backup names its keys but holds none of them.
    ring = read_keyring_file(settings.keyring_path)
    assert ring is not None
    manifest = read_manifest(path)
    assert manifest.master_key_ids == [ring.wrapping_key_id]
    assert manifest.key_fingerprints == ring.fingerprints()
    stored = backup_bytes(path, settings)
    for form in key_forms(ring):
        assert form not in stored
    assert stored.count(b"charter-backup/1") >= 1
    with tarfile.open(path) as archive:
        assert archive.getnames() == ["manifest.json", manifest.database_file]
    assert path.stat().st_mode & 0o077 == 0

    erase(settings, people.customer, people.reader)

    restored = charter(settings, "backup", "restore", str(path), "--yes")
    assert restored.returncode == 0, restored.stderr
    output = flat(restored.stdout)
    assert "Re-applied 2 erasure(s)" in output
    assert people.customer in output
    assert people.reader in output
    assert people.keeper not in output
    assert "Audit log intact" in output

    verified = charter(settings, "audit", "verify")
    assert verified.returncode == 0, verified.stderr
    assert "intact" in verified.stdout

    runtime = open_runtime(settings, record=False)
    try:
        with runtime.unit() as work:
            customer = subject_by_ref(work, people.customer)
            reader = subject_by_ref(work, people.reader)
            # Nobody can find them by their address any more ...
            assert vault.find_subject(work, email=EMAIL) is None
            assert vault.find_subject(work, email=READER_EMAIL) is None
            # ... the reader's key is destroyed again: nothing of theirs can be opened ...
            assert work.session.get(DataKey, reader.id) is None
            with pytest.raises(DataErased):
                keys.subject_key(work, reader)
            with pytest.raises(DataErased):
                build_access_package(work, reader, actor=ACTOR)
            # ... the customer keeps only the statutory record, restricted ...
            assert customer.restricted_at is not None
            kept = sorted(
                {
                    f"{row.category}.{row.field}"
                    for row in work.session.scalars(
                        select(PersonalValue).where(PersonalValue.subject_id == customer.id)
                    )
                }
            )
            assert set(kept) <= set(KEPT_FIELDS)
            assert "contact.email" not in kept
            assert "contact.phone" not in kept
            invoices = work.session.scalar(select(func.count()).select_from(Invoice))
            assert invoices == 1
            # ... and the export holds nothing the erasure removed.
            package = build_access_package(work, customer, actor=ACTOR)
            data = _zip_text(package)
            for erased in (EMAIL.lower(), EMAIL, DELIVERY, PHONE, READER_EMAIL.lower()):
                assert erased not in data
            # Marketing stays suppressed for both addresses.
            assert is_suppressed(work, EMAIL)
            assert is_suppressed(work, READER_EMAIL)
            # Someone never erased comes back whole.
            keeper = vault.find_subject(work, email=KEEPER_EMAIL)
            assert keeper is not None
            assert keeper.ref == people.keeper
            values = vault.read_personal_values(
                work, keeper, purpose=RIGHTS_PURPOSE, actor=ACTOR, categories=["contact"]
            )
            assert [item.value for item in values] == [KEEPER_EMAIL.lower()]
            restore_entry = work.session.scalars(
                select(AuditEntry).where(AuditEntry.action == "backup.restored")
            ).one()
        detail = json.loads(restore_entry.detail)
        assert detail["journal_entries_reapplied"] == 2
        assert detail["audit_entries_rolled_back"] > 0
        assert detail["backup_audit_head_seq"] == manifest.audit_head_seq
    finally:
        runtime.close()
    archived = list(settings.data_dir.glob("audit-anchor.before-restore-*.json"))
    assert len(archived) == 1


def _zip_text(package: bytes) -> str:
    import zipfile

    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        return "\n".join(archive.read(name).decode("utf-8") for name in archive.namelist())


def test_a_restore_without_the_right_key_ring_is_refused(
    site: tuple[Settings, People], tmp_path: Path
) -> None:
    settings, people = site
    path = tmp_path / "backup.tar"
    backup(settings, path)
    erase(settings, people.reader)
    ring = read_keyring_file(settings.keyring_path)
    assert ring is not None

    settings.keyring_path.unlink()
    missing = charter(settings, "backup", "restore", str(path), "--yes")
    assert missing.returncode == 1
    assert "No key ring found" in flat(missing.stderr)
    assert ring.fingerprints()["master"] in flat(missing.stderr)

    replace_keyring_file(settings.keyring_path, generate_keyring())
    wrong = charter(settings, "backup", "restore", str(path), "--yes")
    assert wrong.returncode == 1
    assert "not the one this backup was made with" in flat(wrong.stderr)

    # The database was not touched: the reader is still erased, no restore recorded.
    replace_keyring_file(settings.keyring_path, ring)
    runtime = open_runtime(settings, record=False)
    try:
        with runtime.unit(write=False) as work:
            assert vault.find_subject(work, email=READER_EMAIL) is None
            restores = select(AuditEntry).where(AuditEntry.action == "backup.restored")
            assert work.session.scalars(restores).first() is None
        # After a rotation the old master is retired: the old backup needs the old ring.
        report = rotate_master_key(runtime, actor=ACTOR)
    finally:
        runtime.close()
    retired = charter(settings, "backup", "restore", str(path), "--yes")
    assert retired.returncode == 1
    assert f"does not hold master key {report.retired[0]}" in flat(retired.stderr)


def test_libpq_target_keeps_the_password_out_of_the_command_line() -> None:
    uri, environment = libpq_target("postgresql+psycopg://charter:s3cret@db.example:5433/site")
    assert uri == "postgresql://charter@db.example:5433/site"
    assert environment["PGPASSWORD"] == "s3cret"
