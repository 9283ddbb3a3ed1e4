"""The compliance report on a realistic clean installation, and after each kind of
violation planted directly in the database: it fails, naming exactly that check."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from charter.audit.models import AuditEntry
from charter.campaigns.models import SentMessage
from charter.compliance.service import build_report, run_report
from charter.disclosures.models import Disclosure
from charter.enquiries.models import Enquiry
from charter.enquiries.schemas import Handling
from charter.orders import service as orders
from charter.retention.models import LegalHold
from charter.rights import service as rights
from charter.rights.deadlines import due_date
from charter.rights.models import SubjectRequest
from charter.runtime import Runtime, Work
from charter.vault import keys
from charter.vault.models import PersonalValue, Subject
from tests import conftest
from tests.enquiries.factories import SPECIAL_MESSAGE

from .factories import ACTOR, CleanSystem, clean_system

pytestmark = pytest.mark.postgres


@pytest.fixture
def system(runtime: Runtime, clock: conftest.TestClock) -> CleanSystem:
    return clean_system(runtime, clock)


def failed_checks(runtime: Runtime) -> list[str]:
    with runtime.unit(write=False) as work:
        report = build_report(work)
    for check in report.checks:
        assert check.passed == (check.count == 0)
        assert check.evidence
    assert report.passed == (not report.failed())
    return report.failed()


def _customer(work: Work, system: CleanSystem) -> Subject:
    found = work.session.get(Subject, system.customer_id)
    assert found is not None
    return found


def test_a_clean_system_passes_every_check(runtime: Runtime, system: CleanSystem) -> None:
    with runtime.unit(write=False) as work:
        report = build_report(work)
    assert report.passed, [c for c in report.checks if not c.passed]
    assert len(report.checks) == 11
    by_id = {check.id: check for check in report.checks}
    assert "1 staff reads" in by_id["service_access_in_engagement"].evidence[0]
    assert "1 marketing messages" in by_id["marketing_consent"].evidence[0]


# Violations, each planted directly in the database ------------------------------------------


def plant_expired_value(work: Work, system: CleanSystem) -> None:
    work.session.execute(
        text(
            "UPDATE personal_values SET retain_until = :at WHERE id = "
            "(SELECT MIN(id) FROM personal_values WHERE subject_id = :subject)"
        ),
        {"at": work.now() - timedelta(days=30), "subject": system.customer_id},
    )


def plant_special_text(work: Work, system: CleanSystem) -> None:
    customer = _customer(work, system)
    sealed = keys.seal_value(
        keys.subject_key(work, customer), customer, "communications", "message", SPECIAL_MESSAGE
    )
    work.session.add(
        PersonalValue(
            subject_id=customer.id,
            category="communications",
            field="message",
            ciphertext=sealed,
            collection_point="contact_form",
            purposes=["respond_to_queries"],
            source="planted",
            policy_version="1.1",
            collected_at=work.now(),
            retention_rule="enquiries",
            retain_until=work.now() + timedelta(days=700),
        )
    )


def plant_marketing_without_consent(work: Work, system: CleanSystem) -> None:
    work.session.add(
        SentMessage(
            subject_id=system.customer_id,
            kind="marketing",
            channel="email",  # the customer withdrew email consent
            purpose="marketing",
            decision="allowed",
            decision_reason="consent_given",
            decided_at=work.now(),
            status="sent",
            sent_at=work.now(),
            idempotency_key="planted-marketing",
        )
    )


def plant_overdue_request(work: Work, system: CleanSystem) -> None:
    started = work.now().date() - timedelta(days=70)
    work.session.add(
        SubjectRequest(
            reference="DSR-LATE-0001",
            kind="access",
            status="in_progress",
            subject_id=system.customer_id,
            received_at=work.now() - timedelta(days=70),
            received_via="email",
            clock_started_on=started,
            due_on=due_date(started),
            extended=False,
        )
    )


def _disclosure(work: Work, system: CleanSystem, **values: object) -> None:
    fields: dict[str, object] = {
        "subject_id": system.customer_id,
        "lawful_basis": "legitimate_interests",
        "categories": ["contact"],
        "reference": "planted",
        "country": "GB",
        "transfer_mechanism": None,
        "policy_version": "1.1",
        "disclosed_at": work.now(),
        "actor": ACTOR,
    }
    fields.update(values)
    work.session.add(Disclosure(**fields))


def plant_undeclared_disclosure(work: Work, system: CleanSystem) -> None:
    _disclosure(work, system, recipient="data_broker", purpose="marketing")


def plant_undeclared_purpose(work: Work, system: CleanSystem) -> None:
    _disclosure(work, system, recipient="authorities", purpose="marketing")


def plant_transfer_without_safeguard(work: Work, system: CleanSystem) -> None:
    _disclosure(work, system, recipient="email_provider", purpose="communicate", country="US")


def plant_plaintext_email(work: Work, system: CleanSystem) -> None:
    work.session.execute(
        text("UPDATE subject_requests SET outcome = 'Copy sent to jane.doe@example.com'")
    )


def plant_plaintext_iban(work: Work, system: CleanSystem) -> None:
    work.session.execute(
        text("UPDATE subject_requests SET outcome = 'Refund to GB29 NWBK 6016 1331 9268 19'")
    )


def plant_unsealed_bank_account(work: Work, system: CleanSystem) -> None:
    work.session.execute(
        text(
            "UPDATE personal_values SET ciphertext = :raw "
            "WHERE subject_id = :subject AND category = 'financial'"
        ),
        {"raw": b"20-00-00 31926819", "subject": system.customer_id},
    )


def plant_broken_audit_chain(work: Work, system: CleanSystem) -> None:
    head = work.session.execute(
        select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)
    ).one()
    work.session.add(
        AuditEntry(
            seq=head.seq + 1,
            at=work.now(),
            actor="staff:1",
            action="personal_data.read",
            subject_ref=None,
            purpose=None,
            detail="{}",
            prev_hash=head.hash,
            hash="f" * 64,
        )
    )


def plant_changed_policy(work: Work, system: CleanSystem) -> None:
    work.session.execute(
        text(
            "UPDATE policy_publications SET document = "
            "REPLACE(document, 'We will never sell', 'We may sell')"
        )
    )


def plant_access_outside_engagement(work: Work, system: CleanSystem) -> None:
    orders.orders_of(work, _customer(work, system), actor=f"staff:{system.staff_id}")


VIOLATIONS: dict[str, tuple[Callable[[Work, CleanSystem], None], str]] = {
    "expired value": (plant_expired_value, "retention_deadlines"),
    "special-category text": (plant_special_text, "special_category_quarantine"),
    "marketing without consent": (plant_marketing_without_consent, "marketing_consent"),
    "overdue request": (plant_overdue_request, "request_deadlines"),
    "undeclared recipient": (plant_undeclared_disclosure, "disclosures_declared"),
    "undeclared purpose": (plant_undeclared_purpose, "disclosures_declared"),
    "transfer without safeguard": (plant_transfer_without_safeguard, "transfers_safeguarded"),
    "plaintext email": (plant_plaintext_email, "no_plaintext_identifiers"),
    "plaintext IBAN": (plant_plaintext_iban, "financial_data_encrypted"),
    "unsealed bank account": (plant_unsealed_bank_account, "financial_data_encrypted"),
    "broken audit chain": (plant_broken_audit_chain, "audit_chain_intact"),
    "changed published policy": (plant_changed_policy, "published_policy_in_force"),
    "access outside engagement": (
        plant_access_outside_engagement,
        "service_access_in_engagement",
    ),
}


@pytest.mark.parametrize("violation", list(VIOLATIONS))
def test_each_violation_fails_exactly_its_check(
    runtime: Runtime, system: CleanSystem, clock: conftest.TestClock, violation: str
) -> None:
    plant, check = VIOLATIONS[violation]
    clock.advance(hours=1)
    with runtime.unit() as work:
        plant(work, system)
    assert failed_checks(runtime) == [check]


# What does not count as a violation -----------------------------------------------------------


def test_an_expired_value_held_for_an_open_access_request_or_legal_hold_passes(
    runtime: Runtime, system: CleanSystem
) -> None:
    with runtime.unit() as work:
        plant_expired_value(work, system)
        request = rights.receive_request(
            work, kind="access", received_via="email", actor=ACTOR, subject=_customer(work, system)
        )
        rights.verify_request(work, request, method="staff_on_file", actor=ACTOR)
    assert failed_checks(runtime) == []
    with runtime.unit() as work:
        rights.fulfil_request(work, rights.find_request(work, request.reference), actor=ACTOR)
    assert failed_checks(runtime) == ["retention_deadlines"]
    with runtime.unit() as work:
        work.session.add(
            LegalHold(
                subject_id=system.customer_id,
                reason="litigation",
                placed_at=work.now(),
                placed_by=ACTOR,
            )
        )
    assert failed_checks(runtime) == []


def test_special_category_text_inside_quarantine_passes(
    runtime: Runtime, system: CleanSystem
) -> None:
    with runtime.unit() as work:
        plant_special_text(work, system)
        planted = work.session.scalar(select(func.max(PersonalValue.id)))
        assert planted is not None
        enquiry = work.session.scalars(select(Enquiry).order_by(Enquiry.id)).first()
        assert enquiry is not None
        enquiry.handling = Handling.QUARANTINED.value
        enquiry.value_ids = [*enquiry.value_ids, planted]
    assert failed_checks(runtime) == []


def test_a_read_inside_an_open_engagement_passes_and_after_closing_fails(
    runtime: Runtime, system: CleanSystem, clock: conftest.TestClock
) -> None:
    from charter.engagements import service as engagements

    with runtime.unit() as work:
        customer = _customer(work, system)
        engagement = engagements.open_engagement(
            work,
            customer,
            order=orders.find_order(work, customer, system.order_id),
            staff_id=system.staff_id,
            systems="laptop",
            actor=ACTOR,
        )
        clock.advance(minutes=10)
        orders.orders_of(work, customer, actor=f"staff:{system.staff_id}")
    assert failed_checks(runtime) == []
    with runtime.unit() as work:
        engagements.close_engagement(
            work, engagements.find_engagement(work, engagement.id), actor=ACTOR
        )
    clock.advance(minutes=1)
    with runtime.unit() as work:
        orders.orders_of(work, _customer(work, system), actor=f"staff:{system.staff_id}")
    assert failed_checks(runtime) == ["service_access_in_engagement"]


def test_evidence_names_rows_never_values(runtime: Runtime, system: CleanSystem) -> None:
    with runtime.unit() as work:
        plant_plaintext_email(work, system)
        plant_special_text(work, system)
    with runtime.unit(write=False) as work:
        report = build_report(work)
    rendered = report.model_dump_json()
    assert "jane.doe" not in rendered
    assert "diabetes" not in rendered
    assert "email in subject_requests.outcome" in rendered
    assert "reveals health outside quarantine" in rendered


def test_running_the_report_is_audited(runtime: Runtime, system: CleanSystem) -> None:
    with runtime.unit() as work:
        plant_overdue_request(work, system)
        report = run_report(work, actor=ACTOR)
    assert not report.passed
    with runtime.unit(write=False) as work:
        entry = work.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "compliance.report_run")
        ).one()
    assert '"request_deadlines":1' in entry.detail
