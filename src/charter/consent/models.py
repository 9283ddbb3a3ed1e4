"""The consent ledger: append-only events plus a current-state projection.

Events are never updated or deleted (database triggers refuse it); the projection is
derived from them and can be rebuilt at any time. Art. 7(1): the controller must be able
to *demonstrate* consent, so each event keeps the policy version, the exact wording shown,
the collection point, the time and evidence (with truncated IPs only).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from charter.db import Base, BigId, UTCDateTime

#: Channel value for consents that are not tied to a marketing channel.
ANY_CHANNEL = "any"


class ConsentEvent(Base):
    __tablename__ = "consent_events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    record_id: Mapped[str] = mapped_column(String(36), unique=True)
    subject_id: Mapped[int] = mapped_column(BigId, ForeignKey("subjects.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(16))  # given | withdrawn
    policy_version: Mapped[str] = mapped_column(String(32))
    wording: Mapped[str] = mapped_column(Text)
    collection_point: Mapped[str] = mapped_column(String(64))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON)


class ConsentState(Base):
    """Latest event per subject x purpose x channel: what ``decide()`` reads."""

    __tablename__ = "consent_states"

    subject_id: Mapped[int] = mapped_column(BigId, ForeignKey("subjects.id"), primary_key=True)
    purpose: Mapped[str] = mapped_column(String(64), primary_key=True)
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    given: Mapped[bool] = mapped_column(Boolean)
    event_id: Mapped[int] = mapped_column(BigId, ForeignKey("consent_events.id"))
    policy_version: Mapped[str] = mapped_column(String(32))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    needs_renewal: Mapped[bool] = mapped_column(Boolean, default=False)
