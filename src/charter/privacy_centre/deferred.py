"""Sending the privacy centre's verification messages after the reply, not before it.

A request for an address (or number) on file sends an email (or a text); one for an
unknown person sends nothing. Sent inside the request, that difference shows in the
reply: an SMTP round trip or a gateway call makes a customer's reply slower, and a mail
server that is down turns only a customer's reply into an error (503). Either tells an
impostor who is a customer (Pavur & Knerr, "GDPArrrrr", Black Hat USA 2019; Art. 5(1)(f),
Art. 32). So the route hands the services a :class:`DeferredMessages` that only queues;
the queue is sent by a background task after the response has gone, when both replies
were already identical in status, body and time. A failure is logged by type only (no
address): the request is logged either way and the person can ask again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from charter.mail.message import OutgoingEmail
from charter.mail.sender import EmailSender
from charter.sms.sender import OutgoingText, TextSender

log = logging.getLogger(__name__)


@dataclass
class DeferredMessages:
    """An :class:`EmailSender` and :class:`TextSender` that queues, for :meth:`deliver`."""

    email_sender: EmailSender
    text_sender: TextSender | None = None
    emails: list[OutgoingEmail] = field(default_factory=list)
    texts: list[OutgoingText] = field(default_factory=list)

    def send(self, message: OutgoingEmail) -> str:
        self.emails.append(message)
        return f"deferred-email-{len(self.emails)}"

    def texts_sender(self) -> TextSender:
        """The queue seen as a text sender."""
        return _TextQueue(self)

    def deliver(self) -> None:
        """Send what was queued (run after the response; errors are logged, not raised)."""
        for email in self.emails:
            try:
                self.email_sender.send(email)
            except Exception as exc:  # the reply has gone: nothing to tell the requester
                log.warning("A privacy-centre email was not sent: %s", type(exc).__name__)
        for text in self.texts:
            if self.text_sender is None:  # pragma: no cover - queued only through one
                continue
            try:
                self.text_sender.send(text)
            except Exception as exc:
                log.warning("A privacy-centre text was not sent: %s", type(exc).__name__)
        self.emails.clear()
        self.texts.clear()


@dataclass
class _TextQueue:
    queue: DeferredMessages

    def send(self, message: OutgoingText) -> str:
        self.queue.texts.append(message)
        return f"deferred-text-{len(self.queue.texts)}"
