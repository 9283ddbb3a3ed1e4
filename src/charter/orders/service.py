"""Recording orders, invoices and payments (Transaction and Financial data).

Every entry point (staff console, CLI) calls these inside a unit of work it owns; nothing
is committed here. The rules:

* **Accounting records are kept, in the vault** (Companies Act 2006 s.386-388): what was
  bought, how it was paid and the bank account of a transfer are personal data, so they
  are stored encrypted at the collection point ``orders``, which gives them the
  ``orders_and_payments`` retention (six years from the end of the financial year, s.388
  and HMRC record keeping) and lets erasure keep them under restriction (Art. 17(3)(b)).
  The rows hold only ids, dates, amounts, the invoice number and value ids.
* **No card data, ever** (PCI DSS Requirement 3): card payments are processed by the
  declared ``payment_processor`` recipient; Charter records the method ``card`` and the
  processor's reference. Any text passing the Luhn check as a card number is refused.
* **Bank details are checked** (Art. 5(1)(d) accuracy): a UK sort code and account
  number, or an IBAN (see ``bankdetails.py``).
* **Audited** (Art. 5(2)): ids, amounts and dates, never a stored value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Literal, get_args

from sqlalchemy import select

from charter.audit import service as audit
from charter.errors import CharterError, Conflict, InvalidInput, NotFound
from charter.orders.bankdetails import normalise_bank_account, refuse_card_number
from charter.orders.models import Invoice, Order, Payment
from charter.runtime import Work
from charter.vault import service as vault
from charter.vault.models import Subject

COLLECTION_POINT = "orders"
#: The purpose under which the console shows what was bought and paid.
ORDERS_PURPOSE = "provide_services"
SOURCE = "staff: order records"
PaymentMethod = Literal["bank_transfer", "card", "cash"]
PAYMENT_METHODS: tuple[str, ...] = get_args(PaymentMethod)
METHOD_LABELS = {"bank_transfer": "bank transfer", "card": "card", "cash": "cash"}
MAX_DESCRIPTION = 500
MAX_AMOUNT_PENCE = 100_000_000
_INVOICE_NUMBER = re.compile(r"^[A-Z0-9][A-Z0-9/-]{0,31}$")
_PROCESSOR_REFERENCE = re.compile(r"^[A-Za-z0-9_-]{4,64}$")


@dataclass(frozen=True)
class OrderLine:
    """An order as the console lists it; ``description`` is ``None`` when not readable."""

    order: Order
    description: str | None
    invoices: tuple[Invoice, ...]
    payments: tuple[Payment, ...]


def _amount(amount_pence: int) -> int:
    if isinstance(amount_pence, bool) or not 0 < amount_pence <= MAX_AMOUNT_PENCE:
        raise InvalidInput("Give an amount in pence greater than zero.")
    return amount_pence


def pounds(amount_pence: int) -> str:
    return f"{amount_pence // 100}.{amount_pence % 100:02d} GBP"


def _store(work: Work, subject: Subject, values: dict[str, str], *, actor: str) -> list[int]:
    stored = vault.store_personal_data(
        work,
        subject,
        collection_point=COLLECTION_POINT,
        values=values,
        source=SOURCE,
        actor=actor,
    )
    return [row.id for row in stored]


def record_order(
    work: Work,
    subject: Subject,
    *,
    service_description: str,
    amount_pence: int,
    ordered_on: date,
    actor: str,
) -> Order:
    """An order: what was bought goes to the vault (``transaction.purchases``)."""
    description = " ".join(service_description.split())
    if not description or len(description) > MAX_DESCRIPTION:
        raise InvalidInput(f"Describe what was ordered in under {MAX_DESCRIPTION} characters.")
    refuse_card_number(description)
    value_ids = _store(work, subject, {"transaction.purchases": description}, actor=actor)
    order = Order(
        subject_id=subject.id,
        ordered_on=ordered_on,
        amount_pence=_amount(amount_pence),
        value_ids=value_ids,
        recorded_at=work.now(),
    )
    work.session.add(order)
    work.session.flush()
    audit.record(
        work,
        actor=actor,
        action="orders.order_recorded",
        subject_ref=subject.ref,
        detail={"order_id": order.id, "amount_pence": order.amount_pence, "values": value_ids},
    )
    return order


def record_invoice(
    work: Work, order: Order, *, number: str, issued_on: date, amount_pence: int, actor: str
) -> Invoice:
    """An invoice for ``order`` (no personal data: its number, date and amount)."""
    number = number.strip().upper()
    if not _INVOICE_NUMBER.match(number):
        raise InvalidInput("Give an invoice number of letters, digits, '-' or '/'.")
    refuse_card_number(number)
    if work.session.scalar(select(Invoice.id).where(Invoice.number == number)) is not None:
        raise Conflict("An invoice with that number is already recorded.")
    invoice = Invoice(
        order_id=order.id,
        number=number,
        issued_on=issued_on,
        amount_pence=_amount(amount_pence),
        recorded_at=work.now(),
    )
    work.session.add(invoice)
    work.session.flush()
    audit.record(
        work,
        actor=actor,
        action="orders.invoice_recorded",
        subject_ref=_subject(work, order).ref,
        detail={"order_id": order.id, "invoice_id": invoice.id, "number": number},
    )
    return invoice


def record_payment(
    work: Work,
    invoice: Invoice,
    *,
    paid_on: date,
    amount_pence: int,
    method: PaymentMethod,
    bank_account: str | None = None,
    processor_reference: str | None = None,
    actor: str,
) -> Payment:
    """A payment: its details (and a transfer's bank account) go to the vault.

    ``bank_account`` is required for, and only accepted with, ``bank_transfer``;
    ``processor_reference`` (the payment processor's id) is required for ``card``. Card
    numbers are refused wherever they appear (PCI DSS).
    """
    if method not in PAYMENT_METHODS:
        raise InvalidInput("Choose bank transfer, card or cash.")
    amount = _amount(amount_pence)
    values = {"transaction.payments": _payment_text(invoice, paid_on, amount, method)}
    if bank_account is not None and bank_account.strip():
        if method != "bank_transfer":
            refuse_card_number(bank_account)
            raise InvalidInput("A bank account is recorded only for bank transfers.")
        values["financial.bank_account"] = normalise_bank_account(bank_account)
    elif method == "bank_transfer":
        raise InvalidInput("Give the bank account the transfer came from.")
    if method == "card":
        reference = (processor_reference or "").strip()
        refuse_card_number(reference)
        if not _PROCESSOR_REFERENCE.match(reference):
            raise InvalidInput("Give the payment processor's reference for this card payment.")
        values["transaction.payments"] += f"; processor reference {reference}"
    elif processor_reference:
        raise InvalidInput("A processor reference is recorded only for card payments.")
    order = work.session.get(Order, invoice.order_id)
    assert order is not None
    subject = _subject(work, order)
    value_ids = _store(work, subject, values, actor=actor)
    payment = Payment(
        invoice_id=invoice.id,
        paid_on=paid_on,
        amount_pence=amount,
        method=method,
        value_ids=value_ids,
        recorded_at=work.now(),
    )
    work.session.add(payment)
    work.session.flush()
    audit.record(
        work,
        actor=actor,
        action="orders.payment_recorded",
        subject_ref=subject.ref,
        detail={
            "invoice_id": invoice.id,
            "payment_id": payment.id,
            "method": method,
            "amount_pence": amount,
            "values": value_ids,
        },
    )
    return payment


def _payment_text(invoice: Invoice, paid_on: date, amount: int, method: str) -> str:
    return (
        f"{invoice.number} paid {pounds(amount)} by {METHOD_LABELS[method]} "
        f"on {paid_on.isoformat()}"
    )


def _subject(work: Work, order: Order) -> Subject:
    subject = work.session.get(Subject, order.subject_id)
    assert subject is not None
    return subject


# Finding ---------------------------------------------------------------------------------


def find_subject(work: Work, ref: str) -> Subject:
    subject = work.session.scalar(select(Subject).where(Subject.ref == ref))
    if subject is None:
        raise NotFound("There is no person with that reference.")
    return subject


def find_order(work: Work, subject: Subject, order_id: int) -> Order:
    order = work.session.get(Order, order_id)
    if order is None or order.subject_id != subject.id:
        raise NotFound("There is no such order for this person.")
    return order


def find_invoice(work: Work, subject: Subject, invoice_id: int) -> Invoice:
    invoice = work.session.get(Invoice, invoice_id)
    if invoice is None:
        raise NotFound("There is no such invoice for this person.")
    find_order(work, subject, invoice.order_id)
    return invoice


def orders_of(work: Work, subject: Subject, *, actor: str) -> list[OrderLine]:
    """The person's orders, newest first, with what was bought read through the purpose
    gate for ``provide_services`` (audited); nothing is shown once restricted or erased."""
    orders = list(
        work.session.scalars(
            select(Order)
            .where(Order.subject_id == subject.id)
            .order_by(Order.ordered_on.desc(), Order.id.desc())
        )
    )
    if not orders:
        return []
    texts: dict[int, str] = {}
    try:
        opened = vault.read_personal_values(
            work,
            subject,
            purpose=ORDERS_PURPOSE,
            actor=actor,
            categories=["transaction"],
            include_replaced=True,
        )
        texts = {item.record.id: item.value for item in opened}
    except CharterError:
        texts = {}
    invoices = list(
        work.session.scalars(
            select(Invoice).where(Invoice.order_id.in_([o.id for o in orders])).order_by(Invoice.id)
        )
    )
    payments = list(
        work.session.scalars(
            select(Payment)
            .where(Payment.invoice_id.in_([i.id for i in invoices] or [-1]))
            .order_by(Payment.id)
        )
    )
    lines = []
    for order in orders:
        own = tuple(i for i in invoices if i.order_id == order.id)
        ids = {i.id for i in own}
        description = next((texts[v] for v in order.value_ids if v in texts), None)
        lines.append(
            OrderLine(
                order=order,
                description=description,
                invoices=own,
                payments=tuple(p for p in payments if p.invoice_id in ids),
            )
        )
    return lines
