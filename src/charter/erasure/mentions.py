"""Redacting an erased person's identifiers from the text other people sent us.

Art. 17(1) covers every copy of the person's data, including their email address or
phone number written in someone else's email to us. That text is the *other* person's
data too, so it is not deleted: only the identifier is replaced by
``[removed: erased person]``, the message re-sealed under its owner's key, and its
mention index row dropped (Art. 5(1)(c), Art. 17). The texts are found through mail's
blind-index of mentions, opened through the vault's purpose gate under
``rights_requests`` (permitted even when the other person's processing is restricted,
Art. 18(2)) and audited with references only. Names are not indexed, so a mention by
name alone is not found here; enquiry messages are not mention-indexed either.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, select

from charter.audit import service as audit
from charter.errors import InvalidInput
from charter.mail.models import Correspondence, CorrespondenceMention
from charter.mail.service import CORRESPONDENCE_CATEGORY, correspondence_mentioning
from charter.policy.schemas import IdentifierKind
from charter.runtime import Work
from charter.screening.service import screen_text
from charter.vault import keys
from charter.vault import service as vault
from charter.vault.identifiers import blind_index, normalise_identifier
from charter.vault.models import PersonalValue, Subject

REDACTION_MARKER = "[removed: erased person]"
#: The purpose under which other people's messages are opened to redact them.
RIGHTS_PURPOSE = "rights_requests"
_PII_KINDS = {"email": IdentifierKind.EMAIL, "phone": IdentifierKind.PHONE}


def redact_identifiers(
    text: str, identifiers: Iterable[tuple[IdentifierKind, str]]
) -> tuple[str, int]:
    """``text`` with every written form of the (normalised) identifiers replaced, and how
    many were replaced. Screening finds each email/phone as written ("0117 496 0123",
    "Jane@Example.com"); a finding whose normalised form is an erased identifier goes."""
    wanted = set(identifiers)
    found = sorted(
        (finding for finding in screen_text(text).pii if finding.type in _PII_KINDS),
        key=lambda finding: finding.start,
        reverse=True,
    )
    count = 0
    for finding in found:
        kind = _PII_KINDS[finding.type]
        try:
            normalised = normalise_identifier(kind, finding.value)
        except InvalidInput:
            continue
        if (kind, normalised) in wanted:
            text = text[: finding.start] + REDACTION_MARKER + text[finding.end :]
            count += 1
    return text, count


def redact_mentions(
    work: Work,
    subject: Subject,
    identifiers: list[tuple[IdentifierKind, str]],
    *,
    actor: str,
) -> int:
    """Redact ``subject``'s identifiers from messages of other people that mention them;
    returns how many messages were changed."""
    ids: set[int] = set()
    for kind, value in identifiers:
        email = value if kind is IdentifierKind.EMAIL else None
        phone = value if kind is IdentifierKind.PHONE else None
        ids.update(correspondence_mentioning(work, email=email, phone=phone, actor=actor))
    rows = work.session.scalars(
        select(Correspondence)
        .where(Correspondence.id.in_(ids), Correspondence.subject_id != subject.id)
        .order_by(Correspondence.id)
    ).all()
    digests = [blind_index(work.keyring.index, kind, value) for kind, value in identifiers]
    changed = 0
    for row in rows:
        owner = work.session.get(Subject, row.subject_id)
        if owner is None or owner.erased_at is not None:
            continue
        if _redact_message(work, owner, row, identifiers, actor=actor):
            changed += 1
        work.session.execute(
            delete(CorrespondenceMention).where(
                CorrespondenceMention.correspondence_id == row.id,
                CorrespondenceMention.digest.in_(digests),
            )
        )
    if rows:
        audit.record(
            work,
            actor=actor,
            action="erasure.mentions_redacted",
            subject_ref=subject.ref,
            purpose=RIGHTS_PURPOSE,
            detail={"correspondence_ids": [row.id for row in rows], "changed": changed},
        )
    return changed


def _redact_message(
    work: Work,
    owner: Subject,
    row: Correspondence,
    identifiers: list[tuple[IdentifierKind, str]],
    *,
    actor: str,
) -> bool:
    """Re-seal the message's subject line and body under ``owner``'s key, in place (the
    value keeps its record, purposes and deletion date)."""
    wanted = {value_id for value_id in (row.subject_value_id, row.body_value_id) if value_id}
    opened = vault.read_personal_values(
        work,
        owner,
        purpose=RIGHTS_PURPOSE,
        actor=actor,
        categories=[CORRESPONDENCE_CATEGORY],
        include_replaced=True,
    )
    changed = False
    for item in opened:
        if item.record.id not in wanted:
            continue
        text, count = redact_identifiers(item.value, identifiers)
        if count:
            _reseal(work, owner, item.record, text)
            changed = True
    return changed


def _reseal(work: Work, owner: Subject, record: PersonalValue, text: str) -> None:
    key = keys.subject_key(work, owner)
    record.ciphertext = keys.seal_value(key, owner, record.category, record.field, text)
    work.session.flush()
