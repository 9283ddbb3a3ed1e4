"""The retention sweep on both databases, with the test clock moved to each deadline."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from charter.enquiries.models import Enquiry
from charter.errors import Conflict, InvalidInput
from charter.jobs.schedule import job_named
from charter.jobs.service import run_job
from charter.mail.models import Correspondence
from charter.mail.outbox import OutboxSender
from charter.mail.service import record_correspondence
from charter.newsletter.preferences import unsubscribe
from charter.retention import holds
from charter.retention.models import SweepRun
from charter.retention.service import RuleCount, expiring, plan_sweep, run_sweep
from charter.rights.models import RequestKind, RequestStatus
from charter.runtime import Runtime
from charter.vault import service as vault
from charter.vault.models import PersonalValue
from tests import conftest
from tests.mail.factories import build_email
from tests.newsletter.factories import EVIDENCE, subscribe
from tests.rights.factories import request_in, step
from tests.staff.factories import receive_enquiry

from .factories import (
    ACTOR,
    PLANTED,
    audit_rows,
    audit_text,
    customer_order,
    enquirer,
    has_key,
    invoice_count,
    subject_by_ref,
    values_of,
)

pytestmark = pytest.mark.postgres
#: The contact form's ``enquiries`` rule: two years since the last contact.
ENQUIRY_FIELDS = ["communications.message", "contact.email", "identity.first_name"]


def _enquirer(runtime: Runtime, **options: str) -> tuple[str, datetime]:
    """A contact-form enquirer; returns their ref and the values' deadline."""
    with runtime.unit() as work:
        subject = enquirer(work, **options)
        deadline = work.session.scalar(
            select(func.max(PersonalValue.retain_until)).where(
                PersonalValue.subject_id == subject.id
            )
        )
        assert deadline is not None
        return subject.ref, deadline


def _counts(lines: Sequence[RuleCount], field: str) -> dict[str, int]:
    """``{rule: n}`` of one count of a plan or report, leaving out zeros."""
    return {line.rule: getattr(line, field) for line in lines if getattr(line, field)}


def test_a_value_is_kept_until_its_deadline_and_deleted_at_it(
    runtime: Runtime, clock: conftest.TestClock
) -> None:
    ref, deadline = _enquirer(runtime)
    assert deadline == clock() + timedelta(days=731)  # 2 years, across 29 February 2028

    clock.set(deadline - timedelta(seconds=1))
    report = run_sweep(runtime)
    assert report.removed == 0
    assert values_of(runtime, ref) == ENQUIRY_FIELDS
    assert has_key(runtime, ref)

    clock.set(deadline)
    report = run_sweep(runtime)
    assert _counts(report.rules, "deleted") == {"enquiries": 3}
    assert report.keys_destroyed == 1
    assert values_of(runtime, ref) == []
    assert not has_key(runtime, ref)
    [(audited_ref, detail)] = audit_rows(runtime, "retention.deleted")
    assert audited_ref == ref
    assert detail["rules"] == {"enquiries": 3}
    assert detail["fields"] == ENQUIRY_FIELDS
    assert [ref for ref, _ in audit_rows(runtime, "subject.data_key_destroyed")] == [ref]
    text = audit_text(runtime)
    assert not any(planted.lower() in text.lower() for planted in PLANTED)


def test_a_second_sweep_finds_nothing_more(runtime: Runtime, clock: conftest.TestClock) -> None:
    _, deadline = _enquirer(runtime)
    clock.set(deadline)
    assert run_sweep(runtime).removed == 3
    again = run_sweep(runtime)
    assert again.removed == 0
    assert again.run_id is not None
    assert again.batches == 0


def test_dry_run_reports_and_changes_nothing(runtime: Runtime, clock: conftest.TestClock) -> None:
    ref, deadline = _enquirer(runtime)
    clock.set(deadline)
    before = audit_text(runtime)
    report = run_sweep(runtime, dry_run=True)
    assert report.dry_run
    assert report.run_id is None
    assert _counts(report.rules, "deleted") == {"enquiries": 3}
    assert report.keys_destroyed == 1
    assert values_of(runtime, ref) == ENQUIRY_FIELDS
    assert has_key(runtime, ref)
    assert audit_text(runtime) == before
    with runtime.unit(write=False) as work:
        assert work.session.scalar(select(func.count(SweepRun.id))) == 0


def test_a_legal_hold_stops_deletion_until_lifted(
    runtime: Runtime, clock: conftest.TestClock
) -> None:
    ref, deadline = _enquirer(runtime)
    other, _ = _enquirer(runtime, email="someone.else@example.org")
    with runtime.unit() as work:
        holds.place_hold(work, subject_by_ref(work, ref), reason="legal_claim", actor=ACTOR)
        with pytest.raises(Conflict):
            holds.place_hold(work, subject_by_ref(work, ref), reason="legal_claim", actor=ACTOR)
        with pytest.raises(InvalidInput):
            holds.place_hold(work, subject_by_ref(work, ref), reason="a note", actor=ACTOR)
        assert any(
            "legal_claim" in reason for reason in holds.holds(work, subject_by_ref(work, ref))
        )

    clock.set(deadline)
    report = run_sweep(runtime)
    assert _counts(report.rules, "deleted") == {"enquiries": 3}  # the other person only
    assert _counts(report.rules, "held") == {"enquiries": 3}
    assert values_of(runtime, ref) == ENQUIRY_FIELDS
    assert values_of(runtime, other) == []
    assert has_key(runtime, ref)

    with runtime.unit() as work:
        assert holds.lift_holds(work, subject_by_ref(work, ref), actor=ACTOR) == 1
        assert holds.holds(work, subject_by_ref(work, ref)) == []
    report = run_sweep(runtime)
    assert _counts(report.rules, "deleted") == {"enquiries": 3}
    assert values_of(runtime, ref) == []
    assert [a for a, _ in audit_rows(runtime, "retention.hold_placed")] == [ref]
    assert [a for a, _ in audit_rows(runtime, "retention.hold_lifted")] == [ref]


@pytest.mark.parametrize(
    ("kind", "status", "held"),
    [
        (RequestKind.ACCESS, RequestStatus.VERIFIED, True),
        (RequestKind.PORTABILITY, RequestStatus.EXTENDED, True),
        (RequestKind.COMPLAINT, RequestStatus.IN_PROGRESS, True),
        (RequestKind.ACCESS, RequestStatus.COMPLETED, False),
        (RequestKind.COMPLAINT, RequestStatus.REFUSED, False),
        (RequestKind.ERASURE, RequestStatus.VERIFIED, False),
    ],
)
def test_open_access_requests_and_complaints_hold_deletion(
    runtime: Runtime,
    clock: conftest.TestClock,
    kind: RequestKind,
    status: RequestStatus,
    held: bool,
) -> None:
    ref, deadline = _enquirer(runtime)
    with runtime.unit() as work:
        request_in(work, status, subject=subject_by_ref(work, ref), kind=kind)
        assert bool(holds.holds(work, subject_by_ref(work, ref))) is held
    clock.set(deadline)
    report = run_sweep(runtime)
    assert values_of(runtime, ref) == (ENQUIRY_FIELDS if held else [])
    assert report.held == (3 if held else 0)


def test_closing_the_access_request_releases_the_data(
    runtime: Runtime, clock: conftest.TestClock
) -> None:
    ref, deadline = _enquirer(runtime)
    with runtime.unit() as work:
        request = request_in(work, RequestStatus.VERIFIED, subject=subject_by_ref(work, ref))
        reference = request.reference
    clock.set(deadline + timedelta(days=3))
    assert run_sweep(runtime).removed == 0
    with runtime.unit() as work:
        from charter.rights.service import find_request

        step(work, find_request(work, reference), RequestStatus.COMPLETED)
    assert run_sweep(runtime).removed == 3
    assert values_of(runtime, ref) == []


def test_invoices_go_exactly_six_years_after_the_end_of_their_financial_year(
    runtime: Runtime, clock: conftest.TestClock
) -> None:
    # Recorded two days after the financial year (ending 31 March, the default) closed:
    # the record belongs to the year of its dates, not to the day it was typed in.
    clock.set(datetime(2027, 4, 2, 10, 0, tzinfo=UTC))
    with runtime.unit() as work:
        subject = enquirer(work)
        ref = subject.ref
        customer_order(work, subject, on=date(2027, 3, 31), number="INV-2027-001")
        customer_order(work, subject, on=date(2027, 4, 1), number="INV-2027-002")
    end_of_first = datetime(2033, 3, 31, 23, 59, 59, 999999, tzinfo=UTC)
    end_of_second = datetime(2034, 3, 31, 23, 59, 59, 999999, tzinfo=UTC)
    order_fields = ["financial.bank_account", "transaction.payments", "transaction.purchases"]

    clock.set(end_of_first - timedelta(seconds=1))
    run_sweep(runtime)
    assert invoice_count(runtime) == 2
    assert values_of(runtime, ref) == sorted(order_fields * 2)  # the enquiry went in 2029

    with runtime.unit(write=False) as work:
        upcoming = expiring(work, days=1)
    assert [(row.rule, row.on, row.values) for row in upcoming] == [
        ("orders_and_payments", date(2033, 3, 31), 3)
    ]

    clock.set(end_of_first)
    report = run_sweep(runtime)
    assert _counts(report.rules, "deleted") == {"orders_and_payments": 3}
    assert _counts(report.rules, "records") == {"orders_and_payments": 3}  # order, inv., pay.
    assert invoice_count(runtime) == 1
    assert values_of(runtime, ref) == order_fields
    assert has_key(runtime, ref)

    clock.set(end_of_second)
    run_sweep(runtime)
    assert invoice_count(runtime) == 0
    assert values_of(runtime, ref) == []
    assert not has_key(runtime, ref)


def test_a_late_payment_keeps_its_invoice_until_six_years_after_its_own_year(
    runtime: Runtime, clock: conftest.TestClock
) -> None:
    clock.set(datetime(2027, 4, 20, 10, 0, tzinfo=UTC))
    with runtime.unit() as work:
        customer_order(
            work, enquirer(work), on=date(2027, 3, 20), number="INV-1", paid_on=date(2027, 4, 15)
        )
    clock.set(datetime(2033, 4, 1, tzinfo=UTC))
    run_sweep(runtime)
    assert invoice_count(runtime) == 1
    clock.set(datetime(2034, 4, 1, tzinfo=UTC))
    run_sweep(runtime)
    assert invoice_count(runtime) == 0


def test_newsletter_data_goes_once_consent_is_withdrawn(
    runtime: Runtime, clock: conftest.TestClock
) -> None:
    outbox = runtime.settings.data_dir / "outbox"
    sender = OutboxSender(outbox, runtime.settings.mail_from)
    confirmation = subscribe(runtime, sender, outbox)
    ref = confirmation.subject_ref
    clock.advance(days=400)
    assert run_sweep(runtime).removed == 0  # still subscribed: kept
    assert values_of(runtime, ref) == ["contact.email", "identity.first_name"]

    clock.advance(days=1)
    withdrawn_at = clock()
    with runtime.unit() as work:
        unsubscribe(
            work,
            confirmation.preferences_token,
            route="unsubscribe_link",
            evidence=EVIDENCE,
            actor=ACTOR,
        )
    with runtime.unit(write=False) as work:
        plan = plan_sweep(work)
    assert _counts(plan.rules, "due") == {"newsletter": 2}

    clock.advance(minutes=30)
    report = run_sweep(runtime)
    assert _counts(report.rules, "deleted") == {"newsletter": 2}
    assert values_of(runtime, ref) == []
    assert not has_key(runtime, ref)
    [(_, detail)] = audit_rows(runtime, "retention.deleted")
    assert detail["fields"] == ["contact.email", "identity.first_name"]
    assert withdrawn_at <= clock()


def test_linked_rows_go_with_their_values(runtime: Runtime, clock: conftest.TestClock) -> None:
    """The enquiry row and the email's correspondence row go with their last value."""
    receipt = receive_enquiry(runtime)
    with runtime.unit() as work:
        record_correspondence(
            work, build_email(message_id="<r1@example.com>"), received_via="eml", actor=ACTOR
        )
    clock.advance(days=800)
    report = run_sweep(runtime)
    assert report.removed >= 6
    with runtime.unit(write=False) as work:
        assert work.session.scalar(select(func.count(Enquiry.id))) == 0
        assert work.session.scalar(select(func.count(Correspondence.id))) == 0
        assert work.session.scalar(select(func.count(PersonalValue.id))) == 0
    assert receipt.reference
    assert _counts(report.rules, "records") == {"enquiries": 1}


def test_an_interrupted_sweep_resumes_with_correct_totals_and_deletes_nothing_twice(
    runtime: Runtime, clock: conftest.TestClock
) -> None:
    refs = []
    deadline = clock()
    for number in range(5):
        ref, deadline = _enquirer(runtime, email=f"person{number}@example.org")
        refs.append(ref)
    with runtime.unit(write=False) as work:
        due_ids = set(work.session.scalars(select(PersonalValue.id)))
    clock.set(deadline)
    seen: list[tuple[int, int]] = []

    def crash_after_first_batch(done: int, total: int) -> None:
        seen.append((done, total))
        if done:
            raise RuntimeError("power cut")

    with pytest.raises(RuntimeError, match="power cut"):
        run_sweep(runtime, batch_size=4, progress=crash_after_first_batch)
    assert seen == [(0, 15), (4, 15)]
    with runtime.unit(write=False) as work:
        assert work.session.scalar(select(func.count(PersonalValue.id))) == 11
        run = work.session.scalars(select(SweepRun)).one()
        assert run.finished_at is None
        assert run.counts == {"enquiries": {"deleted": 4}}

    report = run_sweep(runtime, batch_size=4)
    assert report.resumed
    assert _counts(report.rules, "deleted") == {"enquiries": 15}
    assert report.keys_destroyed == 5
    assert report.batches == 4
    deleted = [
        value_id
        for _, detail in audit_rows(runtime, "retention.deleted")
        for value_id in detail["value_ids"]  # type: ignore[attr-defined]
    ]
    assert sorted(deleted) == sorted(due_ids)  # each value exactly once
    assert all(values_of(runtime, ref) == [] for ref in refs)
    with runtime.unit(write=False) as work:
        assert work.session.scalar(select(func.count(SweepRun.id))) == 1
    assert len(audit_rows(runtime, "retention.sweep_resumed")) == 1
    assert len(audit_rows(runtime, "retention.sweep_finished")) == 1


def test_next_lists_counts_per_rule_and_date(runtime: Runtime, clock: conftest.TestClock) -> None:
    _, deadline = _enquirer(runtime)
    _enquirer(runtime, email="held.person@example.org")
    clock.set(deadline - timedelta(days=10))
    with runtime.unit(write=False) as work:
        assert expiring(work, days=5) == []
        [row] = expiring(work, days=30)
    assert (row.rule, row.on, row.values, row.held) == ("enquiries", deadline.date(), 6, 0)
    with runtime.unit(write=False) as work, pytest.raises(InvalidInput):
        expiring(work, days=-1)


def test_account_data_is_kept_while_the_account_exists(
    runtime: Runtime, clock: conftest.TestClock
) -> None:
    """Accounts cannot be closed yet, so ``until_account_closed`` data stays."""
    with runtime.unit() as work:
        subject = enquirer(work)
        ref = subject.ref
        vault.store_personal_data(
            work,
            subject,
            collection_point="customer_account",
            values={"identity.last_name": "Strand", "technical.login_data": "password set"},
            source="data_subject",
            actor=ACTOR,
        )
    clock.advance(days=3650)
    report = run_sweep(runtime)
    assert _counts(report.rules, "deleted") == {"enquiries": 3}
    assert has_key(runtime, ref)
    assert values_of(runtime, ref) == ["identity.last_name", "technical.login_data"]


def test_the_hourly_job_runs_the_sweep(runtime: Runtime, clock: conftest.TestClock) -> None:
    _, deadline = _enquirer(runtime)
    clock.set(deadline)
    result = run_job(runtime, job_named("retention.sweep"), force=True)
    assert (result.count, result.error) == (3, None)


def test_an_anonymising_rule_keeps_the_rows_without_personal_data(
    runtime: Runtime, clock: conftest.TestClock
) -> None:
    runtime.policy = runtime.policy.model_copy(
        update={
            "retention": [
                rule.model_copy(update={"action": "anonymise"})
                if rule.id in ("enquiries", "orders_and_payments")
                else rule
                for rule in runtime.policy.retention
            ]
        }
    )
    receive_enquiry(runtime)
    with runtime.unit() as work:
        customer_order(work, enquirer(work), on=date(2026, 11, 20), number="INV-9")
    clock.set(datetime(2033, 4, 1, tzinfo=UTC))
    report = run_sweep(runtime)
    assert _counts(report.rules, "deleted") == {}
    assert _counts(report.rules, "anonymised") == {"enquiries": 9, "orders_and_payments": 3}
    assert report.keys_destroyed == 2
    with runtime.unit(write=False) as work:
        assert work.session.scalar(select(func.count(PersonalValue.id))) == 0
        assert [row.value_ids for row in work.session.scalars(select(Enquiry))] == [[]]
    assert invoice_count(runtime) == 1
    assert run_sweep(runtime).removed == 0
