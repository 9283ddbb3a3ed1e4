"""Consent use cases: give, withdraw, read the history, ask for renewal.

The rules enforced here:

* **Consent must be demonstrable** (UK GDPR Art. 7(1)): every change is an appended
  :class:`ConsentEvent` holding the policy version, the exact wording shown, the
  collection point, the time and minimal evidence. Events are never updated or deleted;
  ``consent_states`` is a projection of them, kept in the same transaction.
* **Consent must be informed and specific** (Art. 4(11), Art. 7(2)): it can only be given
  at a collection point the policy says asks for it, with the wording the policy declares
  for it, word for word, for a declared consent-based purpose.
* **Marketing consent is per channel** (PECR reg. 22, and regs 19-21 for calls and
  texts): a consent to emails says nothing about phone calls.
* **Withdrawing is as easy as giving** (Art. 7(3)): accepted from any route, with no
  evidence required, even when nothing was ever given.
* **Restriction and erasure override consent** (Art. 18, Art. 17): see ``decisions.py``.

Appending an event and folding it into the projection is ``ledger.py``'s job; asking
whether a use is allowed is ``decisions.py``'s.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Collection, Mapping
from dataclasses import dataclass

from sqlalchemy import select

from charter.audit import service as audit
from charter.consent.decisions import basis_label, check_channel
from charter.consent.evidence import clean_evidence
from charter.consent.ledger import append_event
from charter.consent.models import ConsentEvent, ConsentState
from charter.consent.schemas import ConsentAction
from charter.errors import InvalidInput, PolicyRefusal
from charter.policy.schemas import ConsentRequest, LawfulBasis, Policy, Purpose
from charter.runtime import Work
from charter.vault.keys import DataErased
from charter.vault.models import Subject

#: Where a withdrawal is recorded when the caller names no route: the self-service
#: privacy centre. It need not be a declared collection point (see ``withdraw_consent``).
DEFAULT_WITHDRAWAL_ROUTE = "privacy_centre"
#: Stored as the wording of every withdrawal: the person's words are not needed to stop.
WITHDRAWAL_WORDING = "I withdraw my consent to this purpose on this channel."
#: Route recorded on events appended because the policy changed materially.
POLICY_CHANGE_ROUTE = "policy_change"


_ROUTE_PATTERN = re.compile(r"[a-z][a-z0-9_]{0,63}")


# Checks against the policy ------------------------------------------------------------


def consent_purpose(policy: Policy, purpose_id: str) -> Purpose:
    """The declared purpose, refusing one that does not rest on consent.

    Consent cannot be given to, or withdrawn from, processing on another lawful basis:
    offering a choice that changes nothing would mislead (Art. 6(1), Art. 7(4)); objecting
    to such processing is a different right (Art. 21).
    """
    purpose = policy.purpose(purpose_id)
    if purpose.lawful_basis is not LawfulBasis.CONSENT:
        raise PolicyRefusal(
            f"The purpose '{purpose_id}' is not consent-based: it relies on "
            f"{basis_label(purpose.lawful_basis)}."
        )
    return purpose


def consent_request(
    policy: Policy, point_id: str, purpose: Purpose, channel: str
) -> ConsentRequest:
    """The consent request the collection point declares for this purpose and channel.

    A request that lists no channels covers every channel of its purpose.
    """
    point = policy.collection_point(point_id)
    for request in point.consents:
        if request.purpose != purpose.id:
            continue
        if not request.channels or channel in request.channels:
            return request
    raise PolicyRefusal(
        f"The collection point '{point_id}' does not ask for consent to '{purpose.id}' "
        f"on the channel '{channel}'."
    )


def _check_not_erased(subject: Subject) -> None:
    """After erasure (Art. 17) nothing may be processed, so there is no consent to record."""
    if subject.erased_at is not None:
        raise DataErased


def _record_change(
    work: Work,
    subject: Subject,
    *,
    action: ConsentAction,
    purpose: str,
    channel: str,
    wording: str,
    collection_point: str,
    evidence: dict[str, str],
    actor: str,
) -> ConsentEvent:
    """Append a given/withdrawn event (projection updated) and audit it: ``consent.<action>``."""
    event = append_event(
        work,
        ConsentEvent(
            record_id=str(uuid.uuid4()),
            subject_id=subject.id,
            purpose=purpose,
            channel=channel,
            action=action.value,
            policy_version=work.policy.version,
            wording=wording,
            collection_point=collection_point,
            occurred_at=work.now(),
            evidence=evidence,
        ),
    )
    audit.record(
        work,
        actor=actor,
        action=f"consent.{action.value}",
        subject_ref=subject.ref,
        purpose=purpose,
        detail={
            "channel": channel,
            "record_id": event.record_id,
            "policy_version": event.policy_version,
        },
    )
    return event


# Use cases ----------------------------------------------------------------------------


def give_consent(
    work: Work,
    subject: Subject,
    *,
    purpose: str,
    channel: str,
    collection_point: str,
    wording: str,
    evidence: Mapping[str, str],
    actor: str,
) -> ConsentEvent:
    """Record that ``subject`` consented, after checking the consent is valid.

    Refused, with nothing stored, unless: the purpose is declared (UndeclaredPurpose) and
    consent-based (PolicyRefusal); the channel is one of the purpose's (InvalidInput,
    PECR reg. 22); the collection point is declared and asks for this consent, and
    ``wording`` is exactly the wording it declares (PolicyRefusal: consent to words the
    policy does not state is not informed, Art. 4(11), Art. 7(2)); the subject is not
    erased (DataErased); the evidence is whitelisted and says how consent was given
    (InvalidInput, Art. 7(1)). A restricted subject may still consent: recording it is
    storage, and ``decide()`` keeps refusing while the restriction lasts (Art. 18(2)).
    """
    declared = consent_purpose(work.policy, purpose)
    check_channel(declared, channel)
    request = consent_request(work.policy, collection_point, declared, channel)
    if wording != request.wording:
        raise PolicyRefusal(
            "The consent wording differs from the wording the privacy policy declares for "
            "this collection point; consent to unstated wording is not informed."
        )
    _check_not_erased(subject)
    return _record_change(
        work,
        subject,
        action=ConsentAction.GIVEN,
        purpose=purpose,
        channel=channel,
        wording=wording,
        collection_point=collection_point,
        evidence=clean_evidence(evidence, require_method=True),
        actor=actor,
    )


@dataclass(frozen=True)
class Withdrawal:
    """A recorded withdrawal and what it means for the person.

    ``consequence`` is what the person must be told, at the time, when withdrawing stops
    a service (the policy promises this; Art. 7(3), Art. 13(2)(c)). It is ``None`` for
    marketing purposes: no service may depend on marketing consent (Art. 7(4)).
    """

    event: ConsentEvent
    consequence: str | None


def withdraw_consent(
    work: Work,
    subject: Subject,
    *,
    purpose: str,
    channel: str,
    actor: str,
    evidence: Mapping[str, str],
    collection_point: str = DEFAULT_WITHDRAWAL_ROUTE,
) -> Withdrawal:
    """Record that ``subject`` withdrew consent (Art. 7(3)).

    Withdrawing must be as easy as giving, so it is accepted through any route the person
    used: ``collection_point`` names that route (default: the privacy centre) and need not
    be a declared collection point, and evidence needs no method. Withdrawing what was
    never given is recorded too: the refusal is a fact worth demonstrating, and the effect
    (not allowed) is the same. Still refused: an undeclared or non-consent purpose, a
    channel the purpose does not have, and an erased subject (nothing is left to stop).
    """
    declared = consent_purpose(work.policy, purpose)
    check_channel(declared, channel)
    if not _ROUTE_PATTERN.fullmatch(collection_point):
        raise InvalidInput("The withdrawal route must be a short lower-case identifier.")
    _check_not_erased(subject)
    event = _record_change(
        work,
        subject,
        action=ConsentAction.WITHDRAWN,
        purpose=purpose,
        channel=channel,
        wording=WITHDRAWAL_WORDING,
        collection_point=collection_point,
        evidence=clean_evidence(evidence, require_method=False),
        actor=actor,
    )
    return Withdrawal(event=event, consequence=withdrawal_consequence(declared))


def withdrawal_consequence(purpose: Purpose) -> str | None:
    """What stops when consent to ``purpose`` goes; ``None`` when no service depends on it.

    Only the processing that rests on this consent stops: whatever the policy does on
    another lawful basis (a contract, a legal obligation) continues, and the person is
    told so rather than left to assume everything ends.
    """
    if purpose.marketing:
        return None
    return (
        f"We can no longer provide '{purpose.name}', because it relies on your consent "
        "alone. Anything we do on another lawful basis, such as a contract with you or a "
        "legal obligation, is not affected."
    )


def consent_history(work: Work, subject: Subject) -> list[ConsentEvent]:
    """Every consent event of ``subject``, oldest first (Art. 7(1), Art. 15 access)."""
    query = (
        select(ConsentEvent).where(ConsentEvent.subject_id == subject.id).order_by(ConsentEvent.id)
    )
    return list(work.session.scalars(query))


def consent_states(work: Work, subject: Subject) -> list[ConsentState]:
    """The current consent of ``subject`` per purpose and channel (the projection)."""
    query = (
        select(ConsentState)
        .where(ConsentState.subject_id == subject.id)
        .order_by(ConsentState.purpose, ConsentState.channel)
    )
    return list(work.session.scalars(query))


def mark_renewal_needed(
    work: Work, *, purposes: Collection[str], given_before_version: str, actor: str
) -> int:
    """Flag consents that a material policy change has outrun; returns how many.

    Consent covers what the person was told when they gave it (Art. 4(11), Art. 7(2)).
    When version ``given_before_version`` changes a consent-based purpose materially,
    every consent to it that is currently given under any other version must be asked for
    again: ``decide()`` answers "needs renewal" until it is given afresh. Each flag is an
    appended ``renewal_needed`` event, so the ledger alone still explains the projection.
    Consents already flagged are not flagged again.
    """
    if not given_before_version.strip():
        raise InvalidInput("Name the policy version that changed the purposes materially.")
    declared = sorted({consent_purpose(work.policy, purpose).id for purpose in purposes})
    if not declared:
        return 0
    states = work.session.scalars(
        select(ConsentState)
        .where(
            ConsentState.purpose.in_(declared),
            ConsentState.given.is_(True),
            ConsentState.needs_renewal.is_(False),
            ConsentState.policy_version != given_before_version,
        )
        .order_by(ConsentState.subject_id, ConsentState.purpose, ConsentState.channel)
    ).all()
    now = work.now()
    wording = (
        f"Consent must be renewed: the privacy policy changed materially in version "
        f"{given_before_version}."
    )
    for state in states:
        append_event(
            work,
            ConsentEvent(
                record_id=str(uuid.uuid4()),
                subject_id=state.subject_id,
                purpose=state.purpose,
                channel=state.channel,
                action=ConsentAction.RENEWAL_NEEDED.value,
                policy_version=work.policy.version,
                wording=wording,
                collection_point=POLICY_CHANGE_ROUTE,
                occurred_at=now,
                evidence={"method": POLICY_CHANGE_ROUTE},
            ),
        )
    audit.record(
        work,
        actor=actor,
        action="consent.renewal_needed",
        detail={
            "purposes": declared,
            "given_before_version": given_before_version,
            "count": len(states),
        },
    )
    return len(states)
