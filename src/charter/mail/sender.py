"""Sending email: one interface, a real SMTP implementation and a local outbox.

Callers depend on :class:`EmailSender` only; :func:`build_sender` picks the SMTP server
named by ``CHARTER_SMTP_URL`` or, without one, the outbox folder, and says which in the
log so nobody believes mail went out when it did not. Nothing here logs a recipient, a
subject or a body (Art. 5(1)(f), Art. 32): only the kind of email and its Message-ID.

The transport is encrypted whenever the URL asks for it (``smtps://`` or
``?starttls=1``), with certificate checks (Art. 32(1)(a)); connections have a bounded
timeout so a dead server cannot hang a request or a job.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit

from charter.errors import CharterError, InvalidInput
from charter.mail.message import OutgoingEmail, check_address, compose
from charter.mail.outbox import OutboxSender
from charter.settings import Settings

__all__ = [
    "EmailSender",
    "MailNotSent",
    "OutboxSender",
    "OutgoingEmail",
    "SmtpSender",
    "build_sender",
]

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 30.0
MAX_TIMEOUT = 120.0
_DEFAULT_PORTS = {"smtp": 25, "smtps": 465}
_TRUE = frozenset({"1", "true", "yes", "on"})


class MailNotSent(CharterError):
    """The mail server could not be reached or refused the message."""

    status_code = 503
    default_message = "The email could not be sent. Please try again later."


class EmailSender(Protocol):
    """Anything that can deliver an :class:`OutgoingEmail`; returns its Message-ID."""

    def send(self, message: OutgoingEmail) -> str: ...


@dataclass(frozen=True)
class SmtpServer:
    """Where and how to connect, parsed from ``CHARTER_SMTP_URL``."""

    host: str
    port: int
    implicit_tls: bool
    starttls: bool
    username: str | None
    password: str | None


def parse_smtp_url(url: str) -> SmtpServer:
    """``smtp://[user:pass@]host[:port][?starttls=1]`` or ``smtps://...``.

    Errors never repeat the URL: it may hold a password."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise InvalidInput("CHARTER_SMTP_URL is not a valid URL.") from None
    if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
        raise InvalidInput("CHARTER_SMTP_URL must look like smtp://host:587 or smtps://host.")
    query = parse_qs(parts.query)
    starttls = any(value.lower() in _TRUE for value in query.get("starttls", []))
    if parts.scheme == "smtps" and starttls:
        raise InvalidInput("CHARTER_SMTP_URL: smtps:// is already TLS; drop starttls.")
    return SmtpServer(
        host=parts.hostname,
        port=port or _DEFAULT_PORTS[parts.scheme],
        implicit_tls=parts.scheme == "smtps",
        starttls=starttls,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
    )


class SmtpSender:
    """Delivers through an SMTP server (the email provider, an Art. 28 processor)."""

    def __init__(
        self,
        url: str,
        mail_from: str,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        tls_context: ssl.SSLContext | None = None,
    ) -> None:
        self.server = parse_smtp_url(url)
        self.envelope_from = check_address("From", mail_from)
        self.mail_from = mail_from
        self.timeout = min(max(timeout, 1.0), MAX_TIMEOUT)
        self.tls_context = tls_context or ssl.create_default_context()

    def __repr__(self) -> str:  # never show the password
        return f"SmtpSender({self.server.host}:{self.server.port})"

    def send(self, message: OutgoingEmail) -> str:
        rendered = compose(message, mail_from=self.mail_from)
        recipient = check_address("To", message.to)
        try:
            with self._connect() as connection:
                connection.send_message(
                    rendered, from_addr=self.envelope_from, to_addrs=[recipient]
                )
        except (smtplib.SMTPException, OSError) as exc:
            # The exception text can name the recipient (SMTPRecipientsRefused): log its type.
            log.warning("Sending a %s email failed: %s", message.kind, type(exc).__name__)
            raise MailNotSent from None
        message_id = str(rendered["Message-ID"])
        log.info("Sent a %s email %s", message.kind, message_id)
        return message_id

    def _connect(self) -> smtplib.SMTP:
        server = self.server
        connection: smtplib.SMTP
        if server.implicit_tls:
            connection = smtplib.SMTP_SSL(
                server.host, server.port, timeout=self.timeout, context=self.tls_context
            )
        else:
            connection = smtplib.SMTP(server.host, server.port, timeout=self.timeout)
        try:
            if server.starttls:
                connection.starttls(context=self.tls_context)
            if server.username is not None:
                connection.login(server.username, server.password or "")
        except BaseException:
            connection.close()
            raise
        return connection


def build_sender(settings: Settings) -> EmailSender:
    """The SMTP server when ``CHARTER_SMTP_URL`` is set, else the outbox folder."""
    if settings.smtp_url:
        sender = SmtpSender(settings.smtp_url, settings.mail_from)
        log.info("Emails are sent through %s:%s", sender.server.host, sender.server.port)
        return sender
    folder = settings.data_dir / "outbox"
    log.warning("No CHARTER_SMTP_URL: emails are written to %s, not sent", folder)
    return OutboxSender(folder, settings.mail_from)
