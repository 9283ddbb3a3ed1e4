"""Cookieless first-party statistics: count page views and daily visitors without storing
or reading anything on the visitor's device and without keeping any identifier.

How a visitor is counted once a day without a cookie: each day gets a fresh random salt
(32 bytes, kept only in that day's ``stats_salts`` row). A page view's visitor hash is
``HMAC-SHA256(salt, truncated network | browser family | major version)``; today's hashes
are kept in ``stats_visitors`` only to recognise a repeat visit, and a new hash adds one
to the day's visitor count. When the day is over (:func:`close_finished_days`, run on
the first page view of a later day and by ``charter stats close-days`` from cron) the
salt and every hash of that day are deleted, so yesterday's hashes can never be
recomputed, compared with today's, or linked to anyone. An exact per-day set was chosen
over HyperLogLog: a small firm's daily traffic is tiny, the count is exact, and the set
is gone with the salt anyway. The inputs are deliberately coarse (a /24 network and a
browser family), so two people behind one office router with the same browser count as
one: the statistics under-count rather than single anyone out.

The policy must declare it: counting runs only while the policy in force declares the
purpose :data:`STATISTICS_PURPOSE` (Art. 5(1)(b) purpose limitation, Art. 13(1)(c)-(d):
visitors are told the purpose and the legitimate interest before anything is counted);
otherwise :func:`record_page_view` refuses with ``UndeclaredPurpose`` and the edge counts
nothing.

Why no consent is asked: nothing is stored on or read from the device for this
(PECR reg. 6 is about terminal equipment; the only cookie involved is the opt-out, which
is strictly necessary to honour an objection). The processing rests on legitimate
interests (Art. 6(1)(f): knowing which pages are used), so visitors may object at any
time (Art. 21(1)): ``/statistics/opt-out`` sets ``charter_stats_optout=1``, and a
``Sec-GPC: 1`` or ``DNT: 1`` header is taken as the same objection (Art. 21(5)).
The edge decides what is countable; this module only counts.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import date
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.dialects import postgresql, sqlite

from charter.analytics.models import StatsCount, StatsDay, StatsSalt, StatsVisitor
from charter.analytics.schemas import DayTotals, Dimension, PageView, StatisticsSummary
from charter.errors import InvalidInput
from charter.policy.schemas import Policy
from charter.runtime import Work

#: The policy purpose the statistics serve (legitimate interests, category ``technical``).
STATISTICS_PURPOSE = "website_statistics"
SALT_BYTES = 32
MAX_VALUE = 255


def statistics_declared(policy: Policy) -> bool:
    """Whether the policy in force declares the statistics purpose (so counting may run)."""
    return any(p.id == STATISTICS_PURPOSE for p in policy.purposes)


def visitor_digest(salt: bytes, view: PageView) -> str:
    """The day's pseudonym of a visitor: meaningless without that day's salt."""
    message = "|".join((view.network, view.browser, view.major)).encode()
    return hmac.new(salt, message, hashlib.sha256).hexdigest()


def record_page_view(work: Work, view: PageView) -> bool:
    """Count one page view in today's aggregates; returns whether it was a new visitor.

    Closes every finished day first, so an old salt never survives the first page view
    of a new day. Refuses (``UndeclaredPurpose``) unless the policy declares the purpose.
    """
    work.policy.purpose(STATISTICS_PURPOSE)
    today = work.now().date()
    close_finished_days(work, today=today)
    digest = visitor_digest(_salt(work, today), view)
    inserted = work.session.execute(
        _insert(work, StatsVisitor)
        .values(day=today, digest=digest)
        .on_conflict_do_nothing(index_elements=["day", "digest"])
        .returning(StatsVisitor.digest)
    ).first()
    new_visitor = inserted is not None
    _bump_day(work, today, visitors=int(new_visitor))
    _bump(work, today, Dimension.PAGE, view.path)
    if view.referrer_domain:
        _bump(work, today, Dimension.REFERRER, view.referrer_domain)
    if new_visitor:
        _bump(work, today, Dimension.BROWSER, view.browser)
    return new_visitor


def close_finished_days(work: Work, *, today: date | None = None) -> int:
    """Delete the salt and the visitor hashes of every day before ``today``; returns how
    many salts went. After this, that day's hashes can never be recomputed (Art. 5(1)(e)).
    """
    today = today or work.now().date()
    work.session.execute(delete(StatsVisitor).where(StatsVisitor.day < today))
    result = work.session.execute(delete(StatsSalt).where(StatsSalt.day < today))
    return int(getattr(result, "rowcount", 0) or 0)


def statistics_summary(work: Work, *, since: date, until: date) -> StatisticsSummary:
    """Aggregates from ``since`` to ``until`` (inclusive): per day, and the pages,
    referring domains and browser families ranked by count."""
    if since > until:
        raise InvalidInput("The start of the period is after its end.")
    days = work.session.scalars(
        select(StatsDay).where(StatsDay.day >= since, StatsDay.day <= until).order_by(StatsDay.day)
    ).all()
    return StatisticsSummary(
        since=since,
        until=until,
        days=tuple(DayTotals(d.day, d.page_views, d.visitors) for d in days),
        pages=_ranked(work, Dimension.PAGE, since, until),
        referrers=_ranked(work, Dimension.REFERRER, since, until),
        browsers=_ranked(work, Dimension.BROWSER, since, until),
    )


def _ranked(
    work: Work, dimension: Dimension, since: date, until: date
) -> tuple[tuple[str, int], ...]:
    total = func.sum(StatsCount.total).label("total")
    rows = work.session.execute(
        select(StatsCount.value, total)
        .where(
            StatsCount.dimension == dimension.value,
            StatsCount.day >= since,
            StatsCount.day <= until,
        )
        .group_by(StatsCount.value)
        .order_by(total.desc(), StatsCount.value)
    ).all()
    return tuple((str(value), int(count)) for value, count in rows)


def _salt(work: Work, day: date) -> bytes:
    work.session.execute(
        _insert(work, StatsSalt)
        .values(day=day, salt=secrets.token_bytes(SALT_BYTES))
        .on_conflict_do_nothing(index_elements=["day"])
    )
    salt = work.session.scalars(select(StatsSalt.salt).where(StatsSalt.day == day)).one()
    return bytes(salt)


def _bump_day(work: Work, day: date, *, visitors: int) -> None:
    statement = _insert(work, StatsDay).values(day=day, page_views=1, visitors=visitors)
    work.session.execute(
        statement.on_conflict_do_update(
            index_elements=["day"],
            set_={
                "page_views": StatsDay.page_views + 1,
                "visitors": StatsDay.visitors + statement.excluded.visitors,
            },
        )
    )


def _bump(work: Work, day: date, dimension: Dimension, value: str) -> None:
    statement = _insert(work, StatsCount).values(
        day=day, dimension=dimension.value, value=value[:MAX_VALUE], total=1
    )
    work.session.execute(
        statement.on_conflict_do_update(
            index_elements=["day", "dimension", "value"],
            set_={"total": StatsCount.total + 1},
        )
    )


def _insert(work: Work, table: type[Any]) -> postgresql.Insert | sqlite.Insert:
    """The dialect's INSERT (both offer ON CONFLICT): counters are upserts, so two page
    views at once never lose a count nor fail on a duplicate key."""
    if work.session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)
