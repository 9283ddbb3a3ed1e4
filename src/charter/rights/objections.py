"""The right to object (UK GDPR Art. 21): to direct marketing, and to legitimate interests.

* **Direct marketing** (Art. 21(2)-(3)): the objection is absolute, so it needs no one's
  judgement. Once the person is verified every marketing consent they gave, on every
  channel, is withdrawn, their email address goes on the suppression list as a keyed
  hash (PECR reg. 22, the same list the newsletter checks), and the request is completed
  at once. Opting in again later is a new consent, so nothing here blocks it.
* **Legitimate interests** (Art. 21(1)): processing must stop *unless* the controller
  shows compelling legitimate grounds overriding the person's interests, or needs it for
  legal claims. Staff decide: ``upheld`` records an :class:`Objection` listing every
  purpose the policy bases on legitimate interests, and :func:`check_not_objected`
  (asked by the purpose gate) refuses those purposes for that person from then on;
  ``compelling_grounds`` needs the reason, which the person is told with their right to
  complain to the ICO (Art. 12(4)).
"""

from __future__ import annotations

from sqlalchemy import select

from charter.audit import service as audit
from charter.consent.service import consent_states, withdraw_consent
from charter.errors import Conflict, InvalidInput, PolicyRefusal, UndeclaredPurpose
from charter.mail.sender import EmailSender
from charter.newsletter.preferences import suppress, suppression_digest
from charter.policy.schemas import LawfulBasis, Policy
from charter.rights import service
from charter.rights.models import (
    Objection,
    ObjectionDecision,
    ObjectionScope,
    RequestKind,
    RequestStatus,
    SubjectRequest,
)
from charter.rights.notices import (
    complaints_route_text,
    ico_escalation_text,
    on_file_contact,
    organisation,
    tell_subject,
)
from charter.runtime import Work
from charter.vault.models import Subject

#: The route recorded on consent withdrawals and suppressions made by an objection.
OBJECTION_ROUTE = "objection"
MAX_REASON = 500


class ObjectionUpheld(PolicyRefusal):
    default_message = (
        "This person objected to this use of their data and the objection was upheld "
        "(UK GDPR Art. 21(1))."
    )


def check_scope(choice: str | None) -> ObjectionScope:
    """The objection's scope; marketing when not said (the commonest, and absolute)."""
    try:
        return ObjectionScope(choice or ObjectionScope.DIRECT_MARKETING.value)
    except ValueError:
        raise InvalidInput("Choose what you object to.") from None


def marketing_purposes(policy: Policy) -> list[str]:
    return [purpose.id for purpose in policy.purposes if purpose.marketing]


def legitimate_interest_purposes(policy: Policy) -> list[str]:
    """Purposes based on Art. 6(1)(f): the ones an upheld Art. 21(1) objection stops."""
    return [
        purpose.id
        for purpose in policy.purposes
        if purpose.lawful_basis is LawfulBasis.LEGITIMATE_INTERESTS
    ]


def _subject(work: Work, request: SubjectRequest) -> Subject:
    subject = None if request.subject_id is None else work.session.get(Subject, request.subject_id)
    if subject is None:
        raise Conflict("This request is not matched to a person yet.")
    return subject


def _check_objection(request: SubjectRequest) -> None:
    if request.kind != RequestKind.OBJECTION.value:
        raise Conflict("This is not an objection request.")
    if RequestStatus(request.status) not in (RequestStatus.VERIFIED, RequestStatus.IN_PROGRESS):
        raise Conflict("Verify the request before deciding the objection.")


def object_to_direct_marketing(
    work: Work,
    request: SubjectRequest,
    *,
    evidence: dict[str, str],
    actor: str,
    sender: EmailSender,
    email: str | None = None,
) -> int:
    """Art. 21(3): stop all direct marketing now and complete the request, telling the
    person; returns how many consents were withdrawn. ``email`` is the verified address
    (else the one on file is read), which is suppressed whether or not consent existed."""
    _check_objection(request)
    subject = _subject(work, request)
    purposes = marketing_purposes(work.policy)
    withdrawn = 0
    for state in consent_states(work, subject):
        if not state.given or state.purpose not in purposes:
            continue
        withdraw_consent(
            work,
            subject,
            purpose=state.purpose,
            channel=state.channel,
            actor=actor,
            evidence=evidence,
            collection_point=OBJECTION_ROUTE,
        )
        withdrawn += 1
    address = email or on_file_contact(work, subject, actor=actor).email
    if address is not None:
        suppress(work, suppression_digest(work, address), route=OBJECTION_ROUTE)
    _record(
        work,
        request,
        subject,
        scope=ObjectionScope.DIRECT_MARKETING,
        decision=ObjectionDecision.UPHELD,
        purposes=purposes,
        reason=None,
        actor=actor,
        suppressed=address is not None,
    )
    request.choice = ObjectionScope.DIRECT_MARKETING.value
    service.fulfil_request(work, request, actor=actor, outcome_note="marketing_stopped")
    text = (
        f"You objected to direct marketing (request {request.reference}). We have stopped "
        "it on every channel, from now on, and added your email address to our list of "
        "addresses we never send marketing to (UK GDPR Article 21(3)).\n\n"
        "We still send messages you need about your orders, account or requests.\n\n"
        f"{organisation(work)}\n"
    )
    tell_subject(
        work,
        request,
        subject,
        notice="objection_marketing",
        subject_line=f"We have stopped all marketing to you ({request.reference})",
        text=text,
        actor=actor,
        sender=sender,
    )
    return withdrawn


def decide_objection(
    work: Work,
    request: SubjectRequest,
    *,
    decision: str,
    actor: str,
    sender: EmailSender,
    reason: str | None = None,
) -> Objection:
    """Art. 21(1): staff decide an objection to legitimate-interests processing, which
    closes the request and is told to the person. ``upheld`` stops every
    legitimate-interests purpose for them; ``compelling_grounds`` needs the ``reason``."""
    _check_objection(request)
    try:
        chosen = ObjectionDecision(decision)
    except ValueError:
        raise InvalidInput("Choose 'upheld' or 'compelling_grounds'.") from None
    reason = (reason or "").strip() or None
    if reason is not None and len(reason) > MAX_REASON:
        raise InvalidInput(f"Keep the reason under {MAX_REASON} characters.")
    if chosen is ObjectionDecision.COMPELLING_GROUNDS and reason is None:
        raise InvalidInput("Give the compelling legitimate grounds (Art. 21(1)).")
    subject = _subject(work, request)
    upheld = chosen is ObjectionDecision.UPHELD
    purposes = legitimate_interest_purposes(work.policy) if upheld else []
    objection = _record(
        work,
        request,
        subject,
        scope=ObjectionScope.LEGITIMATE_INTERESTS,
        decision=chosen,
        purposes=purposes,
        reason=reason,
        actor=actor,
    )
    request.choice = ObjectionScope.LEGITIMATE_INTERESTS.value
    service.fulfil_request(work, request, actor=actor, outcome_note=f"objection_{chosen.value}")
    if upheld:
        body = (
            "We have upheld your objection: from now on we no longer use your personal "
            "data for any purpose that relies on our legitimate interests (UK GDPR Article "
            "21(1)). We keep it only where the law requires us to or you have a contract "
            "with us."
        )
    else:
        body = (
            "We have considered your objection. We will continue to use your data, because "
            f"we have compelling legitimate grounds which override your interests: {reason}"
            "\n\nIf you disagree, you can complain to us:\n"
            f"{complaints_route_text(work.policy)}\n\n{ico_escalation_text(work.policy)}"
        )
    tell_subject(
        work,
        request,
        subject,
        notice=f"objection_{chosen.value}",
        subject_line=f"Your objection ({request.reference})",
        text=f"{body}\n\n{organisation(work)}\n",
        actor=actor,
        sender=sender,
    )
    return objection


def _record(
    work: Work,
    request: SubjectRequest,
    subject: Subject,
    *,
    scope: ObjectionScope,
    decision: ObjectionDecision,
    purposes: list[str],
    reason: str | None,
    actor: str,
    suppressed: bool | None = None,
) -> Objection:
    objection = Objection(
        subject_id=subject.id,
        request_id=request.id,
        scope=scope.value,
        decision=decision.value,
        purposes=purposes,
        reason=reason,
        decided_at=work.now(),
        actor=actor,
    )
    work.session.add(objection)
    work.session.flush()
    detail: dict[str, object] = {
        "reference": request.reference,
        "scope": scope.value,
        "decision": decision.value,
        "purposes": purposes,
    }
    if suppressed is not None:
        detail["suppressed"] = suppressed
    audit.record(
        work, actor=actor, action="objection.decided", subject_ref=subject.ref, detail=detail
    )
    return objection


def objected_purposes(work: Work, subject_id: int) -> frozenset[str]:
    """Purposes an upheld Art. 21(1) objection stops for this person."""
    rows = work.session.scalars(
        select(Objection.purposes).where(
            Objection.subject_id == subject_id,
            Objection.scope == ObjectionScope.LEGITIMATE_INTERESTS.value,
            Objection.decision == ObjectionDecision.UPHELD.value,
        )
    )
    return frozenset(purpose for purposes in rows for purpose in purposes)


def check_not_objected(work: Work, subject: Subject, *, purpose: str) -> None:
    """The purpose gate's Art. 21(1) step: refuse ``purpose`` for a person whose objection
    to it was upheld (:class:`ObjectionUpheld`). An undeclared purpose is left for the
    gate's own first check to refuse."""
    try:
        declared = work.policy.purpose(purpose)
    except UndeclaredPurpose:
        return
    if declared.lawful_basis is not LawfulBasis.LEGITIMATE_INTERESTS:
        return  # only legitimate-interests processing can be objected to under Art. 21(1)
    if purpose in objected_purposes(work, subject.id):
        raise ObjectionUpheld
