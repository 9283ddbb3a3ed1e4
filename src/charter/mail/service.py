"""Correspondence by email: recording what people write to us, and reading it back.

Every entry point (the SMTP listener, ``charter mail import``, later the console) calls
:func:`record_correspondence` inside a unit of work it owns. What is enforced here:

* **Only what the policy declares is kept** (Art. 5(1)(b)-(c), Art. 13): the subject line
  and text are stored through the vault under the ``correspondence`` collection point,
  which fixes their category, purposes and deletion date (Art. 5(1)(e)). Attachments are
  never kept; only their number and content types are noted.
* **Special-category data is not collected** (Art. 9, Art. 10): each message is screened,
  and ``CHARTER_SPECIAL_CATEGORY_MODE`` decides what happens to a flagged one: the
  flagged passages are redacted before anything is stored (the original never is),
  the message is quarantined out of normal reads, or it is rejected with only a
  pseudonymous record of the refusal.
* **Everything at rest is sealed or keyed** (Art. 32(1)(a)): text under the subject's
  data key; the Message-ID and the identifiers of other people the message mentions as
  keyed HMAC digests, so duplicates are recognised and those people's own rights
  requests find the message (Art. 15, Art. 17) without the database naming them.
* **Every step is audited** (Art. 5(2)) with references and counts, never a value.

Nothing is committed here, and an error leaves nothing behind: the caller's unit of work
rolls back.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence

from sqlalchemy import select

from charter.audit import service as audit
from charter.crypto import keyed_digest
from charter.errors import InvalidInput, UndeclaredField
from charter.mail.models import Correspondence, CorrespondenceMention, CorrespondenceRejection
from charter.mail.parsing import ParsedMessage, parse_message
from charter.mail.schemas import (
    CorrespondenceItem,
    CorrespondenceResult,
    Disposition,
    SpecialCategoryMode,
)
from charter.policy.schemas import IdentifierKind, Policy
from charter.runtime import Work
from charter.screening.schemas import Screening
from charter.screening.service import redact_special, screen_text
from charter.vault import service as vault
from charter.vault.identifiers import blind_index, normalise_identifier
from charter.vault.models import Subject

#: The collection point and fields the policy declares for email correspondence.
CORRESPONDENCE_POINT = "correspondence"
CORRESPONDENCE_CATEGORY = "communications"
SUBJECT_LINE_FIELD = f"{CORRESPONDENCE_CATEGORY}.email_subject"
MESSAGE_FIELD = f"{CORRESPONDENCE_CATEGORY}.email_body"
SENDER_FIELD = "contact.email"

_VIA = re.compile(r"^[a-z][a-z0-9_.:-]{0,31}$")
#: Screening's identifier types that the vault can blind-index.
_PII_KINDS = {"email": IdentifierKind.EMAIL, "phone": IdentifierKind.PHONE}


# Recording -------------------------------------------------------------------------------


def record_correspondence(
    work: Work, raw: bytes, *, received_via: str, actor: str
) -> CorrespondenceResult:
    """Record one received email (``raw`` RFC 5322 bytes) from its sender.

    ``received_via`` is a short label stored in clear ("smtp", "eml", "mbox"). The sender
    is found by the blind index of the From address, or created. A message already
    recorded (same Message-ID from the same sender) is not stored again.

    Raises :class:`InvalidInput` for a message that cannot be read or has no valid From
    address, and :class:`UndeclaredField` when the policy declares no correspondence
    fields; nothing is stored in either case.
    """
    via = _check_via(received_via)
    check_correspondence_declared(work.policy)
    parsed = parse_message(raw)
    digest = message_digest(work, parsed, raw)
    duplicate = _duplicate(work, digest, actor=actor)
    if duplicate is not None:
        return duplicate
    screenings = (screen_text(parsed.subject), screen_text(parsed.body))
    categories: list[str] = sorted(
        {category for screening in screenings for category in screening.categories}
    )
    flagged = any(screening.flagged for screening in screenings)
    mode = SpecialCategoryMode(work.settings.special_category_mode)
    if flagged and mode is SpecialCategoryMode.REJECT:
        return _reject(work, parsed, digest, via=via, categories=categories, actor=actor)
    subject, created = vault.get_or_create_subject(work, email=parsed.sender, actor=actor)
    subject_line, message = parsed.subject, parsed.body
    if flagged and mode is SpecialCategoryMode.REDACT:
        subject_line = _redacted(parsed.subject, screenings[0])
        message = _redacted(parsed.body, screenings[1])
    values = {SUBJECT_LINE_FIELD: subject_line, MESSAGE_FIELD: message}
    if created:
        values[SENDER_FIELD] = parsed.sender
    stored = vault.store_personal_data(
        work,
        subject,
        collection_point=CORRESPONDENCE_POINT,
        values=values,
        source=f"email ({via})",
        actor=actor,
    )
    by_field = {f"{row.category}.{row.field}": row.id for row in stored}
    quarantined = flagged and mode is SpecialCategoryMode.QUARANTINE
    pii_types: list[str] = sorted(
        {finding.type for screening in screenings for finding in screening.pii}
    )
    row = Correspondence(
        subject_id=subject.id,
        received_at=work.now(),
        received_via=via,
        message_id_digest=digest,
        subject_value_id=by_field.get(SUBJECT_LINE_FIELD),
        body_value_id=by_field.get(MESSAGE_FIELD),
        categories=categories,
        quarantined=quarantined,
        pii_types=pii_types,
        attachment_count=parsed.attachment_count,
        attachment_types=list(parsed.attachment_types),
    )
    work.session.add(row)
    work.session.flush()
    mentions = _index_mentions(work, row, screenings, sender=parsed.sender)
    if not flagged:
        disposition = Disposition.STORED
    elif quarantined:
        disposition = Disposition.QUARANTINED
    else:
        disposition = Disposition.REDACTED
    audit.record(
        work,
        actor=actor,
        action="correspondence.received",
        subject_ref=subject.ref,
        detail={
            "correspondence_id": row.id,
            "received_via": via,
            "disposition": disposition.value,
            "special_categories": categories,
            "pii_types": pii_types,
            "mentions": mentions,
            "attachments": parsed.attachment_count,
            "truncated": parsed.truncated,
        },
    )
    return CorrespondenceResult(
        disposition=disposition,
        correspondence_id=row.id,
        subject_ref=subject.ref,
        subject_created=created,
        categories=categories,
        pii_types=pii_types,
        mentions=mentions,
        attachment_count=parsed.attachment_count,
        truncated=parsed.truncated,
    )


def check_correspondence_declared(policy: Policy) -> None:
    """Refuse before reading anything if the policy in force gives email text nowhere to
    go: storing an undeclared field would collect what people were never told about
    (Art. 13(1), Art. 5(1)(c)). ``charter mail serve`` checks it before listening."""
    point = policy.collection_point(CORRESPONDENCE_POINT)
    missing = [ref for ref in (SUBJECT_LINE_FIELD, MESSAGE_FIELD) if ref not in point.fields]
    if missing:
        raise UndeclaredField(
            f"The collection point '{CORRESPONDENCE_POINT}' must declare "
            f"{' and '.join(missing)} to record emails (see docs/mail.md)."
        )


def message_digest(work: Work, parsed: ParsedMessage, raw: bytes) -> bytes:
    """Keyed digest naming one delivery: sender + Message-ID, or the whole message when
    it has no Message-ID. Keyed, so it cannot be recomputed from a guessed Message-ID."""
    if parsed.message_id:
        material = f"charter:message-id:v1\x1f{parsed.sender}\x1f{parsed.message_id}".encode()
    else:
        material = b"charter:message-raw:v1\x1f" + hashlib.sha256(raw).digest()
    return keyed_digest(work.keyring.index, material)


def _check_via(received_via: str) -> str:
    if not _VIA.match(received_via):
        raise InvalidInput("received_via must be a short lower-case label such as 'smtp'.")
    return received_via


def _redacted(text: str, screening: Screening) -> str:
    return redact_special(text, screening) if screening.flagged else text


def _duplicate(work: Work, digest: bytes, *, actor: str) -> CorrespondenceResult | None:
    """The earlier delivery of the same message, if any (SMTP retries, re-imports)."""
    earlier = work.session.scalars(
        select(Correspondence).where(Correspondence.message_id_digest == digest)
    ).first()
    if earlier is not None:
        subject = work.session.get(Subject, earlier.subject_id)
        result = CorrespondenceResult(
            disposition=Disposition.DUPLICATE,
            correspondence_id=earlier.id,
            subject_ref=subject.ref if subject else None,
            categories=list(earlier.categories),
        )
    else:
        refused = work.session.scalars(
            select(CorrespondenceRejection).where(
                CorrespondenceRejection.message_id_digest == digest
            )
        ).first()
        if refused is None:
            return None
        result = CorrespondenceResult(
            disposition=Disposition.DUPLICATE,
            rejection_id=refused.id,
            categories=list(refused.categories),
        )
    audit.record(
        work,
        actor=actor,
        action="correspondence.duplicate_ignored",
        subject_ref=result.subject_ref,
        detail={
            "correspondence_id": result.correspondence_id,
            "rejection_id": result.rejection_id,
        },
    )
    return result


def _reject(
    work: Work,
    parsed: ParsedMessage,
    digest: bytes,
    *,
    via: str,
    categories: list[str],
    actor: str,
) -> CorrespondenceResult:
    """Art. 9 ``reject`` mode: no subject is created and no text kept; the refusal itself
    is recorded pseudonymously so it can be shown to the sender on request (Art. 15)."""
    sender_digest = blind_index(work.keyring.index, IdentifierKind.EMAIL, parsed.sender)
    rejection = CorrespondenceRejection(
        received_at=work.now(),
        received_via=via,
        message_id_digest=digest,
        sender_digest=sender_digest,
        categories=categories,
    )
    work.session.add(rejection)
    work.session.flush()
    known = vault.find_subject(work, email=parsed.sender)
    audit.record(
        work,
        actor=actor,
        action="correspondence.rejected",
        subject_ref=known.ref if known else None,
        detail={
            "rejection_id": rejection.id,
            "received_via": via,
            "special_categories": categories,
        },
    )
    return CorrespondenceResult(
        disposition=Disposition.REJECTED,
        rejection_id=rejection.id,
        subject_ref=known.ref if known else None,
        categories=categories,
        attachment_count=parsed.attachment_count,
    )


def _index_mentions(
    work: Work, row: Correspondence, screenings: Iterable[Screening], *, sender: str
) -> int:
    """Blind-index every email address and phone number found in the text, except the
    sender's own address (their subject already links the message)."""
    own = blind_index(work.keyring.index, IdentifierKind.EMAIL, sender)
    digests: set[tuple[IdentifierKind, bytes]] = set()
    for screening in screenings:
        for finding in screening.pii:
            kind = _PII_KINDS.get(finding.type)
            if kind is None:
                continue
            try:
                normalised = normalise_identifier(kind, finding.value)
            except InvalidInput:
                continue  # not a usable identifier; nothing to find it by
            digest = blind_index(work.keyring.index, kind, normalised)
            if digest != own:
                digests.add((kind, digest))
    work.session.add_all(
        CorrespondenceMention(correspondence_id=row.id, kind=kind.value, digest=digest)
        for kind, digest in sorted(digests)
    )
    work.session.flush()
    return len(digests)


# Reading ---------------------------------------------------------------------------------


def correspondence_for_subject(
    work: Work,
    subject: Subject,
    *,
    purpose: str,
    actor: str,
    include_quarantined: bool = False,
) -> list[CorrespondenceItem]:
    """The subject's messages, oldest first, opened through the vault's purpose gate.

    The purpose must be allowed the ``communications`` category (else
    :class:`CategoryNotAllowed`); restriction and erasure refuse as the vault does.
    Quarantined messages (Art. 9) appear only with ``include_quarantined``, for the
    person reviewing them.
    """
    query = select(Correspondence).where(Correspondence.subject_id == subject.id)
    if not include_quarantined:
        query = query.where(Correspondence.quarantined.is_(False))
    rows = list(work.session.scalars(query.order_by(Correspondence.received_at, Correspondence.id)))
    opened = vault.read_personal_values(
        work,
        subject,
        purpose=purpose,
        actor=actor,
        categories=[CORRESPONDENCE_CATEGORY],
        include_replaced=True,
    )
    texts = {item.record.id: item.value for item in opened}
    audit.record(
        work,
        actor=actor,
        action="correspondence.read",
        subject_ref=subject.ref,
        purpose=purpose,
        detail={"items": len(rows), "include_quarantined": include_quarantined},
    )
    return [
        CorrespondenceItem(
            id=row.id,
            received_at=row.received_at,
            received_via=row.received_via,
            subject_line=_text(texts, row.subject_value_id),
            message=_text(texts, row.body_value_id),
            categories=list(row.categories),
            quarantined=row.quarantined,
            attachment_count=row.attachment_count,
            attachment_types=list(row.attachment_types),
        )
        for row in rows
    ]


def _text(texts: dict[int, str], value_id: int | None) -> str | None:
    return None if value_id is None else texts.get(value_id)


def correspondence_mentioning(
    work: Work, *, email: str | None = None, phone: str | None = None, actor: str
) -> list[int]:
    """Ids of messages that mention this email address or phone number, for a rights
    request by someone who is not the sender (Art. 15, Art. 17). Audited."""
    probes: list[tuple[IdentifierKind, str]] = [
        (kind, value)
        for kind, value in ((IdentifierKind.EMAIL, email), (IdentifierKind.PHONE, phone))
        if value is not None
    ]
    if not probes:
        raise InvalidInput("Give an email address or a phone number to search for.")
    digests = [
        (kind.value, blind_index(work.keyring.index, kind, normalise_identifier(kind, value)))
        for kind, value in probes
    ]
    found: set[int] = set()
    for kind, digest in digests:
        query = select(CorrespondenceMention.correspondence_id).where(
            CorrespondenceMention.kind == kind, CorrespondenceMention.digest == digest
        )
        found.update(work.session.scalars(query))
    ids = sorted(found)
    audit.record(
        work,
        actor=actor,
        action="correspondence.mentions_searched",
        detail={"kinds": [kind for kind, _ in digests], "found": len(ids)},
    )
    return ids


def rejections_for_sender(work: Work, *, email: str) -> Sequence[CorrespondenceRejection]:
    """Refusals recorded for messages from this address (the sender's Art. 15 request)."""
    digest = blind_index(
        work.keyring.index, IdentifierKind.EMAIL, normalise_identifier(IdentifierKind.EMAIL, email)
    )
    query = select(CorrespondenceRejection).where(CorrespondenceRejection.sender_digest == digest)
    return list(work.session.scalars(query.order_by(CorrespondenceRejection.id)))
