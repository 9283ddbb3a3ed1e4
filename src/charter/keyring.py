"""The key ring: the master key and its siblings, kept outside the database.

Three independent 256-bit keys, each with a public fingerprint:

* ``master`` is the installation's root secret: site secrets (sessions, CSRF, signed
  links, staff and API-token sub-keys) are derived from it (HKDF), and it wraps every
  subject's data key until the first ``charter keys rotate``;
* ``index`` keys the blind indexes used to find a subject by email or phone;
* ``audit`` keys the audit log's hash chain, so nobody with only SQL access can rewrite
  history and recompute the chain.

Data keys are wrapped by the *data-key master* (:attr:`Keyring.wrapping_key`). Until a
rotation it is ``master`` itself; ``charter keys rotate`` adds a fresh one
(``data_masters``, newest first), re-wraps every data key under it and then retires the
old one, so a copy of the database taken after the rotation cannot be opened with a
leaked old key (Art. 32(1)(a)). Every data key records the id (fingerprint) of the key
that wrapped it, so unwrapping always finds the right key while a rotation is running.

The ring lives in ``DATA_DIR/keyring.json`` (mode 0600, in a 0700 folder) or in
``CHARTER_KEYRING``. It is created only for a brand-new installation; Charter never
creates a fresh key over existing data, because that would make every stored value
unreadable.
"""

from __future__ import annotations

import base64
import json
import os
import stat
from dataclasses import dataclass, replace
from pathlib import Path

from charter.crypto import KEY_BYTES, derive_key, fingerprint, new_key
from charter.errors import KeyringError

KEY_NAMES = ("master", "index", "audit")
FORMAT = "charter-keyring/1"
#: Owner-only permissions of the key ring file and of the data folder holding it.
FILE_MODE = 0o600
DIR_MODE = 0o700


@dataclass(frozen=True)
class Keyring:
    master: bytes
    index: bytes
    audit: bytes
    #: Data-key masters, newest (current) first; empty means ``master`` wraps data keys.
    data_masters: tuple[bytes, ...] = ()

    @property
    def web_secret(self) -> bytes:
        """Key for session-bound CSRF tokens and signed links, derived (HKDF) from the
        master key so the ring stays small; data-key rotation leaves it unchanged."""
        return derive_key(self.master, b"charter web secret v1")

    @property
    def wrapping_key(self) -> bytes:
        """The key new data keys are wrapped under."""
        return self.data_masters[0] if self.data_masters else self.master

    @property
    def wrapping_key_id(self) -> str:
        return fingerprint(self.wrapping_key)

    def wrapping_keys(self) -> dict[str, bytes]:
        """Every key a data key may currently be wrapped under, by id (fingerprint)."""
        return {fingerprint(key): key for key in (self.data_masters or (self.master,))}

    @property
    def rotating(self) -> bool:
        """Whether a data-key rotation is under way (an old wrapping key is still held)."""
        return len(self.data_masters) > 1

    def fingerprints(self) -> dict[str, str]:
        """The fingerprints recorded at installation (the three root keys)."""
        return {name: fingerprint(getattr(self, name)) for name in KEY_NAMES}

    def with_new_wrapping_key(self) -> Keyring:
        """The ring with a fresh data-key master in front; the old one stays until every
        data key has been re-wrapped."""
        return replace(self, data_masters=(new_key(), *(self.data_masters or (self.master,))))

    def retiring(self, key_ids: set[str]) -> Keyring:
        """The ring without the data-key masters ``key_ids`` (never the current one)."""
        current = self.wrapping_key_id
        kept = tuple(
            key
            for key in (self.data_masters or (self.master,))
            if fingerprint(key) == current or fingerprint(key) not in key_ids
        )
        if kept == (self.master,):
            kept = ()
        return replace(self, data_masters=kept)

    def to_json(self) -> str:
        document: dict[str, object] = {
            "format": FORMAT,
            "keys": {name: _b64(getattr(self, name)) for name in KEY_NAMES},
        }
        if self.data_masters:
            document["data_masters"] = [_b64(key) for key in self.data_masters]
        return json.dumps(document, indent=2)


def _b64(key: bytes) -> str:
    return base64.b64encode(key).decode()


def generate_keyring() -> Keyring:
    return Keyring(master=new_key(), index=new_key(), audit=new_key())


def parse_keyring(text: str, *, source: str) -> Keyring:
    """Parse a key ring, naming ``source`` (never the key material) in any error."""
    try:
        document = json.loads(text)
        keys = {name: base64.b64decode(document["keys"][name], validate=True) for name in KEY_NAMES}
        masters = tuple(
            base64.b64decode(item, validate=True) for item in document.get("data_masters", [])
        )
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise KeyringError(f"The key ring in {source} is not readable.") from exc
    for name, value in keys.items():
        if len(value) != KEY_BYTES:
            raise KeyringError(f"The {name} key in {source} is not {KEY_BYTES} bytes long.")
    if any(len(value) != KEY_BYTES for value in masters):
        raise KeyringError(f"A data-key master in {source} is not {KEY_BYTES} bytes long.")
    return Keyring(**keys, data_masters=masters)


def read_keyring_file(path: Path) -> Keyring | None:
    if not path.exists():
        return None
    return parse_keyring(path.read_text(encoding="utf-8"), source=str(path))


def secure_folder(path: Path) -> None:
    """Create ``path`` (0700) or take group and world access away from it."""
    path.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
    if stat.S_IMODE(path.stat().st_mode) & 0o077:
        path.chmod(DIR_MODE)


def write_keyring_file(path: Path, keyring: Keyring) -> None:
    """Write the ring readable by its owner only (0600), refusing to replace an existing one."""
    secure_folder(path.parent)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(keyring.to_json())
        handle.flush()
        os.fsync(handle.fileno())


def replace_keyring_file(path: Path, keyring: Keyring) -> None:
    """Replace the ring atomically (write a 0600 sibling, fsync, rename, fsync the folder),
    so a crash leaves either the old ring or the new one, never half of either."""
    secure_folder(path.parent)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(keyring.to_json())
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


def tighten_keyring_file(path: Path) -> bool:
    """Make an existing ring file owner-only again; returns whether it had to."""
    if not path.exists() or stat.S_IMODE(path.stat().st_mode) == FILE_MODE:
        return False
    path.chmod(FILE_MODE)
    return True


_SEEN: dict[Path, tuple[tuple[int, int, int], Keyring]] = {}


def refreshed_keyring(path: Path, loaded: Keyring) -> Keyring:
    """The ring as the file holds it now, when it changed since ``loaded`` was read and
    belongs to the same installation (same root fingerprints); else ``loaded``.

    A running server loaded its ring at start; ``charter keys rotate`` rewrites the file
    and starts wrapping data keys under a new id. Looking at the file again (only its
    modification time, unless it changed) lets the server unwrap those keys, and wrap new
    ones under the new key, without a restart.
    """
    try:
        found = path.stat()
    except OSError:
        return loaded
    changed = (found.st_ino, found.st_mtime_ns, found.st_size)
    seen = _SEEN.get(path)
    if seen is None or seen[0] != changed:
        try:
            current = read_keyring_file(path)
        except (KeyringError, OSError):
            return loaded
        if current is None:
            return loaded
        seen = (changed, current)
        _SEEN[path] = seen
    if seen[1].fingerprints() != loaded.fingerprints():
        return loaded
    return seen[1]
