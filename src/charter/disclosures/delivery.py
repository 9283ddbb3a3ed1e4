"""Recipients' endpoints and the delivery of queued Art. 19 notices.

**Endpoints** are operational configuration, not policy: the policy says *who* receives
data; ``charter disclosures connect`` says where a recipient takes notices. A webhook's
shared secret is generated here, shown once, and stored only sealed (AES-256-GCM) under a
key derived from the master key, bound to the recipient's id (Art. 32(1)(a)).

**Delivery** (:func:`deliver_due_notices`, the ``disclosures.deliver_notices`` job) never
sends twice with a visible effect, even if it crashes mid-way. Each attempt is three
steps, the first and last in their own units of work:

1. *claim*: the notice becomes ``in_progress``, its attempt counted, and its
   ``next_attempt_at`` moved a lease ahead; committed before anything is sent;
2. *send*, outside any transaction, carrying the notice's idempotency key;
3. *record*: ``completed``, or back to ``pending`` with exponential backoff, or
   ``failed`` after :data:`MAX_ATTEMPTS` or a refusal that retrying cannot fix; one row in
   the delivery log either way.

If the process dies between 2 and 3, the claim's lease runs out and the notice is sent
again with the same key, which the recipient acknowledges without acting twice.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select

from charter.audit import service as audit
from charter.crypto import derive_key, open_sealed, seal
from charter.disclosures.connectors import (
    EmailConnector,
    RecipientConnector,
    WebhookConnector,
    check_webhook_url,
)
from charter.disclosures.models import (
    EndpointKind,
    NoticeDelivery,
    NoticeStatus,
    RecipientEndpoint,
    RecipientNotice,
)
from charter.disclosures.schemas import DeliveryResult, NoticeBody
from charter.disclosures.service import UndeclaredRecipient
from charter.errors import InvalidInput
from charter.mail.message import check_address
from charter.mail.sender import EmailSender, build_sender
from charter.runtime import Runtime, Work
from charter.vault.models import Subject

SYSTEM_ACTOR = "system:disclosures"
SECRET_BYTES = 32
MAX_ATTEMPTS = 10
FIRST_BACKOFF = timedelta(minutes=1)
MAX_BACKOFF = timedelta(hours=6)
#: How long a claimed attempt may take before another run may take the notice up again.
LEASE = timedelta(minutes=10)
_SECRET_KEY_LABEL = b"charter disclosures endpoint secret v1"


# Endpoints -------------------------------------------------------------------------------------


def connect_recipient(
    work: Work,
    recipient: str,
    *,
    webhook: str | None = None,
    email: str | None = None,
    actor: str,
) -> str | None:
    """Set where ``recipient`` takes notices: a webhook (returns the new shared secret to
    hand to the recipient once; it is never shown again; the HMAC key is this text as
    UTF-8) or an email address (returns ``None``). Replaces any earlier endpoint (a new
    secret each time); audited without the target or the secret."""
    if recipient not in {item.id for item in work.policy.recipients}:
        raise UndeclaredRecipient(f"The recipient '{recipient}' is not declared in the policy.")
    if (webhook is None) == (email is None):
        raise InvalidInput("Give either a webhook URL or an email address.")
    secret: str | None = None
    if webhook is not None:
        kind, target = (
            EndpointKind.WEBHOOK,
            check_webhook_url(webhook, allow_private=work.settings.allow_private_webhooks),
        )
        secret = secrets.token_hex(SECRET_BYTES)
    else:
        kind, target = EndpointKind.EMAIL, check_address("To", email or "")
    now = work.now()
    row = work.session.scalars(
        select(RecipientEndpoint).where(RecipientEndpoint.recipient == recipient)
    ).first()
    if row is None:
        row = RecipientEndpoint(recipient=recipient, created_at=now)
        work.session.add(row)
    row.kind = kind.value
    row.target = target
    row.secret_sealed = (
        None if secret is None else seal(_secret_key(work), secret.encode(), _ad(recipient))
    )
    row.updated_at = now
    work.session.flush()
    audit.record(
        work,
        actor=actor,
        action="disclosure.endpoint_set",
        detail={"recipient": recipient, "kind": kind.value},
    )
    return secret


def endpoint_of(work: Work, recipient: str) -> RecipientEndpoint | None:
    return work.session.scalars(
        select(RecipientEndpoint).where(RecipientEndpoint.recipient == recipient)
    ).first()


def list_endpoints(work: Work) -> list[RecipientEndpoint]:
    return list(work.session.scalars(select(RecipientEndpoint).order_by(RecipientEndpoint.id)))


def endpoint_secret(work: Work, endpoint: RecipientEndpoint) -> bytes:
    """The webhook's HMAC key (the shared secret's UTF-8 bytes)."""
    if endpoint.secret_sealed is None:
        raise InvalidInput("This endpoint has no secret.")
    return open_sealed(_secret_key(work), endpoint.secret_sealed, _ad(endpoint.recipient))


def _secret_key(work: Work) -> bytes:
    return derive_key(work.keyring.master, _SECRET_KEY_LABEL)


def _ad(recipient: str) -> bytes:
    return f"charter:endpoint-secret:v1\x1f{recipient}".encode()


# Delivery --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClaimedNotice:
    """A notice held by one attempt, with what sending it needs (nothing stays attached
    to a session while the network call runs)."""

    notice_id: int
    attempt: int
    started_at: datetime
    payload: bytes
    body: NoticeBody
    connector: RecipientConnector | None


ConnectorFactory = Callable[[Work, RecipientEndpoint | None, str], RecipientConnector | None]


def deliver_due_notices(runtime: Runtime, *, email_sender: EmailSender | None = None) -> int:
    """Deliver every notice that is due; returns how many were delivered.

    Rule enforced: Art. 19, recipients are told without undue delay; a failing recipient
    is retried with backoff and, after :data:`MAX_ATTEMPTS`, left ``failed`` for staff to
    see in the console. Idempotent and safe to run concurrently (claims are exclusive).
    """
    senders: list[EmailSender] = [] if email_sender is None else [email_sender]

    def connector_for(
        work: Work, endpoint: RecipientEndpoint | None, recipient: str
    ) -> RecipientConnector | None:
        if not senders:
            senders.append(build_sender(work.settings))
        return build_connector(work, endpoint, recipient, email_sender=senders[0])

    delivered = 0
    seen: set[int] = set()
    while (claimed := claim_next_notice(runtime, connector_for, skip=seen)) is not None:
        seen.add(claimed.notice_id)
        result = send_claimed(claimed)
        record_attempt(runtime, claimed, result)
        delivered += int(result.delivered)
    return delivered


def build_connector(
    work: Work,
    endpoint: RecipientEndpoint | None,
    recipient: str,
    *,
    email_sender: EmailSender,
) -> RecipientConnector | None:
    """The connector for a recipient's endpoint; ``None`` when none is configured."""
    if endpoint is None:
        return None
    if endpoint.kind == EndpointKind.WEBHOOK.value:
        return WebhookConnector(
            endpoint.target,
            endpoint_secret(work, endpoint),
            allow_private=work.settings.allow_private_webhooks,
        )
    declared = {item.id: item.name for item in work.policy.recipients}
    return EmailConnector(
        email_sender, endpoint.target, recipient_name=declared.get(recipient, recipient)
    )


def claim_next_notice(
    runtime: Runtime, connector_for: ConnectorFactory, *, skip: set[int] | None = None
) -> ClaimedNotice | None:
    """Step 1: take the next due notice (pending, or in progress past its lease) in its
    own committed unit, so a crash after this leaves a visible, resumable claim."""
    with runtime.unit() as work:
        now = work.now()
        query = (
            select(RecipientNotice)
            .where(
                or_(
                    RecipientNotice.status == NoticeStatus.PENDING.value,
                    RecipientNotice.status == NoticeStatus.IN_PROGRESS.value,
                ),
                RecipientNotice.next_attempt_at <= now,
            )
            .order_by(RecipientNotice.next_attempt_at, RecipientNotice.id)
            .limit(1)
        )
        if skip:
            query = query.where(RecipientNotice.id.not_in(skip))
        if work.session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        notice = work.session.scalars(query).first()
        if notice is None:
            return None
        notice.status = NoticeStatus.IN_PROGRESS.value
        notice.attempts += 1
        notice.next_attempt_at = now + LEASE
        work.session.flush()
        payload = notice.payload.encode("utf-8")
        return ClaimedNotice(
            notice_id=notice.id,
            attempt=notice.attempts,
            started_at=now,
            payload=payload,
            body=NoticeBody.model_validate_json(payload),
            connector=connector_for(work, endpoint_of(work, notice.recipient), notice.recipient),
        )


def send_claimed(claimed: ClaimedNotice) -> DeliveryResult:
    """Step 2: the network call, outside any transaction."""
    if claimed.connector is None:
        return DeliveryResult(delivered=False, error="no_endpoint")
    return claimed.connector.deliver(claimed.body, claimed.payload)


def record_attempt(runtime: Runtime, claimed: ClaimedNotice, result: DeliveryResult) -> None:
    """Step 3: the outcome, in its own unit; audited when the notice is done either way."""
    with runtime.unit() as work:
        notice = work.session.get(RecipientNotice, claimed.notice_id, with_for_update=True)
        if notice is None or notice.status != NoticeStatus.IN_PROGRESS.value:
            return  # completed by another run meanwhile
        now = work.now()
        channel = claimed.connector.kind if claimed.connector is not None else "none"
        if result.delivered:
            notice.status = NoticeStatus.COMPLETED.value
            notice.completed_at = now
            notice.last_error = None
            outcome = "delivered"
        elif result.retry and notice.attempts < MAX_ATTEMPTS:
            notice.status = NoticeStatus.PENDING.value
            notice.next_attempt_at = now + backoff(notice.attempts)
            notice.last_error = result.error
            outcome = "retry"
        else:
            notice.status = NoticeStatus.FAILED.value
            notice.last_error = result.error
            outcome = "failed"
        work.session.add(
            NoticeDelivery(
                notice_id=notice.id,
                attempt=claimed.attempt,
                channel=channel,
                started_at=claimed.started_at,
                finished_at=now,
                outcome=outcome,
                http_status=result.http_status,
                remote_status=result.remote_status,
                error=result.error,
            )
        )
        work.session.flush()
        if outcome != "retry":
            subject = work.session.get(Subject, notice.subject_id)
            audit.record(
                work,
                actor=SYSTEM_ACTOR,
                action=f"disclosure.notice_{notice.status}",
                subject_ref=subject.ref if subject is not None else None,
                detail={
                    "notice": notice.idempotency_key,
                    "recipient": notice.recipient,
                    "event": notice.event,
                    "attempts": notice.attempts,
                    "error": result.error,
                },
            )


def backoff(attempts: int) -> timedelta:
    """1, 2, 4 ... minutes after the 1st, 2nd, 3rd ... failure, at most six hours."""
    delay: timedelta = FIRST_BACKOFF * 2 ** max(attempts - 1, 0)
    return min(delay, MAX_BACKOFF)


def deliveries_of(work: Work, notice: RecipientNotice) -> list[NoticeDelivery]:
    query = (
        select(NoticeDelivery)
        .where(NoticeDelivery.notice_id == notice.id)
        .order_by(NoticeDelivery.attempt, NoticeDelivery.id)
    )
    return list(work.session.scalars(query))
