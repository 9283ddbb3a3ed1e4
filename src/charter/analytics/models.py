"""Tables of the cookieless statistics: daily aggregates, and for *today only* the salt
and the set of visitor hashes that make a unique-visitor count possible.

What is kept for good is anonymous: counts per day, per page (route template, never the
query string), per referring domain and per browser family. The salt and the hashes are
pseudonymous data (UK GDPR recital 26) kept for at most the day they belong to; once
the day is over both are deleted, after which no hash can ever be recomputed or linked
to anyone (Art. 5(1)(c) minimisation, Art. 5(1)(e) storage limitation, Art. 25).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from charter.db import Base


class StatsSalt(Base):
    """The random HMAC key of one day; the row is deleted when the day is over."""

    __tablename__ = "stats_salts"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    salt: Mapped[bytes] = mapped_column(LargeBinary(32))


class StatsVisitor(Base):
    """One visitor hash seen today (to count each visitor once); deleted with the salt."""

    __tablename__ = "stats_visitors"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), primary_key=True)


class StatsDay(Base):
    """A day's totals: page views, and visitors (distinct hashes) counted as they came."""

    __tablename__ = "stats_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    page_views: Mapped[int] = mapped_column(Integer, default=0)
    visitors: Mapped[int] = mapped_column(Integer, default=0)


class StatsCount(Base):
    """A day's count for one value of one dimension.

    ``page``: page views of a route (``/privacy/versions/{version}``); ``referrer``: page
    views arriving from another site's domain; ``browser``: visitors by browser family.
    """

    __tablename__ = "stats_counts"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    dimension: Mapped[str] = mapped_column(String(16), primary_key=True)
    value: Mapped[str] = mapped_column(String(255), primary_key=True)
    total: Mapped[int] = mapped_column(Integer, default=0)
