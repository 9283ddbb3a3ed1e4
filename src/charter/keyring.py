"""The key ring: the master key and its siblings, kept outside the database.

Three independent 256-bit keys, each with a public fingerprint:

* ``master`` wraps every subject's data key (envelope encryption);
* ``index`` keys the blind indexes used to find a subject by email or phone;
* ``audit`` keys the audit log's hash chain, so nobody with only SQL access can rewrite
  history and recompute the chain.

The ring lives in ``DATA_DIR/keyring.json`` (mode 0600) or in ``CHARTER_KEYRING``. It is
created only for a brand-new installation; Charter never creates a fresh key over
existing data, because that would make every stored value unreadable.
"""

from __future__ import annotations

import base64
import json
import os
from dataclasses import dataclass
from pathlib import Path

from charter.crypto import KEY_BYTES, derive_key, fingerprint, new_key
from charter.errors import KeyringError

KEY_NAMES = ("master", "index", "audit")


@dataclass(frozen=True)
class Keyring:
    master: bytes
    index: bytes
    audit: bytes

    @property
    def web_secret(self) -> bytes:
        """Key for session-bound CSRF tokens and signed links, derived (HKDF) from the
        master key so the ring stays three keys; rotating the master logs everyone out."""
        return derive_key(self.master, b"charter web secret v1")

    def fingerprints(self) -> dict[str, str]:
        return {name: fingerprint(getattr(self, name)) for name in KEY_NAMES}

    def to_json(self) -> str:
        return json.dumps(
            {
                "format": "charter-keyring/1",
                "keys": {
                    name: base64.b64encode(getattr(self, name)).decode() for name in KEY_NAMES
                },
            },
            indent=2,
        )


def generate_keyring() -> Keyring:
    return Keyring(master=new_key(), index=new_key(), audit=new_key())


def parse_keyring(text: str, *, source: str) -> Keyring:
    """Parse a key ring, naming ``source`` (never the key material) in any error."""
    try:
        document = json.loads(text)
        keys = {name: base64.b64decode(document["keys"][name], validate=True) for name in KEY_NAMES}
    except (ValueError, KeyError, TypeError) as exc:
        raise KeyringError(f"The key ring in {source} is not readable.") from exc
    for name, value in keys.items():
        if len(value) != KEY_BYTES:
            raise KeyringError(f"The {name} key in {source} is not {KEY_BYTES} bytes long.")
    return Keyring(**keys)


def read_keyring_file(path: Path) -> Keyring | None:
    if not path.exists():
        return None
    return parse_keyring(path.read_text(encoding="utf-8"), source=str(path))


def write_keyring_file(path: Path, keyring: Keyring) -> None:
    """Write the ring readable by its owner only (0600), refusing to replace an existing one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(keyring.to_json())
