"""The composition root's parts: one :class:`Runtime` per installation, one :class:`Work`
per unit of work.

``open_runtime(settings)`` is the only place that loads the policy, opens the database,
reads the key ring and builds the clock; the web app, the CLI and jobs all start from it.
Services receive a :class:`Work` (session + policy + keys + clock + actor-independent
context) and never commit: the edge that opened the unit of work does.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from charter.audit.anchor import advance_anchor, anchor_path
from charter.clock import Clock, make_clock
from charter.db import make_engine, unit_of_work
from charter.keyring import Keyring
from charter.policy.schemas import Policy
from charter.settings import Settings


@dataclass
class Work:
    """One unit of work: the open session and what services need from the installation."""

    session: Session
    policy: Policy
    keyring: Keyring
    clock: Clock
    settings: Settings

    def now(self) -> datetime:
        return self.clock()


@dataclass
class Runtime:
    settings: Settings
    policy: Policy
    policy_history: list[Policy]
    keyring: Keyring
    clock: Clock
    engine: Engine
    session_factory: sessionmaker[Session]
    notes: list[str] = field(default_factory=list)

    @contextmanager
    def unit(self, *, write: bool = True) -> Iterator[Work]:
        """Open a unit of work; it commits when the block ends (``write=True``)."""
        with unit_of_work(self.session_factory, write=write) as session:
            yield Work(
                session=session,
                policy=self.policy,
                keyring=self.keyring,
                clock=self.clock,
                settings=self.settings,
            )
            head = session.info.pop("audit_head", None)
        if head is not None and write:
            advance_anchor(anchor_path(self.settings.data_dir), *head)

    def close(self) -> None:
        self.engine.dispose()


def database_engine(settings: Settings) -> Engine:
    url = settings.resolved_database_url
    if url.startswith("sqlite"):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    return make_engine(url)


def settings_clock(settings: Settings) -> Clock:
    return make_clock(settings.now)
