"""Done when: a subject's email, phone and bank account, once stored and committed, cannot
be found anywhere in the database — not in any table as text, not in the raw files on
disk, not in the audit log (Art. 32(1)(a) encryption, Art. 25(1) by design).

These tests commit for real (the other vault tests run in rolled-back transactions), so
each uses its own database: a SQLite file in a temporary folder, and a PostgreSQL
database created for the test and dropped afterwards.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text

from charter.installation.service import open_runtime
from charter.policy.schemas import Policy
from charter.runtime import Runtime
from charter.settings import Settings, shipped_policy_path
from charter.vault import service

from .factories import ACTOR

EMAIL = "Zebedee.Quillfeather@Example.org"
PHONE = "0117 496 0123"  # Ofcom drama range; not the firm's own number
BANK_ACCOUNT = "20-00-00 31926819"
FIELDS = {"contact.email": EMAIL, "contact.phone": PHONE, "financial.bank_account": BANK_ACCOUNT}

#: Every spelling of the three values that might end up on disk.
PLAINTEXTS = (
    EMAIL,
    EMAIL.lower(),
    EMAIL.upper(),
    "Zebedee",
    "Quillfeather",
    PHONE,
    "01174960123",
    "+441174960123",
    "441174960123",
    "1174960123",
    "117 496 0123",
    BANK_ACCOUNT,
    "31926819",
)


def encodings(plaintext: str) -> dict[str, bytes]:
    raw = plaintext.encode()
    return {
        "utf-8": raw,
        "utf-16-le": plaintext.encode("utf-16-le"),
        "utf-16-be": plaintext.encode("utf-16-be"),
        "hex": raw.hex().encode(),
        "HEX": raw.hex().upper().encode(),
    }


def leaks(blob: bytes) -> list[str]:
    """Which plaintexts (in which encoding) occur in ``blob``; case-insensitive for text."""
    folded = blob.lower()
    found = []
    for plaintext in PLAINTEXTS:
        for name, needle in encodings(plaintext).items():
            if needle in blob or needle.lower() in folded:
                found.append(f"{plaintext!r} as {name}")
    return found


def point_collecting(policy: Policy, refs: set[str]) -> str:
    for point in policy.collection_points:
        if refs <= set(point.fields):
            return point.id
    pytest.fail(f"The shipped policy has no collection point collecting {sorted(refs)}")


def store_and_read(runtime: Runtime) -> str:
    """Store the values through the service, read them back, and commit; the subject's ref."""
    point = point_collecting(runtime.policy, set(FIELDS))
    with runtime.unit() as work:
        subject, _ = service.get_or_create_subject(work, email=EMAIL, actor=ACTOR)
        service.store_personal_data(
            work, subject, collection_point=point, values=FIELDS, source="test", actor=ACTOR
        )
        purpose = next(
            p.id
            for p in runtime.policy.purposes
            if "financial" in p.categories
            and p.id in runtime.policy.collection_point(point).purposes
        )
        data = service.read_personal_data(work, subject, purpose=purpose, actor=ACTOR)
    assert data["contact.phone"] == "+441174960123"
    assert data["financial.bank_account"] == BANK_ACCOUNT
    with runtime.unit() as work:
        found = service.find_subject(work, phone="+44 117 496 0123")
        assert found is not None
        return found.ref


TABLE_NAMES = {
    "sqlite": "SELECT name FROM sqlite_master WHERE type = 'table'",
    "postgresql": "SELECT tablename FROM pg_tables WHERE schemaname = 'public'",
}


def table_rows_as_text(engine: Engine) -> dict[str, str]:
    """Every row of every table as text: PostgreSQL's own rendering (``t::text``), or the
    Python repr of each SQLite row."""
    rendered: dict[str, str] = {}
    with engine.connect() as connection:
        tables = list(connection.execute(text(TABLE_NAMES[engine.dialect.name])).scalars())
        assert {"personal_values", "blind_indexes", "audit_entries"} <= set(tables)
        for table in tables:
            if engine.dialect.name == "postgresql":
                texts = connection.execute(text(f'SELECT t::text FROM "{table}" t')).scalars()
                rendered[table] = "\n".join(texts)
            else:
                records = connection.execute(text(f'SELECT * FROM "{table}"')).all()
                rendered[table] = "\n".join(repr(tuple(record)) for record in records)
    return rendered


def assert_no_plaintext_in_tables(engine: Engine) -> None:
    rendered = table_rows_as_text(engine)
    assert "personal_data.read" in rendered["audit_entries"]
    problems = {table: leaks(body.encode()) for table, body in rendered.items()}
    assert {table: found for table, found in problems.items() if found} == {}


def assert_no_plaintext_in_files(files: list[Path], *, control: str) -> None:
    """``control`` (the subject's ref, stored in clear) must be found: proof that the
    committed rows really are in the files scanned."""
    blobs = [path.read_bytes() for path in files if path.is_file()]
    assert any(control.encode() in blob for blob in blobs)
    problems = {str(path): leaks(path.read_bytes()) for path in files if path.is_file()}
    assert {path: found for path, found in problems.items() if found} == {}


def test_the_scanner_finds_what_it_looks_for() -> None:
    assert leaks(b"xx zebedee.quillfeather@example.org yy")
    assert leaks("+441174960123".encode("utf-16-le"))
    assert leaks(b"\\x3331393236383139")
    assert not leaks(os.urandom(4096).replace(b"\x00", b"\x01"))


def test_nothing_in_clear_in_a_sqlite_file(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    runtime = open_runtime(
        Settings(data_dir=data_dir, database_url=None, policy=shipped_policy_path())
    )
    try:
        ref = store_and_read(runtime)
        assert_no_plaintext_in_tables(runtime.engine)
        # Outside any transaction (the engine's connections begin IMMEDIATE), so the
        # checkpoint can move every committed page from the -wal into the main file.
        raw = runtime.engine.raw_connection()
        try:
            cursor = raw.cursor()
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            outcome = cursor.fetchone()
            cursor.close()
        finally:
            raw.close()
        assert outcome is not None
        assert outcome[0] == 0  # not busy: every frame was checkpointed
    finally:
        runtime.close()
    files = sorted(data_dir.rglob("*"))
    assert data_dir / "charter.db" in files
    wal = data_dir / "charter.db-wal"
    assert not wal.exists() or wal.stat().st_size == 0
    assert_no_plaintext_in_files(files, control=ref)


@pytest.fixture
def pg_own_database(pg_scratch_url: str) -> Iterator[str]:
    """A PostgreSQL database of this test's own, so committed rows never meet other tests."""
    base, scratch = pg_scratch_url.rsplit("/", 1)
    name = f"{scratch}_plaintext"
    admin = create_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"{base}/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_nothing_in_clear_in_postgresql(tmp_path: Path, pg_own_database: str) -> None:
    runtime = open_runtime(
        Settings(
            data_dir=tmp_path / "data", database_url=pg_own_database, policy=shipped_policy_path()
        )
    )
    try:
        ref = store_and_read(runtime)
        assert_no_plaintext_in_tables(runtime.engine)
        with runtime.engine.connect() as connection:
            connection.execute(text("CHECKPOINT"))
            data_directory = Path(connection.execute(text("SHOW data_directory")).scalar_one())
            oid = connection.execute(
                text("SELECT oid FROM pg_database WHERE datname = current_database()")
            ).scalar_one()
    finally:
        runtime.close()
    database_files = data_directory / "base" / str(oid)
    if not os.access(database_files, os.R_OK | os.X_OK):
        pytest.skip(f"{database_files} is not readable here; the table scan above passed")
    assert_no_plaintext_in_files(sorted(database_files.iterdir()), control=ref)
