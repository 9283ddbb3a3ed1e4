"""Engagement test data: a client with an order, and a staff account."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from charter.orders import service as orders
from charter.runtime import Runtime
from charter.staff.service import create_staff
from charter.vault import service as vault

ACTOR = "staff:test"
PASSWORD = "correct horse battery staple"


@dataclass(frozen=True)
class Client:
    ref: str
    subject_id: int
    order_id: int


def new_client(runtime: Runtime) -> Client:
    with runtime.unit() as work:
        subject = vault.create_subject(work, actor=ACTOR)
        order = orders.record_order(
            work,
            subject,
            service_description="Laptop repair",
            amount_pence=9_000,
            ordered_on=date(2026, 11, 24),
            actor=ACTOR,
        )
        return Client(subject.ref, subject.id, order.id)


def new_staff(runtime: Runtime, role: str = "staff", name: str = "engineer") -> int:
    with runtime.unit() as work:
        user = create_staff(
            work,
            email=f"{name}@ajp-it-services.example",
            password=PASSWORD,
            role=role,
            actor="cli:test",
        )
        return user.id
