"""The outbound gate: may this message go to this person on this channel, now?

Every outgoing message is classified by *why* it is sent, because the law treats the
kinds differently:

* ``marketing`` (PECR regs 21-22; UK GDPR Art. 6(1)(a), Art. 21(2)-(3)): only with
  consent given for that purpose **on that channel** and still in force at send time;
  never to a person who is erased (Art. 17), restricted (Art. 18), on the suppression
  list (PECR reg. 22(3): they unsubscribed) or objecting to direct marketing (Art. 21(3):
  absolute, whatever their consent record says); never on a channel the purpose does
  not declare (Art. 13(1)(c): they were not told of it);
* ``service_notice`` ("notify you of changes to our service"), ``feedback_request``
  ("seek your views"), ``request_response`` and ``transactional``: on their own lawful
  basis, so allowed except after erasure, and under restriction only a request response
  or transactional message for a purpose the policy permits under restriction (Art.
  18(2): what the law requires, such as answering the person's own request).

A non-marketing kind with a marketing purpose is refused outright: it would be
marketing dressed as a service message (ICO direct marketing guidance).

:func:`decide_message` only answers; :func:`record_message` answers and records the
answer in ``sent_messages`` under an idempotency key, before anything is sent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal, get_args

from sqlalchemy import select

from charter.campaigns.models import SentMessage
from charter.consent.decisions import decide
from charter.consent.models import ANY_CHANNEL, ConsentState
from charter.errors import InvalidInput, PolicyRefusal
from charter.newsletter.preferences import is_suppressed
from charter.policy.schemas import Purpose
from charter.rights.models import RequestKind, RequestStatus, SubjectRequest
from charter.runtime import Work
from charter.vault import service as vault
from charter.vault.models import Subject

#: Who reads contact details when the caller names nobody (audited as such).
GATE_ACTOR = "system:outbound-gate"

MessageKind = Literal[
    "marketing", "service_notice", "feedback_request", "request_response", "transactional"
]
MESSAGE_KINDS: tuple[str, ...] = get_args(MessageKind)
MessageChannel = Literal["email", "text", "phone"]
MESSAGE_CHANNELS: tuple[str, ...] = get_args(MessageChannel)
#: Kinds the law may require even under restriction (Art. 18(2), with a permitted purpose).
REQUIRED_KINDS = frozenset({"request_response", "transactional"})
#: The vault field each channel reaches the person at.
CONTACT_FIELDS = {"email": "contact.email", "text": "contact.phone", "phone": "contact.phone"}
#: Objection requests that count: open ones (not yet decided, so we stop meanwhile) and
#: completed ones; a refused or cancelled request leaves no objection standing.
_DROPPED = (RequestStatus.REFUSED.value, RequestStatus.CANCELLED.value)


class Reason(StrEnum):
    """Why the gate answered as it did: stable codes stored in ``decision_reason``."""

    GIVEN = "given"
    OTHER_LAWFUL_BASIS = "other_lawful_basis"
    ERASED = "erased"
    RESTRICTED = "restricted"
    OBJECTING = "objecting"
    NO_CONSENT = "no_consent"
    WITHDRAWN = "withdrawn"
    NEEDS_RENEWAL = "needs_renewal"
    CHANNEL_NOT_DECLARED = "channel_not_declared"
    SUPPRESSED = "suppressed"
    NO_CONTACT = "no_contact"


class MisclassifiedMessage(PolicyRefusal):
    default_message = (
        "Marketing must be sent as marketing, under a marketing purpose; other kinds of "
        "message cannot use a marketing purpose."
    )


@dataclass(frozen=True)
class GateDecision:
    """The gate's answer. ``contact`` is the address or number to use when allowed: read
    from the vault for the check, handed to the sender, never stored or shown."""

    allowed: bool
    reason: Reason
    consent_event_id: int | None = None
    contact: str | None = field(default=None, repr=False)


def check_kind(kind: str, channel: str) -> None:
    if kind not in MESSAGE_KINDS:
        raise InvalidInput(f"The kind of message must be one of: {', '.join(MESSAGE_KINDS)}.")
    if channel not in MESSAGE_CHANNELS:
        raise InvalidInput(f"The channel must be one of: {', '.join(MESSAGE_CHANNELS)}.")


def checked_purpose(work: Work, *, kind: str, channel: str, purpose: str) -> Purpose:
    """The declared purpose, refusing a kind that does not match it (see the docstring)."""
    check_kind(kind, channel)
    declared = work.policy.purpose(purpose)
    if declared.marketing != (kind == "marketing"):
        raise MisclassifiedMessage
    return declared


def is_objecting(work: Work, subject: Subject) -> bool:
    """Art. 21(2)-(3): an objection request that is open or completed stops marketing."""
    query = select(SubjectRequest.id).where(
        SubjectRequest.subject_id == subject.id,
        SubjectRequest.kind == RequestKind.OBJECTION.value,
        SubjectRequest.status.not_in(_DROPPED),
    )
    return work.session.scalars(query.limit(1)).first() is not None


def _consent_event(work: Work, subject: Subject, purpose: str, channel: str) -> int | None:
    state = work.session.get(ConsentState, (subject.id, purpose, channel))
    return state.event_id if state is not None else None


def _contact(work: Work, subject: Subject, *, purpose: str, channel: str, actor: str) -> str | None:
    held = vault.read_personal_data(
        work, subject, purpose=purpose, actor=actor, categories=["contact"]
    )
    return held.get(CONTACT_FIELDS[channel])


def decide_message(
    work: Work,
    subject: Subject,
    *,
    kind: str,
    channel: str,
    purpose: str,
    actor: str = GATE_ACTOR,
) -> GateDecision:
    """The gate's answer for one message, in the order the law puts first.

    Raises (nothing is decided) for an unknown kind or channel, an undeclared purpose
    (UndeclaredPurpose) or a kind that does not match its purpose (MisclassifiedMessage).
    When the answer could be yes, the contact value is read through the vault's purpose
    gate (an audited read) so the email suppression list can be checked by its keyed
    hash. Read-only otherwise; :func:`record_message` stores the answer.
    """
    declared = checked_purpose(work, kind=kind, channel=channel, purpose=purpose)
    if subject.erased_at is not None:
        return GateDecision(False, Reason.ERASED)
    if kind == "marketing":
        return _decide_marketing(work, subject, declared, channel=channel, actor=actor)
    if subject.restricted_at is not None and not (
        kind in REQUIRED_KINDS and declared.permitted_under_restriction
    ):
        return GateDecision(False, Reason.RESTRICTED)
    consent_channel = channel if declared.channels else ANY_CHANNEL
    decision = decide(work, subject.id, declared.id, consent_channel)
    if not decision.allowed:
        return GateDecision(False, Reason(decision.code.value))
    contact = _contact(work, subject, purpose=declared.id, channel=channel, actor=actor)
    if contact is None:
        return GateDecision(False, Reason.NO_CONTACT)
    return GateDecision(True, Reason(decision.code.value), contact=contact)


def _decide_marketing(
    work: Work, subject: Subject, declared: Purpose, *, channel: str, actor: str
) -> GateDecision:
    if subject.restricted_at is not None:
        return GateDecision(False, Reason.RESTRICTED)
    if channel not in declared.channels:
        return GateDecision(False, Reason.CHANNEL_NOT_DECLARED)
    if is_objecting(work, subject):
        return GateDecision(False, Reason.OBJECTING)
    decision = decide(work, subject.id, declared.id, channel)
    event_id = _consent_event(work, subject, declared.id, channel)
    if not decision.allowed:
        return GateDecision(False, Reason(decision.code.value), event_id)
    contact = _contact(work, subject, purpose=declared.id, channel=channel, actor=actor)
    if contact is None:
        return GateDecision(False, Reason.NO_CONTACT, event_id)
    if channel == "email" and is_suppressed(work, contact):
        return GateDecision(False, Reason.SUPPRESSED, event_id)
    return GateDecision(True, Reason(decision.code.value), event_id, contact)


def record_message(
    work: Work,
    subject: Subject,
    *,
    kind: str,
    channel: str,
    purpose: str,
    idempotency_key: str,
    campaign_id: int | None = None,
    actor: str = GATE_ACTOR,
) -> tuple[SentMessage, GateDecision | None]:
    """Decide one message and record the decision in the outbox, once per key.

    The row is written before anything is sent (Art. 5(2): the decision is on record
    even if the send never happens). If ``idempotency_key`` already has a row, that row
    comes back unchanged with no decision: a rerun never records a second message, so
    it can never send a second one. An allowed message is ``pending``; a refused one is
    ``skipped`` with its reason.
    """
    existing = work.session.scalars(
        select(SentMessage).where(SentMessage.idempotency_key == idempotency_key)
    ).first()
    if existing is not None:
        return existing, None
    decision = decide_message(
        work, subject, kind=kind, channel=channel, purpose=purpose, actor=actor
    )
    message = SentMessage(
        subject_id=subject.id,
        kind=kind,
        channel=channel,
        purpose=purpose,
        campaign_id=campaign_id,
        decision="allowed" if decision.allowed else "refused",
        decision_reason=decision.reason.value,
        consent_event_id=decision.consent_event_id,
        decided_at=work.now(),
        status="pending" if decision.allowed else "skipped",
        attempts=0,
        idempotency_key=idempotency_key,
    )
    work.session.add(message)
    work.session.flush()
    return message, decision


def redecide(work: Work, message: SentMessage, subject: Subject, *, actor: str) -> GateDecision:
    """Ask the gate again at send time and store the new answer on ``message``.

    Consent can be withdrawn, and a person restricted or erased, between recording a
    message and sending it (a crash, a retry hours later): marketing may go only with
    consent in force *when it is sent* (PECR reg. 22), so a refusal now skips it.
    """
    assert message.purpose is not None
    decision = decide_message(
        work,
        subject,
        kind=message.kind,
        channel=message.channel,
        purpose=message.purpose,
        actor=actor,
    )
    message.decision = "allowed" if decision.allowed else "refused"
    message.decision_reason = decision.reason.value
    message.consent_event_id = decision.consent_event_id
    message.decided_at = work.now()
    if not decision.allowed:
        message.status = "skipped"
        message.next_attempt_at = None
    work.session.flush()
    return decision
