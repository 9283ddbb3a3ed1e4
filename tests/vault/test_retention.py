"""Deletion dates from retention rules: calendar arithmetic and financial years."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from charter.errors import PolicyInvalid
from charter.policy.schemas import RetentionRule, RetentionTrigger
from charter.vault.retention import (
    add_period,
    financial_year_ending,
    parse_financial_year_end,
    retain_until,
)


def rule(trigger: str, *, years: int = 0, months: int = 0, days: int = 0) -> RetentionRule:
    return RetentionRule(
        id="r",
        categories=["c"],
        trigger=RetentionTrigger(trigger),
        years=years,
        months=months,
        days=days,
        criteria="test",
        legal_reference="test",
    )


def at(year: int, month: int, day: int, hour: int = 10) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


def end_of(day: date) -> datetime:
    return datetime.combine(day, time.max, tzinfo=UTC)


@pytest.mark.parametrize(
    ("moment", "period", "expected"),
    [
        (at(2026, 1, 31), {"months": 1}, at(2026, 2, 28)),
        (at(2028, 1, 31), {"months": 1}, at(2028, 2, 29)),
        (at(2024, 2, 29), {"years": 1}, at(2025, 2, 28)),
        (at(2024, 2, 29), {"years": 4}, at(2028, 2, 29)),
        (at(2026, 8, 31), {"years": 1, "months": 6}, at(2028, 2, 29)),
        (at(2026, 11, 25), {"months": 2}, at(2027, 1, 25)),
        (at(2026, 3, 31), {"months": 6}, at(2026, 9, 30)),
        (at(2026, 1, 31), {"months": 1, "days": 1}, at(2026, 3, 1)),
        (at(2026, 12, 31), {"days": 1}, at(2027, 1, 1)),
        (at(2026, 5, 5), {}, at(2026, 5, 5)),
    ],
)
def test_add_period_clamps_to_month_end(
    moment: datetime, period: dict[str, int], expected: datetime
) -> None:
    assert add_period(moment, **period) == expected


@pytest.mark.parametrize("trigger", ["since_collection", "since_last_contact"])
def test_periods_from_a_moment(trigger: str) -> None:
    assert retain_until(
        rule(trigger, years=2, months=1, days=3),
        collected_at=at(2026, 1, 31),
        financial_year_end=None,
    ) == at(2028, 3, 3)


@pytest.mark.parametrize("trigger", ["until_consent_withdrawn", "until_account_closed"])
def test_event_triggers_have_no_date(trigger: str) -> None:
    assert (
        retain_until(rule(trigger, years=1), collected_at=at(2026, 1, 1), financial_year_end=None)
        is None
    )


@pytest.mark.parametrize(
    "trigger", ["since_collection", "since_last_contact", "since_end_of_financial_year"]
)
def test_a_rule_without_a_period_gives_no_date(trigger: str) -> None:
    """'As long as necessary' must not become 'delete at once'."""
    assert retain_until(rule(trigger), collected_at=at(2026, 1, 1), financial_year_end=None) is None


@pytest.mark.parametrize(
    ("collected", "year_end", "period", "expected"),
    [
        # The brief's example: 15 Feb 2026 is in the year ending 31 Mar 2026.
        (at(2026, 2, 15), None, {"years": 6}, date(2032, 3, 31)),
        (at(2026, 2, 15), "03-31", {"years": 6}, date(2032, 3, 31)),
        (at(2026, 3, 31, 23), "03-31", {"years": 6}, date(2032, 3, 31)),
        (at(2026, 4, 1, 0), "03-31", {"years": 6}, date(2033, 3, 31)),
        (at(2026, 2, 15), "03-31", {"months": 6}, date(2026, 9, 30)),
        (at(2026, 2, 15), "03-31", {"years": 1, "months": 11}, date(2028, 2, 29)),
        (at(2026, 2, 15), "12-31", {"years": 6}, date(2032, 12, 31)),
        (at(2026, 2, 15), "04-05", {"years": 6}, date(2032, 4, 5)),  # UK tax year
        (at(2026, 2, 15), "02-29", {"years": 2}, date(2028, 2, 29)),  # leap year end
        (at(2026, 3, 1), "02-29", {"years": 1}, date(2028, 2, 29)),
        (at(2026, 2, 15), "03-31", {"years": 6, "days": 1}, date(2032, 4, 1)),
    ],
)
def test_since_end_of_financial_year(
    collected: datetime, year_end: str | None, period: dict[str, int], expected: date
) -> None:
    result = retain_until(
        rule("since_end_of_financial_year", **period),
        collected_at=collected,
        financial_year_end=year_end,
    )
    assert result == end_of(expected)


@pytest.mark.parametrize("bad", ["3-31", "13-01", "02-30", "00-10", "04-31", "12/31", "", "x"])
def test_malformed_financial_year_end_is_a_policy_error(bad: str) -> None:
    with pytest.raises(PolicyInvalid):
        parse_financial_year_end(bad)


_moments = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2090, 1, 1), timezones=st.just(UTC)
)


@given(
    moment=_moments,
    years=st.integers(0, 10),
    months=st.integers(0, 24),
    days=st.integers(0, 400),
)
def test_add_period_properties(moment: datetime, years: int, months: int, days: int) -> None:
    result = add_period(moment, years=years, months=months, days=days)
    months_later = add_period(moment, years=years, months=months)
    assert result - months_later == timedelta(days=days)
    assert months_later.time() == moment.time()
    assert (months_later.year * 12 + months_later.month) - (moment.year * 12 + moment.month) == (
        years * 12 + months
    )
    assert months_later.day == min(moment.day, _month_length(months_later))
    assert result >= moment


@given(day=st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 1, 1)),
       month=st.integers(1, 12), month_day=st.integers(1, 31))  # fmt: skip
def test_financial_year_ending_is_the_first_year_end_on_or_after(
    day: date, month: int, month_day: int
) -> None:
    end = financial_year_ending(day, month, month_day)
    assert end >= day
    assert end - day < timedelta(days=366)
    assert end.month == month
    assert end.day == min(month_day, _month_length(end))


def _month_length(moment: date) -> int:
    following = date(moment.year + moment.month // 12, moment.month % 12 + 1, 1)
    return (following - timedelta(days=1)).day
