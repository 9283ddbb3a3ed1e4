"""Cookieless statistics on SQLite and PostgreSQL: aggregates only, each visitor counted
once a day, and a day's salt and hashes gone once the day is over."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import select

from charter.analytics.models import StatsCount, StatsDay, StatsSalt, StatsVisitor
from charter.analytics.schemas import PageView
from charter.analytics.service import (
    close_finished_days,
    record_page_view,
    statistics_summary,
    visitor_digest,
)
from charter.errors import InvalidInput, UndeclaredPurpose
from charter.runtime import Runtime

from .factories import without_statistics

if TYPE_CHECKING:
    from tests.conftest import TestClock

NETWORK = "203.0.113.0/24"
TODAY = date(2026, 11, 25)  # the test clock's day


def view(path: str = "/", *, network: str = NETWORK, **overrides: str) -> PageView:
    fields = {"browser": "Firefox", "major": "128", "referrer_domain": None} | overrides
    return PageView(path=path, network=network, **fields)  # type: ignore[arg-type]


def record(runtime: Runtime, *views: PageView) -> list[bool]:
    with runtime.unit() as work:
        return [record_page_view(work, v) for v in views]


def rows(runtime: Runtime, model: type) -> list[object]:
    with runtime.unit(write=False) as work:
        return list(work.session.scalars(select(model)))


def counts(runtime: Runtime) -> set[tuple[str, str, int]]:
    with runtime.unit(write=False) as work:
        found = work.session.scalars(select(StatsCount)).all()
        return {(c.dimension, c.value, c.total) for c in found}


def test_a_visitor_is_counted_once_a_day_and_every_page_view_counts(runtime: Runtime) -> None:
    news = record(
        runtime, view("/"), view("/privacy"), view("/"), view("/", network="198.51.100.0/24")
    )
    assert news == [True, False, False, True]
    [day] = rows(runtime, StatsDay)
    assert isinstance(day, StatsDay)
    assert (day.day, day.page_views, day.visitors) == (TODAY, 4, 2)
    assert counts(runtime) == {
        ("page", "/", 3),
        ("page", "/privacy", 1),
        ("browser", "Firefox", 2),
    }


def test_another_browser_version_is_another_visitor(runtime: Runtime) -> None:
    assert record(runtime, view(), view(major="129"), view(browser="Chrome")) == [True] * 3


def test_referrers_are_counted_by_domain(runtime: Runtime) -> None:
    record(runtime, view(referrer_domain="search.example"), view(referrer_domain="search.example"))
    assert ("referrer", "search.example", 2) in counts(runtime)


def test_only_aggregates_and_todays_hashes_are_stored(runtime: Runtime) -> None:
    record(runtime, view("/services"))
    stored = " ".join(
        repr(vars(row))
        for model in (StatsDay, StatsCount, StatsVisitor)
        for row in rows(runtime, model)
    )
    assert NETWORK not in stored
    assert "203.0.113" not in stored
    [visitor] = rows(runtime, StatsVisitor)
    assert isinstance(visitor, StatsVisitor)
    assert len(visitor.digest) == 64


def test_the_salt_and_hashes_are_deleted_once_the_day_is_over(
    runtime: Runtime, clock: TestClock
) -> None:
    record(runtime, view())
    [salt] = rows(runtime, StatsSalt)
    assert isinstance(salt, StatsSalt)
    yesterday_digest = visitor_digest(salt.salt, view())
    clock.advance(days=1)
    record(runtime, view())  # the first page view of the new day closes the old one
    salts = rows(runtime, StatsSalt)
    assert [s.day for s in salts if isinstance(s, StatsSalt)] == [TODAY + timedelta(days=1)]
    visitors = rows(runtime, StatsVisitor)
    assert {v.day for v in visitors if isinstance(v, StatsVisitor)} == {TODAY + timedelta(days=1)}
    # The same person today has a hash unrelated to yesterday's.
    assert all(v.digest != yesterday_digest for v in visitors if isinstance(v, StatsVisitor))
    # Yesterday's totals survive, anonymous.
    with runtime.unit(write=False) as work:
        summary = statistics_summary(work, since=TODAY, until=TODAY + timedelta(days=1))
    assert [(d.page_views, d.visitors) for d in summary.days] == [(1, 1), (1, 1)]


def test_closing_days_without_traffic_deletes_old_salts(runtime: Runtime, clock: TestClock) -> None:
    record(runtime, view())
    clock.advance(hours=14, minutes=59)  # 23:59 on 25 November: nothing to close
    with runtime.unit() as work:
        assert close_finished_days(work) == 0
    clock.advance(minutes=1)
    with runtime.unit() as work:
        assert close_finished_days(work) == 1
    assert rows(runtime, StatsSalt) == []
    assert rows(runtime, StatsVisitor) == []


def test_the_summary_ranks_pages_referrers_and_browsers(runtime: Runtime, clock: TestClock) -> None:
    record(runtime, view("/"), view("/privacy"), view("/privacy"))
    clock.advance(days=1)
    record(
        runtime,
        view("/privacy", browser="Chrome", major="120", referrer_domain="a.example"),
        view("/"),
    )
    clock.advance(days=1)
    record(runtime, view("/services"))
    with runtime.unit(write=False) as work:
        summary = statistics_summary(work, since=TODAY, until=TODAY + timedelta(days=1))
    assert summary.page_views == 5
    assert summary.visitor_days == 3
    assert summary.pages == (("/privacy", 3), ("/", 2))
    assert summary.referrers == (("a.example", 1),)
    assert summary.browsers == (("Firefox", 2), ("Chrome", 1))


def test_an_empty_or_backwards_period(runtime: Runtime) -> None:
    with runtime.unit(write=False) as work:
        empty = statistics_summary(work, since=TODAY, until=TODAY)
        assert empty.days == ()
        assert empty.page_views == 0
        with pytest.raises(InvalidInput):
            statistics_summary(work, since=TODAY, until=TODAY - timedelta(days=1))


def test_digests_depend_on_the_salt() -> None:
    assert visitor_digest(b"a" * 32, view()) != visitor_digest(b"b" * 32, view())
    assert visitor_digest(b"a" * 32, view()) == visitor_digest(b"a" * 32, view())


def test_nothing_is_counted_for_a_purpose_the_policy_does_not_declare(runtime: Runtime) -> None:
    undeclared = dataclasses.replace(runtime, policy=without_statistics(runtime.policy))
    with pytest.raises(UndeclaredPurpose), undeclared.unit() as work:
        record_page_view(work, view())
    assert rows(runtime, StatsDay) == []
