"""Tables of correspondence by email: what arrived, from whom, and who it mentions.

No message text, address or Message-ID is stored here. The subject line and body are
sealed in the vault (``personal_values``) under the ``correspondence`` collection point,
which gives them their category, purposes and deletion date (Art. 5(1)(e), Art. 32(1)(a));
these rows point at them. Message-IDs and the identifiers of people a message mentions
are kept only as keyed HMAC digests, so duplicates and rights requests can be matched
without the database revealing either (Art. 32(1)(a) pseudonymisation).

A row goes when its body does (``ON DELETE CASCADE`` from the body's value), so retention
of the text removes the record of it too; erasing the subject removes everything.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from charter.db import Base, BigId, UTCDateTime


class Correspondence(Base):
    """One message received from a subject, linked to their timeline by ``subject_id``.

    ``quarantined`` messages were flagged as special-category data (Art. 9) and are left
    out of normal reads until a person reviews them; ``categories`` names what was
    flagged (never the passage), ``pii_types`` the kinds of identifier found in it.
    """

    __tablename__ = "correspondence"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    subject_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("subjects.id", ondelete="CASCADE"), index=True
    )
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_via: Mapped[str] = mapped_column(String(32))
    message_id_digest: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    subject_value_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("personal_values.id", ondelete="SET NULL"), default=None
    )
    body_value_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("personal_values.id", ondelete="CASCADE"), default=None, index=True
    )
    categories: Mapped[list[str]] = mapped_column(JSON)
    quarantined: Mapped[bool] = mapped_column(Boolean, default=False)
    pii_types: Mapped[list[str]] = mapped_column(JSON)
    attachment_count: Mapped[int] = mapped_column(Integer, default=0)
    attachment_types: Mapped[list[str]] = mapped_column(JSON)


class CorrespondenceMention(Base):
    """Someone a message mentions, as the blind index of their normalised email or phone,
    so their own access or erasure request finds it (Art. 15, Art. 17)."""

    __tablename__ = "correspondence_mentions"
    __table_args__ = (Index("ix_correspondence_mentions_kind_digest", "kind", "digest"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    correspondence_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("correspondence.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    digest: Mapped[bytes] = mapped_column(LargeBinary(32))


class CorrespondenceRejection(Base):
    """A message refused because it held special-category data (``reject`` mode, Art. 9).

    Only a pseudonymous trace is kept: the blind index of the sender's address (so the
    sender's own request finds it), when, how, and the category names flagged."""

    __tablename__ = "correspondence_rejections"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_via: Mapped[str] = mapped_column(String(32))
    message_id_digest: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    sender_digest: Mapped[bytes] = mapped_column(LargeBinary(32), index=True)
    categories: Mapped[list[str]] = mapped_column(JSON)
