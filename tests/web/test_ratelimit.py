"""Fixed-window rate limits in the database, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from charter.runtime import Runtime
from charter.web.ratelimit import (
    RateLimit,
    RateLimitCounter,
    RateLimited,
    count_submission,
    window_start,
)
from tests.conftest import TestClock as Clock

RULE = RateLimit("test_form", limit=3, window=timedelta(minutes=10))
NETWORK = "203.0.113.0/24"


def hit(runtime: Runtime, *, network: str = NETWORK, rule: RateLimit = RULE) -> int:
    with runtime.unit() as work:
        return count_submission(work, rule, network=network)


def test_counts_up_to_the_limit_then_refuses(runtime: Runtime) -> None:
    assert [hit(runtime) for _ in range(3)] == [1, 2, 3]
    with pytest.raises(RateLimited) as caught:
        hit(runtime)
    assert caught.value.status_code == 429
    assert 0 < caught.value.retry_after <= 600


def test_networks_and_forms_are_counted_apart(runtime: Runtime) -> None:
    for _ in range(3):
        hit(runtime)
    assert hit(runtime, network="198.51.100.0/24") == 1
    assert hit(runtime, rule=RateLimit("other_form", 3, timedelta(minutes=10))) == 1


def test_a_new_window_starts_afresh_and_old_rows_go(runtime: Runtime, clock: Clock) -> None:
    for _ in range(3):
        hit(runtime)
    clock.advance(minutes=10)
    assert hit(runtime) == 1
    with runtime.unit() as work:
        rows = work.session.scalar(select(func.count()).select_from(RateLimitCounter))
    assert rows == 1


def test_counter_rows_hold_no_network(runtime: Runtime) -> None:
    hit(runtime)
    with runtime.unit() as work:
        row = work.session.scalars(select(RateLimitCounter)).one()
    assert NETWORK not in row.bucket
    assert "203.0.113" not in row.bucket
    assert len(row.bucket) == 64


def test_windows_are_aligned() -> None:
    moment = datetime(2026, 11, 25, 9, 7, 30, tzinfo=UTC)
    assert window_start(moment, timedelta(minutes=10)) == datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def test_nonsense_limits_are_refused() -> None:
    with pytest.raises(ValueError, match="positive"):
        RateLimit("x", 0, timedelta(minutes=1))
