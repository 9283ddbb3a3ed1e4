"""What the statistics feature takes in (one page view, already minimised) and hands out
(aggregates for the staff console and ``charter stats show``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class Dimension(StrEnum):
    PAGE = "page"
    REFERRER = "referrer"
    BROWSER = "browser"


@dataclass(frozen=True)
class PageView:
    """One countable page view, reduced at the edge to what the counter may use.

    ``network`` is the truncated /24 or /48 and ``browser``/``major`` come from
    ``web.useragent``; together they only feed the day's HMAC, they are never stored.
    """

    path: str
    network: str
    browser: str
    major: str
    referrer_domain: str | None = None


@dataclass(frozen=True)
class DayTotals:
    day: date
    page_views: int
    visitors: int


@dataclass(frozen=True)
class StatisticsSummary:
    """Aggregates over a period. ``visitor_days`` adds each day's unique visitors: the
    same person on two days counts twice, because no identifier outlives its day."""

    since: date
    until: date
    days: tuple[DayTotals, ...]
    pages: tuple[tuple[str, int], ...]
    referrers: tuple[tuple[str, int], ...]
    browsers: tuple[tuple[str, int], ...]

    @property
    def page_views(self) -> int:
        return sum(d.page_views for d in self.days)

    @property
    def visitor_days(self) -> int:
        return sum(d.visitors for d in self.days)
