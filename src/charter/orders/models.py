"""Tables of orders, invoices and payments: the accounting skeleton, no personal data.

Companies Act 2006 s.386 requires records of money received and what it was for; the
rows here hold only ids, dates, amounts in pence, the invoice number and the ids of the
vault values (``value_ids``) that hold the personal parts (what was bought, payment
details, bank account), which are encrypted and carry the ``orders_and_payments``
retention (six years from the end of the financial year, s.388). ``value_ids`` is a plain
list, not a foreign key: erasure may delete values the law no longer requires.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from charter.db import Base, BigId, UTCDateTime


class Order(Base):
    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    subject_id: Mapped[int] = mapped_column(BigId, ForeignKey("subjects.id"), index=True)
    ordered_on: Mapped[date] = mapped_column(Date)
    amount_pence: Mapped[int] = mapped_column(Integer)
    value_ids: Mapped[list[int]] = mapped_column(JSON)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Invoice(Base):
    __tablename__ = "invoices"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    order_id: Mapped[int] = mapped_column(BigId, ForeignKey("orders.id"), index=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    issued_on: Mapped[date] = mapped_column(Date)
    amount_pence: Mapped[int] = mapped_column(Integer)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Payment(Base):
    """One payment against an invoice. ``method`` is a code; card payments are taken by
    the declared payment processor and only its reference is kept, in the vault (PCI DSS:
    card numbers are never stored)."""

    __tablename__ = "payments"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    invoice_id: Mapped[int] = mapped_column(BigId, ForeignKey("invoices.id"), index=True)
    paid_on: Mapped[date] = mapped_column(Date)
    amount_pence: Mapped[int] = mapped_column(Integer)
    method: Mapped[str] = mapped_column(String(16))
    value_ids: Mapped[list[int]] = mapped_column(JSON)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
