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

Transport security (Art. 32(1)(a)) and outbound safety: webhooks must be ``https://``,
verified against the system's trusted certificates (``ssl.create_default_context``: the
certificate chain and the host name are checked). A target on a private, loopback,
link-local or otherwise non-public address is refused, both when it is configured (an
address written in the URL, ``localhost``) and when it is sent to (every address the host
name resolves to is checked, and the connection goes to the address that was checked, so a
name cannot be re-pointed between the check and the request): a webhook URL must never
become a way to reach the firm's internal network (server-side request forgery). Only
``CHARTER_ALLOW_PRIVATE_WEBHOOKS`` lifts this, for a receiver on the firm's own network or
a test; then plain ``http://`` is accepted on the loopback interface only. Redirects are
not followed (a 3xx is a failed delivery): a redirect could point anywhere. Timeouts are
bounded (1-60 s) so a dead receiver cannot hang the delivery job; retries are bounded by
the delivery queue (``delivery.MAX_ATTEMPTS`` with capped backoff). Nothing here logs a
body, a secret or an address.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import ipaddress
import json
import logging
import socket
import ssl
import time
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
MIN_TIMEOUT_SECONDS = 1.0
MAX_TIMEOUT_SECONDS = 60.0
#: How much of a receiver's answer is read (only its status field is used).
MAX_ANSWER_BYTES = 4096
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


class PrivateWebhookTarget(InvalidInput):
    """The webhook points at a private, loopback or otherwise non-public address."""

    default_message = (
        "The webhook URL points at a private or local network address; set "
        "CHARTER_ALLOW_PRIVATE_WEBHOOKS to allow that."
    )


def check_webhook_url(url: str, *, allow_private: bool = False) -> str:
    """An ``https://`` URL with no credentials in it (they would be stored and shown in
    clear: the signature is the credential) whose host is not a private or local address.

    With ``allow_private`` (``CHARTER_ALLOW_PRIVATE_WEBHOOKS``), private and loopback
    addresses are accepted, and plain ``http://`` on the loopback interface. A host name
    is checked again, resolved, when each notice is sent (:class:`WebhookConnector`)."""
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
    if len(url.strip()) > 500:
        raise InvalidInput("The webhook URL is too long.")
    if not allow_private and _names_private_host(host):
        raise PrivateWebhookTarget
    if parts.scheme == "http" and not (allow_private and _is_loopback(host)):
        raise InvalidInput("The webhook URL must use https://.")
    return url.strip()


def is_public_address(address: str) -> bool:
    """Whether ``address`` is on the public internet: not private (RFC 1918, RFC 4193),
    loopback, link-local (cloud metadata at 169.254.169.254), shared (RFC 6598), reserved,
    multicast or unspecified. An IPv4-mapped IPv6 address is judged as the IPv4 one."""
    try:
        parsed = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(parsed, ipaddress.IPv6Address) and parsed.ipv4_mapped is not None:
        parsed = parsed.ipv4_mapped
    return parsed.is_global and not parsed.is_multicast


def _names_private_host(host: str) -> bool:
    """The host as written is a non-public address or a local name (no DNS here)."""
    lowered = host.lower().rstrip(".")
    if lowered in _LOOPBACK_NAMES or lowered.endswith(".localhost"):
        return True
    try:
        ipaddress.ip_address(lowered.split("%", 1)[0])
    except ValueError:
        return False
    return not is_public_address(lowered)


def _is_loopback(host: str) -> bool:
    lowered = host.lower().rstrip(".")
    if lowered in _LOOPBACK_NAMES or lowered.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(lowered).is_loopback
    except ValueError:
        return False


def resolve_target(host: str, port: int, *, allow_private: bool) -> str:
    """The address to connect to for ``host``: every address it resolves to must be
    public unless ``allow_private``, so a name with one internal address among several
    (or re-pointed after it was configured) is refused. Raises
    :class:`PrivateWebhookTarget`, or ``OSError`` when the name does not resolve."""
    found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses = [str(item[4][0]) for item in found]
    if not addresses:
        raise OSError("no address")
    if not allow_private and not all(is_public_address(address) for address in addresses):
        raise PrivateWebhookTarget
    return addresses[0]


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the address that was checked, not to whatever the name resolves to
    a moment later (DNS rebinding)."""

    def __init__(self, host: str, port: int, *, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """As :class:`_PinnedHTTPConnection`, with TLS verified against the *host name*
    (certificate chain and name checked: ``ssl.create_default_context``)."""

    def __init__(
        self, host: str, port: int, *, address: str, timeout: float, context: ssl.SSLContext
    ) -> None:
        super().__init__(host, port, timeout=timeout, context=context)
        self._address = address
        self._context = context

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


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
        allow_private: bool = False,
        tls_context: ssl.SSLContext | None = None,
    ) -> None:
        self.url = check_webhook_url(url, allow_private=allow_private)
        self.secret = secret
        self.timeout = min(max(timeout, MIN_TIMEOUT_SECONDS), MAX_TIMEOUT_SECONDS)
        self.allow_private = allow_private
        #: Verifying by default; a test may pass a context trusting its own certificate
        #: authority, never one that skips verification.
        self.tls_context = tls_context or ssl.create_default_context()

    def __repr__(self) -> str:  # never show the secret
        return f"WebhookConnector({urlsplit(self.url).hostname})"

    def deliver(self, body: NoticeBody, payload: bytes) -> DeliveryResult:
        timestamp = int(time.time())
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "Charter-recipient-notices/1",
            TIMESTAMP_HEADER: str(timestamp),
            SIGNATURE_HEADER: sign(self.secret, timestamp, payload),
            IDEMPOTENCY_HEADER: body.idempotency_key,
        }
        try:
            status, answer = self._post(payload, headers)
        except PrivateWebhookTarget:
            log.warning("A recipient notice webhook resolved to a private address: refused")
            return DeliveryResult(delivered=False, error="private_address", retry=False)
        except TimeoutError:
            return DeliveryResult(delivered=False, error="timeout")
        except ssl.SSLError as exc:
            log.warning("A recipient notice webhook failed TLS: %s", type(exc).__name__)
            return DeliveryResult(delivered=False, error="tls")
        except (http.client.HTTPException, OSError) as exc:
            log.warning("A recipient notice webhook was unreachable: %s", type(exc).__name__)
            return DeliveryResult(delivered=False, error="unreachable")
        if not 200 <= status < 300:
            retry = status >= 500 or status in RETRYABLE_STATUSES
            log.warning("A recipient notice webhook answered %s", status)
            return DeliveryResult(
                delivered=False, http_status=status, error=f"http_{status}", retry=retry
            )
        return DeliveryResult(
            delivered=True, http_status=status, remote_status=_remote_status(status, answer)
        )

    def _post(self, payload: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        """One POST to the checked address; no redirect is followed."""
        parts = urlsplit(self.url)
        host = parts.hostname or ""
        port = parts.port or (443 if parts.scheme == "https" else 80)
        address = resolve_target(host, port, allow_private=self.allow_private)
        connection: http.client.HTTPConnection
        if parts.scheme == "https":
            connection = _PinnedHTTPSConnection(
                host, port, address=address, timeout=self.timeout, context=self.tls_context
            )
        else:
            connection = _PinnedHTTPConnection(host, port, address=address, timeout=self.timeout)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        try:
            connection.request("POST", target, body=payload, headers=headers)
            response = connection.getresponse()
            return int(response.status), response.read(MAX_ANSWER_BYTES)
        finally:
            connection.close()


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
