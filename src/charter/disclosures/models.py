"""Tables of the disclosures feature: the register, recipients' endpoints, Art. 19 notices.

* ``disclosures`` is the register (Art. 30(1)(d), Art. 5(2)): one row per disclosure of a
  person's data, with the recipient, purpose, lawful basis, categories, a short reference
  the recipient knows it by, and the transfer safeguard in force at the time (Chapter V).
  Rows are never changed; the compliance report reads these columns by name.
* ``recipient_endpoints`` is operational configuration, not policy: where a recipient
  takes notices (a webhook URL with a shared secret, sealed under a key derived from the
  master key, or a business email address).
* ``recipient_notices`` queues the Art. 19 notices (rectification, erasure, restriction)
  with OpenDSR-style statuses; ``notice_deliveries`` logs every delivery attempt.

Nothing here holds a personal value: subjects are linked by id, references are checked
to carry no identifier, and notices carry only a per-recipient pseudonym.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from charter.db import Base, BigId, UTCDateTime


class NoticeStatus(StrEnum):
    """OpenDSR-style status of one notice. ``in_progress`` while an attempt holds it (a
    lease: a crashed attempt is taken up again once ``next_attempt_at`` passes)."""

    PENDING = "pending"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    FAILED = "failed"


class NoticeEvent(StrEnum):
    """Art. 19: what recipients must be told about (Art. 16, 17(1), 18 and its lifting)."""

    RECTIFICATION = "rectification"
    ERASURE = "erasure"
    RESTRICTION = "restriction"
    RESTRICTION_LIFTED = "restriction_lifted"


class EndpointKind(StrEnum):
    WEBHOOK = "webhook"
    EMAIL = "email"


class Disclosure(Base):
    """One disclosure of a person's data to a recipient the policy declares."""

    __tablename__ = "disclosures"
    __table_args__ = (Index("ix_disclosures_recipient_disclosed_at", "recipient", "disclosed_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    subject_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("subjects.id", ondelete="CASCADE"), index=True
    )
    recipient: Mapped[str] = mapped_column(String(64))
    purpose: Mapped[str] = mapped_column(String(64))
    lawful_basis: Mapped[str] = mapped_column(String(32))
    categories: Mapped[list[str]] = mapped_column(JSON)
    reference: Mapped[str] = mapped_column(String(120))
    country: Mapped[str] = mapped_column(String(2))
    transfer_mechanism: Mapped[str | None] = mapped_column(String(32), default=None)
    transfer_detail: Mapped[str | None] = mapped_column(String(500), default=None)
    policy_version: Mapped[str] = mapped_column(String(32))
    disclosed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(120))


class RecipientEndpoint(Base):
    """Where one recipient takes notices. ``secret_sealed`` is the webhook's HMAC secret,
    AES-GCM sealed under a key derived from the master key (never stored in clear)."""

    __tablename__ = "recipient_endpoints"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    recipient: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    target: Mapped[str] = mapped_column(String(500))
    secret_sealed: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class RecipientNotice(Base):
    """One Art. 19 notice to one recipient, queued until delivered.

    ``payload`` is the JSON body fixed when the notice was queued (it carries no personal
    value); ``idempotency_key`` travels with every attempt so the recipient can act once
    however often it is delivered."""

    __tablename__ = "recipient_notices"
    __table_args__ = (Index("ix_recipient_notices_status_next", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    idempotency_key: Mapped[str] = mapped_column(String(32), unique=True)
    subject_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("subjects.id", ondelete="CASCADE"), index=True
    )
    recipient: Mapped[str] = mapped_column(String(64), index=True)
    event: Mapped[str] = mapped_column(String(24))
    request_reference: Mapped[str | None] = mapped_column(String(32), default=None)
    payload: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(64), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    actor: Mapped[str] = mapped_column(String(120))


class NoticeDelivery(Base):
    """The delivery log: one row per attempt, with its outcome code (never a body)."""

    __tablename__ = "notice_deliveries"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    notice_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("recipient_notices.id", ondelete="CASCADE"), index=True
    )
    attempt: Mapped[int] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime] = mapped_column(UTCDateTime)
    outcome: Mapped[str] = mapped_column(String(16))
    http_status: Mapped[int | None] = mapped_column(Integer, default=None)
    remote_status: Mapped[str | None] = mapped_column(String(16), default=None)
    error: Mapped[str | None] = mapped_column(String(64), default=None)
