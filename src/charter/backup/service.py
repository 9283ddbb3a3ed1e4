"""Backups that never hold keys, and restores that keep erasures erased (Art. 17, 32).

A backup is one tar file (mode 0600) with two members: ``manifest.json`` first (see
``schemas.Manifest``), then the database — ``database.sqlite3`` (an SQLite online backup,
consistent while the site keeps serving) or ``database.pgdump`` (``pg_dump -Fc`` run in
the very snapshot the manifest's facts were read in). Plain tar, so the manifest can be
read with ``tar -xOf BACKUP manifest.json`` and nothing is compressed twice.

* **No key material, ever** (Art. 32(1)(a)). The key ring lives outside the database and
  is not copied; the manifest names the keys it needs by their public fingerprints only,
  and a restore refuses a key ring that does not hold them.
* **Erasures stay erased.** Restoring puts back every person the backup holds, including
  those erased since. The tombstone journal (``erasure/journal.py``) outlives the restore;
  every entry recorded since the backup (from the manifest's journal position, and any
  earlier one whose tombstone the backup lacks) is put back as a tombstone and re-applied
  before anyone can use the data (Art. 17(1), Art. 5(2)): statutory records stay
  restricted, everything else is crypto-shredded again, the suppression list regains the
  person's hash.
* **The audit log stays verifiable.** The restored chain is as old as the backup, so the
  head anchor beside the key ring (which only moves forward) would report the newer
  entries as deleted. Restoring therefore archives the old anchor
  (``audit-anchor.before-restore-<time>.json``), anchors the chain at the head the
  manifest recorded — and so proves the restored chain is the one backed up, untouched —
  and writes ``backup.restored`` naming how many entries the restore rolled back.
  ``charter audit verify`` then passes; the entries lost are accounted for in the log
  itself rather than silently absent.
* **Restore only with the site stopped.** SQLite is written page by page through the
  online backup API (no file is swapped under an open connection, WAL stays coherent);
  PostgreSQL is restored with ``pg_restore --clean --if-exists --single-transaction``
  into the configured database. Either way a server still running would see its data
  change underneath it.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Connection, create_engine, select, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session

from charter import __version__
from charter.audit import service as audit
from charter.audit.anchor import anchor_path, read_anchor
from charter.audit.models import AuditEntry
from charter.backup.schemas import MANIFEST_FORMAT, Manifest, RestoreReport
from charter.erasure.journal import JournalEntry, journal_length, journal_path, read_entries
from charter.erasure.models import ErasureTombstone
from charter.erasure.service import restore_tombstones
from charter.errors import CharterError, Conflict, InvalidInput, KeyringError
from charter.installation.service import load_keyring, open_runtime
from charter.keyring import FILE_MODE, Keyring, secure_folder
from charter.runtime import Runtime
from charter.settings import Settings
from charter.vault.models import DataKey

MANIFEST_NAME = "manifest.json"
MEMBERS = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
_CHUNK = 1 << 20


class BackupFailed(CharterError):
    default_message = "The backup could not be made."


class BackupUnusable(InvalidInput):
    default_message = "That file is not a Charter backup, or it is damaged."


# Where the database is ---------------------------------------------------------------------


def backend_of(settings: Settings) -> str:
    name = make_url(settings.resolved_database_url).get_backend_name()
    if name not in MEMBERS:
        raise BackupFailed(f"Backups support SQLite and PostgreSQL, not {name}.")
    return name


def sqlite_file(settings: Settings) -> Path:
    database = make_url(settings.resolved_database_url).database
    if not database or database == ":memory:":
        raise BackupFailed("An in-memory SQLite database cannot be backed up or restored.")
    return Path(database)


def libpq_target(url: str) -> tuple[str, dict[str, str]]:
    """A SQLAlchemy URL as a libpq URI for ``pg_dump``/``pg_restore``, with the password
    moved to ``PGPASSWORD`` so it never appears in a process listing."""
    parsed = make_url(url)
    environment = dict(os.environ)
    if parsed.password is not None:
        environment["PGPASSWORD"] = str(parsed.password)
    uri = URL.create(
        "postgresql",
        username=parsed.username,
        host=parsed.host,
        port=parsed.port,
        database=parsed.database,
        query=parsed.query,
    )
    return uri.render_as_string(hide_password=False), environment


# Creating ----------------------------------------------------------------------------------


def create_backup(runtime: Runtime, path: Path, *, actor: str) -> Manifest:
    """Write a backup of the running installation to ``path`` (a new file), audit it, and
    return its manifest. Safe while the site serves (Art. 32(1)(c): restore availability
    after an incident)."""
    if path.exists():
        raise Conflict(f"{path} already exists; choose a new file for the backup.")
    if not path.parent.is_dir():
        raise InvalidInput(f"The folder {path.parent} does not exist.")
    settings = runtime.settings
    backend = backend_of(settings)
    # Read before the snapshot: an erasure journaled later is re-applied on restore.
    position = journal_length(journal_path(settings.data_dir))
    with _scratch(path.parent) as scratch:
        database = scratch / MEMBERS[backend]
        if backend == "sqlite":
            facts = _snapshot_sqlite(sqlite_file(settings), database)
        else:
            facts = _snapshot_postgresql(settings.resolved_database_url, database)
        revision, master_ids, head = facts
        manifest = Manifest(
            created_at=runtime.clock(),
            charter_version=__version__,
            backend=backend,
            schema_revision=revision,
            database_file=database.name,
            database_sha256=_sha256(database),
            key_fingerprints=runtime.keyring.fingerprints(),
            master_key_ids=master_ids,
            journal_position=position,
            audit_head_seq=head[0],
            audit_head_hash=head[1],
        )
        _write_tar(path, manifest, database, scratch)
    with runtime.unit() as work:
        audit.record(
            work,
            actor=actor,
            action="backup.created",
            detail={
                "backend": backend,
                "sha256": manifest.database_sha256,
                "master_key_ids": master_ids,
                "journal_position": position,
                "audit_head_seq": manifest.audit_head_seq,
            },
        )
    return manifest


Facts = tuple[str | None, list[str], tuple[int, str]]


def _facts(connection: Connection) -> Facts:
    revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    master_ids = sorted(connection.execute(select(DataKey.master_key_id).distinct()).scalars())
    head = connection.execute(
        select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)
    ).first()
    return revision, master_ids, (head[0], head[1]) if head else (0, audit.GENESIS_HASH)


def _snapshot_sqlite(source: Path, target: Path) -> Facts:
    """SQLite's online backup API: a consistent copy while writers carry on."""
    if not source.exists():
        raise BackupFailed(f"There is no database at {source}.")
    origin = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    copy = sqlite3.connect(target)
    try:
        origin.backup(copy)
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
    finally:
        copy.close()
        origin.close()
    engine = create_engine(f"sqlite:///{target}")
    try:
        with engine.connect() as connection:
            return _facts(connection)
    finally:
        engine.dispose()


def _snapshot_postgresql(url: str, target: Path) -> Facts:
    """``pg_dump -Fc`` inside an exported snapshot, the manifest read in that same snapshot."""
    uri, environment = libpq_target(url)
    engine = create_engine(url)
    try:
        with engine.connect().execution_options(
            isolation_level="REPEATABLE READ", postgresql_readonly=True
        ) as connection:
            snapshot = connection.exec_driver_sql("SELECT pg_export_snapshot()").scalar_one()
            facts = _facts(connection)
            _run(
                ["pg_dump", "-Fc", f"--snapshot={snapshot}", "-f", str(target), "-d", uri],
                environment,
                what="pg_dump",
            )
            connection.rollback()
    finally:
        engine.dispose()
    return facts


def _run(command: list[str], environment: dict[str, str], *, what: str) -> None:
    try:
        finished = subprocess.run(  # noqa: S603 - fixed programs, no shell
            command, env=environment, capture_output=True, text=True, check=False
        )
    except FileNotFoundError:
        raise BackupFailed(
            f"{what} is not installed: install the PostgreSQL client tools "
            "(Debian: apt-get install postgresql-client)."
        ) from None
    if finished.returncode != 0:
        last = (finished.stderr.strip().splitlines() or ["no message"])[-1]
        raise BackupFailed(f"{what} failed: {last}")


def _write_tar(path: Path, manifest: Manifest, database: Path, scratch: Path) -> None:
    """Manifest first, then the database; written beside ``path`` and renamed into place."""
    document = scratch / MANIFEST_NAME
    document.write_text(manifest.model_dump_json(indent=2) + "\n", encoding="utf-8")
    partial = scratch / "backup.tar"
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    with os.fdopen(descriptor, "wb") as handle:
        with tarfile.open(fileobj=handle, mode="w", format=tarfile.PAX_FORMAT) as archive:
            for member in (document, database):
                info = archive.gettarinfo(str(member), arcname=member.name)
                info.uid = info.gid = 0
                info.uname = info.gname = ""
                info.mode = FILE_MODE
                with member.open("rb") as source:
                    archive.addfile(info, source)
        handle.flush()
        os.fsync(handle.fileno())
    os.link(partial, path)  # fails rather than overwrite a file that appeared meanwhile


@contextmanager
def _scratch(beside: Path) -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix=".charter-backup-", dir=beside))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


# Reading -----------------------------------------------------------------------------------


def read_manifest(path: Path) -> Manifest:
    """The manifest of the backup at ``path``; :class:`BackupUnusable` if there is none."""
    try:
        with tarfile.open(path, mode="r:") as archive:
            member = archive.extractfile(MANIFEST_NAME)
            if member is None:
                raise BackupUnusable
            document = json.loads(member.read())
    except (OSError, KeyError, ValueError, tarfile.TarError) as exc:
        raise BackupUnusable from exc
    if not isinstance(document, dict) or document.get("format") != MANIFEST_FORMAT:
        raise BackupUnusable
    try:
        return Manifest.model_validate(document)
    except ValueError as exc:
        raise BackupUnusable from exc


def check_keys(manifest: Manifest, keyring: Keyring | None, *, source: str) -> None:
    """Refuse a restore the key ring in place could not read (Art. 32(1)(c)): without the
    data-key masters the backup names, every restored value would be unreadable."""
    needed = ", ".join(manifest.master_key_ids) or manifest.key_fingerprints.get("master", "?")
    if keyring is None:
        raise KeyringError(
            f"No key ring found ({source}). This backup needs the key ring holding master "
            f"key {needed}; put it in place first (keys are never inside a backup)."
        )
    if keyring.fingerprints() != manifest.key_fingerprints:
        raise KeyringError(
            f"The key ring in place ({source}) is not the one this backup was made with "
            f"(it needs master key {manifest.key_fingerprints.get('master', '?')}). "
            "Put that key ring in place first."
        )
    missing = sorted(set(manifest.master_key_ids) - set(keyring.wrapping_keys()))
    if missing:
        raise KeyringError(
            f"The key ring in place ({source}) does not hold master key "
            f"{', '.join(missing)}, which this backup's data keys are wrapped under "
            "(retired by a key rotation?). Restore the key ring from that time first."
        )


# Restoring ---------------------------------------------------------------------------------


def restore_backup(settings: Settings, path: Path, *, actor: str) -> RestoreReport:
    """Replace the configured database with the backup at ``path``, then erase again
    everyone the tombstone journal says was erased since, and re-anchor the audit chain.
    Nothing is touched unless the key ring in place can read the backup."""
    manifest = read_manifest(path)
    backend = backend_of(settings)
    if backend != manifest.backend:
        raise InvalidInput(
            f"This is a {manifest.backend} backup; the configured database is {backend}."
        )
    source = "CHARTER_KEYRING" if settings.keyring is not None else str(settings.keyring_path)
    check_keys(manifest, load_keyring(settings), source=source)
    secure_folder(settings.data_dir)
    with _scratch(settings.data_dir) as scratch:
        database = _extract(path, manifest, scratch)
        if backend == "sqlite":
            _restore_sqlite(database, sqlite_file(settings))
        else:
            _restore_postgresql(database, settings.resolved_database_url)
    previous = _reanchor(settings.data_dir, manifest)
    runtime = open_runtime(settings, create_keys=False, record=False)
    try:
        return _after_restore(runtime, manifest, previous, actor=actor)
    finally:
        runtime.close()


def _extract(path: Path, manifest: Manifest, scratch: Path) -> Path:
    target = scratch / MEMBERS[manifest.backend]
    try:
        with tarfile.open(path, mode="r:") as archive:
            member = archive.extractfile(manifest.database_file)
            if member is None:
                raise BackupUnusable
            descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
            with os.fdopen(descriptor, "wb") as handle:
                shutil.copyfileobj(member, handle, _CHUNK)
    except (OSError, KeyError, tarfile.TarError) as exc:
        raise BackupUnusable from exc
    if _sha256(target) != manifest.database_sha256:
        raise BackupUnusable("The backup's database does not match its manifest (damaged).")
    return target


def _restore_sqlite(source: Path, target: Path) -> None:
    """Copy the backup into the live file through the backup API, page by page under
    SQLite's own locks, after checking the copy's integrity."""
    copy = sqlite3.connect(source)
    try:
        if copy.execute("PRAGMA integrity_check").fetchone() != ("ok",):
            raise BackupUnusable("The backup's SQLite database fails its integrity check.")
        secure_folder(target.parent)
        live = sqlite3.connect(target, timeout=30)
        try:
            copy.backup(live)
        finally:
            live.close()
    finally:
        copy.close()


def _restore_postgresql(dump: Path, url: str) -> None:
    uri, environment = libpq_target(url)
    _run(
        [
            "pg_restore",
            "--clean",
            "--if-exists",
            "--single-transaction",
            "--exit-on-error",
            "--no-owner",
            "--no-privileges",
            "-d",
            uri,
            str(dump),
        ],
        environment,
        what="pg_restore",
    )


def _reanchor(data_dir: Path, manifest: Manifest) -> int | None:
    """Archive the current audit anchor and anchor the chain at the backup's head."""
    anchor = anchor_path(data_dir)
    previous = read_anchor(anchor)
    if anchor.exists():
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        os.replace(anchor, anchor.with_name(f"audit-anchor.before-restore-{stamp}.json"))
    if manifest.audit_head_seq:
        temporary = anchor.with_name(f".{anchor.name}.tmp")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(
                json.dumps({"seq": manifest.audit_head_seq, "hash": manifest.audit_head_hash})
            )
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, anchor)
    return None if previous is None else previous[0]


def _after_restore(
    runtime: Runtime, manifest: Manifest, previous_head: int | None, *, actor: str
) -> RestoreReport:
    journal = journal_path(runtime.settings.data_dir)
    with runtime.unit() as work:
        entries = _entries_to_reapply(
            read_entries(journal), manifest.journal_position, work.session
        )
        erased_again = restore_tombstones(work, entries, actor=actor)
        audit.record(
            work,
            actor=actor,
            action="backup.restored",
            detail={
                "backup_created_at": manifest.created_at.isoformat(),
                "backend": manifest.backend,
                "schema_revision": manifest.schema_revision,
                "backup_audit_head_seq": manifest.audit_head_seq,
                "audit_head_seq_before_restore": previous_head,
                "audit_entries_rolled_back": max(0, (previous_head or 0) - manifest.audit_head_seq),
                "journal_entries_reapplied": len(entries),
                "subjects_erased_again": erased_again,
            },
        )
    with runtime.unit(write=False) as work:
        result = audit.verify(
            work.session,
            runtime.keyring.audit,
            anchor=read_anchor(anchor_path(runtime.settings.data_dir)),
        )
    return RestoreReport(
        manifest=manifest,
        previous_audit_head_seq=previous_head,
        journal_entries=len(entries),
        erased_again=erased_again,
        audit_intact=result.intact,
        audit_checked=result.checked,
        audit_problem=None
        if result.intact
        else f"entry {result.first_broken_seq}: {result.reason}",
    )


def _entries_to_reapply(
    entries: list[JournalEntry], position: int, session: Session
) -> list[JournalEntry]:
    """Entries from the backup's journal position on, and any earlier one whose tombstone
    the backup lacks (an erasure journaled just before the snapshot, committed after)."""
    known = {
        (ref, moment)
        for ref, moment in session.execute(
            select(ErasureTombstone.subject_ref, ErasureTombstone.erased_at)
        )
    }
    return [
        entry
        for entry in entries
        if entry.position >= position or (entry.subject_ref, entry.erased_at) not in known
    ]
