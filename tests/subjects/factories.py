"""A person who has done a bit of everything: enquiry with marketing consent, an email,
an access request, an order with invoice and bank-transfer payment."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from email.message import EmailMessage

from charter.mail.service import record_correspondence
from charter.orders import service as orders
from charter.rights.models import RequestStatus
from charter.runtime import Runtime
from charter.subjects.service import subject_by_ref
from charter.vault import service as vault
from tests.enquiries.factories import EMAIL, FIRST_NAME, LAST_NAME, MESSAGE, NORMALISED_EMAIL
from tests.rights.factories import request_in
from tests.staff.factories import receive_enquiry

ACTOR = "staff:test"
BANK_ACCOUNT = "20-00-00 55779911"
PURCHASE = "Annual server maintenance for the Bristol office"
EMAIL_BODY = "Please send the invoice to accounts, thanks. Kind regards, Zebedee"
#: Values that must never appear in a timeline shown without ``reveal``.
SECRETS = (FIRST_NAME, LAST_NAME, NORMALISED_EMAIL, MESSAGE, PURCHASE, "55779911", EMAIL_BODY)


@dataclass(frozen=True)
class Person:
    ref: str
    enquiry: str
    request: str
    invoice: str


def email_from_person() -> bytes:
    message = EmailMessage()
    message["From"] = f"{FIRST_NAME} {LAST_NAME} <{EMAIL}>"
    message["To"] = "enquiries@ajp-it-services.example"
    message["Subject"] = "Invoice please"
    message["Message-ID"] = "<invoice-please@example.org>"
    message["Date"] = "Wed, 25 Nov 2026 09:30:00 +0000"
    message.set_content(EMAIL_BODY)
    return bytes(message)


def busy_person(runtime: Runtime) -> Person:
    receipt = receive_enquiry(runtime, marketing=("email",))
    with runtime.unit() as work:
        subject = vault.find_subject(work, email=EMAIL)
        assert subject is not None
        record_correspondence(work, email_from_person(), received_via="eml", actor=ACTOR)
        request = request_in(work, RequestStatus.VERIFIED, subject=subject)
        order = orders.record_order(
            work,
            subject,
            service_description=PURCHASE,
            amount_pence=48000,
            ordered_on=date(2026, 11, 20),
            actor=ACTOR,
        )
        invoice = orders.record_invoice(
            work,
            order,
            number="INV-2026-001",
            issued_on=date(2026, 11, 21),
            amount_pence=48000,
            actor=ACTOR,
        )
        orders.record_payment(
            work,
            invoice,
            paid_on=date(2026, 11, 24),
            amount_pence=48000,
            method="bank_transfer",
            bank_account=BANK_ACCOUNT,
            actor=ACTOR,
        )
        return Person(subject.ref, receipt.reference, request.reference, invoice.number)


def restrict(runtime: Runtime, ref: str) -> None:
    with runtime.unit() as work:
        vault.restrict_processing(
            work, subject_by_ref(work, ref), reason="accuracy_contested", actor=ACTOR
        )
