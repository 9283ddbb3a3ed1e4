"""Envelope encryption of one subject's values (UK GDPR Art. 32(1)(a), Art. 25(1)).

Each subject has their own 256-bit data key, stored only wrapped by the master key (which
lives outside the database), so a copy of the database alone reveals nothing. Every value
is sealed under its subject's key with associated data naming the subject, category and
field: a ciphertext pasted into another subject's row or another field fails to open
rather than being read as someone else's data (Art. 5(1)(f) integrity).

Deleting the wrapped key erases every value of that subject at once, including copies in
backups ("crypto-shredding", Art. 17).

A key is unwrapped at most once per unit of work and cached in the session's ``info``
dict, which dies with the unit; it is never cached process-wide.

Each wrapped key names the data-key master that wrapped it (``master_key_id``, a public
fingerprint), so ``charter keys rotate`` can re-wrap keys one batch at a time while the
site keeps serving: whichever key a row is wrapped under is looked up by its id.
"""

from __future__ import annotations

from typing import cast

from sqlalchemy import delete

from charter.crypto import new_key, open_sealed, seal
from charter.errors import Conflict, KeyringError
from charter.keyring import Keyring, refreshed_keyring
from charter.runtime import Work
from charter.vault.models import DataKey, Subject

_CACHE = "charter.vault.data_keys"
_SEPARATOR = "\x1f"


class DataErased(Conflict):
    """The subject's data key was destroyed: their values can never be read again."""

    default_message = "This person's personal data has been erased."


def issue_data_key(work: Work, subject: Subject) -> bytes:
    """Create, wrap and store a fresh data key for a new subject (its id must be flushed)."""
    key = new_key()
    ring = current_keyring(work)
    work.session.add(
        DataKey(
            subject_id=subject.id,
            wrapped_key=seal(ring.wrapping_key, key, _wrapping_context(subject.ref)),
            master_key_id=ring.wrapping_key_id,
            created_at=work.now(),
        )
    )
    _cache(work)[subject.id] = key
    return key


def subject_key(work: Work, subject: Subject) -> bytes:
    """The subject's unwrapped data key; :class:`DataErased` once it has been destroyed."""
    cache = _cache(work)
    if subject.id in cache:
        return cache[subject.id]
    stored = work.session.get(DataKey, subject.id)
    if stored is None:
        raise DataErased
    key = unwrap(current_keyring(work), stored, subject.ref)
    cache[subject.id] = key
    return key


def current_keyring(work: Work) -> Keyring:
    """The ring in force: a ring file rewritten by a rotation is picked up while serving."""
    if work.settings.keyring is not None:
        return work.keyring
    return refreshed_keyring(work.settings.keyring_path, work.keyring)


def unwrap(keyring: Keyring, stored: DataKey, subject_ref: str) -> bytes:
    """Open a wrapped data key with the master it names; :class:`KeyringError` when the
    ring does not hold that master (a wrong or outdated key ring)."""
    master = keyring.wrapping_keys().get(stored.master_key_id)
    if master is None:
        raise KeyringError(
            f"A data key was wrapped by master key {stored.master_key_id}, which the key "
            "ring does not hold. Use the key ring that belongs to this database."
        )
    return open_sealed(master, stored.wrapped_key, _wrapping_context(subject_ref))


def rewrap(keyring: Keyring, stored: DataKey, subject_ref: str) -> None:
    """Re-wrap one data key under the ring's current master (key rotation); the data key
    itself, and so every value sealed under it, is unchanged."""
    key = unwrap(keyring, stored, subject_ref)
    stored.wrapped_key = seal(keyring.wrapping_key, key, _wrapping_context(subject_ref))
    stored.master_key_id = keyring.wrapping_key_id


def discard_data_key(work: Work, subject: Subject) -> None:
    """Delete the wrapped key (and this unit's unwrapped copy): crypto-shredding."""
    work.session.execute(delete(DataKey).where(DataKey.subject_id == subject.id))
    _cache(work).pop(subject.id, None)


def seal_value(key: bytes, subject: Subject, category: str, field: str, plaintext: str) -> bytes:
    return seal(key, plaintext.encode(), _value_context(subject, category, field))


def open_value(key: bytes, subject: Subject, category: str, field: str, sealed: bytes) -> str:
    """Decrypt one value; :class:`charter.crypto.DecryptionFailed` if it was altered or
    does not belong to this subject, category and field."""
    return open_sealed(key, sealed, _value_context(subject, category, field)).decode()


def _wrapping_context(subject_ref: str) -> bytes:
    return _SEPARATOR.join(("charter:data-key:v1", subject_ref)).encode()


def _value_context(subject: Subject, category: str, field: str) -> bytes:
    return _SEPARATOR.join(("charter:value:v1", subject.ref, category, field)).encode()


def _cache(work: Work) -> dict[int, bytes]:
    return cast("dict[int, bytes]", work.session.info.setdefault(_CACHE, {}))
