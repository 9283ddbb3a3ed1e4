"""The purpose gate (Art. 5(1)(b)), restriction (Art. 18) and the audit of every read."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from charter.audit.models import AuditEntry
from charter.audit.service import verify
from charter.errors import (
    CategoryNotAllowed,
    Conflict,
    InvalidInput,
    PolicyRefusal,
    ProcessingRestricted,
    UndeclaredPurpose,
)
from charter.runtime import Runtime, Work
from charter.vault import service
from charter.vault.access import RestrictionGround
from charter.vault.models import Subject

from .factories import ACTOR, new_subject

VALUES = {
    "contact__name": "Jane Doe",
    "contact__email": "jane.doe@example.com",
    "enquiry__message": "My laptop is broken",
}


def jane(work: Work) -> Subject:
    subject = new_subject(work, **VALUES)
    service.store_personal_data(
        work, subject, collection_point="billing",
        values={"financial.bank_account": "31926819"}, source="website", actor=ACTOR,
    )  # fmt: skip
    return subject


@pytest.mark.parametrize(
    ("purpose", "categories", "fields"),
    [
        ("newsletter", None, {"contact.name", "contact.email"}),
        ("enquiry_response", None, {"contact.name", "contact.email", "enquiry.message"}),
        ("enquiry_response", ["enquiry"], {"enquiry.message"}),
        ("invoicing", None, {"contact.name", "contact.email", "financial.bank_account"}),
        ("invoicing", ["financial"], {"financial.bank_account"}),
    ],
)
def test_a_purpose_sees_only_its_categories(
    vault: Runtime, purpose: str, categories: list[str] | None, fields: set[str]
) -> None:
    with vault.unit() as work:
        data = service.read_personal_data(
            work, jane(work), purpose=purpose, categories=categories, actor=ACTOR
        )
        assert set(data) == fields


@pytest.mark.parametrize(
    ("purpose", "categories", "error"),
    [
        ("profiling", None, UndeclaredPurpose),
        ("profiling", ["contact"], UndeclaredPurpose),
        ("newsletter", ["financial"], CategoryNotAllowed),
        ("newsletter", ["contact", "enquiry"], CategoryNotAllowed),
        ("enquiry_response", ["no_such_category"], CategoryNotAllowed),
    ],
)
def test_the_gate_refuses(
    vault: Runtime, purpose: str, categories: list[str] | None, error: type[PolicyRefusal]
) -> None:
    with vault.unit() as work:
        subject = jane(work)
        with pytest.raises(error):
            service.read_personal_data(
                work, subject, purpose=purpose, categories=categories, actor=ACTOR
            )
        with pytest.raises(error):
            service.check_purpose(work, subject, purpose=purpose, categories=categories or [])


def test_check_purpose_allows_what_the_policy_declares(vault: Runtime) -> None:
    with vault.unit() as work:
        service.check_purpose(work, jane(work), purpose="newsletter", categories=["contact"])


def test_restriction_allows_only_purposes_permitted_under_it(vault: Runtime) -> None:
    with vault.unit() as work:
        subject = jane(work)
        service.restrict_processing(
            work, subject, reason=RestrictionGround.ACCURACY_CONTESTED, actor=ACTOR
        )
        assert subject.restricted_at is not None
        assert subject.restriction_reason == "accuracy_contested"
        for purpose in ("newsletter", "enquiry_response", "invoicing"):
            with pytest.raises(ProcessingRestricted):
                service.read_personal_data(work, subject, purpose=purpose, actor=ACTOR)
            with pytest.raises(ProcessingRestricted):
                service.check_purpose(work, subject, purpose=purpose, categories=["contact"])
        kept = service.read_personal_data(work, subject, purpose="legal_claims", actor=ACTOR)
        assert kept["financial.bank_account"] == "31926819"
        # Storage itself continues under restriction (Art. 18(2)).
        service.store_personal_data(
            work, subject, collection_point="contact_form",
            values={"contact.name": "Jane Smith"}, source="rectification", actor=ACTOR,
        )  # fmt: skip
        service.lift_restriction(work, subject, actor=ACTOR)
        data = service.read_personal_data(work, subject, purpose="newsletter", actor=ACTOR)
        assert data["contact.name"] == "Jane Smith"


def test_restriction_transitions(vault: Runtime) -> None:
    with vault.unit() as work:
        subject = jane(work)
        with pytest.raises(InvalidInput):
            service.restrict_processing(work, subject, reason="because I said so", actor=ACTOR)
        with pytest.raises(Conflict):
            service.lift_restriction(work, subject, actor=ACTOR)
        service.restrict_processing(work, subject, reason="objection_pending", actor=ACTOR)
        with pytest.raises(Conflict):
            service.restrict_processing(work, subject, reason="legal_claims", actor=ACTOR)
        service.lift_restriction(work, subject, actor=ACTOR)
        assert (subject.restricted_at, subject.restriction_reason) == (None, None)


def test_every_read_is_audited_without_personal_data(vault: Runtime) -> None:
    with vault.unit() as work:
        subject = jane(work)
        service.read_personal_data(work, subject, purpose="newsletter", actor=ACTOR)
        service.read_personal_data(
            work, subject, purpose="invoicing", categories=["financial"], actor="staff:alice"
        )
        entries = work.session.scalars(
            select(AuditEntry).where(AuditEntry.subject_ref == subject.ref).order_by(AuditEntry.seq)
        ).all()
        reads = [entry for entry in entries if entry.action == "personal_data.read"]
        assert [(e.actor, e.purpose) for e in reads] == [
            (ACTOR, "newsletter"),
            ("staff:alice", "invoicing"),
        ]
        assert json.loads(reads[0].detail) == {
            "categories": ["contact"],
            "fields": ["contact.email", "contact.name"],
            "include_replaced": False,
        }
        assert json.loads(reads[1].detail)["fields"] == ["financial.bank_account"]
        actions = [entry.action for entry in entries]
        assert actions[:3] == ["subject.created", "personal_data.stored", "personal_data.stored"]
        everything = " ".join(f"{e.actor} {e.purpose} {e.detail}" for e in entries).lower()
        for value in (*VALUES.values(), "31926819", "jane", "laptop"):
            assert value.lower() not in everything
        assert verify(work.session, vault.keyring.audit).intact


def test_refused_reads_return_nothing_and_store_audits_fields_only(vault: Runtime) -> None:
    with vault.unit() as work:
        subject = jane(work)
        stored = work.session.scalars(
            select(AuditEntry).where(
                AuditEntry.subject_ref == subject.ref, AuditEntry.action == "personal_data.stored"
            )
        ).all()
        assert json.loads(stored[0].detail) == {
            "collection_point": "contact_form",
            "fields": ["contact.name", "contact.email", "enquiry.message"],
            "purposes": ["enquiry_response", "newsletter"],
        }
        assert stored[0].purpose is None
        assert stored[1].purpose == "invoicing"
