"""Erasure on SQLite and PostgreSQL: the exceptions engine, suppression, consents,
mentions, tombstones and re-applying them after a restore (UK GDPR Art. 17)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import ColumnElement, func, select

from charter.consent.decisions import decide
from charter.consent.models import ConsentState
from charter.consent.schemas import DecisionCode
from charter.db import Base
from charter.enquiries.models import Enquiry
from charter.erasure.mentions import REDACTION_MARKER
from charter.erasure.models import ErasureTombstone
from charter.erasure.schemas import Outcome
from charter.erasure.service import (
    ErasureHeld,
    erase_subject,
    plan_erasure,
    reapply_tombstones,
)
from charter.mail.models import Correspondence, CorrespondenceMention
from charter.mail.service import correspondence_for_subject
from charter.newsletter.models import SuppressedAddress
from charter.newsletter.preferences import is_suppressed, suppression_digest
from charter.rights import service as rights
from charter.runtime import Runtime, Work
from charter.vault import keys
from charter.vault import service as vault
from charter.vault.keys import DataErased
from charter.vault.models import BlindIndex, DataKey, PersonalValue
from tests.vault.factories import MovableClock

from .factories import (
    ACTOR,
    EMAIL,
    KEPT_FIELDS,
    MENTION_BODY,
    NORMALISED_EMAIL,
    PHONE,
    PLANTED,
    audit_text,
    enquire,
    mention_in_other_email,
    order,
    restore,
    snapshot,
    subject_by_ref,
)

#: An order on 25 November 2026 belongs to the year ending 31 March 2027 (the default
#: year end); six years from its end.
ACCOUNTS_UNTIL = datetime(2033, 3, 31, 23, 59, 59, 999999, tzinfo=UTC)


@pytest.fixture
def customer(runtime: Runtime, tmp_path: Path) -> str:
    """Enquired with email and phone marketing opt-ins, then ordered."""
    ref = enquire(runtime, tmp_path / "outbox", marketing=("email", "phone"))
    order(runtime)
    return ref


def test_plan_keeps_only_the_minimised_accounting_record(runtime: Runtime, customer: str) -> None:
    with runtime.unit(write=False) as work:
        plan = plan_erasure(work, subject_by_ref(work, customer))
    assert sorted(item.field for item in plan.kept) == KEPT_FIELDS
    assert all(item.collection_point == "orders" for item in plan.kept)
    assert all(item.retain_until == ACCOUNTS_UNTIL for item in plan.kept)
    assert all(item.law and "Companies Act 2006 s.388" in item.law for item in plan.kept)
    erased = {item.field for item in plan.erased}
    assert {"contact.email", "contact.phone", "communications.message"} <= erased
    assert {"identity.title", "contact.delivery_address"} <= erased
    assert plan.outcome is Outcome.RESTRICTED
    assert plan.holds == []


def test_plan_erases_accounting_records_whose_period_has_ended(
    runtime: Runtime, customer: str, clock: MovableClock
) -> None:
    clock.set(datetime(2033, 4, 1, tzinfo=UTC))
    with runtime.unit(write=False) as work:
        plan = plan_erasure(work, subject_by_ref(work, customer))
    assert plan.kept == []
    assert plan.outcome is Outcome.SHREDDED


def test_erasure_keeps_restricted_records_and_removes_the_rest(
    runtime: Runtime, customer: str
) -> None:
    other_ref = mention_in_other_email(runtime)
    with runtime.unit() as work:
        receipt = erase_subject(work, subject_by_ref(work, customer), actor=ACTOR)
    assert receipt.outcome is Outcome.RESTRICTED
    assert [record.field for record in receipt.kept] == KEPT_FIELDS
    assert all(record.retain_until == ACCOUNTS_UNTIL for record in receipt.kept)
    assert "contact.email" in receipt.erased_fields
    assert receipt.mentions_redacted == 1
    text = receipt.summary_text()
    assert "2033-03-31" in text
    assert "Companies Act 2006" in text
    assert NORMALISED_EMAIL not in text

    with runtime.unit() as work:
        subject = subject_by_ref(work, customer)
        assert subject.restriction_reason == "legal_claims"
        assert subject.erased_at is None
        rows = work.session.scalars(
            select(PersonalValue).where(PersonalValue.subject_id == subject.id)
        ).all()
        assert sorted(f"{row.category}.{row.field}" for row in rows) == KEPT_FIELDS
        assert {row.retain_until for row in rows} == {ACCOUNTS_UNTIL}
        assert vault.find_subject(work, email=EMAIL) is None
        assert _count(work, BlindIndex, BlindIndex.subject_id == subject.id) == 0
        assert _count(work, Enquiry, Enquiry.subject_id == subject.id) == 0
        # Kept records stay readable only for purposes allowed under restriction.
        kept = vault.read_personal_data(work, subject, purpose="legal_compliance", actor=ACTOR)
        assert kept["identity.last_name"] == "Quillfeather"
        # Marketing: suppressed by keyed hash, consents withdrawn.
        assert is_suppressed(work, EMAIL)
        digests = work.session.scalars(select(SuppressedAddress.digest)).all()
        assert suppression_digest(work, EMAIL) in digests
        assert all(NORMALISED_EMAIL.encode() not in digest for digest in digests)
        states = work.session.scalars(
            select(ConsentState).where(ConsentState.subject_id == subject.id)
        ).all()
        assert {state.channel for state in states} == {"email", "phone"}
        assert not any(state.given for state in states)
        for channel in ("email", "phone"):
            decision = decide(work, subject.id, "marketing", channel)
            assert not decision.allowed
            assert decision.code in {DecisionCode.RESTRICTED, DecisionCode.WITHDRAWN}
        # The other person's email no longer holds the customer's identifiers.
        other = subject_by_ref(work, other_ref)
        items = correspondence_for_subject(work, other, purpose="respond_to_queries", actor=ACTOR)
        assert len(items) == 1
        assert items[0].message is not None
        assert REDACTION_MARKER in items[0].message
        assert EMAIL not in items[0].message
        assert PHONE not in items[0].message
        assert "chase the backup job" in items[0].message
        assert items[0].message != MENTION_BODY
        mentions = work.session.scalar(select(func.count()).select_from(CorrespondenceMention))
        assert mentions == 0
        # The tombstone: pseudonymous, keyed digests only.
        tombstone = work.session.scalars(select(ErasureTombstone)).one()
        assert tombstone.subject_ref == customer
        assert tombstone.outcome == "restricted"
        assert len(tombstone.identifier_digests) == 2
        assert NORMALISED_EMAIL not in str(tombstone.identifier_digests)
        logged = audit_text(work)
        assert "erasure.completed" in logged
        for planted in PLANTED:
            assert planted not in logged


def test_nothing_to_keep_crypto_shreds(runtime: Runtime, tmp_path: Path) -> None:
    ref = enquire(runtime, tmp_path / "outbox", marketing=("email",))
    with runtime.unit() as work:
        receipt = erase_subject(work, subject_by_ref(work, ref), actor=ACTOR)
    assert receipt.outcome is Outcome.SHREDDED
    assert receipt.kept == []
    assert receipt.consents_withdrawn == ["marketing/email"]
    with runtime.unit() as work:
        subject = subject_by_ref(work, ref)
        assert subject.erased_at is not None
        assert work.session.get(DataKey, subject.id) is None
        assert _count(work, PersonalValue, PersonalValue.subject_id == subject.id) == 0
        with pytest.raises(DataErased):
            vault.read_personal_data(work, subject, purpose="rights_requests", actor=ACTOR)
        assert decide(work, subject.id, "marketing", "email").code is DecisionCode.ERASED
        assert is_suppressed(work, EMAIL)
        for planted in PLANTED:
            assert planted not in audit_text(work)
        with pytest.raises(DataErased):
            erase_subject(work, subject, actor=ACTOR)


def test_a_restored_backup_is_erased_again(runtime: Runtime, tmp_path: Path) -> None:
    ref = enquire(runtime, tmp_path / "outbox")
    with runtime.unit() as work:
        subject = subject_by_ref(work, ref)
        backup = snapshot(work, subject)
        erase_subject(work, subject, actor=ACTOR)
    with runtime.unit() as work:
        restore(work, subject_by_ref(work, ref), backup)
    with runtime.unit() as work:
        subject = subject_by_ref(work, ref)
        restored = vault.read_personal_data(work, subject, purpose="rights_requests", actor=ACTOR)
        assert restored["contact.email"] == NORMALISED_EMAIL  # the restore brought it back
        assert reapply_tombstones(work, since=None, actor=ACTOR) == 1
    with runtime.unit() as work:
        subject = subject_by_ref(work, ref)
        assert subject.erased_at is not None
        assert work.session.get(DataKey, subject.id) is None
        assert _count(work, PersonalValue, PersonalValue.subject_id == subject.id) == 0
        assert vault.find_subject(work, email=EMAIL) is None
        with pytest.raises(DataErased):
            keys.subject_key(work, subject)
        with pytest.raises(DataErased):
            vault.read_personal_data(work, subject, purpose="rights_requests", actor=ACTOR)
        assert reapply_tombstones(work, since=None, actor=ACTOR) == 0
        assert "erasure.reapplied" in audit_text(work)


def test_a_restored_customer_is_restricted_again(runtime: Runtime, customer: str) -> None:
    with runtime.unit() as work:
        subject = subject_by_ref(work, customer)
        backup = snapshot(work, subject)
        erase_subject(work, subject, actor=ACTOR)
    with runtime.unit() as work:
        subject = subject_by_ref(work, customer)
        kept_ids = {row["id"] for row in snapshot(work, subject)["personal_values"]}
        backup["personal_values"] = [
            row for row in backup["personal_values"] if row["id"] not in kept_ids
        ]
        backup["data_keys"] = []
        restore(work, subject, backup)
    with runtime.unit() as work:
        assert reapply_tombstones(work, since=None, actor=ACTOR) == 1
    with runtime.unit() as work:
        subject = subject_by_ref(work, customer)
        rows = work.session.scalars(
            select(PersonalValue).where(PersonalValue.subject_id == subject.id)
        ).all()
        assert sorted(f"{row.category}.{row.field}" for row in rows) == KEPT_FIELDS
        assert vault.find_subject(work, email=EMAIL) is None


def test_a_later_relationship_is_not_erased_by_an_old_tombstone(
    runtime: Runtime, tmp_path: Path, clock: MovableClock
) -> None:
    ref = enquire(runtime, tmp_path / "outbox")
    with runtime.unit() as work:
        erase_subject(work, subject_by_ref(work, ref), actor=ACTOR)
    clock.advance(days=30)
    new_ref = enquire(runtime, tmp_path / "outbox")
    assert new_ref != ref
    with runtime.unit() as work:
        assert reapply_tombstones(work, since=None, actor=ACTOR) == 0
        assert vault.find_subject(work, email=EMAIL) is not None


def test_an_open_access_request_holds_the_erasure(runtime: Runtime, customer: str) -> None:
    with runtime.unit() as work:
        subject = subject_by_ref(work, customer)
        request = rights.receive_request(
            work, kind="access", received_via="email", actor=ACTOR, subject=subject
        )
        erasure = rights.receive_request(
            work, kind="erasure", received_via="email", actor=ACTOR, subject=subject
        )
        values_before = _count(work, PersonalValue, PersonalValue.subject_id == subject.id)
    with runtime.unit() as work, pytest.raises(ErasureHeld) as raised:
        erase_subject(
            work,
            subject_by_ref(work, customer),
            actor=ACTOR,
            request_reference=erasure.reference,
        )
    assert request.reference in raised.value.public_message
    assert "s.173" in raised.value.public_message
    with runtime.unit() as work:
        subject = subject_by_ref(work, customer)
        assert subject.restricted_at is None
        assert subject.erased_at is None
        assert _count(work, PersonalValue, PersonalValue.subject_id == subject.id) == (
            values_before
        )
        assert work.session.scalars(select(ErasureTombstone)).all() == []
        assert not is_suppressed(work, EMAIL)
        rights.cancel_request(work, rights.find_request(work, request.reference), actor=ACTOR)
    with runtime.unit() as work:
        receipt = erase_subject(
            work,
            subject_by_ref(work, customer),
            actor=ACTOR,
            request_reference=erasure.reference,
        )
    assert receipt.request_reference == erasure.reference


def test_correspondence_of_the_erased_person_goes(runtime: Runtime) -> None:
    with runtime.unit() as work:
        from charter.mail.service import record_correspondence
        from tests.mail.factories import build_email

        result = record_correspondence(
            work,
            build_email(sender=f"Zeb <{EMAIL}>", message_id="<own@example.org>"),
            received_via="eml",
            actor=ACTOR,
        )
    assert result.subject_ref is not None
    with runtime.unit() as work:
        erase_subject(work, subject_by_ref(work, result.subject_ref), actor=ACTOR)
        assert _count(work, Correspondence, Correspondence.id == result.correspondence_id) == 0


def _count(work: Work, model: type[Base], condition: ColumnElement[bool]) -> int:
    return int(work.session.scalar(select(func.count()).select_from(model).where(condition)) or 0)
