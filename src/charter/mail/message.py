"""One outgoing email, and its rendering as an RFC 5322 message safe to hand to a server.

Header injection is refused, not cleaned: a value carrying CR or LF could add recipients
or headers the caller never meant to send, disclosing personal data to someone else
(UK GDPR Art. 32(1)(b) confidentiality). Marketing email must say who sends it and give a
working way to opt out (PECR reg. 23, reg. 22(3)), so a ``marketing`` message without a
``List-Unsubscribe`` header is refused here, whichever sender carries it.
"""

from __future__ import annotations

import email.policy
import email.utils
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.message import EmailMessage
from types import MappingProxyType
from typing import Literal, get_args

from email_validator import EmailNotValidError, validate_email

from charter.errors import InvalidInput

EmailKind = Literal[
    "marketing",
    "service_notice",
    "feedback_request",
    "request_response",
    "transactional",
    "staff_notification",
]
EMAIL_KINDS: tuple[str, ...] = get_args(EmailKind)

#: Headers the composer sets itself; a caller may not override them.
RESERVED_HEADERS = frozenset(
    {"from", "sender", "to", "cc", "bcc", "subject", "message-id", "date"}
    | {"mime-version", "content-type", "content-transfer-encoding"}
)
#: RFC 5322 s.2.1.1: a line must not exceed 998 characters; subjects stay well under it.
MAX_SUBJECT_CHARS = 500
MAX_HEADER_VALUE_CHARS = 2000
_HEADER_NAME_CHARS = frozenset("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyz")


@dataclass(frozen=True)
class OutgoingEmail:
    """An email Charter sends. ``kind`` says why it is sent: only ``marketing`` needs
    consent (PECR reg. 22); the others are service messages the person expects."""

    to: str
    subject: str
    text: str
    html: str | None = None
    headers: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    kind: EmailKind = "transactional"


def check_header_value(label: str, value: str) -> None:
    """Refuse CR, LF and other control characters in a header value (header injection).

    The message names the header, never the value: it may be personal data."""
    if any(ch in value for ch in "\r\n\x00") or not value.isprintable():
        raise InvalidInput(f"The {label} header contains line breaks or control characters.")


def check_address(label: str, value: str) -> str:
    """One valid address (``Name <addr>`` or ``addr``); returns the address part."""
    check_header_value(label, value)
    pairs = email.utils.getaddresses([value])
    if len(pairs) != 1 or not pairs[0][1]:
        raise InvalidInput(f"The {label} address must be exactly one email address.")
    address = pairs[0][1]
    try:
        validate_email(address, check_deliverability=False)
    except EmailNotValidError:
        raise InvalidInput(f"The {label} address is not a valid email address.") from None
    return address


def check_outgoing(message: OutgoingEmail) -> None:
    """Every check a message must pass before any sender takes it."""
    if message.kind not in EMAIL_KINDS:
        raise InvalidInput("Unknown kind of email.")
    check_address("To", message.to)
    check_header_value("Subject", message.subject)
    if len(message.subject) > MAX_SUBJECT_CHARS:
        raise InvalidInput(f"The subject is longer than {MAX_SUBJECT_CHARS} characters.")
    for name, value in message.headers.items():
        lowered = name.lower()
        if not lowered or not set(lowered) <= _HEADER_NAME_CHARS:
            raise InvalidInput("A header name contains characters a header name cannot.")
        if lowered in RESERVED_HEADERS:
            raise InvalidInput(f"The {name} header is set by Charter, not by the caller.")
        check_header_value(name, value)
        if len(value) > MAX_HEADER_VALUE_CHARS:
            raise InvalidInput(f"The {name} header is too long.")
    if message.kind == "marketing" and not any(
        name.lower() == "list-unsubscribe" for name in message.headers
    ):
        raise InvalidInput(
            "Marketing email must carry a List-Unsubscribe header (PECR reg. 23: a valid "
            "address to opt out)."
        )


def message_id_domain(mail_from: str) -> str:
    address = check_address("From", mail_from)
    return address.rpartition("@")[2]


def compose(message: OutgoingEmail, *, mail_from: str) -> EmailMessage:
    """The message as sent, with a fresh Message-ID; raises :class:`InvalidInput` first if
    any header could inject another (``policy=SMTP``: CRLF line endings on the wire)."""
    check_outgoing(message)
    domain = message_id_domain(mail_from)
    rendered = EmailMessage(policy=email.policy.SMTP)
    rendered["From"] = mail_from
    rendered["To"] = message.to
    rendered["Subject"] = message.subject
    rendered["Date"] = email.utils.formatdate(usegmt=True)
    rendered["Message-ID"] = email.utils.make_msgid(domain=domain)
    for name, value in message.headers.items():
        rendered[name] = value
    rendered.set_content(message.text)
    if message.html is not None:
        rendered.add_alternative(message.html, subtype="html")
    return rendered
