"""The right to erasure (UK GDPR Art. 17) with its exceptions, and re-applying it after a
restore.

Every entry point (staff console, privacy centre, CLI) calls these functions inside a unit
of work it owns; nothing is committed here. The rules:

* **Erase everything, except what the law requires us to keep** (Art. 17(1), 17(3)(b)).
  A value is kept only when its retention rule is a *statutory record-keeping* rule
  (:func:`is_statutory_rule`: the period runs from the end of the financial year, or the
  rule's legal reference cites the Companies Act or HMRC's record-keeping law: Companies
  Act 2006 s.386-388, Finance Act 1998 Sch. 18 para. 21, VAT Act 1994 Sch. 11 para. 6),
  its ``retain_until`` is still in the future, and its field is part of the minimal
  accounting record (:data:`ACCOUNTING_RECORD`). Everything else goes: contact details,
  phone, email, messages, technical data, replaced values.
* **What is kept is restricted** (Art. 18(2)) and keeps its own deletion date: the
  retention job deletes it then (Art. 5(1)(e)). The ground recorded is ``legal_claims``
  (Art. 18(1)(c)): Art. 18(1) has no ground named "legal obligation", the records are
  only stored, the shipped rule also cites the Limitation Act 1980 s.5 period for claims
  on the contract, and the ``legal_compliance`` purpose (disclosure to HMRC) is
  permitted under restriction.
* **Nothing kept: crypto-shredding.** The data key is destroyed, so every copy of the
  ciphertexts, including backups, is unreadable (Art. 17, Art. 32(1)(a)).
* **Holds stop erasure** (via :func:`charter.retention.holds.holds`): an open access
  request (DPA 2018 s.173), an open complaint, or a legal hold placed for a legal claim
  (Art. 17(3)(e)); the erasure request itself never holds.
* **Marketing stops for good** (Art. 21(3), PECR reg. 22): consents are withdrawn channel
  by channel (Art. 7(3)) and the email's keyed hash joins the suppression list.
* **Mentions in other people's messages are redacted** (see ``mentions.py``).
* **Erasure survives a restore**: a tombstone (see ``models.py``), also appended to the
  journal outside the database (see ``journal.py``), lets :func:`reapply_tombstones` and
  :func:`restore_tombstones` erase restored rows again (Art. 5(2), Art. 17).
* Every step is audited with refs, field names and dates, never a value (Art. 5(2)).
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import delete, select

from charter.audit import service as audit
from charter.consent.service import consent_states, withdraw_consent
from charter.enquiries.models import Enquiry
from charter.erasure.journal import JournalEntry, append_entry, journal_path
from charter.erasure.mentions import RIGHTS_PURPOSE, redact_mentions
from charter.erasure.models import ErasureTombstone
from charter.erasure.schemas import (
    ErasurePlan,
    ErasureReceipt,
    KeptRecord,
    ValueDecision,
)
from charter.errors import Conflict
from charter.newsletter.models import NewsletterSignup, PreferenceLink
from charter.newsletter.preferences import suppress, suppression_digest
from charter.policy.schemas import IdentifierKind, Policy, RetentionRule, RetentionTrigger
from charter.retention.holds import holds as retention_holds
from charter.rights.service import check_erasure_may_proceed, find_request
from charter.runtime import Work
from charter.vault import service as vault
from charter.vault.access import RestrictionGround
from charter.vault.identifiers import blind_index
from charter.vault.keys import DataErased
from charter.vault.models import BlindIndex, DataKey, PersonalValue, Subject

#: The minimal accounting record, as ``category`` (whole) or ``category.field``. Companies
#: Act 2006 s.386(2)-(3) requires records of money received and spent and what it was
#: for, and of goods sold and their buyers; a VAT invoice names the customer and their
#: address (VAT Regulations 1995 reg. 14(1)(e)). Title, delivery address, email and
#: phone are not needed for it, so they are erased.
ACCOUNTING_RECORD = frozenset(
    {
        "transaction",
        "financial",
        "identity.first_name",
        "identity.last_name",
        "contact.billing_address",
    }
)
#: A retention rule is statutory record-keeping when its legal reference cites these.
STATUTORY_REFERENCE = re.compile(
    r"Companies Act|HMRC|Finance Act|Value Added Tax Act|Taxes Management Act", re.IGNORECASE
)
#: Where a withdrawal made by erasure is recorded (a route, not a collection point).
ERASURE_ROUTE = "erasure_request"
#: Art. 18(1)(c): see the module docstring for why this ground.
KEPT_RECORDS_GROUND = RestrictionGround.LEGAL_CLAIMS
ART_17_3_B = "UK GDPR Art. 17(3)(b)"


class ErasureHeld(Conflict):
    """An open access request holds the subject's data (DPA 2018 s.173)."""

    default_message = "This person's erasure must wait: an open request holds their data."


# Deciding --------------------------------------------------------------------------------


def is_statutory_rule(rule: RetentionRule) -> bool:
    """Whether ``rule`` keeps records a statute requires (Art. 17(3)(b)): counted from the
    end of a financial year (how accounting records are kept, CA 2006 s.388(4)) or citing
    company or tax record-keeping law."""
    return rule.trigger is RetentionTrigger.SINCE_END_OF_FINANCIAL_YEAR or bool(
        STATUTORY_REFERENCE.search(rule.legal_reference)
    )


def in_accounting_record(category: str, field: str) -> bool:
    return category in ACCOUNTING_RECORD or f"{category}.{field}" in ACCOUNTING_RECORD


def plan_erasure(work: Work, subject: Subject) -> ErasurePlan:
    """Keep-or-erase for every current and replaced value of ``subject``; changes nothing.

    Raises :class:`DataErased` for a subject already crypto-shredded. Holds are reported
    in the plan; :func:`erase_subject` refuses while there are any.
    """
    if subject.erased_at is not None:
        raise DataErased
    now = work.now()
    rows = work.session.scalars(
        select(PersonalValue)
        .where(PersonalValue.subject_id == subject.id)
        .order_by(PersonalValue.id)
    ).all()
    rules = {rule.id: rule for rule in work.policy.retention}
    decisions = [_decide(row, rules.get(row.retention_rule), now) for row in rows]
    return ErasurePlan(
        subject_ref=subject.ref,
        decided_at=now,
        kept=[item for item in decisions if item.keep],
        erased=[item for item in decisions if not item.keep],
        holds=retention_holds(work, subject),
    )


def _decide(row: PersonalValue, rule: RetentionRule | None, now: datetime) -> ValueDecision:
    common = {
        "value_id": row.id,
        "field": f"{row.category}.{row.field}",
        "collection_point": row.collection_point,
        "retention_rule": row.retention_rule,
    }
    if rule is None or not is_statutory_rule(rule):
        return ValueDecision(**common, keep=False, reason="No law requires us to keep it.")
    if row.retain_until is None or row.retain_until <= now:
        return ValueDecision(**common, keep=False, reason="Its retention period has ended.")
    if not in_accounting_record(row.category, row.field):
        return ValueDecision(**common, keep=False, reason="Not needed for the accounting record.")
    return ValueDecision(
        **common,
        keep=True,
        reason="Part of an accounting record the law requires us to keep.",
        law=f"{ART_17_3_B}; {' '.join(rule.legal_reference.split())}",
        retain_until=row.retain_until,
    )


# Erasing ---------------------------------------------------------------------------------


def erase_subject(
    work: Work, subject: Subject, *, actor: str, request_reference: str | None = None
) -> ErasureReceipt:
    """Carry out the erasure :func:`plan_erasure` decides, record its tombstone, and
    return the receipt for the person (Art. 12(1), Art. 19).

    Raises :class:`ErasureHeld` (nothing changed) while a hold applies,
    :class:`DataErased` if already erased, :class:`NotFound` for an unknown request
    reference, :class:`Conflict` for a request of another person, and ``CoolingOff``
    while the request's cooling-off period runs (the person may still cancel it).
    """
    if request_reference is not None:
        request = find_request(work, request_reference)
        if request.subject_id not in (None, subject.id):
            raise Conflict("That request is about another person.")
        check_erasure_may_proceed(work, request)
        request_reference = request.reference
    plan = plan_erasure(work, subject)
    if plan.holds:
        raise ErasureHeld(" ".join(plan.holds))
    identifiers = _identifiers(work, subject, actor=actor)
    withdrawn, mentions = _carry_out(work, subject, plan, identifiers, actor=actor)
    tombstone = ErasureTombstone(
        subject_ref=subject.ref,
        erased_at=work.now(),
        identifier_digests=sorted(
            f"{kind.value}:{blind_index(work.keyring.index, kind, value).hex()}"
            for kind, value in identifiers
        ),
        request_reference=request_reference,
        outcome=plan.outcome.value,
    )
    work.session.add(tombstone)
    work.session.flush()
    append_entry(
        journal_path(work.settings.data_dir),
        subject_ref=tombstone.subject_ref,
        erased_at=tombstone.erased_at,
        identifier_digests=tombstone.identifier_digests,
        outcome=tombstone.outcome,
    )
    receipt = ErasureReceipt(
        subject_ref=subject.ref,
        erased_at=tombstone.erased_at,
        request_reference=request_reference,
        outcome=plan.outcome,
        erased_fields=sorted({item.field for item in plan.erased}),
        kept=_kept_records(plan),
        consents_withdrawn=withdrawn,
        suppressed_addresses=sum(kind is IdentifierKind.EMAIL for kind, _ in identifiers),
        mentions_redacted=mentions,
        tombstone_id=tombstone.id,
    )
    audit.record(
        work,
        actor=actor,
        action="erasure.completed",
        subject_ref=subject.ref,
        detail={
            "request_reference": request_reference,
            "outcome": plan.outcome.value,
            "erased_fields": receipt.erased_fields,
            "erased_values": len(plan.erased),
            "kept": [
                {"field": record.field, "retain_until": _iso(record.retain_until)}
                for record in receipt.kept
            ],
            "consents_withdrawn": withdrawn,
            "suppressed": receipt.suppressed_addresses,
            "mentions_redacted": mentions,
            "tombstone_id": tombstone.id,
        },
    )
    return receipt


def _kept_records(plan: ErasurePlan) -> list[KeptRecord]:
    """One line per kept field, with the latest deletion date among its values."""
    latest: dict[tuple[str, str], datetime | None] = {}
    for item in plan.kept:
        key = (item.field, item.law or "")
        current = latest.get(key)
        if current is None or (item.retain_until is not None and item.retain_until > current):
            latest[key] = item.retain_until
    return [
        KeptRecord(field=field, law=law, retain_until=until)
        for (field, law), until in sorted(latest.items())
    ]


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _identifiers(work: Work, subject: Subject, *, actor: str) -> list[tuple[IdentifierKind, str]]:
    """The subject's emails and phone numbers (current and replaced, normalised as
    stored), opened under ``rights_requests`` to find and suppress them elsewhere."""
    kinds = _identifier_fields(work.policy)
    categories = sorted({category for category, _ in kinds})
    if not categories:
        return []
    opened = vault.read_personal_values(
        work,
        subject,
        purpose=RIGHTS_PURPOSE,
        actor=actor,
        categories=categories,
        include_replaced=True,
    )
    found = {
        (kinds[(item.record.category, item.record.field)], item.value)
        for item in opened
        if (item.record.category, item.record.field) in kinds
    }
    return sorted(found)


def _identifier_fields(policy: Policy) -> dict[tuple[str, str], IdentifierKind]:
    return {
        (category.id, field.id): field.identifier
        for category in policy.categories
        for field in category.fields
        if field.identifier is not None
    }


def _carry_out(
    work: Work,
    subject: Subject,
    plan: ErasurePlan,
    identifiers: list[tuple[IdentifierKind, str]],
    *,
    actor: str,
) -> tuple[list[str], int]:
    """Apply ``plan``: redact mentions, withdraw consents, suppress, delete the erased
    values and their satellites, then restrict or crypto-shred. Returns the withdrawn
    ``purpose/channel`` pairs and the number of messages redacted."""
    mentions = redact_mentions(work, subject, identifiers, actor=actor)
    withdrawn = _withdraw_consents(work, subject, actor=actor)
    for kind, value in identifiers:
        if kind is IdentifierKind.EMAIL:
            suppress(work, suppression_digest(work, value), route=ERASURE_ROUTE)
    _delete_values(work, subject, [item.value_id for item in plan.erased])
    if plan.kept:
        if subject.restricted_at is None:
            vault.restrict_processing(work, subject, reason=KEPT_RECORDS_GROUND.value, actor=actor)
    else:
        vault.destroy_data_key(work, subject, actor=actor)
    return withdrawn, mentions


def _withdraw_consents(work: Work, subject: Subject, *, actor: str) -> list[str]:
    """Art. 7(3), Art. 17(1)(b): every consent still given is withdrawn, one channel at a
    time, so the ledger shows each one ending."""
    withdrawn: list[str] = []
    for state in consent_states(work, subject):
        if not state.given:
            continue
        withdraw_consent(
            work,
            subject,
            purpose=state.purpose,
            channel=state.channel,
            actor=actor,
            evidence={},
            collection_point=ERASURE_ROUTE,
        )
        withdrawn.append(f"{state.purpose}/{state.channel}")
    return withdrawn


def _delete_values(work: Work, subject: Subject, value_ids: list[int]) -> None:
    """Delete the erased values, their blind indexes and everything that only pointed at
    them: correspondence rows (cascade from their body), enquiry rows, newsletter
    sign-ups and the preferences link (their sealed email is erased data too)."""
    if value_ids:
        work.session.execute(delete(BlindIndex).where(BlindIndex.value_id.in_(value_ids)))
        work.session.execute(delete(PersonalValue).where(PersonalValue.id.in_(value_ids)))
    for table in (Enquiry, NewsletterSignup, PreferenceLink):
        work.session.execute(delete(table).where(table.subject_id == subject.id))
    work.session.flush()


# After a restore ---------------------------------------------------------------------------


def reapply_tombstones(work: Work, *, since: datetime | None, actor: str = "system:erasure") -> int:
    """Erase again every subject a tombstone (recorded at or after ``since``) matches, by
    its subject ref or the blind index of an erased identifier; returns how many.

    Used after restoring a backup taken before an erasure (Art. 17, Art. 5(2)). A subject
    first created *after* the tombstone is a new relationship with the person, not a
    restored copy, and is left alone. A match is erased again by the same plan (no hold
    applies: the data was already lawfully erased), without a new tombstone.
    """
    query = select(ErasureTombstone).order_by(ErasureTombstone.id)
    if since is not None:
        query = query.where(ErasureTombstone.erased_at >= since)
    return sum(
        len(_reapply_tombstone(work, tombstone, actor=actor))
        for tombstone in work.session.scalars(query).all()
    )


def restore_tombstones(
    work: Work, entries: list[JournalEntry], *, actor: str = "system:erasure"
) -> list[str]:
    """Put journal entries back as tombstones where the (restored) database lacks them,
    and erase again every subject they match; returns the refs erased again.

    Used by ``charter backup restore`` with the journal entries recorded since the backup
    (Art. 17, Art. 5(2)): the restored database forgets those erasures, the journal does
    not. An entry already present as a tombstone is re-applied too (idempotent).
    """
    erased: list[str] = []
    for entry in entries:
        tombstone = work.session.scalars(
            select(ErasureTombstone).where(
                ErasureTombstone.subject_ref == entry.subject_ref,
                ErasureTombstone.erased_at == entry.erased_at,
            )
        ).first()
        if tombstone is None:
            tombstone = ErasureTombstone(
                subject_ref=entry.subject_ref,
                erased_at=entry.erased_at,
                identifier_digests=sorted(entry.identifier_digests),
                outcome=entry.outcome,
            )
            work.session.add(tombstone)
            work.session.flush()
        erased.extend(_reapply_tombstone(work, tombstone, actor=actor))
    return erased


def _reapply_tombstone(work: Work, tombstone: ErasureTombstone, *, actor: str) -> list[str]:
    """Erase again every restored subject ``tombstone`` matches; their refs."""
    done: list[str] = []
    for subject in _matches(work, tombstone):
        if _reapply(work, subject, actor=actor):
            done.append(subject.ref)
            audit.record(
                work,
                actor=actor,
                action="erasure.reapplied",
                subject_ref=subject.ref,
                detail={"tombstone_id": tombstone.id},
            )
    return done


def _matches(work: Work, tombstone: ErasureTombstone) -> list[Subject]:
    digests = []
    for entry in tombstone.identifier_digests:
        kind, _, hexdigest = entry.partition(":")
        digests.append((kind, bytes.fromhex(hexdigest)))
    ids = set(work.session.scalars(select(Subject.id).where(Subject.ref == tombstone.subject_ref)))
    for kind, digest in digests:
        ids.update(
            work.session.scalars(
                select(BlindIndex.subject_id).where(
                    BlindIndex.kind == kind, BlindIndex.digest == digest
                )
            )
        )
    subjects = work.session.scalars(
        select(Subject).where(Subject.id.in_(ids)).order_by(Subject.id)
    ).all()
    return [subject for subject in subjects if subject.created_at <= tombstone.erased_at]


def _reapply(work: Work, subject: Subject, *, actor: str) -> bool:
    """Erase a restored subject again; ``False`` when there is nothing left to erase."""
    work.session.refresh(subject)
    has_key = work.session.get(DataKey, subject.id) is not None
    if subject.erased_at is not None or not has_key:
        return _shred_leftovers(work, subject, actor=actor)
    plan = plan_erasure(work, subject)
    if not plan.erased and plan.kept and subject.restricted_at is not None:
        return False
    identifiers = _identifiers(work, subject, actor=actor)
    _carry_out(work, subject, plan, identifiers, actor=actor)
    return True


def _shred_leftovers(work: Work, subject: Subject, *, actor: str) -> bool:
    """A subject marked erased (or keyless) may still have restored rows: delete them and
    any restored data key."""
    rows = work.session.scalars(
        select(PersonalValue.id).where(PersonalValue.subject_id == subject.id)
    ).all()
    key = work.session.get(DataKey, subject.id)
    if not rows and key is None:
        return False
    _delete_values(work, subject, list(rows))
    work.session.execute(delete(DataKey).where(DataKey.subject_id == subject.id))
    work.session.execute(delete(BlindIndex).where(BlindIndex.subject_id == subject.id))
    work.session.flush()
    audit.record(work, actor=actor, action="subject.data_key_destroyed", subject_ref=subject.ref)
    return True
