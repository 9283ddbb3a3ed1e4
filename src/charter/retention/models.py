"""Tables of the retention feature: legal holds and the record of each sweep.

Neither holds personal data. A :class:`LegalHold` names the person only by
``subject_id`` and says why by a *code* (no free-text note: a note about a claim or a
complaint would itself be personal data, and it is audited in clear). A
:class:`SweepRun` keeps the counts per retention rule, so a sweep that crashed half-way
continues on the next run with its totals intact (Art. 5(2): we can show what was
deleted, when and under which rule).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from charter.db import Base, BigId, UTCDateTime


class HoldReason(StrEnum):
    """Why deletion must wait. Art. 17(3)(e) and Art. 18(1)(c): data needed for the
    establishment, exercise or defence of legal claims is kept while the need lasts."""

    LEGAL_CLAIM = "legal_claim"  # a claim made or reasonably expected (Limitation Act 1980)
    COMPLAINT = "complaint"  # a complaint to us or to the ICO being investigated
    REGULATOR_INQUIRY = "regulator_inquiry"  # the ICO or another regulator is asking
    LAW_ENFORCEMENT = "law_enforcement"  # a preservation request under DPA 2018 Part 3


class LegalHold(Base):
    """One hold on one person's data; open until ``lifted_at`` is set (never deleted)."""

    __tablename__ = "legal_holds"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    subject_id: Mapped[int] = mapped_column(BigId, ForeignKey("subjects.id"), index=True)
    reason: Mapped[str] = mapped_column(String(32))
    placed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    placed_by: Mapped[str] = mapped_column(String(100))
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None, index=True)
    lifted_by: Mapped[str | None] = mapped_column(String(100), default=None)


class SweepRun(Base):
    """One retention sweep. ``finished_at`` is empty while it runs or after a crash: the
    next sweep resumes this row instead of starting a new one. ``counts`` maps a rule id
    to ``{"deleted": n, "anonymised": n, "held": n, "records": n}``."""

    __tablename__ = "retention_sweeps"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None, index=True)
    actor: Mapped[str] = mapped_column(String(100))
    batches: Mapped[int] = mapped_column(Integer, default=0)
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    keys_destroyed: Mapped[int] = mapped_column(Integer, default=0)
    counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
