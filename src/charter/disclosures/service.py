"""The disclosure register: one gate every disclosure of personal data passes through.

:func:`record_disclosure` is the one use case the console, the CLI and other features call
before personal data leaves us, to a processor for a declared purpose (Art. 28) or to a
third party under a legal obligation or for fraud prevention. It refuses, and records
nothing, when:

* the recipient, the purpose for that recipient, or a category for that recipient and
  purpose is not declared in the policy in force (Art. 5(1)(a)-(c), Art. 13(1)(e));
* the purpose is marketing, or the recipient sells data or uses it for its own marketing:
  the policy promises we never sell or share data for marketing (Art. 5(1)(a), 21(2));
* the person's data was erased (Art. 17), or processing is restricted and the purpose is
  neither a legal claim nor a legal obligation (Art. 18(2));
* the recipient is outside the UK and the policy records no adequacy regulations or
  safeguard for it, or an Art. 49 exception without its reason (Art. 44-49).

Each accepted disclosure is a register row (Art. 30(1)(d), Art. 5(2)) and an audit entry.
The register feeds access packages (:func:`recipients_disclosed_to`, Art. 15(1)(c)) and
the Art. 19 notices (:func:`notify_recipients`): recipients who received a person's data
are told of its rectification, erasure or restriction.

**What a notice carries** (Art. 5(1)(c), Art. 19). A recipient has to find the records
the notice is about. Every disclosure is registered with a reference the recipient knows
it by (an order or case number, checked to hold no identifier), and the notice lists those
references, the categories the recipient got and when. That is enough to find the
records, so the notice sends no email address, phone number or other value again: that
would be a fresh disclosure, of values the recipient may never have had (after a
rectification) or that we no longer hold (after an erasure). The person appears only as
a pseudonym derived for that recipient (:func:`recipient_subject_ref`), stable across
notices to the same recipient and useless for joining records between recipients.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select

from charter.audit import service as audit
from charter.crypto import derive_key
from charter.disclosures.models import Disclosure, NoticeEvent, NoticeStatus, RecipientNotice
from charter.disclosures.schemas import NoticeBody, NoticeDisclosure, RecipientDisclosed
from charter.errors import (
    CategoryNotAllowed,
    InvalidInput,
    NotFound,
    PolicyRefusal,
    ProcessingRestricted,
    UndeclaredPurpose,
)
from charter.policy.countries import is_uk
from charter.policy.document import TRANSFER_LABELS
from charter.policy.schemas import LawfulBasis, Policy, Recipient, TransferMechanism
from charter.runtime import Work
from charter.screening.identifiers import (
    find_emails,
    find_ibans,
    find_ni_numbers,
    find_payment_cards,
    find_phones,
)
from charter.vault.models import Subject

MAX_REFERENCE_CHARS = 120
MAX_CATEGORIES = 32
_REF_KEY_LABEL = b"charter disclosures recipient subject ref v1"

#: What each Art. 19 event asks the recipient to do, in the words the notice uses.
REQUESTED_ACTIONS: dict[NoticeEvent, tuple[str, str]] = {
    NoticeEvent.RECTIFICATION: (
        "UK GDPR Art. 16 and 19",
        "The person's data was corrected. Please stop using the copy you received and ask us "
        "for the corrected data if you still need it for the purpose we gave it to you for.",
    ),
    NoticeEvent.ERASURE: (
        "UK GDPR Art. 17 and 19",
        "The person's data was erased. Please erase the personal data we disclosed to you "
        "under these references, unless the law requires you to keep it.",
    ),
    NoticeEvent.RESTRICTION: (
        "UK GDPR Art. 18 and 19",
        "Processing of the person's data is restricted. Please only store the data we "
        "disclosed to you under these references until we tell you otherwise.",
    ),
    NoticeEvent.RESTRICTION_LIFTED: (
        "UK GDPR Art. 18(3) and 19",
        "The restriction of the person's data has been lifted: you may process it again for "
        "the purpose we disclosed it for.",
    ),
}


# Refusals ------------------------------------------------------------------------------------


class UndeclaredRecipient(PolicyRefusal):
    default_message = "That recipient is not declared in the privacy policy."


class RecipientPurposeNotDeclared(UndeclaredPurpose):
    default_message = "The privacy policy does not declare that purpose for that recipient."


class RecipientCategoryNotDeclared(CategoryNotAllowed):
    default_message = "The privacy policy does not declare that category for that recipient."


class MarketingDisclosure(PolicyRefusal):
    default_message = "We never sell personal data or share it for marketing."


class DisclosureOfErasedData(PolicyRefusal):
    default_message = "This person's data was erased: there is nothing left to disclose."


class DisclosureRestricted(ProcessingRestricted):
    default_message = (
        "Processing of this person's data is restricted (UK GDPR Art. 18): only disclosures "
        "for legal claims or under a legal obligation are allowed."
    )


class TransferNotSafeguarded(PolicyRefusal):
    default_message = (
        "That recipient is outside the UK and the privacy policy records no adequacy "
        "regulations or safeguard for the transfer (UK GDPR Art. 44-49)."
    )


# Recording -----------------------------------------------------------------------------------


def record_disclosure(
    work: Work,
    subject: Subject,
    *,
    recipient: str,
    purpose: str,
    categories: Sequence[str],
    reference: str,
    actor: str,
) -> Disclosure:
    """Check a disclosure against the policy in force and register it; audited.

    Raises the refusals above (all :class:`PolicyRefusal`, 403) or :class:`InvalidInput`
    for a missing or identifying reference; nothing is recorded then.
    """
    reference = check_reference(reference)
    wanted = _check_categories(categories)
    policy = work.policy
    declared = _recipient(policy, recipient)
    _check_not_for_marketing(policy, declared, purpose)
    purpose_declared = policy.purpose(purpose)
    for category in wanted:
        if category not in declared.categories:
            raise RecipientCategoryNotDeclared(
                f"The privacy policy does not declare the category '{category}' for the "
                f"recipient '{declared.id}'."
            )
        if category not in purpose_declared.categories:
            raise RecipientCategoryNotDeclared(
                f"The purpose '{purpose}' does not use the category '{category}'."
            )
    work.session.flush()
    work.session.refresh(subject)  # the erasure and restriction state as committed now
    if subject.erased_at is not None:
        raise DisclosureOfErasedData
    if subject.restricted_at is not None and not (
        purpose_declared.permitted_under_restriction
        or purpose_declared.lawful_basis is LawfulBasis.LEGAL_OBLIGATION
    ):
        raise DisclosureRestricted
    mechanism, detail = transfer_safeguard(declared)
    row = Disclosure(
        subject_id=subject.id,
        recipient=declared.id,
        purpose=purpose_declared.id,
        lawful_basis=purpose_declared.lawful_basis.value,
        categories=wanted,
        reference=reference,
        country=declared.country.upper(),
        transfer_mechanism=mechanism,
        transfer_detail=detail,
        policy_version=policy.version,
        disclosed_at=work.now(),
        actor=actor,
    )
    work.session.add(row)
    work.session.flush()
    audit.record(
        work,
        actor=actor,
        action="disclosure.recorded",
        subject_ref=subject.ref,
        purpose=purpose_declared.id,
        detail={
            "disclosure": row.id,
            "recipient": declared.id,
            "categories": wanted,
            "lawful_basis": row.lawful_basis,
            "country": row.country,
            "transfer_mechanism": mechanism,
        },
    )
    return row


def check_reference(reference: str) -> str:
    """A short reference the recipient knows the disclosure by (an order or case number).
    It is stored and sent in clear, so it must not itself be personal data: one holding an
    email address, phone number, NI number or account number is refused (Art. 5(1)(c))."""
    cleaned = " ".join(reference.split())
    if not cleaned:
        raise InvalidInput("Give a reference for the disclosure, e.g. the order or case number.")
    if len(cleaned) > MAX_REFERENCE_CHARS or not cleaned.isprintable():
        raise InvalidInput(
            f"The reference must be at most {MAX_REFERENCE_CHARS} printable characters."
        )
    finders = (find_emails, find_phones, find_ni_numbers, find_ibans, find_payment_cards)
    if any(next(iter(finder(cleaned)), None) is not None for finder in finders):
        raise InvalidInput(
            "The reference looks like it contains personal data (an email address, phone, "
            "NI or account number): use an order or case number instead."
        )
    return cleaned


def transfer_safeguard(recipient: Recipient) -> tuple[str | None, str | None]:
    """The Chapter V mechanism for disclosing to ``recipient`` and its details, or the
    refusal. A UK recipient needs none: ``(None, None)``."""
    if is_uk(recipient.country):
        return None, None
    transfer = recipient.transfer
    if transfer is None:
        raise TransferNotSafeguarded(
            f"The recipient '{recipient.id}' is in {recipient.country.upper()}, outside the "
            "UK, and the privacy policy records no adequacy regulations or safeguard for it "
            "(UK GDPR Art. 44-46)."
        )
    reason = (transfer.derogation_reason or "").strip()
    if transfer.mechanism is TransferMechanism.ART49_DEROGATION and not reason:
        raise TransferNotSafeguarded(
            f"The transfer to '{recipient.id}' relies on an Art. 49 exception but the privacy "
            "policy does not say which one applies and why."
        )
    detail = reason if transfer.mechanism is TransferMechanism.ART49_DEROGATION else None
    detail = detail or " ".join((transfer.reference or "").split()) or None
    return transfer.mechanism.value, detail[:500] if detail else None


def safeguard_label(mechanism: str | None, detail: str | None) -> str | None:
    """``"International Data Transfer Agreement (IDTA): signed ..."``; ``None`` in the UK."""
    if mechanism is None:
        return None
    label = TRANSFER_LABELS[TransferMechanism(mechanism)]
    return f"{label}: {detail}" if detail else label


def _recipient(policy: Policy, recipient_id: str) -> Recipient:
    for item in policy.recipients:
        if item.id == recipient_id:
            return item
    raise UndeclaredRecipient(f"The recipient '{recipient_id}' is not declared in the policy.")


def _check_categories(categories: Sequence[str]) -> list[str]:
    wanted = list(dict.fromkeys(category.strip() for category in categories if category.strip()))
    if not wanted:
        raise InvalidInput("Name at least one category of data disclosed.")
    if len(wanted) > MAX_CATEGORIES:
        raise InvalidInput("Too many categories.")
    return wanted


def _check_not_for_marketing(policy: Policy, recipient: Recipient, purpose: str) -> None:
    if recipient.sells_data or recipient.uses_for_own_marketing:
        raise MarketingDisclosure(
            f"The recipient '{recipient.id}' sells data or uses it for its own marketing: we "
            "never disclose personal data to it."
        )
    if purpose not in recipient.purposes:
        policy.purpose(purpose)  # an undeclared purpose is reported as such first
        raise RecipientPurposeNotDeclared(
            f"The privacy policy does not declare the purpose '{purpose}' for the recipient "
            f"'{recipient.id}'."
        )
    if policy.purpose(purpose).marketing:
        raise MarketingDisclosure(
            f"The purpose '{purpose}' is marketing: we never disclose personal data for it."
        )


# Reading the register -------------------------------------------------------------------------


def list_disclosures(
    work: Work,
    *,
    subject: Subject | None = None,
    recipient: str | None = None,
    limit: int = 200,
) -> list[tuple[Disclosure, str]]:
    """Register rows, newest first, each with its subject's pseudonymous ref."""
    query = (
        select(Disclosure, Subject.ref)
        .join(Subject, Subject.id == Disclosure.subject_id)
        .order_by(Disclosure.disclosed_at.desc(), Disclosure.id.desc())
        .limit(limit)
    )
    if subject is not None:
        query = query.where(Disclosure.subject_id == subject.id)
    if recipient:
        query = query.where(Disclosure.recipient == recipient)
    return [(row, ref) for row, ref in work.session.execute(query)]


def disclosures_of(work: Work, subject: Subject) -> list[Disclosure]:
    """The person's register rows, oldest first."""
    query = (
        select(Disclosure)
        .where(Disclosure.subject_id == subject.id)
        .order_by(Disclosure.disclosed_at, Disclosure.id)
    )
    return list(work.session.scalars(query))


def recipients_disclosed_to(work: Work, subject: Subject) -> list[RecipientDisclosed]:
    """Recipients the person's data actually went to (Art. 15(1)(c)), one line each, in
    order of first disclosure, with the safeguard of the latest transfer (Art. 15(2)).
    Recipients since removed from the policy are still listed, under their id."""
    lines: dict[str, list[Disclosure]] = {}
    for row in disclosures_of(work, subject):
        lines.setdefault(row.recipient, []).append(row)
    declared = {item.id: item for item in work.policy.recipients}
    result = []
    for recipient_id, rows in lines.items():
        known = declared.get(recipient_id)
        latest = rows[-1]
        result.append(
            RecipientDisclosed(
                recipient=recipient_id,
                name=known.name if known else recipient_id,
                role=known.role.value if known else "",
                categories=list(dict.fromkeys(c for row in rows for c in row.categories)),
                purposes=list(dict.fromkeys(row.purpose for row in rows)),
                first_disclosed_at=rows[0].disclosed_at,
                last_disclosed_at=latest.disclosed_at,
                disclosures=len(rows),
                country=latest.country,
                safeguard=safeguard_label(latest.transfer_mechanism, latest.transfer_detail),
            )
        )
    return result


# Art. 19 notices ------------------------------------------------------------------------------


def recipient_subject_ref(work: Work, recipient: str, subject: Subject) -> str:
    """The person's pseudonym for one recipient: a keyed hash of our ref and the
    recipient's id, so two recipients cannot match their records through it."""
    key = derive_key(work.keyring.master, _REF_KEY_LABEL)
    message = f"{recipient}\x1f{subject.ref}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:32]


def notify_recipients(
    work: Work,
    subject: Subject,
    *,
    event: str,
    request_reference: str | None,
    actor: str,
) -> list[RecipientNotice]:
    """Queue one Art. 19 notice per recipient that received this person's data.

    Art. 19: the controller communicates any rectification, erasure or restriction to
    each recipient to whom the data was disclosed, unless impossible or disproportionate.
    Recipients come from the register only, so nobody who never got the data hears about
    the person. Notices are delivered later by ``delivery.deliver_due_notices``. Called
    again for the same ``request_reference`` and event, it queues nothing new and returns
    the notices already queued. Audited (``disclosure.notices_queued``).
    """
    try:
        kind = NoticeEvent(event)
    except ValueError:
        events = ", ".join(item.value for item in NoticeEvent)
        raise InvalidInput(f"The notice event must be one of: {events}.") from None
    if request_reference is not None and (
        len(request_reference) > 32 or not request_reference.isprintable()
    ):
        raise InvalidInput("The request reference must be at most 32 printable characters.")
    by_recipient: dict[str, list[Disclosure]] = {}
    for row in disclosures_of(work, subject):
        by_recipient.setdefault(row.recipient, []).append(row)
    now = work.now()
    notices: list[RecipientNotice] = []
    queued: list[str] = []
    for recipient, rows in by_recipient.items():
        existing = _existing_notice(work, subject, recipient, kind, request_reference)
        if existing is not None:
            notices.append(existing)
            continue
        key = secrets.token_hex(16)
        body = _notice_body(
            work,
            subject,
            recipient=recipient,
            rows=rows,
            event=kind,
            request_reference=request_reference,
            key=key,
            now=now,
        )
        notice = RecipientNotice(
            idempotency_key=key,
            subject_id=subject.id,
            recipient=recipient,
            event=kind.value,
            request_reference=request_reference,
            payload=json.dumps(body.model_dump(mode="json", by_alias=True), sort_keys=True),
            status=NoticeStatus.PENDING.value,
            attempts=0,
            next_attempt_at=now,
            created_at=now,
            actor=actor,
        )
        work.session.add(notice)
        notices.append(notice)
        queued.append(recipient)
    work.session.flush()
    if queued:
        audit.record(
            work,
            actor=actor,
            action="disclosure.notices_queued",
            subject_ref=subject.ref,
            detail={
                "event": kind.value,
                "recipients": queued,
                "request_reference": request_reference,
            },
        )
    return notices


def _existing_notice(
    work: Work,
    subject: Subject,
    recipient: str,
    event: NoticeEvent,
    request_reference: str | None,
) -> RecipientNotice | None:
    if request_reference is None:
        return None
    query = select(RecipientNotice).where(
        RecipientNotice.subject_id == subject.id,
        RecipientNotice.recipient == recipient,
        RecipientNotice.event == event.value,
        RecipientNotice.request_reference == request_reference,
    )
    return work.session.scalars(query.limit(1)).first()


def _notice_body(
    work: Work,
    subject: Subject,
    *,
    recipient: str,
    rows: list[Disclosure],
    event: NoticeEvent,
    request_reference: str | None,
    key: str,
    now: datetime,
) -> NoticeBody:
    article, action = REQUESTED_ACTIONS[event]
    organisation = work.policy.organisation
    return NoticeBody(
        idempotency_key=key,
        event=event.value,
        article=article,
        requested_action=action,
        controller=organisation.legal_name or organisation.name,
        recipient=recipient,
        subject_ref=recipient_subject_ref(work, recipient, subject),
        disclosures=[
            NoticeDisclosure(
                reference=row.reference, categories=row.categories, disclosed_at=row.disclosed_at
            )
            for row in rows
        ],
        request_reference=request_reference,
        submitted_time=now,
    )


def list_notices(
    work: Work, *, recipient: str | None = None, limit: int = 200
) -> list[tuple[RecipientNotice, str]]:
    """Queued and delivered notices, newest first, with the subject's ref."""
    query = (
        select(RecipientNotice, Subject.ref)
        .join(Subject, Subject.id == RecipientNotice.subject_id)
        .order_by(RecipientNotice.created_at.desc(), RecipientNotice.id.desc())
        .limit(limit)
    )
    if recipient:
        query = query.where(RecipientNotice.recipient == recipient)
    return [(row, ref) for row, ref in work.session.execute(query)]


def subject_by_ref(work: Work, ref: str) -> Subject:
    subject = work.session.scalars(select(Subject).where(Subject.ref == ref.strip())).first()
    if subject is None:
        raise NotFound("No person has that reference.")
    return subject
