"""Orders service: encrypted values, statutory retention, no card numbers, bank checks."""

from __future__ import annotations

from datetime import UTC, date

import pytest

from charter.errors import InvalidInput
from charter.orders import service
from charter.orders.bankdetails import CARD_REFUSED
from charter.runtime import Runtime
from charter.vault import service as vault
from charter.vault.models import PersonalValue

pytestmark = pytest.mark.postgres
ACTOR = "staff:test"
CARD = "4111 1111 1111 1111"


def test_order_invoice_and_payment_are_encrypted_with_statutory_retention(
    runtime: Runtime,
) -> None:
    with runtime.unit() as work:
        subject = vault.create_subject(work, actor=ACTOR)
        order = service.record_order(
            work,
            subject,
            service_description="Laptop setup",
            amount_pence=48000,
            ordered_on=date(2026, 11, 20),
            actor=ACTOR,
        )
        invoice = service.record_invoice(
            work,
            order,
            number="inv-1",
            issued_on=date(2026, 11, 21),
            amount_pence=48000,
            actor=ACTOR,
        )
        payment = service.record_payment(
            work,
            invoice,
            paid_on=date(2026, 11, 25),
            amount_pence=48000,
            method="bank_transfer",
            bank_account="200000 55779911",
            actor=ACTOR,
        )
        rows = [work.session.get(PersonalValue, i) for i in order.value_ids + payment.value_ids]
        assert invoice.number == "INV-1"
        for row in rows:
            assert row is not None
            assert b"Laptop" not in row.ciphertext
            assert b"55779911" not in row.ciphertext
            # Financial year ending 31 March 2027, plus six years (CA 2006 s.388).
            assert row.retain_until is not None
            assert row.retain_until.astimezone(UTC).date() == date(2033, 3, 31)
            assert row.retention_rule == "orders_and_payments"
        opened = vault.read_personal_values(
            work, subject, purpose="provide_services", actor=ACTOR, categories=["financial"]
        )
        assert [item.value for item in opened] == ["20-00-00 55779911"]
        lines = service.orders_of(work, subject, actor=ACTOR)
        assert lines[0].description == "Laptop setup"


@pytest.mark.parametrize(
    ("method", "bank", "reference"),
    [("bank_transfer", CARD, None), ("card", None, "4111111111111111"), ("cash", CARD, None)],
)
def test_card_numbers_are_refused(
    runtime: Runtime, method: service.PaymentMethod, bank: str | None, reference: str | None
) -> None:
    with runtime.unit() as work:
        subject = vault.create_subject(work, actor=ACTOR)
        order = service.record_order(
            work,
            subject,
            service_description="Backup",
            amount_pence=100,
            ordered_on=date(2026, 11, 1),
            actor=ACTOR,
        )
        invoice = service.record_invoice(
            work,
            order,
            number="INV-2",
            issued_on=date(2026, 11, 1),
            amount_pence=100,
            actor=ACTOR,
        )
        with pytest.raises(InvalidInput) as refused:
            service.record_payment(
                work,
                invoice,
                paid_on=date(2026, 11, 2),
                amount_pence=100,
                method=method,
                bank_account=bank,
                processor_reference=reference,
                actor=ACTOR,
            )
        assert refused.value.public_message == CARD_REFUSED
        with pytest.raises(InvalidInput, match="card number"):
            service.record_order(
                work,
                subject,
                service_description=f"paid with {CARD}",
                amount_pence=1,
                ordered_on=date(2026, 11, 1),
                actor=ACTOR,
            )


@pytest.mark.parametrize("bank", ["12-34", "GB00WEST12345698765432", "not a bank"])
def test_bad_bank_details_are_refused(runtime: Runtime, bank: str) -> None:
    with runtime.unit() as work:
        subject = vault.create_subject(work, actor=ACTOR)
        order = service.record_order(
            work,
            subject,
            service_description="Backup",
            amount_pence=100,
            ordered_on=date(2026, 11, 1),
            actor=ACTOR,
        )
        invoice = service.record_invoice(
            work,
            order,
            number="INV-3",
            issued_on=date(2026, 11, 1),
            amount_pence=100,
            actor=ACTOR,
        )
        with pytest.raises(InvalidInput, match="sort code"):
            service.record_payment(
                work,
                invoice,
                paid_on=date(2026, 11, 2),
                amount_pence=100,
                method="bank_transfer",
                bank_account=bank,
                actor=ACTOR,
            )
        payment = service.record_payment(
            work,
            invoice,
            paid_on=date(2026, 11, 2),
            amount_pence=100,
            method="bank_transfer",
            bank_account="GB82 WEST 1234 5698 7654 32",
            actor=ACTOR,
        )
        assert payment.method == "bank_transfer"
