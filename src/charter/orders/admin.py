"""Staff console pages for a person's orders, invoices and payments (staff role and up).

Routes parse and render; ``orders.service`` does the work and the auditing. Every POST is
CSRF-checked. Opening the list reads what was bought for ``provide_services`` (audited).
"""

from __future__ import annotations

from datetime import date
from typing import Any, cast

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from charter.errors import InvalidInput
from charter.orders import service
from charter.runtime import Work
from charter.staff.routes import AnyStaff, ConsoleRoute
from charter.staff.schemas import SignedIn
from charter.subjects.admin import refuse_restricted_to_staff
from charter.templating import page
from charter.vault.models import Subject
from charter.web.csrf import check_csrf
from charter.web.forms import FormField, FormSpec, SubmittedForm, read_form

router = APIRouter(tags=["staff console"], route_class=ConsoleRoute)

ORDER_FORM = FormSpec(
    fields=(
        FormField("service_description", service.MAX_DESCRIPTION),
        FormField("amount", 16),
        FormField("ordered_on", 10),
    ),
    honeypot=False,
)
INVOICE_FORM = FormSpec(
    fields=(FormField("number", 32), FormField("amount", 16), FormField("issued_on", 10)),
    honeypot=False,
)
PAYMENT_FORM = FormSpec(
    fields=(
        FormField("amount", 16),
        FormField("paid_on", 10),
        FormField("method", 16),
        FormField("bank_account", 64),
        FormField("processor_reference", 64),
    ),
    honeypot=False,
)


def _pence(text: str) -> int:
    """``"480.00"`` or ``"480"`` pounds as pence."""
    whole, _, fraction = text.strip().partition(".")
    if not whole.isdigit() or not (fraction == "" or (fraction.isdigit() and len(fraction) <= 2)):
        raise InvalidInput("Give the amount in pounds, such as 480.00.")
    return int(whole) * 100 + int(fraction.ljust(2, "0") or 0)


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput("Give the date as YYYY-MM-DD.") from None


def _back(ref: str) -> Response:
    return RedirectResponse(f"/admin/subjects/{ref}/orders", status_code=303)


async def _form(request: Request, spec: FormSpec) -> SubmittedForm:
    form = await read_form(request, spec)
    check_csrf(request, form.csrf_token)
    return form


def _subject(work: Work, ref: str, staff: SignedIn) -> Subject:
    """The client, if this staff member may open their record (Art. 18(2))."""
    subject = service.find_subject(work, ref)
    refuse_restricted_to_staff(staff, subject)
    return subject


@router.get("/admin/subjects/{ref}/orders")
def orders_page(request: Request, ref: str, staff: AnyStaff) -> Response:
    with request.app.state.runtime.unit() as work:
        subject = _subject(work, ref, staff)
        lines = service.orders_of(work, subject, actor=staff.actor)
    context: dict[str, Any] = {
        "staff": staff,
        "ref": ref,
        "lines": lines,
        "pounds": service.pounds,
        "methods": service.METHOD_LABELS,
        "purpose": service.ORDERS_PURPOSE,
    }
    return page(request, "orders/orders.html", context)


@router.post("/admin/subjects/{ref}/orders")
async def add_order(request: Request, ref: str, staff: AnyStaff) -> Response:
    form = await _form(request, ORDER_FORM)

    def run() -> None:
        with request.app.state.runtime.unit() as work:
            service.record_order(
                work,
                _subject(work, ref, staff),
                service_description=form["service_description"],
                amount_pence=_pence(form["amount"]),
                ordered_on=_date(form["ordered_on"]),
                actor=staff.actor,
            )

    await run_in_threadpool(run)
    return _back(ref)


@router.post("/admin/subjects/{ref}/orders/{order_id}/invoices")
async def add_invoice(request: Request, ref: str, order_id: int, staff: AnyStaff) -> Response:
    form = await _form(request, INVOICE_FORM)

    def run() -> None:
        with request.app.state.runtime.unit() as work:
            order = service.find_order(work, _subject(work, ref, staff), order_id)
            service.record_invoice(
                work,
                order,
                number=form["number"],
                issued_on=_date(form["issued_on"]),
                amount_pence=_pence(form["amount"]),
                actor=staff.actor,
            )

    await run_in_threadpool(run)
    return _back(ref)


@router.post("/admin/subjects/{ref}/invoices/{invoice_id}/payments")
async def add_payment(request: Request, ref: str, invoice_id: int, staff: AnyStaff) -> Response:
    form = await _form(request, PAYMENT_FORM)
    method = form["method"]
    if method not in service.PAYMENT_METHODS:
        raise InvalidInput("Choose bank transfer, card or cash.")

    def run() -> None:
        with request.app.state.runtime.unit() as work:
            invoice = service.find_invoice(work, _subject(work, ref, staff), invoice_id)
            service.record_payment(
                work,
                invoice,
                paid_on=_date(form["paid_on"]),
                amount_pence=_pence(form["amount"]),
                method=cast("service.PaymentMethod", method),
                bank_account=form["bank_account"] or None,
                processor_reference=form["processor_reference"] or None,
                actor=staff.actor,
            )

    await run_in_threadpool(run)
    return _back(ref)
