"""One row per periodic job: when it last ran and with what result.

The row is also the lease that keeps two processes (two ``charter serve``, or a server
and ``charter jobs run``) from running the same job at once: a run claims the row by
moving ``started_at`` forward inside a write transaction, and only a run that finds the
job due may claim it. No personal data: job names, times, counts and error classes.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from charter.db import Base, UTCDateTime


class JobRun(Base):
    __tablename__ = "job_runs"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    last_count: Mapped[int | None] = mapped_column(Integer, default=None)
    last_error: Mapped[str | None] = mapped_column(String(200), default=None)
    runs: Mapped[int] = mapped_column(Integer, default=0)
