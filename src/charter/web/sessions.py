"""Server-side sessions kept in the database, shared by the staff console and customer
accounts (each with its own table, owner column, cookie and sub-key).

The browser holds only a random 256-bit token; the row's id is an HMAC of it under a
sub-key of the master key, so the table cannot be replayed as logins. A session ends
after 30 minutes idle or 12 hours in all, or when its row is deleted (logout). Starting a
session always mints a new token and drops the one the browser presented, so a token
planted before sign-in is never adopted (session fixation). UK GDPR Art. 32(1)(b).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import delete

from charter.crypto import derive_key, keyed_digest
from charter.runtime import Work

TOKEN_BYTES = 32
IDLE_TIMEOUT = timedelta(minutes=30)
ABSOLUTE_TIMEOUT = timedelta(hours=12)


def valid_token(token: str | None) -> bool:
    return token is not None and 20 <= len(token) <= 64 and token.isascii()


@dataclass(frozen=True)
class SessionStore:
    """One kind of session: its table (columns ``id``, ``created_at``, ``last_seen_at``,
    ``network`` and the owner column named ``owner``) and the label of its sub-key."""

    table: Any
    owner: str
    key_label: bytes

    def row_id(self, work: Work, token: str) -> str:
        key = derive_key(work.keyring.master, self.key_label)
        return keyed_digest(key, token.encode()).hex()

    def start(
        self, work: Work, owner_id: int, *, network: str, replacing: str | None = None
    ) -> str:
        """A new session for ``owner_id``; returns the cookie's token. The session the
        browser presented and this owner's expired sessions are deleted."""
        table, now = self.table, work.now()
        owner_column = getattr(table, self.owner)
        if replacing is not None and valid_token(replacing):
            work.session.execute(delete(table).where(table.id == self.row_id(work, replacing)))
        work.session.execute(
            delete(table).where(
                owner_column == owner_id,
                (table.last_seen_at <= now - IDLE_TIMEOUT)
                | (table.created_at <= now - ABSOLUTE_TIMEOUT),
            )
        )
        token = secrets.token_urlsafe(TOKEN_BYTES)
        work.session.add(
            table(
                id=self.row_id(work, token),
                created_at=now,
                last_seen_at=now,
                network=network[:64],
                **{self.owner: owner_id},
            )
        )
        work.session.flush()
        return token

    def live_row(self, work: Work, token: str | None) -> Any | None:
        """The live session row behind ``token``, its ``last_seen_at`` touched; an expired
        one is deleted and gives ``None``."""
        if token is None or not valid_token(token):
            return None
        row = work.session.get(self.table, self.row_id(work, token))
        if row is None:
            return None
        now = work.now()
        if row.last_seen_at + IDLE_TIMEOUT <= now or row.created_at + ABSOLUTE_TIMEOUT <= now:
            self.drop(work, row)
            return None
        row.last_seen_at = now
        return row

    def drop(self, work: Work, row: Any) -> None:
        work.session.delete(row)
        work.session.flush()

    def end(self, work: Work, token: str | None) -> Any | None:
        """Sign out: delete the row (the token is then worthless); returns it, if any."""
        if token is None or not valid_token(token):
            return None
        row = work.session.get(self.table, self.row_id(work, token))
        if row is not None:
            self.drop(work, row)
        return row

    def end_all(self, work: Work, owner_id: int) -> int:
        result = work.session.execute(
            delete(self.table).where(getattr(self.table, self.owner) == owner_id)
        )
        return int(getattr(result, "rowcount", 0) or 0)
