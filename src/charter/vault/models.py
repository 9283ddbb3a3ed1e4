"""Tables of the vault: subjects, their data keys, their encrypted values, blind indexes.

Nothing personal is stored in plaintext: values are AES-256-GCM ciphertexts under the
subject's data key, and lookups go through keyed HMAC digests (Art. 32(1)(a)).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from charter.db import Base, BigId, UTCDateTime


class Subject(Base):
    """A data subject. ``ref`` is a random pseudonym used in audit entries and links."""

    __tablename__ = "subjects"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    ref: Mapped[str] = mapped_column(String(32), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    restricted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    restriction_reason: Mapped[str | None] = mapped_column(String(200), default=None)
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class DataKey(Base):
    """A subject's data key, wrapped by the master key; deleting it crypto-shreds the subject."""

    __tablename__ = "data_keys"

    subject_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("subjects.id", ondelete="CASCADE"), primary_key=True
    )
    wrapped_key: Mapped[bytes] = mapped_column(LargeBinary)
    master_key_id: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PersonalValue(Base):
    """One encrypted value with the facts Art. 30 and Art. 15 need: where it came from,
    what it may be used for, and when it must go."""

    __tablename__ = "personal_values"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    subject_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("subjects.id", ondelete="CASCADE"), index=True
    )
    category: Mapped[str] = mapped_column(String(64))
    field: Mapped[str] = mapped_column(String(64))
    ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    collection_point: Mapped[str] = mapped_column(String(64))
    purposes: Mapped[list[str]] = mapped_column(JSON)
    source: Mapped[str] = mapped_column(String(200))
    policy_version: Mapped[str] = mapped_column(String(32))
    collected_at: Mapped[datetime] = mapped_column(UTCDateTime)
    retention_rule: Mapped[str] = mapped_column(String(64))
    retain_until: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    replaced_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class BlindIndex(Base):
    """Keyed HMAC of a normalised identifier (email, E.164 phone) pointing at its value."""

    __tablename__ = "blind_indexes"
    __table_args__ = (Index("ix_blind_indexes_kind_digest", "kind", "digest"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    subject_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("subjects.id", ondelete="CASCADE"), index=True
    )
    value_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("personal_values.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    digest: Mapped[bytes] = mapped_column(LargeBinary(32))
