"""Customer accounts, their server-side sessions and their emailed single-use links.

Login data is Technical data under the privacy policy (collection point
``customer_account``, field ``technical.login_data``). The values a person would
recognise as theirs (name, email) live in the vault, sealed under their own key; these
tables keep only what signing in needs (Art. 32(1)(a)):

* the email address as a keyed blind index under the accounts' own sub-key, never in
  clear (the vault's index cannot be joined to it);
* the password as an Argon2id hash, which is not reversible, so it is not sealed again;
* session ids and link tokens as keyed hashes, so a copy of the database cannot be
  replayed as a login or a reset.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from charter.db import Base, BigId, UTCDateTime


class CustomerAccount(Base):
    """One customer's website account, bound to their vault subject.

    ``password_hash`` stays ``None`` until the email address is verified: the password
    chosen at registration waits on the verification link, so an account cannot be
    signed in to by whoever registered an address they do not hold.
    """

    __tablename__ = "customer_accounts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    subject_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("subjects.id", ondelete="CASCADE"), unique=True
    )
    email_index: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255), nullable=True)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class AccountSession(Base):
    """One signed-in browser. ``id`` is the keyed hash of the cookie token (hex)."""

    __tablename__ = "customer_account_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("customer_accounts.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    network: Mapped[str] = mapped_column(String(64))


class AccountLink(Base):
    """An emailed single-use link: ``kind`` is ``verify`` or ``reset``.

    A verification link carries what registration chose until the mailbox owner
    follows it: the Argon2id hash of the password and the name, sealed.
    """

    __tablename__ = "customer_account_links"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    account_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("customer_accounts.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    token_digest: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255), nullable=True)
    pending_sealed: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
