"""Rate limits on public forms: fixed windows per truncated network, kept in the database.

Public forms invite abuse: floods of fake enquiries, or a newsletter form used to mail
confirmation links at someone else's address. Each form has a :class:`RateLimit`; every
submission counts against the sender's *truncated* network (``web.client.client_network``:
an IPv4 /24 or IPv6 /48, never the address), in fixed windows.

The counters live in the database, not in process memory, so several app processes
behind one proxy share them. Even the truncated network is not stored: a row holds a
keyed HMAC of form and network (Art. 5(1)(c) data minimisation, Art. 32(1)(a)), the
window's start and a count, and rows of past windows are deleted as new ones are written,
so nothing outlives a day.

Count in a unit of work of its own, *before* reading the form: a submission that then
fails (bad CSRF token, invalid data) must still count, and its rollback must not undo the
count. On SQLite the unit's ``BEGIN IMMEDIATE`` serialises writers; on PostgreSQL the
``INSERT ... ON CONFLICT DO UPDATE`` increment is atomic.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from fastapi import Request
from sqlalchemy import Integer, String, delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column
from starlette.concurrency import run_in_threadpool

from charter.crypto import keyed_digest
from charter.db import Base, UTCDateTime
from charter.errors import CharterError
from charter.runtime import Runtime, Work
from charter.web.client import client_network

#: Counter rows older than this are deleted whatever their window (longest window allowed).
MAX_WINDOW = timedelta(days=1)
_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


class RateLimited(CharterError):
    """Too many submissions of one form from one network in the current window."""

    status_code = 429
    default_message = (
        "We have received a lot of requests from your network. Please wait a few minutes "
        "and try again, or telephone us."
    )

    def __init__(self, public_message: str | None = None, *, retry_after: int = 60) -> None:
        super().__init__(public_message)
        self.retry_after = retry_after


@dataclass(frozen=True)
class RateLimit:
    """At most ``limit`` submissions of form ``name`` per network per ``window``."""

    name: str
    limit: int
    window: timedelta

    def __post_init__(self) -> None:
        if self.limit < 1 or not timedelta(seconds=1) <= self.window <= MAX_WINDOW:
            raise ValueError("A rate limit needs a positive limit and a window of 1 s to 1 day.")


class RateLimitCounter(Base):
    """Submissions in one fixed window from one (form, network) bucket."""

    __tablename__ = "rate_limit_counters"

    bucket: Mapped[str] = mapped_column(String(64), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True, index=True)
    hits: Mapped[int] = mapped_column(Integer)


def window_start(moment: datetime, window: timedelta) -> datetime:
    """Start of the fixed window holding ``moment`` (windows are aligned on 2000-01-01)."""
    elapsed = (moment - _EPOCH) // window
    return _EPOCH + elapsed * window


def bucket_for(work: Work, rule: RateLimit, network: str) -> str:
    """Keyed HMAC naming (form, network): the counter table never holds the network."""
    material = f"charter:rate-limit:v1\x1f{rule.name}\x1f{network}".encode()
    return keyed_digest(work.keyring.index, material).hex()


def count_submission(work: Work, rule: RateLimit, *, network: str) -> int:
    """Count one submission and return the count in this window; raise
    :class:`RateLimited` once it passes the limit. The caller commits the unit."""
    now = work.now()
    start = window_start(now, rule.window)
    bucket = bucket_for(work, rule, network)
    session = work.session
    columns = RateLimitCounter.__table__.c
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    upsert = (
        insert(RateLimitCounter)
        .values(bucket=bucket, window_start=start, hits=1)
        .on_conflict_do_update(
            index_elements=[columns.bucket, columns.window_start],
            set_={"hits": columns.hits + 1},
        )
        .returning(columns.hits)
    )
    hits = int(session.execute(upsert).scalar_one())
    session.execute(
        delete(RateLimitCounter).where(
            (RateLimitCounter.window_start < now - MAX_WINDOW)
            | ((RateLimitCounter.bucket == bucket) & (RateLimitCounter.window_start < start))
        )
    )
    if hits > rule.limit:
        remaining = (start + rule.window - now).total_seconds()
        raise RateLimited(retry_after=max(1, math.ceil(remaining)))
    return hits


async def count_request(request: Request, rule: RateLimit) -> None:
    """Count this submission against the sender's truncated network, in a unit of work
    of its own (committed even when the submission is then refused), before the body is
    read; raises :class:`RateLimited` past the limit."""
    runtime: Runtime = request.app.state.runtime
    network = client_network(request)

    def run() -> None:
        with runtime.unit() as work:
            count_submission(work, rule, network=network)

    await run_in_threadpool(run)
