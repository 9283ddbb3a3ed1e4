"""Shared fixtures: real SQLite and real PostgreSQL, one scratch database per run.

Every storage test runs on both backends (the ``backend`` parameter). PostgreSQL gets a
scratch database created for this run and dropped at the end; no other database is
touched. When PostgreSQL cannot be reached those tests are skipped with a loud warning,
unless ``CHARTER_REQUIRE_PG=1`` (as in CI), which turns that into a failure.

Each test runs inside an outer transaction that is rolled back afterwards; the code under
test commits only to a savepoint.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session, sessionmaker

from charter.db import make_engine
from charter.keyring import Keyring, generate_keyring
from charter.policy.loader import load_history, load_policy
from charter.runtime import Runtime
from charter.schema import upgrade
from charter.settings import Settings, shipped_policy_path

PG_ADMIN_URL = os.environ.get(
    "CHARTER_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
BACKENDS = ("sqlite", "postgresql")
START = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


class TestClock:
    """A clock the test moves by hand (stands in for ``CHARTER_NOW``)."""

    def __init__(self, start: datetime = START) -> None:
        self.current = start

    def __call__(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> datetime:
        self.current += timedelta(**delta)
        return self.current

    def set(self, moment: datetime) -> None:
        self.current = moment


def _pg_reachable() -> str | None:
    try:
        engine = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}".splitlines()[0]
    return None


@pytest.fixture(scope="session")
def pg_scratch_url() -> Iterator[str]:
    """Create a scratch PostgreSQL database for this run and drop it afterwards."""
    problem = _pg_reachable()
    if problem is not None:
        message = f"PostgreSQL NOT REACHABLE at {PG_ADMIN_URL} ({problem}): skipping PG tests"
        if os.environ.get("CHARTER_REQUIRE_PG") == "1":
            pytest.fail(message + " but CHARTER_REQUIRE_PG=1")
        print(f"\n\n!!!!! {message} !!!!!\n")
        pytest.skip(message)
    name = f"charter_test_{os.getpid()}_{secrets.token_hex(4)}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("sqlite") / "charter.db"


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="session")
def migrated_engines() -> Iterator[dict[str, Engine]]:
    engines: dict[str, Engine] = {}
    yield engines
    for created in engines.values():
        created.dispose()


@pytest.fixture
def engine(
    backend: str, request: pytest.FixtureRequest, migrated_engines: dict[str, Engine]
) -> Engine:
    """A migrated engine for this backend, created once per run."""
    if backend not in migrated_engines:
        if backend == "postgresql":
            url = request.getfixturevalue("pg_scratch_url")
        else:
            url = f"sqlite:///{request.getfixturevalue('sqlite_template')}"
        created = make_engine(url)
        upgrade(created)
        migrated_engines[backend] = created
    return migrated_engines[backend]


@pytest.fixture
def clock() -> TestClock:
    return TestClock()


@pytest.fixture
def keyring() -> Keyring:
    return generate_keyring()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", policy=shipped_policy_path())


@pytest.fixture
def runtime(
    engine: Engine, settings: Settings, keyring: Keyring, clock: TestClock
) -> Iterator[Runtime]:
    """A runtime whose every unit of work commits only to a savepoint of a rolled-back
    outer transaction, so tests never see each other's rows."""
    connection = engine.connect()
    outer = connection.begin()
    factory = sessionmaker(
        bind=connection,
        expire_on_commit=False,
        join_transaction_mode="create_savepoint",
        class_=Session,
    )
    runtime = Runtime(
        settings=settings,
        policy=load_policy(settings.policy),
        policy_history=load_history(settings.policy),
        keyring=keyring,
        clock=clock,
        engine=engine,
        session_factory=factory,
    )
    try:
        yield runtime
    finally:
        outer.rollback()
        connection.close()


@pytest.fixture
def fresh_database_url(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[str]:
    """An empty database of its own (for a real server process): a new SQLite file, or a new
    PostgreSQL database dropped after the test."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'own.db'}"
        return
    request.getfixturevalue("pg_scratch_url")  # skips or fails loudly when PG is absent
    name = f"charter_own_{os.getpid()}_{secrets.token_hex(4)}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium, once per test module (see tests/browsing.py). Not per session:
    Playwright's sync API keeps an event loop running until it stops, which would break
    the asyncio-based ASGI clients of tests that run after it in the same process."""
    from tests.browsing import chromium

    with chromium() as launched:
        yield launched


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh browser context (no cookies) and page at a desktop size."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    opened = context.new_page()
    yield opened
    context.close()
