"""The API's one table: the tokens other systems of the firm present.

A token is shown once, when it is created, and never stored: the row holds only a keyed
hash of it (HMAC-SHA-256 under a key derived from the master key), so a copy of the
database cannot be replayed against the API (Art. 32(1)(a), security of processing).
``scopes`` limits each system to the processing it needs (Art. 5(1)(b), 25(2)).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from charter.db import Base, BigId, UTCDateTime


class ApiToken(Base):
    """One system's credential. ``token_hash`` is the hex keyed hash of the bearer token."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
