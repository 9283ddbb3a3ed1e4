"""The disclosure register's gate, its summaries and the Art. 19 notice queue, on SQLite
and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from charter.audit.models import AuditEntry
from charter.disclosures import service
from charter.disclosures.models import Disclosure, NoticeStatus, RecipientNotice
from charter.errors import InvalidInput, PolicyRefusal, UndeclaredPurpose
from charter.runtime import Runtime
from charter.vault import service as vault
from tests import conftest
from tests.conftest import START

from .factories import ACTOR, new_subject, overseas, with_extra_recipients

pytestmark = pytest.mark.postgres


def _count(runtime: Runtime) -> int:
    with runtime.unit(write=False) as work:
        return int(work.session.scalar(select(func.count()).select_from(Disclosure)) or 0)


def _record(runtime: Runtime, **options: object) -> Disclosure:
    arguments: dict[str, object] = {
        "recipient": "authorities",
        "purpose": "legal_compliance",
        "categories": ["identity", "financial"],
        "reference": "HMRC enquiry 2026/117",
        "actor": ACTOR,
    }
    arguments.update(options)
    with runtime.unit() as work:
        subject = new_subject(work)
        return service.record_disclosure(work, subject, **arguments)  # type: ignore[arg-type]


def test_a_declared_disclosure_is_registered_and_audited(runtime: Runtime) -> None:
    row = _record(runtime)
    assert row.recipient == "authorities"
    assert row.purpose == "legal_compliance"
    assert row.lawful_basis == "legal_obligation"
    assert row.categories == ["identity", "financial"]
    assert row.country == "GB"
    assert row.transfer_mechanism is None
    assert row.disclosed_at == START
    assert row.actor == ACTOR
    with runtime.unit(write=False) as work:
        entry = work.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "disclosure.recorded")
        ).one()
    detail = json.loads(entry.detail)
    assert detail["recipient"] == "authorities"
    assert detail["disclosure"] == row.id
    assert "HMRC" not in entry.detail  # the reference is in the register, not the log


@pytest.mark.parametrize(
    ("options", "refusal", "says"),
    [
        ({"recipient": "data_broker"}, service.UndeclaredRecipient, "data_broker"),
        ({"purpose": "invented"}, UndeclaredPurpose, "invented"),
        (
            {"recipient": "hosting_provider", "purpose": "legal_compliance"},
            service.RecipientPurposeNotDeclared,
            "legal_compliance",
        ),
        (
            {"recipient": "authorities", "categories": ["communications"]},
            service.RecipientCategoryNotDeclared,
            "communications",
        ),
        (
            {
                "recipient": "fraud_prevention_agencies",
                "purpose": "fraud_prevention",
                "categories": ["technical"],
            },
            service.RecipientCategoryNotDeclared,
            "technical",
        ),
        (
            {"recipient": "email_provider", "purpose": "marketing", "categories": ["contact"]},
            service.MarketingDisclosure,
            "marketing",
        ),
    ],
)
def test_what_the_policy_does_not_declare_is_refused(
    runtime: Runtime, options: dict[str, object], refusal: type[PolicyRefusal], says: str
) -> None:
    with pytest.raises(refusal) as caught:
        _record(runtime, **options)
    assert isinstance(caught.value, PolicyRefusal)
    assert caught.value.status_code == 403
    assert says in caught.value.public_message
    assert _count(runtime) == 0


@pytest.mark.parametrize("flag", ["sells_data", "uses_for_own_marketing"])
def test_a_recipient_that_sells_or_markets_is_refused(
    runtime: Runtime, tmp_path: Path, flag: str
) -> None:
    broker = {**overseas("broker", "GB", None), flag: True}
    copy = with_extra_recipients(runtime, tmp_path, broker)
    with pytest.raises(service.MarketingDisclosure):
        _record(copy, recipient="broker", purpose="provide_services", categories=["identity"])
    assert _count(runtime) == 0


def test_an_erased_person_is_refused(runtime: Runtime) -> None:
    with runtime.unit() as work:
        subject = new_subject(work)
        vault.destroy_data_key(work, subject, actor=ACTOR)
        with pytest.raises(service.DisclosureOfErasedData):
            service.record_disclosure(
                work,
                subject,
                recipient="authorities",
                purpose="legal_compliance",
                categories=["identity"],
                reference="Court order 17",
                actor=ACTOR,
            )
    assert _count(runtime) == 0


def test_restriction_allows_only_legal_disclosures(runtime: Runtime) -> None:
    """Art. 18(2): under restriction, a disclosure under a legal obligation still goes
    ahead; one to a processor for the contract does not."""
    with runtime.unit() as work:
        subject = new_subject(work)
        vault.restrict_processing(work, subject, reason="accuracy_contested", actor=ACTOR)
        with pytest.raises(service.DisclosureRestricted) as caught:
            service.record_disclosure(
                work,
                subject,
                recipient="hosting_provider",
                purpose="provide_services",
                categories=["identity"],
                reference="Order 1001",
                actor=ACTOR,
            )
        assert "Art. 18" in caught.value.public_message
        allowed = service.record_disclosure(
            work,
            subject,
            recipient="authorities",
            purpose="legal_compliance",
            categories=["identity"],
            reference="Court order 17",
            actor=ACTOR,
        )
    assert allowed.lawful_basis == "legal_obligation"
    assert _count(runtime) == 1


@pytest.mark.parametrize(
    "reference",
    ["", "   ", "sent to ada@example.com", "call 07911 123456", "x" * 121, "NI AB123456C"],
)
def test_a_reference_must_be_short_and_not_personal_data(runtime: Runtime, reference: str) -> None:
    with pytest.raises(InvalidInput):
        _record(runtime, reference=reference)
    assert _count(runtime) == 0


def test_a_reference_like_an_order_number_is_accepted(runtime: Runtime) -> None:
    assert _record(runtime, reference="  INV-2026-0042 ").reference == "INV-2026-0042"


# Transfers (Art. 44-49) --------------------------------------------------------------------------


def test_a_transfer_with_a_safeguard_records_it(runtime: Runtime) -> None:
    row = _record(
        runtime,
        recipient="email_provider",
        purpose="respond_to_queries",
        categories=["contact", "communications"],
        reference="Ticket 88",
    )
    assert row.country == "US"
    assert row.transfer_mechanism == "uk_idta"
    assert row.transfer_detail is not None
    assert "International Data Transfer Agreement" in row.transfer_detail
    label = service.safeguard_label(row.transfer_mechanism, row.transfer_detail)
    assert label is not None
    assert label.startswith("International Data Transfer Agreement (IDTA)")


def test_a_transfer_without_a_safeguard_is_refused(runtime: Runtime, tmp_path: Path) -> None:
    copy = with_extra_recipients(runtime, tmp_path, overseas("backups_in_in", "IN", None))
    with pytest.raises(service.TransferNotSafeguarded) as caught:
        _record(copy, recipient="backups_in_in", purpose="provide_services", categories=["contact"])
    assert "IN" in caught.value.public_message
    assert _count(runtime) == 0


def test_an_art49_exception_needs_its_reason(runtime: Runtime, tmp_path: Path) -> None:
    copy = with_extra_recipients(
        runtime,
        tmp_path,
        overseas("no_reason", "BR", {"mechanism": "art49_derogation"}),
        overseas(
            "with_reason",
            "BR",
            {
                "mechanism": "art49_derogation",
                "derogation_reason": "Art. 49(1)(b): necessary for the customer's contract.",
            },
        ),
    )
    with pytest.raises(service.TransferNotSafeguarded) as caught:
        _record(copy, recipient="no_reason", purpose="provide_services", categories=["contact"])
    assert "Art. 49" in caught.value.public_message
    row = _record(copy, recipient="with_reason", purpose="provide_services", categories=["contact"])
    assert row.transfer_mechanism == "art49_derogation"
    assert row.transfer_detail == "Art. 49(1)(b): necessary for the customer's contract."


def test_adequacy_covers_an_eea_recipient(runtime: Runtime, tmp_path: Path) -> None:
    copy = with_extra_recipients(
        runtime, tmp_path, overseas("dublin", "IE", {"mechanism": "adequacy"})
    )
    row = _record(copy, recipient="dublin", purpose="provide_services", categories=["identity"])
    assert (row.country, row.transfer_mechanism) == ("IE", "adequacy")
    assert service.safeguard_label(row.transfer_mechanism, None) == "UK adequacy regulations"


# The register's summaries -----------------------------------------------------------------------


def test_recipients_disclosed_to_summarises_per_recipient(
    runtime: Runtime, clock: conftest.TestClock
) -> None:
    with runtime.unit() as work:
        subject = new_subject(work)
        other = new_subject(work)

        def disclose(who: object, recipient: str, purpose: str, categories: list[str]) -> None:
            service.record_disclosure(
                work,
                who,  # type: ignore[arg-type]
                recipient=recipient,
                purpose=purpose,
                categories=categories,
                reference="Order 1001",
                actor=ACTOR,
            )

        disclose(subject, "payment_processor", "provide_services", ["identity", "financial"])
        clock.advance(days=3)
        disclose(subject, "authorities", "legal_compliance", ["transaction"])
        clock.advance(days=2)
        disclose(subject, "payment_processor", "provide_services", ["transaction"])
        disclose(other, "hosting_provider", "provide_services", ["identity"])
        lines = service.recipients_disclosed_to(work, subject)
    assert [line.recipient for line in lines] == ["payment_processor", "authorities"]
    payment = lines[0]
    assert payment.categories == ["identity", "financial", "transaction"]
    assert payment.purposes == ["provide_services"]
    assert payment.first_disclosed_at == START
    assert payment.last_disclosed_at > payment.first_disclosed_at
    assert payment.disclosures == 2
    assert payment.country == "US"
    assert payment.safeguard is not None
    assert payment.safeguard.startswith("UK adequacy regulations")
    assert lines[1].safeguard is None


# Art. 19 notices ---------------------------------------------------------------------------------


def test_notices_go_only_to_recipients_that_received_data(runtime: Runtime) -> None:
    with runtime.unit() as work:
        subject = new_subject(work)
        other = new_subject(work)
        for recipient, purpose, categories in (
            ("hosting_provider", "provide_services", ["identity"]),
            ("email_provider", "respond_to_queries", ["contact"]),
            ("email_provider", "respond_to_queries", ["communications"]),
        ):
            service.record_disclosure(
                work,
                subject,
                recipient=recipient,
                purpose=purpose,
                categories=categories,
                reference=f"Ticket {len(categories)}-{recipient[:4]}",
                actor=ACTOR,
            )
        service.record_disclosure(
            work,
            other,
            recipient="authorities",
            purpose="legal_compliance",
            categories=["identity"],
            reference="Court order 17",
            actor=ACTOR,
        )
        notices = service.notify_recipients(
            work, subject, event="erasure", request_reference="R-123", actor=ACTOR
        )
        assert sorted(n.recipient for n in notices) == ["email_provider", "hosting_provider"]
        assert {n.status for n in notices} == {NoticeStatus.PENDING.value}
        assert all(n.next_attempt_at == START and n.attempts == 0 for n in notices)
        assert len({n.idempotency_key for n in notices}) == 2
        again = service.notify_recipients(
            work, subject, event="erasure", request_reference="R-123", actor=ACTOR
        )
        assert {n.id for n in again} == {n.id for n in notices}
        assert (
            service.notify_recipients(
                work, new_subject(work), event="rectification", request_reference=None, actor=ACTOR
            )
            == []
        )
        total = work.session.scalar(select(func.count()).select_from(RecipientNotice))
        body = json.loads(next(n for n in notices if n.recipient == "email_provider").payload)
    assert total == 2
    assert body["event"] == "erasure"
    assert body["schema"] == "charter.recipient-notice/1"
    assert body["request_reference"] == "R-123"
    assert [d["categories"] for d in body["disclosures"]] == [["contact"], ["communications"]]
    assert body["subject_ref"] != subject.ref  # a pseudonym for this recipient only
    assert "Art. 17" in body["article"]


def test_the_recipient_pseudonym_differs_between_recipients(runtime: Runtime) -> None:
    with runtime.unit() as work:
        subject = new_subject(work)
        first = service.recipient_subject_ref(work, "hosting_provider", subject)
        again = service.recipient_subject_ref(work, "hosting_provider", subject)
        second = service.recipient_subject_ref(work, "email_provider", subject)
    assert first == again
    assert first != second
    assert subject.ref not in (first, second)


def test_a_notice_carries_no_personal_value(runtime: Runtime) -> None:
    """The customer's email and name were stored and disclosed; the notice carries only
    the references, categories and the pseudonym."""
    with runtime.unit() as work:
        subject = new_subject(work)
        vault.store_personal_data(
            work,
            subject,
            collection_point="orders",
            values={"identity.first_name": "Ada", "contact.email": "ada@example.com"},
            source="website",
            actor=ACTOR,
        )
        service.record_disclosure(
            work,
            subject,
            recipient="payment_processor",
            purpose="provide_services",
            categories=["identity", "contact"],
            reference="Order 1001",
            actor=ACTOR,
        )
        (notice,) = service.notify_recipients(
            work, subject, event="rectification", request_reference=None, actor=ACTOR
        )
    assert "ada@example.com" not in notice.payload
    assert "Ada" not in notice.payload
    assert "Order 1001" in notice.payload


def test_an_unknown_event_is_refused(runtime: Runtime) -> None:
    with runtime.unit() as work, pytest.raises(InvalidInput):
        service.notify_recipients(
            work, new_subject(work), event="objection", request_reference=None, actor=ACTOR
        )
