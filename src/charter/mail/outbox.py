"""The local implementation of the sender: each email becomes an ``.eml`` file.

Used when no SMTP server is configured (development, demos, tests, or a firm that sends
from its own mail client). The files hold personal data, so they are created owner-only
(0600, in a 0700 folder) and their names carry only a timestamp and a random tag, never
a recipient or a subject (Art. 5(1)(f), Art. 32(1)). Names sort in the order the emails
were written. Each file appears whole: it is written under a temporary name first.
"""

from __future__ import annotations

import logging
import os
import secrets
import time
from datetime import UTC, datetime
from pathlib import Path

from charter.mail.message import OutgoingEmail, compose

log = logging.getLogger(__name__)

FILE_MODE = 0o600
FOLDER_MODE = 0o700


def outbox_file_name(now_ns: int | None = None) -> str:
    """``20261125T090000.123456789Z-1a2b3c4d.eml``: UTC time to the nanosecond, random tag."""
    stamp = time.time_ns() if now_ns is None else now_ns
    seconds, nanos = divmod(stamp, 1_000_000_000)
    moment = datetime.fromtimestamp(seconds, tz=UTC)
    return f"{moment:%Y%m%dT%H%M%S}.{nanos:09d}Z-{secrets.token_hex(4)}.eml"


class OutboxSender:
    """Writes each message to ``folder`` as an ``.eml`` file instead of sending it."""

    def __init__(self, folder: Path, mail_from: str) -> None:
        self.folder = folder
        self.mail_from = mail_from

    def __repr__(self) -> str:
        return f"OutboxSender({self.folder})"

    def send(self, message: OutgoingEmail) -> str:
        rendered = compose(message, mail_from=self.mail_from)
        self.folder.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
        name = outbox_file_name()
        final = self.folder / name
        partial = self.folder / f".{name}.partial"
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
        try:
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(rendered.as_bytes())
            os.replace(partial, final)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        message_id = str(rendered["Message-ID"])
        log.info("Wrote a %s email %s to the outbox as %s", message.kind, message_id, name)
        return message_id
