"""The contact form's use case: receive one enquiry, with any marketing opt-ins.

The rules enforced here, in one unit of work that the edge commits (an error anywhere,
including a failed email, leaves nothing stored):

* **Collect only what the policy declares for the contact form** (UK GDPR Art. 5(1)(c),
  Art. 13): every field goes through ``vault.store_personal_data`` at the
  ``contact_form`` collection point, sealed under the person's data key (Art. 32(1)(a)),
  with that point's purposes and retention.
* **No special-category data** (Art. 9, Art. 10): the firm's policy says it collects
  none, so the message is screened. Unless the person has seen the warning and chosen
  to send anyway, nothing is stored and the warning is shown
  (:class:`SpecialCategoryWarning`). Then ``CHARTER_SPECIAL_CATEGORY_MODE`` decides:
  ``redact`` stores the message with the flagged passages replaced (the original is never
  stored), ``quarantine`` stores it whole but marks the enquiry for review before anyone
  else reads it, ``reject`` stores nothing (:class:`SpecialCategoryRejected`).
* **Marketing consent is separate, per channel and unticked by default** (PECR regs
  21-22, Art. 7(2), recital 32): each ticked channel is one ``give_consent`` with the
  exact wording the policy declares for it; an unticked box records nothing.
* **The person gets a copy of each consent record** (Art. 7(1)) with a download link and
  the link to withdraw (Art. 7(3)); the email never repeats their message or name, so the
  form cannot be used to send someone else arbitrary text.
* **The firm is told without spreading the data**: the staff notification holds only a
  link to the enquiry in the staff console (Art. 5(1)(f), Art. 32(1)(b)).
* **The person is found by email only** (blind index): a phone number can be shared by a
  whole office, and attaching an enquiry to the wrong person would be a disclosure.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence

from charter.audit import service as audit
from charter.consent.service import consent_purpose, give_consent
from charter.enquiries.models import Enquiry
from charter.enquiries.receipts import receipt_text
from charter.enquiries.schemas import EnquiryForm, EnquiryReceipt, Handling, ScreenResult
from charter.errors import InvalidInput, PolicyRefusal, ProcessingRestricted
from charter.mail.message import OutgoingEmail
from charter.mail.schemas import SpecialCategoryMode
from charter.mail.sender import EmailSender
from charter.newsletter.preferences import preference_token, preferences_url
from charter.policy.schemas import Channel, CollectionPoint, ConsentRequest, LawfulBasis, Policy
from charter.runtime import Work
from charter.screening.schemas import CATEGORY_LABELS
from charter.screening.service import redact_special, screen_text
from charter.vault import service as vault
from charter.vault.models import Subject

CONTACT_POINT = "contact_form"
SOURCE = "contact form"
#: Form field -> the policy field it is stored as.
FIELD_REFS = {
    "title": "identity.title",
    "first_name": "identity.first_name",
    "last_name": "identity.last_name",
    "email": "contact.email",
    "phone": "contact.phone",
    "message": "communications.message",
}
REFERENCE_PREFIX = "ENQ-"
#: Crockford-style alphabet: no 0/O, 1/I/L or U, so a reference read aloud is unambiguous.
REFERENCE_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"
REFERENCE_LENGTH = 10  # 29^10: about 49 bits, not enumerable
CHANNEL_LABELS = {Channel.EMAIL: "email", Channel.PHONE: "phone", Channel.TEXT: "text message"}


class SpecialCategoryWarning(InvalidInput):
    """The message looks like special-category data and the person has not yet seen the
    warning: nothing is stored; show ``public_message`` and let them edit."""

    def __init__(self, categories: Sequence[str]) -> None:
        self.categories = list(categories)
        super().__init__(special_warning(self.categories))


class SpecialCategoryRejected(InvalidInput):
    default_message = (
        "We cannot accept a message containing health or other sensitive information about "
        "a person (UK GDPR Article 9). Please remove it and send your message again, or "
        "telephone us."
    )


def special_warning(categories: Sequence[str]) -> str:
    """E.g. "This looks like it may contain health information about a person — please
    remove it." Names the kind of data, never the passage."""
    named: dict[str, str] = {str(key): label for key, label in CATEGORY_LABELS.items()}
    labels = [named.get(category, "sensitive information") for category in categories]
    described = " or ".join(dict.fromkeys(labels)) or "sensitive information"
    return (
        f"This looks like it may contain {described} about a person — please remove it. "
        "We do not need it to answer your enquiry."
    )


def screen_message(text: str) -> ScreenResult:
    """What the page's script asks before submitting (``POST /contact/screen``). Nothing
    is stored or logged: the text is screened in memory and forgotten."""
    screening = screen_text(text)
    if not screening.flagged:
        return ScreenResult(flagged=False)
    return ScreenResult(flagged=True, warning=special_warning(screening.categories))


def marketing_opt_ins(policy: Policy) -> dict[Channel, ConsentRequest]:
    """The marketing consent the contact form asks for, per channel, in channel order
    (each channel its own box and its own wording, PECR reg. 22)."""
    point = policy.collection_point(CONTACT_POINT)
    found: dict[Channel, ConsentRequest] = {}
    for request in point.consents:
        purpose = consent_purpose(policy, request.purpose)
        if not purpose.marketing:
            continue
        for channel in request.channels or purpose.channels:
            found.setdefault(channel, request)
    return {channel: found[channel] for channel in Channel if channel in found}


def submit_enquiry(
    work: Work,
    form: EnquiryForm,
    *,
    evidence: Mapping[str, str],
    actor: str,
    sender: EmailSender,
) -> EnquiryReceipt:
    """Store one enquiry and its opt-ins, email the person their consent records and the
    firm a console link. Raises :class:`SpecialCategoryWarning`,
    :class:`SpecialCategoryRejected`, or a policy refusal; nothing is stored then."""
    screening = screen_text(form.message)
    categories: list[str] = list(screening.categories)
    message, handling = form.message, Handling.CLEAN
    if screening.flagged:
        if not form.confirmed_special:
            raise SpecialCategoryWarning(categories)
        mode = SpecialCategoryMode(work.settings.special_category_mode)
        if mode is SpecialCategoryMode.REJECT:
            raise SpecialCategoryRejected
        if mode is SpecialCategoryMode.REDACT:
            message, handling = redact_special(form.message, screening), Handling.REDACTED
        else:
            handling = Handling.QUARANTINED
    point = work.policy.collection_point(CONTACT_POINT)
    offered = marketing_opt_ins(work.policy)
    if any(channel not in offered for channel in form.marketing):
        raise PolicyRefusal("The contact form does not ask for consent on that channel.")
    chosen = {channel: offered[channel] for channel in form.marketing}

    subject, created = vault.get_or_create_subject(work, email=form.email, actor=actor)
    fields = {**form.model_dump(include=set(FIELD_REFS)), "message": message}
    stored = vault.store_personal_data(
        work,
        subject,
        collection_point=CONTACT_POINT,
        values={FIELD_REFS[name]: value for name, value in fields.items() if value},
        purposes=_purposes(work.policy, point, consented={r.purpose for r in chosen.values()}),
        source=SOURCE,
        actor=actor,
    )
    events = [
        give_consent(
            work,
            subject,
            purpose=request.purpose,
            channel=channel.value,
            collection_point=CONTACT_POINT,
            wording=request.wording,
            evidence=evidence,
            actor=actor,
        )
        for channel, request in chosen.items()
    ]
    record_ids = [event.record_id for event in events]
    enquiry = Enquiry(
        reference=new_reference(),
        subject_id=subject.id,
        created_at=work.now(),
        value_ids=[row.id for row in stored],
        categories=categories,
        handling=handling.value,
        consent_record_ids=record_ids,
    )
    work.session.add(enquiry)
    work.session.flush()
    reply_purpose = _reply_purpose(work.policy, point)
    acknowledged = _may_reply(work, subject, reply_purpose)
    audit.record(
        work,
        actor=actor,
        action="enquiry.received",
        subject_ref=subject.ref,
        purpose=reply_purpose,
        detail={
            "reference": enquiry.reference,
            "handling": handling.value,
            "special_categories": categories,
            "consents": [channel.value for channel in chosen],
            "acknowledged": acknowledged,
        },
    )
    sender.send(staff_notification(work, enquiry.reference))
    if acknowledged:
        sender.send(
            acknowledgement(
                work,
                subject,
                to=form.email,
                reference=enquiry.reference,
                channels=list(chosen),
                record_ids=record_ids,
            )
        )
    return EnquiryReceipt(
        reference=enquiry.reference,
        subject_ref=subject.ref,
        subject_created=created,
        handling=handling,
        categories=categories,
        consent_record_ids=record_ids,
        value_ids=enquiry.value_ids,
    )


def new_reference() -> str:
    return REFERENCE_PREFIX + "".join(
        secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH)
    )


def _purposes(policy: Policy, point: CollectionPoint, *, consented: set[str]) -> list[str]:
    """The point's purposes, less any consent-based one the person did not consent to:
    their details serve marketing only if they opted in (Art. 5(1)(b), Art. 6(1)(a))."""
    return [
        purpose_id
        for purpose_id in point.purposes
        if purpose_id in consented
        or policy.purpose(purpose_id).lawful_basis is not LawfulBasis.CONSENT
    ]


def _reply_purpose(policy: Policy, point: CollectionPoint) -> str | None:
    """The purpose under which the acknowledgement is sent: the point's first purpose
    that does not rest on consent and may use contact details."""
    for purpose_id in point.purposes:
        purpose = policy.purpose(purpose_id)
        if purpose.lawful_basis is not LawfulBasis.CONSENT and "contact" in purpose.categories:
            return purpose.id
    return None


def _may_reply(work: Work, subject: Subject, purpose: str | None) -> bool:
    """The purpose gate for the address already in hand (``vault.check_purpose``): a
    person whose processing is restricted (Art. 18) gets no acknowledgement."""
    if purpose is None:
        return False
    try:
        vault.check_purpose(work, subject, purpose=purpose, categories=["contact"])
    except ProcessingRestricted:
        return False
    return True


def staff_notification(work: Work, reference: str) -> OutgoingEmail:
    """The firm's alert: a console link and nothing else about the person (the email
    provider and every inbox it reaches see only this)."""
    base = work.settings.base_url.rstrip("/")
    return OutgoingEmail(
        to=work.settings.staff_notification_email,
        subject=f"New website enquiry {reference}",
        text=(
            "A new enquiry has arrived through the contact form on the website.\n\n"
            f"Open it in the staff console:\n{base}/admin/enquiries/{reference}\n\n"
            "This email deliberately contains no personal data: the enquiry is stored "
            "encrypted in Charter.\n"
        ),
        kind="staff_notification",
    )


def acknowledgement(
    work: Work,
    subject: Subject,
    *,
    to: str,
    reference: str,
    channels: Sequence[Channel],
    record_ids: Sequence[str],
) -> OutgoingEmail:
    """The person's acknowledgement with their consent records (Art. 7(1)) and the link
    to change their mind (Art. 7(3)). Their message and name are not repeated."""
    base = work.settings.base_url.rstrip("/")
    organisation = work.policy.organisation
    lines = [
        f"Thank you for contacting {organisation.name}. We have received your enquiry and "
        "will reply as soon as we can.",
        f"Your reference: {reference}",
    ]
    if channels:
        token = preference_token(work, subject, email=to)
        agreed = ", ".join(CHANNEL_LABELS[channel] for channel in channels)
        lines += [
            f"You also agreed that we may contact you with marketing by: {agreed}. You can "
            "change your mind at any time, one channel at a time, here:\n"
            f"{preferences_url(work, token)}",
            "Below is your copy of each consent record (UK GDPR Article 7). Keep this email, "
            "or download a record again from its link whenever you like.",
            receipt_text(work, record_ids),
        ]
    contact = organisation.privacy_contact or organisation.email
    lines.append(f"How we use your information: {base}/privacy")
    if contact:
        lines.append(f"If you did not contact us, tell us at {contact} and we will delete this.")
    return OutgoingEmail(
        to=to,
        subject=f"We have received your enquiry ({reference})",
        text="\n\n".join(lines) + "\n",
        kind="transactional",
    )
