"""A signed-in customer sees their own orders, invoices and payments, and only theirs."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select

from charter.audit.models import AuditEntry
from charter.orders import service as orders
from charter.runtime import Runtime
from charter.vault import service as vault
from tests.web.asgi import AppClient

from .test_routes import signed_up

STAFF = "staff:1"
ALICE_ORDER = "Network cabling for the Clifton office"
BOB_ORDER = "Laptop repair for Bob's shop"


def _order(
    runtime: Runtime, email: str, description: str, *, number: str, account: str | None
) -> None:
    with runtime.unit() as work:
        subject = vault.find_subject(work, email=email)
        assert subject is not None
        order = orders.record_order(
            work,
            subject,
            service_description=description,
            amount_pence=125050,
            ordered_on=date(2026, 11, 2),
            actor=STAFF,
        )
        invoice = orders.record_invoice(
            work,
            order,
            number=number,
            issued_on=date(2026, 11, 3),
            amount_pence=125050,
            actor=STAFF,
        )
        if account is not None:
            orders.record_payment(
                work,
                invoice,
                paid_on=date(2026, 11, 10),
                amount_pence=125050,
                method="bank_transfer",
                bank_account=account,
                actor=STAFF,
            )


def test_each_customer_sees_only_their_own_orders(app: Any, outbox: Path, runtime: Runtime) -> None:
    alice, bob = AppClient(app), AppClient(app)
    signed_up(alice, outbox, "alice@example.com", first="Alice")
    signed_up(bob, outbox, "bob@example.com", first="Bobby")
    _order(runtime, "alice@example.com", ALICE_ORDER, number="INV-A1", account="20-00-00 55779911")
    _order(runtime, "bob@example.com", BOB_ORDER, number="INV-B1", account="GB29NWBK60161331926819")
    mine = alice.get("/account").text
    assert ALICE_ORDER in mine
    assert "INV-A1" in mine
    assert "1250.50 GBP" in mine
    assert "bank transfer" in mine
    assert "••••\u00a09911" in mine
    assert "55779911" not in mine
    assert "20-00-00" not in mine
    assert BOB_ORDER.replace("'", "&#39;") not in mine
    assert "INV-B1" not in mine
    theirs = bob.get("/account").text
    assert "••••\u00a06819" in theirs
    assert "GB29NWBK" not in theirs
    assert "INV-A1" not in theirs
    assert ALICE_ORDER not in theirs
    with runtime.unit(write=False) as work:
        reads = list(
            work.session.scalars(
                select(AuditEntry).where(
                    AuditEntry.action == "personal_data.read",
                    AuditEntry.purpose == orders.ORDERS_PURPOSE,
                )
            )
        )
    seen: dict[str, set[str | None]] = {}
    for entry in reads:
        seen.setdefault(entry.actor, set()).add(entry.subject_ref)
    # Two customers read their orders, each only their own subject.
    assert len(seen) == 2
    assert all(actor.startswith("customer:") and len(refs) == 1 for actor, refs in seen.items())
    assert len(set.union(*seen.values())) == 2
    assert all("9911" not in entry.detail for entry in reads)


def test_no_orders_and_unpaid_invoices_are_said_plainly(
    app: Any, outbox: Path, runtime: Runtime
) -> None:
    client = AppClient(app)
    signed_up(client, outbox, "ada@example.com")
    assert "You have no orders with us yet." in client.get("/account").text
    _order(runtime, "ada@example.com", ALICE_ORDER, number="INV-C1", account=None)
    page = client.get("/account").text
    assert "INV-C1" in page
    assert "Not paid yet." in page


def test_restricted_customer_sees_no_orders(app: Any, outbox: Path, runtime: Runtime) -> None:
    client = AppClient(app)
    signed_up(client, outbox, "ada@example.com")
    _order(runtime, "ada@example.com", ALICE_ORDER, number="INV-D1", account="20-00-00 55779911")
    with runtime.unit() as work:
        subject = vault.find_subject(work, email="ada@example.com")
        assert subject is not None
        vault.restrict_processing(work, subject, reason="accuracy_contested", actor=STAFF)
    page = client.get("/account").text
    assert "restricted-notice" in page
    assert "INV-D1" not in page
    assert ALICE_ORDER not in page
