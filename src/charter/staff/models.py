"""Staff accounts and their server-side sessions.

Staff are not data subjects of the firm's customer data, but a staff email address is
still personal data: it is never stored in plain text. A row holds a keyed blind index
of the normalised address (for login lookup) and the address sealed under a key derived
from the master key; the TOTP secret is sealed the same way (Art. 32(1)(a)). A session
row is keyed by a keyed hash of the cookie's token, so a copy of the database cannot be
replayed as a login, and keeps only the truncated network the login came from.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from charter.db import Base, BigId, UTCDateTime


class StaffUser(Base):
    """One person who works under the controller's authority (Art. 29).

    ``role`` is a :class:`~charter.staff.schemas.Role` value. ``failed_attempts`` counts
    wrong passwords or codes since the last success; reaching the limit sets
    ``locked_until``. ``totp_last_step`` is the time step of the last accepted code, so a
    code cannot be replayed.
    """

    __tablename__ = "staff_users"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    email_index: Mapped[str] = mapped_column(String(64), unique=True)
    email_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(32))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    totp_sealed: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    totp_last_step: Mapped[int | None] = mapped_column(BigId, nullable=True)
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class StaffSession(Base):
    """One signed-in browser. ``id`` is the keyed hash of the cookie token (hex)."""

    __tablename__ = "staff_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    staff_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("staff_users.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    network: Mapped[str] = mapped_column(String(64))
