"""Importing saved emails: ``.eml`` files (one message) and mbox files (many).

Each message is recorded in its own unit of work, so one unreadable message neither
stops the import nor undoes the messages before it; re-running an import stores nothing
twice (duplicates are recognised by their Message-ID digest). Outcomes name the file and
the message's position in it, never its sender or subject (Art. 5(1)(f)).

A message that asks to use a right is also logged as a request, in the same unit of
work, and verified only through its From address on file, never Reply-To
(``privacy_centre.emailed``; Pavur & Knerr, "GDPArrrrr", 2019).
"""

from __future__ import annotations

import mailbox
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from charter.errors import CharterError
from charter.mail.parsing import MAX_MESSAGE_BYTES
from charter.mail.schemas import CorrespondenceResult, Disposition
from charter.mail.sender import EmailSender, build_sender
from charter.mail.service import record_correspondence
from charter.privacy_centre.emailed import log_emailed_request
from charter.runtime import Runtime

#: Messages that were kept (so may be a request); not duplicates or refusals (Art. 9).
RECORDED = frozenset({Disposition.STORED, Disposition.REDACTED, Disposition.QUARANTINED})

MBOX_SUFFIXES = frozenset({".mbox", ".mbx"})
#: An mbox file starts with its first message's separator line, "From sender date".
MBOX_MAGIC = b"From "
#: Writers escape body lines starting "From " as ">From " (">>From " for ">From "...);
#: reading undoes one level (the mboxrd rule), so the text is what the person wrote.
_QUOTED_FROM = re.compile(rb"^>(>*From )", re.MULTILINE)


@dataclass(frozen=True)
class ImportOutcome:
    """What happened to one message: its result, or the public message of its error."""

    source: str
    result: CorrespondenceResult | None = None
    error: str | None = None


@dataclass(frozen=True)
class _Message:
    source: str
    raw: bytes | None
    via: str
    error: str | None = None


def is_mbox(path: Path) -> bool:
    """By extension, else by content: an ``.eml`` starts with a header ("From:"), an mbox
    with a separator line ("From " and no colon)."""
    if path.suffix.lower() in MBOX_SUFFIXES:
        return True
    with path.open("rb") as handle:
        return handle.read(len(MBOX_MAGIC)) == MBOX_MAGIC


def import_paths(
    runtime: Runtime,
    paths: Sequence[Path],
    *,
    actor: str,
    sender: EmailSender | None = None,
) -> list[ImportOutcome]:
    """Record every message in ``paths`` (each in its own unit of work), in order.
    ``sender`` sends verification links for requests made by email (default: the
    installation's own, SMTP or the outbox folder)."""
    mailer = sender if sender is not None else build_sender(runtime.settings)
    outcomes: list[ImportOutcome] = []
    for path in paths:
        for message in _messages(path):
            if message.raw is None:
                outcomes.append(ImportOutcome(message.source, error=message.error))
                continue
            outcomes.append(_import_one(runtime, message, actor=actor, sender=mailer))
    return outcomes


def _import_one(
    runtime: Runtime, message: _Message, *, actor: str, sender: EmailSender
) -> ImportOutcome:
    assert message.raw is not None
    try:
        with runtime.unit() as work:
            result = record_correspondence(work, message.raw, received_via=message.via, actor=actor)
            if result.disposition in RECORDED:
                log_emailed_request(work, message.raw, actor=actor, sender=sender)
    except CharterError as exc:
        return ImportOutcome(message.source, error=exc.public_message)
    return ImportOutcome(message.source, result=result)


def _messages(path: Path) -> Iterator[_Message]:
    try:
        mbox = path.is_file() and is_mbox(path)
        if not mbox:
            yield _eml(path)
            return
    except OSError:
        yield _Message(str(path), None, "eml", "The file could not be read.")
        return
    yield from _mbox(path)


def _eml(path: Path) -> _Message:
    source = str(path)
    try:
        if not path.is_file():
            return _Message(source, None, "eml", "No such file.")
        if path.stat().st_size > MAX_MESSAGE_BYTES:
            return _Message(source, None, "eml", "The message is too large to import.")
        return _Message(source, path.read_bytes(), "eml")
    except OSError:
        return _Message(source, None, "eml", "The file could not be read.")


def _mbox(path: Path) -> Iterator[_Message]:
    box = mailbox.mbox(path, create=False)
    try:
        for position, key in enumerate(box.iterkeys(), start=1):
            source = f"{path} #{position}"
            try:
                raw = box.get_bytes(key)
            except (OSError, mailbox.Error):
                yield _Message(source, None, "mbox", "The message could not be read.")
                continue
            yield _Message(source, _QUOTED_FROM.sub(rb"\1", raw), "mbox")
    except (OSError, mailbox.Error):
        yield _Message(str(path), None, "mbox", "The mailbox could not be read.")
    finally:
        box.close()
