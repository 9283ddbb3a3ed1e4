"""The SMTP listener: every message delivered to it is recorded as correspondence.

Meant to sit behind the firm's mail server (which forwards a copy of what people send to
the enquiries mailbox) on a loopback or private address: it does no relaying, no
authentication and no TLS of its own, so it binds to 127.0.0.1 unless told otherwise.
Each message is recorded in its own unit of work by
:func:`charter.mail.service.record_correspondence`, off the event loop.

SMTP replies tell the delivering server what happened without echoing the message:
``250`` recorded (or already recorded), ``550`` refused for good (unreadable, no valid
From, or special-category data in ``reject`` mode, Art. 9), ``451`` try again later.
A message asking to use a right is also logged as a request and verified only through
its From address on file, never Reply-To (``privacy_centre.emailed``).
aiosmtpd logs every command, addresses included, at INFO; :func:`quiet_protocol_log`
raises that logger to WARNING so no sender or recipient address reaches the log
(Art. 5(1)(f)).
"""

from __future__ import annotations

import asyncio
import logging

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from charter.errors import CharterError, InvalidInput
from charter.mail.importer import RECORDED
from charter.mail.parsing import MAX_MESSAGE_BYTES
from charter.mail.schemas import CorrespondenceResult, Disposition
from charter.mail.sender import EmailSender, build_sender
from charter.mail.service import record_correspondence
from charter.privacy_centre.emailed import log_emailed_request
from charter.runtime import Runtime

log = logging.getLogger(__name__)

SMTP_ACTOR = "mail:smtp"
RECEIVED_VIA = "smtp"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8025

ACCEPTED = "250 2.0.0 Message recorded"
DUPLICATE = "250 2.0.0 Message already recorded"
UNREADABLE = "550 5.6.0 Message not recorded: unreadable or without a valid From address"
REFUSED = (
    "550 5.7.1 Message not recorded: it appears to hold sensitive personal data "
    "(such as health) that we do not accept by email; please contact us another way"
)
TRY_LATER = "451 4.3.0 Message not recorded; please try again later"


def quiet_protocol_log() -> None:
    """Keep aiosmtpd's per-command INFO lines (they hold addresses) out of the log."""
    logging.getLogger("mail.log").setLevel(logging.WARNING)


class CorrespondenceHandler:
    """aiosmtpd handler recording each message's content (the DATA) as correspondence."""

    def __init__(
        self, runtime: Runtime, *, actor: str = SMTP_ACTOR, sender: EmailSender | None = None
    ) -> None:
        self.runtime = runtime
        self.actor = actor
        self.sender = sender if sender is not None else build_sender(runtime.settings)

    async def handle_DATA(  # the name aiosmtpd calls
        self,
        server: SMTP,  # noqa: ARG002 - aiosmtpd's hook signature
        session: Session,  # noqa: ARG002
        envelope: Envelope,
    ) -> str:
        raw = envelope.original_content or b""
        try:
            result = await asyncio.to_thread(self.record, raw)
        except InvalidInput:
            return UNREADABLE
        except CharterError as exc:
            log.warning("An email was not recorded: %s", type(exc).__name__)
            return TRY_LATER
        except Exception as exc:
            # Never the message text: database errors can carry the values they refused.
            log.error("An email was not recorded: unexpected %s", type(exc).__name__)
            return TRY_LATER
        if result.disposition is Disposition.REJECTED:
            return REFUSED
        if result.disposition is Disposition.DUPLICATE:
            return DUPLICATE
        return ACCEPTED

    def record(self, raw: bytes) -> CorrespondenceResult:
        with self.runtime.unit() as work:
            result = record_correspondence(work, raw, received_via=RECEIVED_VIA, actor=self.actor)
            if result.disposition in RECORDED:
                log_emailed_request(work, raw, actor=self.actor, sender=self.sender)
            return result


def correspondence_listener(
    runtime: Runtime, *, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT
) -> Controller:
    """A not-yet-started listener (``.start()`` / ``.stop()``) recording into ``runtime``."""
    quiet_protocol_log()
    return Controller(
        CorrespondenceHandler(runtime),
        hostname=host,
        port=port,
        data_size_limit=MAX_MESSAGE_BYTES,
        ident="Charter correspondence",
    )
