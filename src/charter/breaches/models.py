"""The breach register: every personal-data breach, notified or not (Art. 33(5)).

Art. 33(5) requires the controller to document every breach — the facts, its effects and
the remedial action — so the ICO can verify compliance; Art. 33(1) gives 72 hours from
becoming aware to notify the ICO, and Art. 34 requires telling the people affected when
the risk to them is high, a decision recorded here with its reason. The row holds no
personal data of the people affected: ``description`` is a short staff note about the
incident, ``categories`` the policy's category ids, and those affected are found on
demand by ``service.affected_subjects``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, String
from sqlalchemy.orm import Mapped, mapped_column

from charter.db import Base, BigId, UTCDateTime


class Breach(Base):
    __tablename__ = "breaches"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime)
    aware_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    description: Mapped[str] = mapped_column(String(500))
    categories: Mapped[list[str]] = mapped_column(JSON)
    period_from: Mapped[datetime] = mapped_column(UTCDateTime)
    period_to: Mapped[datetime] = mapped_column(UTCDateTime)
    likely_consequences: Mapped[str] = mapped_column(String(500))
    measures: Mapped[str] = mapped_column(String(1000))
    risk_level: Mapped[str] = mapped_column(String(16))
    logged_by: Mapped[str] = mapped_column(String(120))
    ico_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    ico_reference: Mapped[str | None] = mapped_column(String(64), default=None)
    subjects_notified: Mapped[bool | None] = mapped_column(Boolean, default=None)
    subjects_decision_reason: Mapped[str | None] = mapped_column(String(500), default=None)
    subjects_decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    subjects_decided_by: Mapped[str | None] = mapped_column(String(120), default=None)
