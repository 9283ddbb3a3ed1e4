"""Time limits for answering data-subject requests (UK GDPR Art. 12(3), ICO guidance).

Art. 12(3) gives one month from receipt (or from the day identity is verified or a
clarification arrives: the "clock" start, see ICO guidance "Time limits for responding to
data protection rights requests"), extendable by up to two further months for complex or
numerous requests. The ICO counts a month as ending on the *corresponding calendar date*
of the next month; when that month has no such date (31 Jan → February) the last day of
that month is used; and when the date falls on a weekend or a bank holiday the deadline
moves to the next working day. Bank holidays are England & Wales ones, taken from the
``holidays`` package so that substitute days and one-off holidays are never hand-kept.
"""

from __future__ import annotations

import calendar
import functools
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import holidays

#: The standard period (Art. 12(3)), and the standard plus the two further months.
STANDARD_MONTHS = 1
EXTENDED_MONTHS = 3
#: Working days before the due date on which staff are reminded.
REMINDER_WORKING_DAYS = (7, 2)
_SATURDAY = 5


@functools.cache
def _bank_holidays(year: int) -> frozenset[date]:
    """England & Wales bank holidays of ``year`` (incl. substitute and one-off days)."""
    calendar_of_year = holidays.country_holidays("GB", subdiv="ENG", years=year)
    return frozenset(day for day in calendar_of_year if day.year == year)


def is_working_day(day: date) -> bool:
    """Monday to Friday and not an England & Wales bank holiday."""
    return day.weekday() < _SATURDAY and day not in _bank_holidays(day.year)


def next_working_day(day: date) -> date:
    """``day`` itself when it is a working day, else the first working day after it."""
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def corresponding_date(start: date, months: int) -> date:
    """The same day-of-month ``months`` later, or that month's last day if it has none."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def due_date(start: date, *, extended: bool = False) -> date:
    """The day by which a request whose clock started on ``start`` must be answered.

    Art. 12(3): one month (``extended``: three, i.e. one plus up to two further months),
    counted to the corresponding calendar date and moved off weekends and bank holidays.
    """
    months = EXTENDED_MONTHS if extended else STANDARD_MONTHS
    return next_working_day(corresponding_date(start, months))


def extension_allowed(start: date, on: date) -> bool:
    """Art. 12(3): the person must be told of an extension *within one month* of receipt,
    so an extension can be decided only up to the unextended due date."""
    return start <= on <= due_date(start)


def working_days_before(day: date, count: int) -> date:
    """The working day ``count`` working days before ``day``."""
    while count > 0:
        day -= timedelta(days=1)
        if is_working_day(day):
            count -= 1
    return day


def reminder_dates(
    due: date, *, working_days: tuple[int, ...] = REMINDER_WORKING_DAYS
) -> list[date]:
    """The days staff are reminded of a due date, earliest first."""
    return sorted({working_days_before(due, count) for count in working_days})


def is_overdue(due: date, today: date) -> bool:
    """A request is overdue once its due date has passed unanswered (the due date counts)."""
    return today > due


#: Days are counted in the UK, where the requests arrive, not in UTC.
UK_ZONE = ZoneInfo("Europe/London")


def uk_date(moment: datetime) -> date:
    """The calendar day in the UK at ``moment`` (an aware datetime)."""
    return moment.astimezone(UK_ZONE).date()
