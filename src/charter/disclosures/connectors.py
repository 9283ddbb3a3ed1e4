"""Recipient connectors: how an Art. 19 notice reaches a recipient.

One interface, :class:`RecipientConnector`, with two implementations:

* :class:`WebhookConnector` POSTs the notice's JSON to the recipient's URL, signed with a
  secret shared with it only: ``X-Charter-Signature: sha256=<hex HMAC-SHA-256 of
  "<timestamp>.<body>">`` and ``X-Charter-Timestamp: <unix seconds>``, so the recipient can
  check the notice is ours, unaltered and fresh (:func:`verify_signature` is the check, for
  receivers). ``Idempotency-Key`` repeats the key in the body: a retried notice must be
  acted on once. Any 2xx is delivered; a 202 whose body says ``{"status": "in_progress"}``
  is recorded as such (OpenDSR statuses pending / in_progress / completed). 5xx, 408, 429
  and network errors are retried later; other 4xx are not (a wrong secret or URL needs a
  person).
* :class:`EmailConnector` sends the same notice in words through the :class:`EmailSender`
  to the recipient's business contact address.

Transport security (Art. 32(1)(a)): webhooks must be ``https://`` except on the loopback
interface (local receivers and tests). Timeouts are bounded so a dead receiver cannot hang
the delivery job. Nothing here logs a body, a secret or an address.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import logging
import time
import urllib.error
import urllib.request
from typing import Protocol
from urllib.parse import urlsplit

from charter.disclosures.schemas import DeliveryResult, NoticeBody
from charter.errors import CharterError, InvalidInput
from charter.mail.message import check_address
from charter.mail.sender import EmailSender, MailNotSent, OutgoingEmail

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Charter-Signature"
TIMESTAMP_HEADER = "X-Charter-Timestamp"
IDEMPOTENCY_HEADER = "Idempotency-Key"
#: How old a signed timestamp a receiver should still accept.
SIGNATURE_TOLERANCE_SECONDS = 300
WEBHOOK_TIMEOUT_SECONDS = 10.0
#: Statuses that are worth retrying: the receiver is busy or failing, not refusing us.
RETRYABLE_STATUSES = frozenset({408, 425, 429})
_REMOTE_STATUSES = frozenset({"pending", "in_progress", "completed"})
_LOOPBACK_NAMES = frozenset({"localhost"})


class RecipientConnector(Protocol):
    """Delivers one notice to one recipient; never raises for a delivery failure (the
    :class:`DeliveryResult` says what happened), so the queue can record and retry."""

    kind: str

    def deliver(self, body: NoticeBody, payload: bytes) -> DeliveryResult: ...


# Signatures ------------------------------------------------------------------------------------


def sign(secret: bytes, timestamp: int, payload: bytes) -> str:
    """``sha256=<hex>`` over ``"<timestamp>." + payload`` (the body bytes exactly as sent)."""
    digest = hmac.new(secret, str(timestamp).encode() + b"." + payload, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def verify_signature(
    secret: bytes,
    *,
    timestamp: str,
    payload: bytes,
    signature: str,
    now: float | None = None,
    tolerance: int = SIGNATURE_TOLERANCE_SECONDS,
) -> bool:
    """The receiver's check: right secret, unaltered body, timestamp within ``tolerance``
    (so a captured notice cannot be replayed much later). Constant-time comparison."""
    try:
        stamp = int(timestamp)
    except ValueError:
        return False
    current = time.time() if now is None else now
    if abs(current - stamp) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, stamp, payload), signature)


def check_webhook_url(url: str) -> str:
    """An ``https://`` URL, or ``http://`` on the loopback interface only; no credentials
    in it (they would be stored and shown in clear: the signature is the credential)."""
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname or ""
        _ = parts.port
    except ValueError:
        raise InvalidInput("The webhook URL is not a valid URL.") from None
    if parts.scheme not in ("https", "http") or not host:
        raise InvalidInput("The webhook URL must start with https://.")
    if parts.username or parts.password:
        raise InvalidInput("The webhook URL must not contain a user name or password.")
    if parts.scheme == "http" and not _is_loopback(host):
        raise InvalidInput("The webhook URL must use https:// (plain http only on localhost).")
    if len(url.strip()) > 500:
        raise InvalidInput("The webhook URL is too long.")
    return url.strip()


def _is_loopback(host: str) -> bool:
    if host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


# Webhook -------------------------------------------------------------------------------------


class WebhookConnector:
    """POSTs the signed notice; see the module docstring for the contract."""

    kind = "webhook"

    def __init__(
        self,
        url: str,
        secret: bytes,
        *,
        timeout: float = WEBHOOK_TIMEOUT_SECONDS,
    ) -> None:
        self.url = check_webhook_url(url)
        self.secret = secret
        self.timeout = min(max(timeout, 1.0), 60.0)

    def __repr__(self) -> str:  # never show the secret
        return f"WebhookConnector({urlsplit(self.url).hostname})"

    def deliver(self, body: NoticeBody, payload: bytes) -> DeliveryResult:
        timestamp = int(time.time())
        request = urllib.request.Request(  # noqa: S310 - http(s) only, checked in __init__
            self.url,
            data=payload,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "User-Agent": "Charter-recipient-notices/1",
                TIMESTAMP_HEADER: str(timestamp),
                SIGNATURE_HEADER: sign(self.secret, timestamp, payload),
                IDEMPOTENCY_HEADER: body.idempotency_key,
            },
        )
        try:
            with urllib.request.urlopen(  # noqa: S310 - http(s) only, checked in __init__
                request, timeout=self.timeout
            ) as response:
                status = int(response.status)
                answer = response.read(4096)
        except urllib.error.HTTPError as exc:
            status = exc.code
            exc.close()
            retry = status >= 500 or status in RETRYABLE_STATUSES
            log.warning("A recipient notice webhook answered %s", status)
            return DeliveryResult(
                delivered=False, http_status=status, error=f"http_{status}", retry=retry
            )
        except TimeoutError:
            return DeliveryResult(delivered=False, error="timeout")
        except (urllib.error.URLError, OSError) as exc:
            log.warning("A recipient notice webhook was unreachable: %s", type(exc).__name__)
            return DeliveryResult(delivered=False, error="unreachable")
        if not 200 <= status < 300:
            return DeliveryResult(delivered=False, http_status=status, error=f"http_{status}")
        return DeliveryResult(
            delivered=True, http_status=status, remote_status=_remote_status(status, answer)
        )


def _remote_status(status: int, answer: bytes) -> str:
    """The receiver's OpenDSR-style status from its JSON answer; a bare 2xx means done,
    a bare 202 means accepted for processing."""
    try:
        said = json.loads(answer.decode("utf-8")).get("status") if answer else None
    except (ValueError, AttributeError):
        said = None
    if isinstance(said, str) and said in _REMOTE_STATUSES:
        return said
    return "in_progress" if status == 202 else "completed"


# Email ---------------------------------------------------------------------------------------


class EmailConnector:
    """Sends the notice in words to the recipient's business address (Art. 19 does not
    prescribe a channel; many processors take requests only by email)."""

    kind = "email"

    def __init__(self, sender: EmailSender, address: str, *, recipient_name: str) -> None:
        self.sender = sender
        self.address = check_address("To", address)
        self.recipient_name = recipient_name

    def __repr__(self) -> str:  # the address is a business contact, but keep logs clean
        return "EmailConnector()"

    def deliver(
        self,
        body: NoticeBody,
        payload: bytes,  # noqa: ARG002 - the protocol's signature; email says it in words
    ) -> DeliveryResult:
        message = OutgoingEmail(
            to=self.address,
            subject=f"{body.controller}: {_EVENT_TITLES[body.event]} ({body.idempotency_key})",
            text=notice_text(body, recipient_name=self.recipient_name),
            headers={"X-Charter-Notice": body.idempotency_key},
            kind="transactional",
        )
        try:
            self.sender.send(message)
        except MailNotSent:
            return DeliveryResult(delivered=False, error="mail_not_sent")
        except CharterError:
            return DeliveryResult(delivered=False, error="mail_refused", retry=False)
        return DeliveryResult(delivered=True, remote_status="pending")


_EVENT_TITLES = {
    "rectification": "notice of rectification",
    "erasure": "notice of erasure",
    "restriction": "notice of restriction",
    "restriction_lifted": "restriction lifted",
}


def notice_text(body: NoticeBody, *, recipient_name: str) -> str:
    """The plain-text notice: what happened, what to do, and how to find the records."""
    lines = [
        f"To {recipient_name},",
        "",
        f"{body.controller} disclosed personal data to you. Under {body.article} we tell you that:",
        "",
        body.requested_action,
        "",
        "The disclosures concerned (the references we gave you with the data):",
    ]
    lines += [
        f"- {item.reference}: {', '.join(item.categories)} (disclosed {item.disclosed_at:%Y-%m-%d})"
        for item in body.disclosures
    ]
    lines += [
        "",
        f"Our pseudonymous reference for this person: {body.subject_ref}",
        f"Notice id (quote it in your reply; act on it once): {body.idempotency_key}",
    ]
    if body.request_reference:
        lines.append(f"Our request reference: {body.request_reference}")
    lines += [
        "",
        "This notice holds no personal data beyond the references above. Please reply to "
        "confirm when you have acted on it.",
    ]
    return "\n".join(lines) + "\n"
