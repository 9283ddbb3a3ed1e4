"""Delivering recorded messages: claim, hand to the provider, record the outcome.

Each message in the outbox (``sent_messages``) is delivered **at most once**:

1. *claim*, in its own committed unit: the gate is asked again (consent must be in
   force when the message goes, PECR reg. 22), ``attempts`` is raised by a
   compare-and-set (two senders cannot both win) and an ``in_flight`` row is written to
   the delivery log;
2. the provider is called outside any transaction (SMTP server, text gateway; a phone
   message only joins the call list, nothing is sent);
3. the outcome is recorded in a later unit: ``sent``, or a failure retried after
   :data:`RETRY_AFTER` (doubling) up to :data:`MAX_ATTEMPTS`, or given up at once when no
   provider could ever take it (an address that is not one).

A try whose outcome a crash lost stays ``in_flight``; after :data:`IN_DOUBT_AFTER` it is
marked ``unknown`` and the message ``failed`` rather than repeated: a missed newsletter
harms no one, a duplicate is unwanted marketing.

:func:`send_now` is the same gate, record and log for one message sent in the caller's
unit of work (service notices, request responses, a single newsletter), whose content
is not stored and so cannot be retried later.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, select, update

from charter.audit import service as audit
from charter.campaigns.gate import record_message, redecide
from charter.campaigns.models import Campaign, DeliveryAttempt, SentMessage
from charter.errors import InvalidInput
from charter.mail.message import OutgoingEmail
from charter.mail.sender import EmailSender, MailNotSent, build_sender
from charter.newsletter.emails import newsletter_email
from charter.runtime import Runtime, Work
from charter.sms.sender import OutgoingText, TextNotSent, TextSender, build_text_sender
from charter.vault.models import Subject

MAX_ATTEMPTS = 5
#: Pause after the first failed try; doubled after each further one.
RETRY_AFTER = timedelta(minutes=5)
#: A try still ``in_flight`` this long after it started was cut short by a crash.
IN_DOUBT_AFTER = timedelta(minutes=15)
#: Marketing texts end with this (PECR reg. 23(b): a valid way to ask them to stop).
TEXT_OPT_OUT = "\n{organisation}: reply STOP to opt out{phone}."


def text_opt_out(work: Work) -> str:
    organisation = work.policy.organisation
    phone = f" or call {organisation.phone}" if organisation.phone else ""
    return TEXT_OPT_OUT.format(organisation=organisation.name, phone=phone)


@dataclass
class Senders:
    """The providers, built from the settings only when a message needs one."""

    runtime: Runtime
    email: EmailSender | None = None
    text: TextSender | None = None

    def email_sender(self) -> EmailSender:
        if self.email is None:
            self.email = build_sender(self.runtime.settings)
        return self.email

    def text_sender(self) -> TextSender:
        if self.text is None:
            self.text = build_text_sender(self.runtime.settings)
        return self.text


@dataclass(frozen=True)
class _Claim:
    message_id: int
    attempt: int
    channel: str
    payload: OutgoingEmail | OutgoingText | None


def _due(now: datetime) -> tuple[ColumnElement[bool], ...]:
    """Pending rows never tried, or whose retry is due; not those with a try in flight."""
    return (
        SentMessage.status == "pending",
        (SentMessage.attempts == 0)
        | (SentMessage.next_attempt_at.is_not(None) & (SentMessage.next_attempt_at <= now)),
    )


def _payload(
    work: Work, campaign: Campaign, subject: Subject, contact: str
) -> OutgoingEmail | OutgoingText | None:
    if campaign.channel == "email":
        return newsletter_email(
            work,
            subject,
            to=contact,
            title=campaign.subject_line,
            text=campaign.text,
            html=campaign.html,
        )
    if campaign.channel == "text":
        return OutgoingText(to=contact, text=campaign.text + text_opt_out(work), kind="marketing")
    return None  # phone: a call-list entry, nothing is sent


def _claim(work: Work, message_id: int, *, actor: str) -> _Claim | None:
    """Re-decide and claim one due message; ``None`` when it is not ours to send now."""
    now = work.now()
    message = work.session.scalars(
        select(SentMessage).where(SentMessage.id == message_id, *_due(now))
    ).first()
    if message is None or message.campaign_id is None or message.subject_id is None:
        return None
    subject = work.session.get(Subject, message.subject_id)
    campaign = work.session.get(Campaign, message.campaign_id)
    assert subject is not None  # foreign keys
    assert campaign is not None
    decision = redecide(work, message, subject, actor=actor)
    if not decision.allowed or decision.contact is None:
        audit.record(
            work,
            actor=actor,
            action="outbound.skipped",
            subject_ref=subject.ref,
            purpose=message.purpose,
            detail={"message_id": message.id, "reason": message.decision_reason},
        )
        return None
    seen = message.attempts
    claimed = work.session.execute(
        update(SentMessage)
        .where(SentMessage.id == message.id, SentMessage.attempts == seen)
        .values(attempts=seen + 1, last_attempt_at=now, next_attempt_at=None)
        .execution_options(synchronize_session=False)
    )
    if getattr(claimed, "rowcount", 0) != 1:
        return None  # another sender claimed it first
    work.session.refresh(message)
    payload = _payload(work, campaign, subject, decision.contact)
    work.session.add(
        DeliveryAttempt(
            message_id=message.id, attempt=seen + 1, started_at=now, outcome="in_flight"
        )
    )
    work.session.flush()
    return _Claim(message.id, seen + 1, campaign.channel, payload)


def _record_outcome(
    work: Work,
    claim: _Claim,
    *,
    provider_id: str | None,
    error: str | None,
    permanent: bool,
    actor: str,
) -> str:
    """Mark the try and the message after the provider answered; returns the outcome."""
    now = work.now()
    message = work.session.get(SentMessage, claim.message_id)
    attempt = work.session.scalars(
        select(DeliveryAttempt).where(
            DeliveryAttempt.message_id == claim.message_id,
            DeliveryAttempt.attempt == claim.attempt,
        )
    ).one()
    assert message is not None
    subject = work.session.get(Subject, message.subject_id) if message.subject_id else None
    attempt.finished_at = now
    attempt.provider_message_id = provider_id
    attempt.error = error
    if error is None:
        attempt.outcome = "sent" if claim.payload is not None else "call_listed"
        message.status = "sent"
        message.sent_at = now
        message.provider_message_id = provider_id
        message.last_error = None
        action = "outbound.sent"
    else:
        attempt.outcome = "failed"
        message.last_error = error
        if permanent or message.attempts >= MAX_ATTEMPTS:
            message.status = "failed"
            action = "outbound.failed"
        else:
            message.next_attempt_at = now + RETRY_AFTER * 2 ** (message.attempts - 1)
            action = "outbound.retry_scheduled"
    work.session.flush()
    audit.record(
        work,
        actor=actor,
        action=action,
        subject_ref=subject.ref if subject is not None else None,
        purpose=message.purpose,
        detail={
            "message_id": message.id,
            "campaign_id": message.campaign_id,
            "channel": message.channel,
            "attempt": claim.attempt,
            "error": error,
        },
    )
    return message.status


def deliver_message(runtime: Runtime, message_id: int, *, actor: str, senders: Senders) -> str:
    """Send one recorded message if it is due and still allowed; its status afterwards.

    Three units: claim (committed before the provider is called), the provider call
    outside any transaction, then the outcome. Phone entries are completed in the claim.
    """
    with runtime.unit() as work:
        claim = _claim(work, message_id, actor=actor)
        if claim is not None and claim.payload is None:
            return _record_outcome(
                work, claim, provider_id=None, error=None, permanent=False, actor=actor
            )
    if claim is None:
        with runtime.unit(write=False) as work:
            found = work.session.get(SentMessage, message_id)
            return found.status if found is not None else "missing"
    assert claim.payload is not None
    provider_id, error, permanent = _provider_send(
        claim.payload, email_sender=senders.email_sender, text_sender=senders.text_sender
    )
    with runtime.unit() as work:
        return _record_outcome(
            work, claim, provider_id=provider_id, error=error, permanent=permanent, actor=actor
        )


def due_message_ids(work: Work, *, campaign_id: int | None = None) -> list[int]:
    query = select(SentMessage.id).where(SentMessage.campaign_id.is_not(None), *_due(work.now()))
    if campaign_id is not None:
        query = query.where(SentMessage.campaign_id == campaign_id)
    return list(work.session.scalars(query.order_by(SentMessage.id)))


def give_up_in_doubt(work: Work, *, actor: str) -> int:
    """Tries cut short by a crash (``in_flight`` past :data:`IN_DOUBT_AFTER`) become
    ``unknown`` and their message ``failed``: it may have gone, so it is not repeated."""
    cutoff = work.now() - IN_DOUBT_AFTER
    stale = list(
        work.session.scalars(
            select(DeliveryAttempt).where(
                DeliveryAttempt.outcome == "in_flight", DeliveryAttempt.started_at <= cutoff
            )
        )
    )
    for attempt in stale:
        attempt.outcome = "unknown"
        attempt.finished_at = work.now()
        message = work.session.get(SentMessage, attempt.message_id)
        if message is not None and message.status == "pending":
            message.status = "failed"
            message.last_error = "outcome_unknown"
            audit.record(
                work,
                actor=actor,
                action="outbound.outcome_unknown",
                purpose=message.purpose,
                detail={"message_id": message.id, "attempt": attempt.attempt},
            )
    work.session.flush()
    return len(stale)


def _provider_send(
    payload: OutgoingEmail | OutgoingText,
    *,
    email_sender: Callable[[], EmailSender],
    text_sender: Callable[[], TextSender],
) -> tuple[str | None, str | None, bool]:
    """(provider id, error type name, permanent?) of one provider call."""
    try:
        if isinstance(payload, OutgoingEmail):
            return email_sender().send(payload), None, False
        return text_sender().send(payload), None, False
    except (MailNotSent, TextNotSent) as exc:
        return None, type(exc).__name__, False
    except InvalidInput as exc:  # an address or number no provider can take: stop trying
        return None, type(exc).__name__, True


def send_now(
    work: Work,
    subject: Subject,
    *,
    kind: str,
    channel: str,
    purpose: str,
    idempotency_key: str,
    compose: Callable[[str], OutgoingEmail | OutgoingText],
    actor: str,
    email_sender: EmailSender | None = None,
    text_sender: TextSender | None = None,
) -> SentMessage:
    """Gate, record and send one message now, in the caller's unit of work.

    ``compose`` builds the message for the contact value the gate read (the address or
    number is never stored). A key already recorded sends nothing again and returns its
    row; a refusal is recorded and audited (``outbound.refused``), not raised, so a loop
    carries on; a provider failure marks the row ``failed`` (the content is not kept, so
    the caller decides whether to try again under a new key). Phone messages are calls
    made by staff: refused here with InvalidInput.
    """
    if channel == "phone":
        raise InvalidInput("A phone call is made by staff, not sent: use a campaign call list.")
    message, decision = record_message(
        work,
        subject,
        kind=kind,
        channel=channel,
        purpose=purpose,
        idempotency_key=idempotency_key,
        actor=actor,
    )
    if decision is None:
        return message
    if not decision.allowed or decision.contact is None:
        audit.record(
            work,
            actor=actor,
            action="outbound.refused",
            subject_ref=subject.ref,
            purpose=purpose,
            detail={"message_id": message.id, "kind": kind, "reason": message.decision_reason},
        )
        return message
    payload = compose(decision.contact)
    if isinstance(payload, OutgoingEmail) != (channel == "email") or payload.kind != kind:
        raise InvalidInput("The message built does not match its kind or channel.")
    now = work.now()
    message.attempts = 1
    message.last_attempt_at = now
    attempt = DeliveryAttempt(message_id=message.id, attempt=1, started_at=now, outcome="in_flight")
    work.session.add(attempt)
    work.session.flush()

    def email() -> EmailSender:
        if email_sender is None:
            raise InvalidInput("No email sender was given.")
        return email_sender

    def text() -> TextSender:
        if text_sender is None:
            raise InvalidInput("No text sender was given.")
        return text_sender

    provider_id, error, _permanent = _provider_send(payload, email_sender=email, text_sender=text)
    # One try only, whatever the failure: the content is not kept for a retry.
    claim = _Claim(message.id, 1, channel, payload)
    _record_outcome(work, claim, provider_id=provider_id, error=error, permanent=True, actor=actor)
    return message
