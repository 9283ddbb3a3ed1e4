"""Privacy-centre use cases: ask to use a right, prove it is you by email, get the answer.

The rules enforced here:

* **Every request is logged on arrival** (Art. 12(2)): :func:`submit_request` calls
  ``rights.service.receive_request`` whatever happens next, and moves it to
  ``awaiting_verification``. The subject is attached only once identity is verified, so an
  unverified request (possibly an impostor's) never holds back a deletion under DPA 2018
  s.173 and never names anyone in the request ledger.
* **Identity is verified by the mailbox we already hold, never by what the requester
  says** (Art. 12(6); ICO guidance "How do we verify identity?"; Pavur & Knerr,
  "GDPArrrrr", Black Hat USA 2019, where impostors obtained others' data by asking from a
  look-alike address). The subject is looked up *only* by the blind index of the
  normalised address typed in. When it matches, the link goes to that normalised
  address, which is by construction the one on file; a look-alike (``examp1e.com``, a
  ``+tag``) normalises to a different index and matches nobody. Nothing is ever sent to
  an address that is not on file, and the request is acted on only after the link is
  followed and confirmed.
* **No enumeration** (Art. 5(1)(f), Art. 32): whether or not the address is held, the
  same work is done (a request logged, a token drawn and hashed, a link row written) and
  the caller shows the same page. Only the email differs, and only its recipient sees it.
  At most one verification email goes to an address per :data:`RESEND_AFTER`, so the
  form cannot be used to flood someone's inbox.
* **Links are single-use and expire** by ``work.now()``: verification after
  :data:`VERIFICATION_TTL`, downloads after ``packages.DOWNLOAD_TTL``. Tokens are 256 random
  bits and only their keyed hash (HMAC under the web secret, as for the newsletter's
  confirmation links) is stored.
* **"This wasn't me" cancels** the request (and the person now knows someone tried).
* **What happens once verified** (:func:`confirm_request`), by kind:
  access/portability (Art. 15, 20): the package is built, sealed under the subject's data
  key and offered once through a download link emailed to the same address, and the
  request is fulfilled; withdraw consent (Art. 7(3)) or marketing channels (Art. 21(3),
  PECR regs 21-22): done at once, with the consequence the person must be told;
  restriction (Art. 18(1)): applied at once; erasure, rectification, objection and
  complaints need a person's judgement and go to staff (``in_progress``), due by the
  Art. 12(3) date shown to the person.
* **Free text is not collected** (Art. 5(1)(c)): the form records the kind of request
  only. Words typed by someone not yet verified could be anyone's, about anyone; staff
  ask the verified person for details by replying to the address on file.
* **Audited without personal data**: request references, kinds, codes and counts only.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select

from charter.audit import service as audit
from charter.consent.service import consent_states, withdraw_consent
from charter.crypto import keyed_digest, open_sealed, seal
from charter.errors import Conflict, InvalidInput, NotFound, UndeclaredPurpose
from charter.mail.message import OutgoingEmail
from charter.mail.sender import EmailSender
from charter.newsletter.preferences import suppress, suppression_digest
from charter.policy.schemas import Channel, LawfulBasis
from charter.privacy_centre.models import VerificationLink
from charter.rights import service as rights
from charter.rights.complaints import acknowledge_complaint
from charter.rights.models import ObjectionScope, RequestKind, RequestStatus, SubjectRequest
from charter.rights.objections import object_to_direct_marketing
from charter.rights.workflow import advance
from charter.runtime import Work
from charter.sms.sender import TextSender
from charter.vault import keys
from charter.vault import service as vault
from charter.vault.access import RestrictionGround
from charter.vault.identifiers import normalise_email
from charter.vault.models import Subject

VERIFICATION_TTL = timedelta(hours=24)
#: One verification email per address per this long: the form cannot flood a mailbox.
RESEND_AFTER = timedelta(minutes=15)
#: The route recorded on consent withdrawals made here (a short label, Art. 7(3)).
WITHDRAWAL_ROUTE = "privacy_centre"

#: Kinds answered at once after verification; the rest go to staff.
PACKAGE_KINDS = frozenset({RequestKind.ACCESS, RequestKind.PORTABILITY})
CONSENT_KINDS = frozenset({RequestKind.WITHDRAW_CONSENT, RequestKind.CHANGE_CHANNELS})

_TOKEN = re.compile(r"^[A-Za-z0-9_-]{43}$")
_VERIFY_LABEL = b"charter:privacy-centre-verify:v1\x1f"
_SEAL_LABEL = "charter:privacy-centre:v1"


class LinkNotValid(NotFound):
    default_message = (
        "This link is not valid. Check you copied the whole link from our email, or make "
        "a new request from the privacy centre."
    )


class LinkGone(Conflict):
    """A link that was used already or has expired: 410, it will never work again."""

    status_code = 410
    default_message = (
        "This link has already been used or has expired. You can make a new request from "
        "the privacy centre."
    )


@dataclass(frozen=True)
class Outcome:
    """What happened once a request was confirmed, for the page that tells the person."""

    reference: str
    kind: str
    status: str
    due_on: date | None
    consequences: list[str] = field(default_factory=list)
    nothing_to_withdraw: bool = False
    cooling_off_until: datetime | None = None
    objection_scope: str | None = None


# Tokens ----------------------------------------------------------------


def new_token(work: Work, label: bytes) -> tuple[str, bytes]:
    token = secrets.token_urlsafe(32)  # 256 bits
    return token, keyed_digest(work.keyring.web_secret, label + token.encode())


def token_digest(work: Work, label: bytes, token: str) -> bytes:
    if not _TOKEN.match(token):
        raise LinkNotValid
    return keyed_digest(work.keyring.web_secret, label + token.encode())


def seal_context(subject: Subject, reference: str, what: str) -> bytes:
    return "\x1f".join((_SEAL_LABEL, subject.ref, reference, what)).encode()


def public_url(work: Work, path: str) -> str:
    return f"{work.settings.base_url.rstrip('/')}{path}"


# Making a request ----------------------------------------------------------------


def check_choice(kind: RequestKind, choice: str | None) -> str | None:
    """The kind-specific option: a marketing channel, or an Art. 18(1) ground code."""
    if kind is RequestKind.CHANGE_CHANNELS:
        if choice not in {item.value for item in Channel}:
            raise InvalidInput("Choose which way of contacting you should stop.")
        return choice
    if kind is RequestKind.OBJECTION:
        if choice and choice not in {item.value for item in ObjectionScope}:
            raise InvalidInput("Choose what you object to.")
        return choice or None
    if kind is RequestKind.RESTRICTION:
        ground = choice or RestrictionGround.ACCURACY_CONTESTED.value
        if ground not in {item.value for item in RestrictionGround}:
            raise InvalidInput("Choose why processing should be restricted.")
        return ground
    return None


def submit_request(
    work: Work,
    *,
    kind: str,
    email: str,
    choice: str | None = None,
    actor: str,
    sender: EmailSender,
    received_via: str = "web",
) -> SubjectRequest:
    """Log a request made on the web (or by email, ``received_via="email"``) and, if the
    address is on file, email it a link.

    Returns the request; callers must show the same thing whatever it is (no
    enumeration). ``email`` must be a valid address (``InvalidInput`` otherwise).
    """
    right = RequestKind(kind)
    chosen = check_choice(right, choice)
    normalised = normalise_email(email)
    subject = vault.find_subject(work, email=normalised)
    request = rights.receive_request(work, kind=right.value, received_via=received_via, actor=actor)
    advance(work, request, RequestStatus.AWAITING_VERIFICATION, actor=actor)
    token, digest = new_token(work, _VERIFY_LABEL)
    now = work.now()
    link = VerificationLink(
        request_id=request.id,
        subject_id=None if subject is None else subject.id,
        token_digest=digest,
        choice=chosen,
        created_at=now,
        expires_at=now + VERIFICATION_TTL,
        method="email_link",
    )
    if subject is not None:
        key = keys.subject_key(work, subject)
        link.sealed_email = seal(
            key, normalised.encode(), seal_context(subject, request.reference, "email")
        )
    work.session.add(link)
    work.session.flush()
    audit.record(
        work,
        actor=actor,
        action="privacy_centre.requested",
        detail={
            "reference": request.reference,
            "kind": right.value,
            "matched": subject is not None,
        },
    )
    if subject is not None and not mailed_recently(work, subject, link):
        sender.send(_verification_email(work, to=normalised, request=request, token=token))
    return request


def mailed_recently(work: Work, subject: Subject, link: VerificationLink) -> bool:
    """Whether another live link went to this subject within :data:`RESEND_AFTER`; the
    new request is still logged, but no second email is sent (the first one still works)."""
    query = select(VerificationLink.id).where(
        VerificationLink.subject_id == subject.id,
        VerificationLink.method == link.method,
        VerificationLink.id != link.id,
        VerificationLink.used_at.is_(None),
        VerificationLink.created_at > work.now() - RESEND_AFTER,
    )
    return work.session.scalars(query.limit(1)).first() is not None


def _verification_email(
    work: Work, *, to: str, request: SubjectRequest, token: str
) -> OutgoingEmail:
    organisation = work.policy.organisation.name
    hours = int(VERIFICATION_TTL.total_seconds() // 3600)
    route = _ROUTE_PHRASES.get(request.received_via, _ROUTE_PHRASES["web"])
    text = (
        f"Someone asked {organisation}, {route}, to act "
        f"on the personal data we hold about this email address: {_KIND_PHRASES[request.kind]}.\n"
        f"Request reference: {request.reference}\n\n"
        "If this was you, open the link below and press Confirm. If it was not you, open it "
        'and press "This wasn\'t me": we will cancel the request and do nothing else.\n\n'
        f"{public_url(work, f'/privacy-centre/verify/{token}')}\n\n"
        f"The link works once and expires in {hours} hours. Until it is confirmed we do "
        "nothing with your data.\n"
    )
    return OutgoingEmail(
        to=to,
        subject=f"Please confirm your data protection request {request.reference}",
        text=text,
        kind="request_response",
    )


#: How the request reached us, for the verification email: an emailed request may have
#: come from anyone who typed this address into From: (GDPArrrrr), so the person is told.
_ROUTE_PHRASES = {
    "web": "through the privacy centre on our website",
    "email": "in an email sent in the name of this address",
}

_KIND_PHRASES = {
    RequestKind.ACCESS.value: "a copy of your personal data (UK GDPR Article 15)",
    RequestKind.PORTABILITY.value: "your data in a portable format (Article 20)",
    RequestKind.RECTIFICATION.value: "to correct your data (Article 16)",
    RequestKind.ERASURE.value: "to erase your data (Article 17)",
    RequestKind.RESTRICTION.value: "to restrict the use of your data (Article 18)",
    RequestKind.OBJECTION.value: "to object to the use of your data (Article 21)",
    RequestKind.WITHDRAW_CONSENT.value: "to withdraw your consent (Article 7(3))",
    RequestKind.CHANGE_CHANNELS.value: "to stop marketing on one channel (Article 21(3))",
    RequestKind.COMPLAINT.value: "a complaint about how we handle your data",
}


# Following the verification link ----------------------------------------------------------------


def open_link(work: Work, token: str) -> tuple[VerificationLink, SubjectRequest]:
    """The live link a token names: :class:`LinkNotValid` if unknown (or never sent),
    :class:`LinkGone` once used or expired."""
    digest = token_digest(work, _VERIFY_LABEL, token)
    link = work.session.scalars(
        select(VerificationLink).where(VerificationLink.token_digest == digest)
    ).first()
    if link is None or link.subject_id is None:
        raise LinkNotValid
    if link.used_at is not None or link.expires_at <= work.now():
        raise LinkGone
    request = work.session.get(SubjectRequest, link.request_id)
    if request is None:  # pragma: no cover - the foreign key forbids it
        raise LinkNotValid
    return link, request


def linked_subject(
    work: Work, link: VerificationLink, request: SubjectRequest
) -> tuple[Subject, str]:
    subject = work.session.get(Subject, link.subject_id)
    if subject is None or link.sealed_email is None:  # pragma: no cover - set together
        raise LinkNotValid
    key = keys.subject_key(work, subject)
    email = open_sealed(key, link.sealed_email, seal_context(subject, request.reference, "email"))
    return subject, email.decode()


def cancel_by_link(work: Work, token: str, *, actor: str) -> SubjectRequest:
    """ "This wasn't me": the request is cancelled and the link burnt."""
    link, request = open_link(work, token)
    link.used_at = work.now()
    link.sealed_email = None
    rights.cancel_request(work, request, actor=actor, reason="not_made_by_subject")
    return request


def confirm_request(
    work: Work,
    token: str,
    *,
    evidence: dict[str, str],
    actor: str,
    sender: EmailSender,
    text_sender: TextSender | None = None,
) -> Outcome:
    """The owner of the mailbox confirmed: verify (Art. 12(3) clock starts), then act."""
    link, request = open_link(work, token)
    subject, email = linked_subject(work, link, request)
    link.used_at = work.now()
    link.sealed_email = None
    rights.verify_request(work, request, method="email_link", actor=actor, subject=subject)
    return act_on_verified(
        work,
        link,
        request,
        subject,
        email=email,
        phone=None,
        evidence=evidence,
        actor=actor,
        sender=sender,
        text_sender=text_sender,
    )


def act_on_verified(
    work: Work,
    link: VerificationLink,
    request: SubjectRequest,
    subject: Subject,
    *,
    email: str | None,
    phone: str | None,
    evidence: dict[str, str],
    actor: str,
    sender: EmailSender,
    text_sender: TextSender | None,
) -> Outcome:
    """What a verified request does at once, by kind (see the module docstring). Answers
    go to ``email`` (the verified address on file) or, without one, ``phone`` by text."""
    kind = RequestKind(request.kind)
    consequences: list[str] = []
    withdrawn = 0
    if kind in PACKAGE_KINDS:
        from charter.privacy_centre.packages import offer_package

        offer_package(
            work,
            request,
            subject,
            email=email,
            phone=phone,
            actor=actor,
            sender=sender,
            text_sender=text_sender,
        )
        rights.fulfil_request(work, request, actor=actor, outcome_note="download_link_sent")
    elif kind in CONSENT_KINDS:
        consequences, withdrawn = _withdraw(
            work, request, subject, email=email, choice=link.choice, evidence=evidence, actor=actor
        )
        note = "consent_withdrawn" if withdrawn else "nothing_to_withdraw"
        rights.fulfil_request(work, request, actor=actor, outcome_note=note)
    elif kind is RequestKind.RESTRICTION:
        if subject.restricted_at is None:
            vault.restrict_processing(
                work, subject, reason=link.choice or "accuracy_contested", actor=actor
            )
        rights.fulfil_request(work, request, actor=actor, outcome_note="restricted")
    elif kind is RequestKind.OBJECTION and link.choice == ObjectionScope.DIRECT_MARKETING.value:
        object_to_direct_marketing(
            work, request, evidence=evidence, actor=actor, sender=sender, email=email
        )
    else:
        request.choice = link.choice
        rights.start_work(work, request, actor=actor)
        if kind is RequestKind.COMPLAINT:
            acknowledge_complaint(work, request, actor=actor, sender=sender)
        elif kind is RequestKind.ERASURE:
            from charter.privacy_centre.cooling_off import offer_cancellation

            offer_cancellation(
                work,
                link,
                request,
                email=email,
                phone=phone,
                sender=sender,
                text_sender=text_sender,
            )
    return Outcome(
        request.reference,
        kind.value,
        request.status,
        request.due_on,
        consequences=consequences,
        nothing_to_withdraw=kind in CONSENT_KINDS and withdrawn == 0,
        cooling_off_until=rights.cooling_off_ends(request),
        objection_scope=link.choice if kind is RequestKind.OBJECTION else None,
    )


def _withdraw(
    work: Work,
    request: SubjectRequest,
    subject: Subject,
    *,
    email: str | None,
    choice: str | None,
    evidence: dict[str, str],
    actor: str,
) -> tuple[list[str], int]:
    """Art. 7(3): withdraw every consent given (or, for a channel change, marketing on that
    channel, Art. 21(3)). Stopping marketing email also suppresses the address (PECR
    reg. 22), exactly as the newsletter's unsubscribe link does. Returns the consequences
    the person must be told (``Withdrawal.consequence``) and how many were withdrawn."""
    consequences: list[str] = []
    withdrawn = 0
    for state in consent_states(work, subject):
        if not state.given:
            continue
        try:
            purpose = work.policy.purpose(state.purpose)
        except UndeclaredPurpose:  # no longer in the policy: nothing may use it anyway
            continue
        if purpose.lawful_basis is not LawfulBasis.CONSENT:
            continue
        if request.kind == RequestKind.CHANGE_CHANNELS and not (
            purpose.marketing and state.channel == choice
        ):
            continue
        result = withdraw_consent(
            work,
            subject,
            purpose=state.purpose,
            channel=state.channel,
            actor=actor,
            evidence=evidence,
            collection_point=WITHDRAWAL_ROUTE,
        )
        withdrawn += 1
        if result.consequence and result.consequence not in consequences:
            consequences.append(result.consequence)
        if purpose.marketing and state.channel == Channel.EMAIL.value and email is not None:
            suppress(work, suppression_digest(work, email), route=WITHDRAWAL_ROUTE)
    return consequences, withdrawn
