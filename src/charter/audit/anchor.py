"""The chain-head anchor: the latest (seq, hash) written, kept outside the database.

A hash chain alone cannot reveal that its *last* entries were deleted. After each commit
that appended audit entries, the new head is written beside the key ring; ``verify``
then reports entries missing at the tail. The file only ever moves forward (a lock and a
comparison), so concurrent processes on one machine cannot wind it back.
"""

from __future__ import annotations

import fcntl
import json
import os
from pathlib import Path


def anchor_path(data_dir: Path) -> Path:
    return data_dir / "audit-anchor.json"


def read_anchor(path: Path) -> tuple[int, str] | None:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        return int(document["seq"]), str(document["hash"])
    except FileNotFoundError:
        return None
    except (ValueError, KeyError, TypeError):
        return None


def advance_anchor(path: Path, seq: int, digest: str) -> None:
    """Record ``(seq, digest)`` as the head unless a later head is already recorded."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    with os.fdopen(descriptor, "r+", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            current = json.loads(handle.read() or "{}").get("seq", 0)
        except ValueError:
            current = 0
        if seq > int(current):
            handle.seek(0)
            handle.truncate()
            handle.write(json.dumps({"seq": seq, "hash": digest}))
            handle.flush()
