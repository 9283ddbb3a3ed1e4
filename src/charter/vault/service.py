"""The vault's use cases: subjects, storing and reading their personal data, restriction
and crypto-shredding.

Every entry point (privacy centre, staff console, API, CLI, jobs) calls these functions;
each takes the unit of work first, never commits, and writes one audit entry naming the
actor, the pseudonymous subject ref and the purpose — never a personal value
(Art. 5(2) accountability). What is enforced here:

* only fields a collection point declares, never special-category data, and only for
  purposes the policy declares for that point (Art. 5(1)(b), 5(1)(c), Art. 9);
* every value sealed under the subject's own key (whatever a field's ``encrypted`` flag
  says: there is no plaintext column), identifiers findable only through a keyed blind
  index (Art. 25, Art. 32(1)(a));
* a deletion date fixed at collection from the policy's retention rule (Art. 5(1)(e));
* reads pass the purpose gate (Art. 5(1)(b), Art. 18(2)).
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select

from charter.audit import service as audit
from charter.errors import Conflict, InvalidInput
from charter.policy.schemas import IdentifierKind, RetentionTrigger
from charter.runtime import Work
from charter.vault import keys
from charter.vault.access import RestrictionGround, permitted_categories
from charter.vault.collection import PlannedValue, check_source, plan_values
from charter.vault.identifiers import blind_index, normalise_identifier
from charter.vault.keys import DataErased
from charter.vault.models import BlindIndex, PersonalValue, Subject
from charter.vault.retention import retain_until

SUBJECT_REF_BYTES = 16


@dataclass(frozen=True)
class DecryptedValue:
    """A stored value opened for a purpose: its record (provenance, retention) and text."""

    record: PersonalValue
    value: str

    @property
    def ref(self) -> str:
        return f"{self.record.category}.{self.record.field}"


# Subjects --------------------------------------------------------------------------------


def create_subject(work: Work, *, actor: str) -> Subject:
    """A new subject with a random pseudonymous ref and their own data key."""
    subject = Subject(ref=secrets.token_hex(SUBJECT_REF_BYTES), created_at=work.now())
    work.session.add(subject)
    work.session.flush()
    keys.issue_data_key(work, subject)
    audit.record(work, actor=actor, action="subject.created", subject_ref=subject.ref)
    return subject


def find_subject(
    work: Work, *, email: str | None = None, phone: str | None = None
) -> Subject | None:
    """The (not erased) subject holding this email, else this phone number, as a current
    value. Two subjects sharing one identifier resolve to the oldest."""
    for kind, digest in _probes(work, email=email, phone=phone):
        query = (
            select(Subject)
            .join(BlindIndex, BlindIndex.subject_id == Subject.id)
            .where(BlindIndex.kind == kind.value, BlindIndex.digest == digest)
            .where(Subject.erased_at.is_(None))
            .order_by(Subject.id)
            .limit(1)
        )
        found = work.session.scalars(query).first()
        if found is not None:
            return found
    return None


def get_or_create_subject(
    work: Work, *, email: str | None = None, phone: str | None = None, actor: str
) -> tuple[Subject, bool]:
    """The subject these identifiers point to, or a new one (``True`` when created).

    The identifiers are only looked up here, not stored: store them with
    :func:`store_personal_data` under the collection point that gathered them, so their
    provenance and retention are recorded like any other value.
    """
    found = find_subject(work, email=email, phone=phone)
    if found is not None:
        return found, False
    return create_subject(work, actor=actor), True


def _probes(
    work: Work, *, email: str | None, phone: str | None
) -> list[tuple[IdentifierKind, bytes]]:
    given = [(IdentifierKind.EMAIL, email), (IdentifierKind.PHONE, phone)]
    probes = [
        (kind, blind_index(work.keyring.index, kind, normalise_identifier(kind, value)))
        for kind, value in given
        if value is not None
    ]
    if not probes:
        raise InvalidInput("Give an email address or a phone number to look a person up by.")
    return probes


# Storing ---------------------------------------------------------------------------------


def store_personal_data(
    work: Work,
    subject: Subject,
    *,
    collection_point: str,
    values: Mapping[str, str],
    purposes: Sequence[str] | None = None,
    source: str,
    actor: str,
) -> list[PersonalValue]:
    """Seal and store values collected at ``collection_point``; all or nothing.

    ``values`` maps ``"category.field"`` to what the person gave; blank values are not
    stored (nothing was collected). Identifiers are stored in their normalised form.
    ``purposes`` defaults to the point's purposes; each value records only those of them
    that use its category, and a value no purpose uses is refused (Art. 5(1)(c)).

    A new value for a field replaces the current one (``replaced_at``) without deleting
    it: the old value stays, as rectification history, until its own retention ends
    (Art. 16), but its blind index goes so it no longer finds this person. Storing
    anything is a contact from the person, so it restarts the clock of their current
    ``since_last_contact`` values.
    """
    check_source(source)
    planned = plan_values(work.policy, collection_point, values, purposes)
    work.session.refresh(subject, with_for_update=True)
    if subject.erased_at is not None:
        raise DataErased
    if not planned:
        return []
    now = work.now()
    current = _current_values(work, subject)
    renewed = {(item.category, item.field.id) for item in planned}
    _replace(work, [row for row in current if (row.category, row.field) in renewed], now)
    stored = _insert(
        work, subject, planned, collection_point=collection_point, source=source, now=now
    )
    _restart_contact_clock(work, [row for row in current if row.replaced_at is None], now)
    purposes_used = sorted({purpose for item in planned for purpose in item.purposes})
    audit.record(
        work,
        actor=actor,
        action="personal_data.stored",
        subject_ref=subject.ref,
        purpose=purposes_used[0] if len(purposes_used) == 1 else None,
        detail={
            "collection_point": collection_point,
            "fields": [f"{item.category}.{item.field.id}" for item in planned],
            "purposes": purposes_used,
        },
    )
    return stored


def _current_values(work: Work, subject: Subject) -> list[PersonalValue]:
    query = select(PersonalValue).where(
        PersonalValue.subject_id == subject.id, PersonalValue.replaced_at.is_(None)
    )
    return list(work.session.scalars(query))


def _replace(work: Work, rows: list[PersonalValue], now: datetime) -> None:
    for row in rows:
        row.replaced_at = now
    if rows:
        ids = [row.id for row in rows]
        work.session.execute(delete(BlindIndex).where(BlindIndex.value_id.in_(ids)))


def _insert(
    work: Work,
    subject: Subject,
    planned: list[PlannedValue],
    *,
    collection_point: str,
    source: str,
    now: datetime,
) -> list[PersonalValue]:
    key = keys.subject_key(work, subject)
    year_end = getattr(work.policy.organisation, "financial_year_end", None)
    rows = [
        PersonalValue(
            subject_id=subject.id,
            category=item.category,
            field=item.field.id,
            ciphertext=keys.seal_value(key, subject, item.category, item.field.id, item.plaintext),
            collection_point=collection_point,
            purposes=item.purposes,
            source=source,
            policy_version=work.policy.version,
            collected_at=now,
            retention_rule=item.rule.id,
            retain_until=retain_until(item.rule, collected_at=now, financial_year_end=year_end),
        )
        for item in planned
    ]
    work.session.add_all(rows)
    work.session.flush()
    work.session.add_all(
        BlindIndex(
            subject_id=subject.id,
            value_id=row.id,
            kind=item.field.identifier.value,
            digest=blind_index(work.keyring.index, item.field.identifier, item.plaintext),
        )
        for row, item in zip(rows, planned, strict=True)
        if item.field.identifier is not None
    )
    return rows


def _restart_contact_clock(work: Work, rows: list[PersonalValue], now: datetime) -> None:
    """Art. 5(1)(e): for "N years since last contact" data, the contact restarts the clock.
    Only current values are extended (replaced ones keep the date they had), and only by
    a rule still in the policy in force."""
    rules = {rule.id: rule for rule in work.policy.retention}
    for row in rows:
        rule = rules.get(row.retention_rule)
        if rule is not None and rule.trigger is RetentionTrigger.SINCE_LAST_CONTACT:
            row.retain_until = retain_until(rule, collected_at=now, financial_year_end=None)


# Reading: the purpose gate -----------------------------------------------------------------


def check_purpose(work: Work, subject: Subject, *, purpose: str, categories: Sequence[str]) -> None:
    """The purpose gate alone, for callers that use data without reading it here (e.g.
    sending an email already in hand). Raises the refusal; the caller audits its use."""
    permitted_categories(work.policy, subject, purpose=purpose, categories=categories)
    _refuse_if_objected(work, subject, purpose)


def _refuse_if_objected(work: Work, subject: Subject, purpose: str) -> None:
    """Art. 21(1): once an objection to legitimate-interests processing is upheld, those
    purposes are refused for the person like any other the gate refuses."""
    from charter.rights.objections import check_not_objected  # rights builds on the vault

    check_not_objected(work, subject, purpose=purpose)


def read_personal_values(
    work: Work,
    subject: Subject,
    *,
    purpose: str,
    actor: str,
    categories: Sequence[str] | None = None,
    include_replaced: bool = False,
) -> list[DecryptedValue]:
    """Open the subject's values that ``purpose`` may use, with their records; audited.

    Raises :class:`UndeclaredPurpose`, :class:`CategoryNotAllowed`,
    :class:`ProcessingRestricted` (Art. 18(2)) or :class:`DataErased` instead.
    """
    allowed = permitted_categories(work.policy, subject, purpose=purpose, categories=categories)
    _refuse_if_objected(work, subject, purpose)
    query = (
        select(PersonalValue)
        .where(PersonalValue.subject_id == subject.id, PersonalValue.category.in_(allowed))
        .order_by(PersonalValue.id)
    )
    if not include_replaced:
        query = query.where(PersonalValue.replaced_at.is_(None))
    rows = list(work.session.scalars(query))
    key = keys.subject_key(work, subject) if rows else b""
    opened = [
        DecryptedValue(row, keys.open_value(key, subject, row.category, row.field, row.ciphertext))
        for row in rows
    ]
    audit.record(
        work,
        actor=actor,
        action="personal_data.read",
        subject_ref=subject.ref,
        purpose=purpose,
        detail={
            "categories": allowed,
            "fields": sorted({item.ref for item in opened}),
            "include_replaced": include_replaced,
        },
    )
    return opened


def read_personal_data(
    work: Work,
    subject: Subject,
    *,
    purpose: str,
    actor: str,
    categories: Sequence[str] | None = None,
    include_replaced: bool = False,
) -> dict[str, str]:
    """``{"category.field": plaintext}`` of current values through the purpose gate.

    With ``include_replaced`` earlier values appear too, keyed ``"category.field#<id>"``
    (their record id), so none is hidden behind the current one.
    """
    opened = read_personal_values(
        work,
        subject,
        purpose=purpose,
        actor=actor,
        categories=categories,
        include_replaced=include_replaced,
    )
    return {
        item.ref if item.record.replaced_at is None else f"{item.ref}#{item.record.id}": item.value
        for item in opened
    }


# Restriction and crypto-shredding ------------------------------------------------------------


def restrict_processing(work: Work, subject: Subject, *, reason: str, actor: str) -> None:
    """Art. 18(1): from now on only storage and purposes permitted under restriction.

    ``reason`` is a :class:`RestrictionGround` code (one of the four Art. 18(1) cases),
    never free text, since it is stored and audited in clear.
    """
    try:
        ground = RestrictionGround(reason)
    except ValueError:
        codes = ", ".join(item.value for item in RestrictionGround)
        raise InvalidInput(f"The restriction reason must be one of: {codes}.") from None
    _refuse_if_erased(subject)
    if subject.restricted_at is not None:
        raise Conflict("Processing of this person's data is already restricted.")
    subject.restricted_at = work.now()
    subject.restriction_reason = ground.value
    work.session.flush()
    audit.record(
        work,
        actor=actor,
        action="subject.restricted",
        subject_ref=subject.ref,
        detail={"reason": ground.value},
    )


def lift_restriction(work: Work, subject: Subject, *, actor: str) -> None:
    """End a restriction. Art. 18(3): the person must be told before it is lifted — the
    rights-request workflow does that before calling this."""
    _refuse_if_erased(subject)
    if subject.restricted_at is None:
        raise Conflict("Processing of this person's data is not restricted.")
    reason = subject.restriction_reason
    subject.restricted_at = None
    subject.restriction_reason = None
    work.session.flush()
    audit.record(
        work,
        actor=actor,
        action="subject.restriction_lifted",
        subject_ref=subject.ref,
        detail={"reason": reason},
    )


def destroy_data_key(work: Work, subject: Subject, *, actor: str) -> None:
    """Crypto-shred the subject (Art. 17): delete their data key and blind indexes.

    Their ciphertexts (and every backup's copy) can never be opened again and they can no
    longer be found by email or phone. The rows themselves are deleted by the erasure
    workflow; reading them now raises :class:`DataErased`.
    """
    _refuse_if_erased(subject)
    keys.discard_data_key(work, subject)
    work.session.execute(delete(BlindIndex).where(BlindIndex.subject_id == subject.id))
    subject.erased_at = work.now()
    work.session.flush()
    audit.record(work, actor=actor, action="subject.data_key_destroyed", subject_ref=subject.ref)


def _refuse_if_erased(subject: Subject) -> None:
    if subject.erased_at is not None:
        raise DataErased
