"""A realistic, compliant installation to run the report on, and ways to break it.

``clean_system`` goes through the real service functions wherever one exists (enquiries,
orders, consents, rights requests, staff, engagements, breaches); the disclosure register
and the outbound log get rows as their own features write them, with declared recipients
and consent in force.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from charter.breaches import service as breaches
from charter.campaigns.models import SentMessage
from charter.consent import service as consent
from charter.disclosures.models import Disclosure
from charter.engagements import service as engagements
from charter.installation.service import record_installation, record_policy_in_force
from charter.orders import service as orders
from charter.rights import service as rights
from charter.runtime import Runtime
from charter.staff.service import create_staff
from charter.vault.models import Subject
from tests.conftest import TestClock
from tests.exports.factories import WEB, new_customer
from tests.staff.factories import PASSWORD, receive_enquiry

ACTOR = "staff:test"


@dataclass(frozen=True)
class CleanSystem:
    customer_id: int
    customer_ref: str
    staff_id: int
    order_id: int
    consent_event_id: int


def _wording(runtime: Runtime, channel: str) -> str:
    return next(
        request.wording
        for request in runtime.policy.collection_point("contact_form").consents
        if request.channels == [channel]
    )


def clean_system(runtime: Runtime, clock: TestClock) -> CleanSystem:
    """An installation that keeps every promise: published policy, enquiries (one
    redacted for special-category text), a customer with an order, invoice and bank
    payment, consent and a marketing email sent under it, an answered access request, a
    disclosure to a declared recipient, a transfer with its safeguard, a staff member who
    read the order inside an engagement, and a logged breach."""
    with runtime.unit() as work:
        record_installation(work)
        record_policy_in_force(work)
    receive_enquiry(runtime)
    receive_enquiry(
        runtime,
        email="other.person@example.net",
        phone=None,
        message="Our laptops keep crashing. My colleague has diabetes.",
        confirmed_special=True,
    )
    with runtime.unit() as work:
        customer = new_customer(work)
        order = orders.record_order(
            work,
            customer,
            service_description="Network installation at the office",
            amount_pence=48_000,
            ordered_on=date(2026, 11, 20),
            actor=ACTOR,
        )
        invoice = orders.record_invoice(
            work,
            order,
            number="INV-1001",
            issued_on=date(2026, 11, 21),
            amount_pence=48_000,
            actor=ACTOR,
        )
        orders.record_payment(
            work,
            invoice,
            paid_on=date(2026, 11, 22),
            amount_pence=48_000,
            method="bank_transfer",
            bank_account="20-00-00 31926819",
            actor=ACTOR,
        )
        given = consent.give_consent(
            work,
            customer,
            purpose="marketing",
            channel="text",
            collection_point="contact_form",
            wording=_wording(runtime, "text"),
            evidence=WEB,
            actor=ACTOR,
        )
        staff = create_staff(
            work,
            email="engineer@ajp-it-services.example",
            password=PASSWORD,
            role="staff",
            actor="cli:test",
        )
        request = rights.receive_request(
            work, kind="access", received_via="email", actor=ACTOR, subject=customer
        )
        rights.verify_request(work, request, method="staff_on_file", actor=ACTOR)
        rights.fulfil_request(work, request, actor=ACTOR, outcome_note="Copy sent")
        system = CleanSystem(customer.id, customer.ref, staff.id, order.id, given.id)
    clock.advance(minutes=5)
    with runtime.unit() as work:
        now = work.now()
        work.session.add_all(
            [
                SentMessage(
                    subject_id=system.customer_id,
                    kind="marketing",
                    channel="text",
                    purpose="marketing",
                    decision="allowed",
                    decision_reason="consent_given",
                    consent_event_id=system.consent_event_id,
                    decided_at=now,
                    status="sent",
                    sent_at=now,
                    idempotency_key="clean-marketing-1",
                ),
                Disclosure(
                    subject_id=system.customer_id,
                    recipient="authorities",
                    purpose="legal_compliance",
                    lawful_basis="legal_obligation",
                    categories=["identity", "transaction"],
                    reference="HMRC enquiry 2026-7",
                    country="GB",
                    transfer_mechanism=None,
                    policy_version=work.policy.version,
                    disclosed_at=now,
                    actor=ACTOR,
                ),
                Disclosure(
                    subject_id=system.customer_id,
                    recipient="payment_processor",
                    purpose="provide_services",
                    lawful_basis="contract",
                    categories=["identity", "financial"],
                    reference="payment set-up",
                    country="US",
                    transfer_mechanism="adequacy",
                    policy_version=work.policy.version,
                    disclosed_at=now,
                    actor=ACTOR,
                ),
            ]
        )
        customer = work.session.get(Subject, system.customer_id)
        assert customer is not None
        engagement = engagements.open_engagement(
            work,
            customer,
            order=orders.find_order(work, customer, system.order_id),
            staff_id=system.staff_id,
            systems="office router, file server",
            actor=f"staff:{system.staff_id}",
        )
        orders.orders_of(work, customer, actor=f"staff:{system.staff_id}")
        engagements.close_engagement(work, engagement, actor=f"staff:{system.staff_id}")
        breaches.log_breach(
            work,
            aware_at=now - timedelta(hours=2),
            description="A laptop holding order exports was stolen from a car.",
            categories=["identity", "transaction"],
            period_from=now - timedelta(days=2),
            period_to=now - timedelta(hours=3),
            likely_consequences="Low: the disk was encrypted.",
            measures="Remote wipe requested; passwords rotated.",
            risk_level="unlikely",
            actor=ACTOR,
        )
    return system
