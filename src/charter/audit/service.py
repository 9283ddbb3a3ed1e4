"""Recording and verifying the hash-chained audit log (Art. 5(2) accountability, Art. 30).

Appends are serialised — by SQLite's write lock (units of work begin IMMEDIATE) or by a
PostgreSQL transaction-scoped advisory lock — so the chain never forks under concurrent
writers. Each hash is an HMAC under the audit key (outside the database), over a canonical
encoding of the entry and its predecessor's hash: an edit, deletion or reordering of any
entry, even in SQL, breaks verification at the first altered entry. Deleting entries at
the tail is caught by the head anchor kept beside the key ring (see ``anchor.py``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from charter.audit.models import AuditEntry
from charter.errors import InvalidInput
from charter.runtime import Work

GENESIS_HASH = "0" * 64
#: Arbitrary constant naming the audit chain's advisory lock on PostgreSQL.
AUDIT_LOCK_ID = 0x43484152  # "CHAR"
_SEPARATOR = "\x1f"


def canonical_detail(detail: Mapping[str, Any] | None) -> str:
    return json.dumps(detail or {}, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def entry_digest(
    key: bytes,
    *,
    seq: int,
    at: datetime,
    actor: str,
    action: str,
    subject_ref: str | None,
    purpose: str | None,
    detail: str,
    prev_hash: str,
) -> str:
    """The HMAC an entry must carry; every stored column except ``hash`` is covered."""
    message = _SEPARATOR.join(
        (
            str(seq),
            at.isoformat(),
            actor,
            action,
            subject_ref or "",
            purpose or "",
            detail,
            prev_hash,
        )
    )
    return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()


def record(
    work: Work,
    *,
    actor: str,
    action: str,
    subject_ref: str | None = None,
    purpose: str | None = None,
    detail: Mapping[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry to the chain inside the caller's unit of work.

    ``detail`` must not contain personal data: pass references (pseudonymous subject
    refs, record ids, field names), never values.
    """
    for label, value in (("actor", actor), ("action", action), ("purpose", purpose or "")):
        if _SEPARATOR in value or not value.isprintable():
            raise InvalidInput(f"The audit {label} contains control characters.")
    session = work.session
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": AUDIT_LOCK_ID})
    head = session.execute(
        select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)
    ).first()
    seq, prev_hash = (head[0] + 1, head[1]) if head else (1, GENESIS_HASH)
    at = work.now()
    body = canonical_detail(detail)
    entry = AuditEntry(
        seq=seq,
        at=at,
        actor=actor,
        action=action,
        subject_ref=subject_ref,
        purpose=purpose,
        detail=body,
        prev_hash=prev_hash,
        hash=entry_digest(
            work.keyring.audit,
            seq=seq,
            at=at,
            actor=actor,
            action=action,
            subject_ref=subject_ref,
            purpose=purpose,
            detail=body,
            prev_hash=prev_hash,
        ),
    )
    session.add(entry)
    session.flush()
    session.info["audit_head"] = (seq, entry.hash)
    return entry


@dataclass(frozen=True)
class Verification:
    intact: bool
    checked: int
    first_broken_seq: int | None = None
    reason: str | None = None


#: The stored columns in the order verification reads them.
COLUMNS = ("seq", "at", "actor", "action", "subject_ref", "purpose", "detail", "prev_hash", "hash")
_SELECT_CHAIN = f"SELECT {', '.join(COLUMNS)} FROM audit_entries ORDER BY seq"  # noqa: S608


def _utc(value: datetime | str) -> datetime:
    """A stored timestamp as aware UTC, read raw (SQLite gives text, PostgreSQL datetime)."""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def verify_rows(
    key: bytes, rows: Iterable[Sequence[Any]], *, anchor: tuple[int, str] | None
) -> Verification:
    """Walk entries (tuples in :data:`COLUMNS` order, by ``seq``) and report the first one
    that does not verify. The keyed hash state is prepared once and copied per entry:
    verification reads every entry, so its cost per entry is what matters."""
    keyed = hmac.new(key, digestmod=hashlib.sha256)
    expected_prev = GENESIS_HASH
    expected_seq = 1
    anchored_seq, anchored_hash = anchor if anchor else (0, GENESIS_HASH)
    for seq, at, actor, action, subject_ref, purpose, detail, prev_hash, stored_hash in rows:
        if seq != expected_seq:
            reason = "entries missing or out of order"
            return Verification(False, expected_seq - 1, min(seq, expected_seq), reason)
        if prev_hash != expected_prev:
            return Verification(False, seq - 1, seq, "does not follow the previous entry")
        message = _SEPARATOR.join(
            (
                str(seq),
                _utc(at).isoformat(),
                actor,
                action,
                subject_ref or "",
                purpose or "",
                detail,
                prev_hash,
            )
        )
        digest = keyed.copy()
        digest.update(message.encode())
        if not hmac.compare_digest(digest.hexdigest(), stored_hash):
            return Verification(False, seq - 1, seq, "content does not match its hash")
        if seq == anchored_seq and stored_hash != anchored_hash:
            return Verification(False, seq - 1, seq, "does not match the recorded chain head")
        expected_seq += 1
        expected_prev = stored_hash
    if anchored_seq >= expected_seq:
        reason = f"entries {expected_seq} to {anchored_seq} have been deleted"
        return Verification(False, expected_seq - 1, expected_seq, reason)
    return Verification(True, expected_seq - 1)


def verify(session: Session, key: bytes, *, anchor: tuple[int, str] | None = None) -> Verification:
    """Verify the whole chain as stored, reading raw rows in batches (no ORM objects)."""
    result = session.connection().exec_driver_sql(
        _SELECT_CHAIN, execution_options={"stream_results": True, "yield_per": 20_000}
    )
    try:
        return verify_rows(key, result, anchor=anchor)
    finally:
        result.close()
