"""Facts about this installation: its keys' fingerprints and the policy versions in force."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from charter.db import Base, BigId, UTCDateTime


class Installation(Base):
    """A single row written when the installation is created; it lets Charter tell a
    missing or wrong key ring from a new installation."""

    __tablename__ = "installation"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    installed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    master_fingerprint: Mapped[str] = mapped_column(String(16))
    index_fingerprint: Mapped[str] = mapped_column(String(16))
    audit_fingerprint: Mapped[str] = mapped_column(String(16))


class PolicyPublication(Base):
    """Each policy version that has been in force, kept whole so every past version stays
    viewable and every consent can be traced to the exact text it was given under."""

    __tablename__ = "policy_publications"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    version: Mapped[str] = mapped_column(String(32), unique=True)
    sha256: Mapped[str] = mapped_column(String(64))
    document: Mapped[str] = mapped_column(Text)  # canonical JSON of the policy
    in_force_from: Mapped[datetime] = mapped_column(UTCDateTime)
