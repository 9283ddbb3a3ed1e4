"""Tables of the outbound gate: every message decided, the campaigns, the delivery log.

* :class:`SentMessage` (``sent_messages``) is the one outbox: one row per message Charter
  decided to send or not, with the decision, its reason code and the consent event it
  rested on, recorded *before* anything is sent (Art. 5(2) accountability, Art. 7(1):
  the controller must be able to show why each marketing message was lawful). Its
  ``idempotency_key`` is unique, so deciding the same message twice (a rerun after a
  crash) finds the first row instead of adding a second one.
* :class:`Campaign` holds a newsletter's content (never personal data: one text for
  everyone) and its counts.
* :class:`DeliveryAttempt` (``delivery_attempts``) is the delivery log: one row per try,
  written as ``in_flight`` before the provider is called, so an attempt whose outcome a
  crash lost is visible and is never repeated blindly.

No table here holds an address, a phone number or a name: the subject is named by id,
the contact value is read from the vault at send time.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from charter.db import Base, BigId, UTCDateTime


class Campaign(Base):
    """A newsletter to everyone who may get it on one channel for one purpose."""

    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    title: Mapped[str] = mapped_column(String(200))
    purpose: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(16))
    subject_line: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    html: Mapped[str | None] = mapped_column(Text, default=None)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), default="draft")  # draft|sending|sent
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    eligible_count: Mapped[int] = mapped_column(Integer, default=0)
    refused_count: Mapped[int] = mapped_column(Integer, default=0)
    sent_count: Mapped[int] = mapped_column(Integer, default=0)
    failed_count: Mapped[int] = mapped_column(Integer, default=0)


class SentMessage(Base):
    """One outgoing message and the gate's decision about it (see the module docstring).

    ``decision`` is ``allowed`` or ``refused``; ``decision_reason`` a stable code
    (``given``, ``withdrawn``, ``restricted``, ``suppressed``...). ``consent_event_id`` is
    the ledger event the decision rested on: the giving event when allowed. ``status``
    is ``pending`` until delivered (``sent``), given up (``failed``) or refused
    (``skipped``). ``next_attempt_at`` is when a failed try may be repeated; it is empty
    while a try is in flight.
    """

    __tablename__ = "sent_messages"
    __table_args__ = (Index("ix_sent_messages_status_next", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    subject_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("subjects.id", ondelete="SET NULL"), index=True, default=None
    )
    kind: Mapped[str] = mapped_column(String(24))
    channel: Mapped[str] = mapped_column(String(16))
    purpose: Mapped[str | None] = mapped_column(String(64), default=None)
    campaign_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("campaigns.id"), index=True, default=None
    )
    decision: Mapped[str] = mapped_column(String(16))
    decision_reason: Mapped[str] = mapped_column(String(32))
    consent_event_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("consent_events.id"), default=None
    )
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    last_error: Mapped[str | None] = mapped_column(String(64), default=None)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    provider_message_id: Mapped[str | None] = mapped_column(String(255), default=None)
    idempotency_key: Mapped[str] = mapped_column(String(128), unique=True)


class DeliveryAttempt(Base):
    """One try at handing a message to its provider (SMTP server, text gateway, call list).

    ``outcome``: ``in_flight`` (written before the provider is called), then ``sent``,
    ``call_listed``, ``failed`` or ``unknown`` (the process stopped mid-try). ``error``
    is the error's type name, never its text: that can name the recipient.
    """

    __tablename__ = "delivery_attempts"
    __table_args__ = (UniqueConstraint("message_id", "attempt"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    message_id: Mapped[int] = mapped_column(BigId, ForeignKey("sent_messages.id"), index=True)
    attempt: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    outcome: Mapped[str] = mapped_column(String(16))
    provider_message_id: Mapped[str | None] = mapped_column(String(255), default=None)
    error: Mapped[str | None] = mapped_column(String(64), default=None)
