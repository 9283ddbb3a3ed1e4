"""Art. 12(3) time limits: worked examples, then properties over a century of dates."""

from __future__ import annotations

from datetime import date, timedelta

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from charter.rights.deadlines import (
    corresponding_date,
    due_date,
    extension_allowed,
    is_overdue,
    is_working_day,
    next_working_day,
    reminder_dates,
)

D = date

#: (clock start, due date, extended due date), each checked by hand against a calendar.
CASES = [
    # plain: the corresponding date is a working day
    (D(2026, 11, 4), D(2026, 12, 4), D(2027, 2, 4)),
    # 31 Jan: no 31 Feb, so the last day of February; 2027 is not a leap year and
    # 28 Feb 2027 is a Sunday -> Monday 1 Mar; 30 Apr 2027 is a Friday
    (D(2027, 1, 31), D(2027, 3, 1), D(2027, 4, 30)),
    # leap year: 29 Feb 2028 is a Tuesday; 30 Apr 2028 Sunday, 1 May early May bank holiday
    (D(2028, 1, 31), D(2028, 2, 29), D(2028, 5, 2)),
    (D(2028, 2, 29), D(2028, 3, 29), D(2028, 5, 30)),  # 29 May 2028 spring bank holiday
    (D(2028, 1, 29), D(2028, 2, 29), D(2028, 5, 2)),  # 29 Apr Sat, 1 May bank holiday
    (D(2027, 1, 29), D(2027, 3, 1), D(2027, 4, 29)),  # no 29 Feb 2027: 28 Feb (Sun) -> 1 Mar
    (D(2027, 1, 30), D(2027, 3, 1), D(2027, 4, 30)),
    # 30 and 31 of months into shorter months
    (D(2026, 3, 31), D(2026, 4, 30), D(2026, 6, 30)),
    (D(2026, 5, 31), D(2026, 6, 30), D(2026, 9, 1)),  # 31 Aug 2026: summer bank holiday
    (D(2026, 8, 31), D(2026, 9, 30), D(2026, 11, 30)),
    (D(2026, 10, 31), D(2026, 11, 30), D(2027, 2, 1)),  # 31 Jan 2027 Sunday -> 1 Feb
    (D(2026, 12, 31), D(2027, 2, 1), D(2027, 3, 31)),  # 31 Jan 2027 Sunday
    # weekends
    (D(2026, 1, 10), D(2026, 2, 10), D(2026, 4, 10)),
    (D(2026, 6, 13), D(2026, 7, 13), D(2026, 9, 14)),  # 13 Sep 2026 Sunday
    (D(2026, 7, 4), D(2026, 8, 4), D(2026, 10, 5)),  # 4 Oct 2026 Sunday
    # Christmas 2026: Fri 25, Sat 26 -> Boxing Day substitute Mon 28 -> Tue 29
    (D(2026, 11, 25), D(2026, 12, 29), D(2027, 2, 25)),
    (D(2026, 11, 26), D(2026, 12, 29), D(2027, 2, 26)),
    (D(2026, 11, 28), D(2026, 12, 29), D(2027, 3, 1)),  # 28 Feb 2027 Sunday
    # Christmas 2027: Sat 25, Sun 26 -> substitutes Mon 27 and Tue 28 -> Wed 29
    (D(2027, 11, 25), D(2027, 12, 29), D(2028, 2, 25)),
    # New Year 2028 is a Saturday: substitute Monday 3 Jan
    (D(2027, 12, 1), D(2028, 1, 4), D(2028, 3, 1)),
    # Easter 2026: Good Friday 3 Apr, Easter Monday 6 Apr
    (D(2026, 3, 3), D(2026, 4, 7), D(2026, 6, 3)),
    (D(2026, 3, 6), D(2026, 4, 7), D(2026, 6, 8)),  # 6 Jun 2026 Saturday
    # early May bank holiday 2027: Mon 3 May (1 and 2 May the weekend before)
    (D(2027, 4, 1), D(2027, 5, 4), D(2027, 7, 1)),
    (D(2027, 4, 3), D(2027, 5, 4), D(2027, 7, 5)),  # 3 Jul 2027 Saturday
    # one-off bank holiday: the State Funeral of Queen Elizabeth II, Mon 19 Sep 2022
    (D(2022, 8, 19), D(2022, 9, 20), D(2022, 11, 21)),  # 19 Nov 2022 Saturday
]


@pytest.mark.parametrize(("start", "due", "extended"), CASES, ids=str)
def test_due_dates(start: date, due: date, extended: date) -> None:
    assert due_date(start) == due
    assert due_date(start, extended=True) == extended


def test_bank_holidays_come_from_the_holidays_package() -> None:
    england = holidays.country_holidays("GB", subdiv="ENG", years=2026)
    for day in england:
        assert not is_working_day(day)
    assert is_working_day(D(2026, 11, 25))
    assert not is_working_day(D(2026, 11, 28))  # Saturday
    # Scottish-only holidays are not England & Wales ones
    assert is_working_day(D(2026, 1, 2))
    assert is_working_day(D(2026, 11, 30))


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (D(2026, 1, 31), 1, D(2026, 2, 28)),
        (D(2028, 1, 31), 1, D(2028, 2, 29)),
        (D(2028, 2, 29), 1, D(2028, 3, 29)),
        (D(2028, 2, 29), 12, D(2029, 2, 28)),
        (D(2026, 11, 30), 3, D(2027, 2, 28)),
        (D(2026, 12, 15), 1, D(2027, 1, 15)),
        (D(2026, 10, 31), 3, D(2027, 1, 31)),
    ],
)
def test_corresponding_date(start: date, months: int, expected: date) -> None:
    assert corresponding_date(start, months) == expected


@pytest.mark.parametrize(
    ("on", "allowed"),
    [
        (D(2026, 11, 24), False),  # before the clock started
        (D(2026, 11, 25), True),
        (D(2026, 12, 29), True),  # the unextended due date itself
        (D(2026, 12, 30), False),
    ],
)
def test_extension_only_within_the_first_month(on: date, allowed: bool) -> None:
    assert extension_allowed(D(2026, 11, 25), on) is allowed


def test_reminders_are_working_days_before_the_due_date() -> None:
    # due Tue 29 Dec 2026: 2 working days back skips 28, 25 (holidays) -> 23, 24
    assert reminder_dates(D(2026, 12, 29)) == [D(2026, 12, 16), D(2026, 12, 23)]
    assert reminder_dates(D(2026, 12, 4), working_days=(1,)) == [D(2026, 12, 3)]


@pytest.mark.parametrize(
    ("today", "overdue"),
    [(D(2026, 12, 28), False), (D(2026, 12, 29), False), (D(2026, 12, 30), True)],
)
def test_overdue_only_after_the_due_date(today: date, overdue: bool) -> None:
    assert is_overdue(D(2026, 12, 29), today) is overdue


# Properties over 2000-2100 -------------------------------------------------------------

dates = st.dates(min_value=D(2000, 1, 1), max_value=D(2100, 12, 31))
PROPERTY_SETTINGS = settings(max_examples=300, deadline=None)


@PROPERTY_SETTINGS
@given(dates, st.booleans())
def test_due_date_is_a_working_day_near_the_corresponding_date(start: date, extended: bool) -> None:
    due = due_date(start, extended=extended)
    raw = corresponding_date(start, 3 if extended else 1)
    england = holidays.country_holidays("GB", subdiv="ENG", years=due.year)
    assert due.weekday() < 5
    assert due not in england
    assert raw <= due
    assert due - raw < timedelta(days=10)
    assert all(not is_working_day(raw + timedelta(days=n)) for n in range((due - raw).days))


@PROPERTY_SETTINGS
@given(dates)
def test_extended_is_never_earlier(start: date) -> None:
    assert due_date(start, extended=True) >= due_date(start)
    assert extension_allowed(start, start)


@PROPERTY_SETTINGS
@given(dates, dates, st.booleans())
def test_due_dates_are_monotonic(first: date, second: date, extended: bool) -> None:
    early, late = sorted((first, second))
    assert due_date(early, extended=extended) <= due_date(late, extended=extended)


@PROPERTY_SETTINGS
@given(dates, st.integers(min_value=0, max_value=5))
def test_due_dates_are_monotonic_for_near_dates(start: date, gap: int) -> None:
    later = start + timedelta(days=gap)
    assert due_date(start) <= due_date(later)


@PROPERTY_SETTINGS
@given(dates)
def test_reminders_fall_on_working_days_before_the_due_date(start: date) -> None:
    due = due_date(start)
    reminders = reminder_dates(due)
    assert len(reminders) == 2
    assert all(is_working_day(day) and start <= day < due for day in reminders)
    assert next_working_day(due) == due
