"""The tombstone journal: every erasure, also written outside the database (Art. 17).

A database backup taken before an erasure still holds the person's rows, and so does the
restored database; its own ``erasure_tombstones`` table is as old as the backup. This
small append-only file in the data folder (``DATA_DIR/tombstones.jsonl``, 0600) outlives
any restore, so ``charter backup restore`` can erase again everyone erased since the
backup was taken (Art. 5(2), Art. 17(1)).

A line holds only what a tombstone holds: the pseudonymous subject ref, the keyed
blind-index digests of the erased identifiers (the index key is outside the database and
outside this file), the outcome and the time (Art. 32(1)(a) pseudonymisation). It is
written and fsync'd *before* the erasure's transaction commits (write-ahead): an erasure
whose commit then failed is still in the journal, and re-applying it after a restore
carries out what the person asked for; an erasure missing from the journal would come
back from every older backup, which is the failure this file exists to prevent.
"""

from __future__ import annotations

import fcntl
import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from charter.errors import CharterError
from charter.keyring import secure_folder

JOURNAL_NAME = "tombstones.jsonl"
_MODE = 0o600


class JournalUnreadable(CharterError):
    default_message = "The tombstone journal is damaged; restore it before restoring data."


@dataclass(frozen=True)
class JournalEntry:
    """One line: an erasure as recorded when it was carried out."""

    position: int  # 0-based line number
    subject_ref: str
    erased_at: datetime
    identifier_digests: list[str]
    outcome: str


def journal_path(data_dir: Path) -> Path:
    return data_dir / JOURNAL_NAME


def append_entry(
    path: Path,
    *,
    subject_ref: str,
    erased_at: datetime,
    identifier_digests: list[str],
    outcome: str,
) -> None:
    """Append one line under an exclusive lock and fsync it before returning."""
    secure_folder(path.parent)
    line = json.dumps(
        {
            "subject_ref": subject_ref,
            "erased_at": erased_at.isoformat(),
            "identifier_digests": sorted(identifier_digests),
            "outcome": outcome,
        },
        sort_keys=True,
        separators=(",", ":"),
    )
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, _MODE)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        os.write(descriptor, (line + "\n").encode("ascii"))
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def read_entries(path: Path, *, start: int = 0) -> list[JournalEntry]:
    """Every entry from line ``start`` on. A torn last line (a crash mid-append, before
    the erasure could commit) is ignored; damage anywhere else is refused."""
    try:
        lines = path.read_text(encoding="ascii").split("\n")
    except FileNotFoundError:
        return []
    except (OSError, UnicodeDecodeError) as exc:
        raise JournalUnreadable from exc
    complete = lines[:-1]  # everything before the final newline
    entries: list[JournalEntry] = []
    for position, line in enumerate(complete):
        if position < start:
            continue
        try:
            document = json.loads(line)
            entries.append(
                JournalEntry(
                    position=position,
                    subject_ref=str(document["subject_ref"]),
                    erased_at=datetime.fromisoformat(document["erased_at"]),
                    identifier_digests=[str(item) for item in document["identifier_digests"]],
                    outcome=str(document["outcome"]),
                )
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise JournalUnreadable from exc
    return entries


def journal_length(path: Path) -> int:
    """How many complete entries the journal holds (a backup records this position)."""
    try:
        return path.read_bytes().count(b"\n")
    except FileNotFoundError:
        return 0
