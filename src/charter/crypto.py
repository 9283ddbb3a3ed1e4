"""Cryptographic primitives: envelope encryption and keyed blind indexes.

* Every personal value is sealed with AES-256-GCM under its subject's own data key, with
  associated data binding the ciphertext to where it belongs, so a value copied to another
  row or subject fails to open. Destroying the data key erases every value at once
  ("crypto-shredding", used for Art. 17 erasure and for backups).
* Data keys are wrapped (AES-256-GCM) by the master key, which lives outside the database.
* Lookups by email or phone use an HMAC-SHA-256 blind index under a separate key, so the
  database never holds the identifier itself (Art. 32(1)(a) encryption and pseudonymisation).
"""

from __future__ import annotations

import hashlib
import hmac
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from charter.errors import CharterError

KEY_BYTES = 32
NONCE_BYTES = 12


class DecryptionFailed(CharterError):
    default_message = "Stored data could not be decrypted."


def new_key() -> bytes:
    return os.urandom(KEY_BYTES)


def seal(key: bytes, plaintext: bytes, associated_data: bytes) -> bytes:
    """Encrypt and authenticate; the result is ``nonce || ciphertext+tag``."""
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(key).encrypt(nonce, plaintext, associated_data)


def open_sealed(key: bytes, sealed: bytes, associated_data: bytes) -> bytes:
    """Decrypt what :func:`seal` produced; raises :class:`DecryptionFailed` on any tampering."""
    try:
        return AESGCM(key).decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], associated_data)
    except (InvalidTag, ValueError) as exc:
        raise DecryptionFailed from exc


def keyed_digest(key: bytes, message: bytes) -> bytes:
    """HMAC-SHA-256: blind indexes, suppression hashes, key fingerprints."""
    return hmac.new(key, message, hashlib.sha256).digest()


def fingerprint(key: bytes) -> str:
    """A short public identifier of a key that reveals nothing about it."""
    return keyed_digest(key, b"charter-key-fingerprint").hex()[:16]


def derive_key(key: bytes, label: bytes) -> bytes:
    """A sub-key for one purpose (HKDF-SHA-256), so one secret never serves two roles."""
    return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=label).derive(key)
