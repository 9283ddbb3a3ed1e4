"""When a stored value must go: ``retain_until`` from the policy's retention rule.

Art. 5(1)(e) storage limitation: personal data is kept no longer than necessary, and the
policy says for how long (Art. 13(2)(a)). The date is fixed when a value is stored, so the
retention job only has to compare it with the clock; triggers that are events rather than
dates (consent withdrawn, account closed) leave it empty for that job to decide.

Periods use calendar arithmetic: years and months move the calendar date, clamped to the
last day of a shorter month (31 March + 6 months = 30 September; 29 February + 1 year =
28 February), then days are added.
"""

from __future__ import annotations

import calendar
import re
from datetime import UTC, date, datetime, time, timedelta

from charter.errors import PolicyInvalid
from charter.policy.schemas import RetentionRule, RetentionTrigger

#: UK companies most often close their books on 31 March.
DEFAULT_FINANCIAL_YEAR_END = "03-31"

_MONTH_DAY = re.compile(r"^(\d{2})-(\d{2})$")
_PERIOD_FROM_MOMENT = {RetentionTrigger.SINCE_COLLECTION, RetentionTrigger.SINCE_LAST_CONTACT}


def retain_until(
    rule: RetentionRule, *, collected_at: datetime, financial_year_end: str | None
) -> datetime | None:
    """The moment after which a value collected at ``collected_at`` must be deleted.

    ``since_last_contact`` starts from the contact in hand; later contacts restart it.
    ``since_end_of_financial_year`` counts from the end (23:59:59.999999 UTC) of the
    financial year containing ``collected_at``, the way accounting records are kept for
    HMRC (six years after the end of the financial year they relate to).
    """
    if not (rule.years or rule.months or rule.days):
        return None
    if rule.trigger in _PERIOD_FROM_MOMENT:
        return add_period(collected_at, years=rule.years, months=rule.months, days=rule.days)
    if rule.trigger is RetentionTrigger.SINCE_END_OF_FINANCIAL_YEAR:
        month, day = parse_financial_year_end(financial_year_end or DEFAULT_FINANCIAL_YEAR_END)
        year = financial_year_ending(collected_at.date(), month, day).year + rule.years
        end = datetime.combine(_clamped_date(year, month, day), time.max, tzinfo=UTC)
        return add_period(end, months=rule.months, days=rule.days)
    return None


def add_period(moment: datetime, *, years: int = 0, months: int = 0, days: int = 0) -> datetime:
    """``moment`` plus a calendar period, clamping the day to the target month's end."""
    month_index = moment.month - 1 + months + 12 * years
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    shifted = moment.replace(year=year, month=month, day=_clamped_date(year, month, moment.day).day)
    return shifted + timedelta(days=days)


def financial_year_ending(day: date, month: int, month_day: int) -> date:
    """The last day of the financial year (ending each year on month/month_day) holding
    ``day``."""
    this_year = _clamped_date(day.year, month, month_day)
    return this_year if day <= this_year else _clamped_date(day.year + 1, month, month_day)


def parse_financial_year_end(text: str) -> tuple[int, int]:
    """``"MM-DD"`` as (month, day); 29 February is allowed and clamps in common years."""
    match = _MONTH_DAY.match(text)
    if match is not None:
        month, day = int(match[1]), int(match[2])
        if 1 <= month <= 12 and 1 <= day <= calendar.monthrange(2000, month)[1]:
            return month, day
    raise PolicyInvalid("The organisation's financial_year_end must be a date written MM-DD.")


def _clamped_date(year: int, month: int, day: int) -> date:
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))
