"""Newsletter use cases: double opt-in sign-up, confirmation, and sending.

The rules enforced here:

* **Consent to email marketing must be the person's own** (PECR reg. 22(2); UK GDPR
  Art. 4(11), Art. 7(1)): anyone can type an address into a form, so a sign-up records
  nothing until the owner of the mailbox follows the link sent to it (double opt-in).
  **Nothing is sent before that except the confirmation email**, which carries no
  marketing; a repeated sign-up for the same address within :data:`RESEND_AFTER` sends
  nothing more (the form cannot be used to flood someone's inbox).
* **The confirmation link is single-use and expires** after :data:`CONFIRMATION_TTL`
  (by ``work.now()``). Its token is 256 random bits; only a keyed hash (HMAC under the
  web secret) is stored, so a copy of the database cannot confirm anyone.
* **Where the pending address lives.** Until confirmation the address (and optional
  first name) is *not* in the vault: storing it there, for a consent-based purpose, would
  already be processing for marketing without consent. It is sealed in the
  :class:`NewsletterSignup` row under the subject's own data key (the subject is found by
  the blind index, or created with no values), so it is encrypted at rest (Art. 32), found
  by the person's access or erasure request through their subject, and crypto-shredded
  with them (Art. 17). The row is deleted on confirmation, and ``jobs.purge_expired_signups``
  deletes expired ones (Art. 5(1)(e)).
* **Re-subscribing after unsubscribing** is allowed only through a new double opt-in: the
  confirmation email is sent even to a suppressed address (it is the only way back, and
  it is throttled per address), and the address leaves the suppression list only when the
  link is followed.
* **No marketing to a suppressed address or without consent** (PECR reg. 22):
  :func:`send_newsletter` asks ``decide()`` and the suppression list before every send.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select

from charter.audit import service as audit
from charter.campaigns.delivery import send_now
from charter.consent.service import give_consent
from charter.crypto import keyed_digest, open_sealed, seal
from charter.enquiries.receipts import receipt_text
from charter.errors import Conflict, NotFound
from charter.mail.message import OutgoingEmail
from charter.mail.sender import EmailSender
from charter.newsletter.emails import confirmation_email, newsletter_email
from charter.newsletter.models import NewsletterSignup
from charter.newsletter.preferences import (
    NEWSLETTER_POINT,
    lift_suppression,
    marketing_purpose,
    newsletter_request,
    preference_token,
    preferences_url,
    suppression_digest,
    unsubscribe_url,
)
from charter.newsletter.schemas import SignupForm
from charter.policy.schemas import Channel, IdentifierKind
from charter.runtime import Work
from charter.vault import keys
from charter.vault import service as vault
from charter.vault.identifiers import blind_index
from charter.vault.models import BlindIndex, Subject

CONFIRMATION_TTL = timedelta(hours=48)
RESEND_AFTER = timedelta(minutes=15)
SIGNUP_SOURCE = "newsletter sign-up (double opt-in)"

_TOKEN = re.compile(r"^[A-Za-z0-9_-]{43}$")
_TOKEN_LABEL = b"charter:newsletter-confirm:v1\x1f"
_SEAL_LABEL = "charter:newsletter-signup:v1"


class SignupLinkNotValid(NotFound):
    default_message = (
        "This confirmation link is not valid. It may have been used already, or replaced "
        "by a newer one: check for a later email from us, or sign up again."
    )


class SignupLinkExpired(Conflict):
    status_code = 410
    default_message = "This confirmation link has expired. Please sign up again."


@dataclass(frozen=True)
class Confirmation:
    """A confirmed subscription, by reference only."""

    subject_ref: str
    record_id: str
    preferences_token: str
    suppression_lifted: bool


def _token_digest(work: Work, token: str) -> bytes:
    return keyed_digest(work.keyring.web_secret, _TOKEN_LABEL + token.encode())


def _context(subject: Subject, token_digest: bytes, field: str) -> bytes:
    return "\x1f".join((_SEAL_LABEL, subject.ref, token_digest.hex(), field)).encode()


# Sign-up ------------------------------------------------------------------------------------


def request_signup(work: Work, form: SignupForm, *, actor: str, sender: EmailSender) -> bool:
    """Record a pending sign-up and send its confirmation email; ``False`` when a
    confirmation went to this address less than :data:`RESEND_AFTER` ago (nothing is
    sent, and the page says the same either way so it reveals nothing about the address).
    """
    request = newsletter_request(work.policy)
    digest = suppression_digest(work, form.email)
    now = work.now()
    recent = work.session.scalars(
        select(NewsletterSignup.id).where(
            NewsletterSignup.email_digest == digest,
            NewsletterSignup.requested_at > now - RESEND_AFTER,
            NewsletterSignup.expires_at > now,
        )
    ).first()
    if recent is not None:
        audit.record(
            work, actor=actor, action="newsletter.signup_throttled", detail={"signup_id": recent}
        )
        return False
    # Only the newest link works: an older one for the same address is replaced.
    work.session.execute(delete(NewsletterSignup).where(NewsletterSignup.email_digest == digest))
    subject, _created = vault.get_or_create_subject(work, email=form.email, actor=actor)
    key = keys.subject_key(work, subject)
    token = secrets.token_urlsafe(32)
    token_digest = _token_digest(work, token)
    signup = NewsletterSignup(
        subject_id=subject.id,
        token_digest=token_digest,
        email_digest=digest,
        sealed_email=seal(key, form.email.encode(), _context(subject, token_digest, "email")),
        sealed_first_name=(
            seal(key, form.first_name.encode(), _context(subject, token_digest, "first_name"))
            if form.first_name
            else None
        ),
        wording=request.wording,
        policy_version=work.policy.version,
        requested_at=now,
        expires_at=now + CONFIRMATION_TTL,
    )
    work.session.add(signup)
    work.session.flush()
    audit.record(
        work,
        actor=actor,
        action="newsletter.signup_requested",
        subject_ref=subject.ref,
        purpose=request.purpose,
        detail={"signup_id": signup.id, "expires_at": signup.expires_at.isoformat()},
    )
    hours = int(CONFIRMATION_TTL.total_seconds() // 3600)
    sender.send(confirmation_email(work, to=form.email, token=token, hours=hours))
    return True


def find_signup(work: Work, token: str) -> NewsletterSignup:
    """The pending sign-up a confirmation token names, if it has not expired."""
    if not _TOKEN.match(token):
        raise SignupLinkNotValid
    signup = work.session.scalars(
        select(NewsletterSignup).where(NewsletterSignup.token_digest == _token_digest(work, token))
    ).first()
    if signup is None:
        raise SignupLinkNotValid
    if signup.expires_at <= work.now():
        raise SignupLinkExpired
    return signup


def confirm_signup(
    work: Work, token: str, *, evidence: dict[str, str], actor: str, sender: EmailSender
) -> Confirmation:
    """Follow the double opt-in link: store the address, give the consent, send a copy.

    The consent is given with the wording the person ticked on the form; if the policy
    changed that wording since, ``give_consent`` refuses and they must sign up again
    (consent to words no longer declared is not informed, Art. 7(2)). If the address
    now belongs to an existing subject (say they used the contact form meanwhile), the
    subscription joins that subject. The sign-up row is deleted: the link works once.
    """
    signup = find_signup(work, token)
    pending = work.session.get(Subject, signup.subject_id)
    if pending is None:  # pragma: no cover - the foreign key forbids it
        raise SignupLinkNotValid
    key = keys.subject_key(work, pending)
    email = open_sealed(
        key, signup.sealed_email, _context(pending, signup.token_digest, "email")
    ).decode()
    first_name = (
        open_sealed(
            key, signup.sealed_first_name, _context(pending, signup.token_digest, "first_name")
        ).decode()
        if signup.sealed_first_name is not None
        else None
    )
    subject = vault.find_subject(work, email=email) or pending
    purpose = marketing_purpose(work.policy)
    values = {} if _holds_email(work, subject, email) else {"contact.email": email}
    if first_name:
        values["identity.first_name"] = first_name
    if values:
        vault.store_personal_data(
            work,
            subject,
            collection_point=NEWSLETTER_POINT,
            values=values,
            purposes=[purpose.id],
            source=SIGNUP_SOURCE,
            actor=actor,
        )
    event = give_consent(
        work,
        subject,
        purpose=purpose.id,
        channel=Channel.EMAIL.value,
        collection_point=NEWSLETTER_POINT,
        wording=signup.wording,
        evidence=evidence,
        actor=actor,
    )
    lifted = lift_suppression(work, signup.email_digest)
    preference = preference_token(work, subject, email=email)
    work.session.delete(signup)
    work.session.flush()
    audit.record(
        work,
        actor=actor,
        action="newsletter.confirmed",
        subject_ref=subject.ref,
        purpose=purpose.id,
        detail={"record_id": event.record_id, "suppression_lifted": lifted},
    )
    sender.send(_welcome_email(work, to=email, token=preference, record_id=event.record_id))
    return Confirmation(
        subject_ref=subject.ref,
        record_id=event.record_id,
        preferences_token=preference,
        suppression_lifted=lifted,
    )


def _holds_email(work: Work, subject: Subject, email: str) -> bool:
    digest = blind_index(work.keyring.index, IdentifierKind.EMAIL, email)
    query = select(BlindIndex.id).where(
        BlindIndex.subject_id == subject.id,
        BlindIndex.kind == IdentifierKind.EMAIL.value,
        BlindIndex.digest == digest,
    )
    return work.session.scalars(query.limit(1)).first() is not None


def _welcome_email(work: Work, *, to: str, token: str, record_id: str) -> OutgoingEmail:
    """After confirmation: the person's copy of their consent record (Art. 7(1)) and the
    ways out (Art. 7(3)). Not marketing: it says what they agreed to, nothing more."""
    organisation = work.policy.organisation.name
    text = (
        f"Thank you: your subscription to the {organisation} newsletter is confirmed.\n\n"
        "You can stop at any time, as easily as you signed up:\n"
        f"- unsubscribe with one click: {unsubscribe_url(work, token)}\n"
        f"- choose how we contact you (email, phone, text): {preferences_url(work, token)}\n\n"
        "Here is your copy of your consent record (UK GDPR Article 7). Keep it, or download "
        "it again from the link below whenever you like.\n\n"
        f"{receipt_text(work, [record_id])}\n"
    )
    return OutgoingEmail(
        to=to,
        subject=f"You are subscribed to the {organisation} newsletter",
        text=text,
        kind="transactional",
    )


# Sending -------------------------------------------------------------------------------------


def send_newsletter(
    work: Work,
    subject: Subject,
    *,
    title: str,
    text: str,
    html: str | None = None,
    sender: EmailSender,
    actor: str,
    idempotency_key: str | None = None,
) -> str | None:
    """Send one newsletter to ``subject`` if, and only if, they may get it now.

    It goes through the outbound gate (``campaigns.delivery.send_now``): consent to email
    marketing in force (PECR reg. 22), and not erased, restricted, objecting (Art. 21(3))
    or on the suppression list; the decision is recorded in ``sent_messages`` with the
    consent event it rested on. Returns the Message-ID, or ``None`` when nothing was sent
    (the refusal is recorded and audited, not raised, so a loop carries on). A mailing to
    everyone is a campaign (``charter campaign send``): it also retries and survives a
    crash without sending twice.
    """
    purpose = marketing_purpose(work.policy)
    message = send_now(
        work,
        subject,
        kind="marketing",
        channel=Channel.EMAIL.value,
        purpose=purpose.id,
        idempotency_key=idempotency_key or f"newsletter:{secrets.token_hex(16)}",
        compose=lambda to: newsletter_email(
            work, subject, to=to, title=title, text=text, html=html
        ),
        email_sender=sender,
        actor=actor,
    )
    return message.provider_message_id if message.status == "sent" else None
