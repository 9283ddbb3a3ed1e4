"""The erasure tombstone: what lets a restored backup forget a person again (Art. 17).

Erasure must survive a restore: a backup taken before someone was erased still holds
their rows, and putting it back would silently undo the erasure (Art. 17(1), Art. 5(2)).
A tombstone remembers *that* a subject was erased, never *who* in plain words: the
pseudonymous subject ref, and the keyed blind-index digests (the index key lives outside
the database) of the email addresses and phone numbers that were erased, so the restored
person is recognised by the same digests the vault looks people up by
(Art. 32(1)(a) pseudonymisation). Nothing here ever updates or deletes a tombstone.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from charter.db import Base, BigId, UTCDateTime


class ErasureTombstone(Base):
    """One carried-out erasure. ``identifier_digests`` are ``"kind:hex"`` blind indexes;
    ``outcome`` is ``shredded`` (data key destroyed) or ``restricted`` (statutory records
    kept, restricted, until their own deletion date)."""

    __tablename__ = "erasure_tombstones"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    subject_ref: Mapped[str] = mapped_column(String(32), index=True)
    erased_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    identifier_digests: Mapped[list[str]] = mapped_column(JSON)
    request_reference: Mapped[str | None] = mapped_column(String(16), default=None)
    outcome: Mapped[str] = mapped_column(String(16))
