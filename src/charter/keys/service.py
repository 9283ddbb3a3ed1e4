"""Rotating the data-key master while the site keeps serving (UK GDPR Art. 32(1)(a)).

``rotate_master_key`` adds a fresh data-key master to the key ring file (the old one
stays), re-wraps every data key under it in batches — each batch its own unit of work,
committed on its own — and retires the old master only once no data key uses it. The
ring holding more than one data-key master *is* the state of an unfinished rotation, so
a rotation that was interrupted (or limited with ``max_batches``) continues where it
stopped when run again: it re-wraps only keys still under an old id.

Serving carries on throughout: every data key names the master that wrapped it, and a
running server re-reads the ring file when it changes (``keyring.refreshed_keyring``), so
it unwraps keys under either master and wraps new ones under the new master. The data
keys themselves, and so every ciphertext, are unchanged: only their wrapping is.

Only the data-key master rotates. The ``master`` root (from which sessions, CSRF, signed
links and staff and API-token sub-keys are derived) and the ``index`` key are recorded at
installation; rotating the index key would need every blind index re-derived from the
decrypted identifiers, and the suppression list and erasure tombstones hold digests of
people whose data is gone, which cannot be re-derived — so it is not offered.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from charter.audit import service as audit
from charter.errors import Conflict, KeyringError
from charter.keyring import Keyring, read_keyring_file, replace_keyring_file
from charter.runtime import Runtime, Work
from charter.vault.keys import rewrap
from charter.vault.models import DataKey, Subject

DEFAULT_BATCH = 500


@dataclass(frozen=True)
class RotationReport:
    new_key_id: str
    resumed: bool
    rewrapped: int
    remaining: int
    retired: list[str]

    @property
    def finished(self) -> bool:
        return self.remaining == 0


def keys_by_master(work: Work) -> dict[str, int]:
    """How many data keys each data-key master wraps."""
    rows = work.session.execute(
        select(DataKey.master_key_id, func.count()).group_by(DataKey.master_key_id)
    )
    return {str(key_id): int(count) for key_id, count in rows}


def rewrap_batch(work: Work, *, limit: int) -> int:
    """Re-wrap up to ``limit`` data keys not yet under the current master; how many."""
    current = work.keyring.wrapping_key_id
    query = (
        select(DataKey, Subject.ref)
        .join(Subject, Subject.id == DataKey.subject_id)
        .where(DataKey.master_key_id != current)
        .order_by(DataKey.subject_id)
        .limit(limit)
    )
    if work.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(of=DataKey, skip_locked=True)
    rows = work.session.execute(query).all()
    for stored, ref in rows:
        rewrap(work.keyring, stored, ref)
    work.session.flush()
    return len(rows)


def rotate_master_key(
    runtime: Runtime,
    *,
    actor: str,
    batch_size: int = DEFAULT_BATCH,
    max_batches: int | None = None,
) -> RotationReport:
    """Start or resume a rotation; finish it unless ``max_batches`` stops it first.

    Raises :class:`KeyringError` when the ring is not a file Charter may rewrite.
    """
    path = runtime.settings.keyring_path
    if runtime.settings.keyring is not None:
        raise KeyringError(
            "The key ring comes from CHARTER_KEYRING, which Charter cannot rewrite. Rotate "
            "with the ring in DATA_DIR/keyring.json, then store the new ring in your "
            "secrets manager."
        )
    ring = read_keyring_file(path)
    if ring is None or ring.fingerprints() != runtime.keyring.fingerprints():
        raise KeyringError(f"The key ring at {path} is not the one this installation opened.")
    resumed = ring.rotating
    if not resumed:
        ring = ring.with_new_wrapping_key()
        replace_keyring_file(path, ring)
    runtime.keyring = ring
    old_ids = sorted(set(ring.wrapping_keys()) - {ring.wrapping_key_id})
    with runtime.unit() as work:
        counts = keys_by_master(work)
        audit.record(
            work,
            actor=actor,
            action="keys.rotation_resumed" if resumed else "keys.rotation_started",
            detail={
                "new_master_key_id": ring.wrapping_key_id,
                "old_master_key_ids": old_ids,
                "data_keys_to_rewrap": sum(n for key, n in counts.items() if key in old_ids),
            },
        )
    rewrapped = _rewrap_all(runtime, batch_size=batch_size, max_batches=max_batches)
    with runtime.unit(write=False) as work:
        remaining = _remaining(keys_by_master(work), ring)
    if remaining:
        return RotationReport(ring.wrapping_key_id, resumed, rewrapped, remaining, [])
    _retire(runtime, ring, old_ids)
    with runtime.unit() as work:
        audit.record(
            work,
            actor=actor,
            action="keys.rotation_finished",
            detail={
                "new_master_key_id": ring.wrapping_key_id,
                "retired_master_key_ids": old_ids,
                "data_keys_rewrapped": rewrapped,
                "data_keys": sum(keys_by_master(work).values()),
            },
        )
    return RotationReport(ring.wrapping_key_id, resumed, rewrapped, 0, old_ids)


def _rewrap_all(runtime: Runtime, *, batch_size: int, max_batches: int | None) -> int:
    rewrapped = batches = 0
    while max_batches is None or batches < max_batches:
        with runtime.unit() as work:
            done = rewrap_batch(work, limit=batch_size)
        if not done:
            break
        rewrapped += done
        batches += 1
    return rewrapped


def _remaining(counts: dict[str, int], ring: Keyring) -> int:
    return sum(n for key, n in counts.items() if key != ring.wrapping_key_id)


def _retire(runtime: Runtime, ring: Keyring, old_ids: list[str]) -> None:
    """Drop the old masters from the ring file, then check no server still running with
    the old ring wrapped a new data key under them meanwhile; if one did, put the old
    ring back so nothing becomes unreadable, and ask for a rerun."""
    path = runtime.settings.keyring_path
    retired = ring.retiring(set(old_ids))
    replace_keyring_file(path, retired)
    runtime.keyring = retired
    with runtime.unit(write=False) as work:
        late = _remaining(keys_by_master(work), retired)
    if late:
        replace_keyring_file(path, ring)
        runtime.keyring = ring
        raise Conflict(
            f"{late} data key(s) were wrapped under the old master while retiring it; the "
            "old master was kept. Run `charter keys rotate` again."
        )
