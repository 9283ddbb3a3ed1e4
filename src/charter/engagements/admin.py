"""Staff console pages of service-delivery engagements (any staff role).

Staff open an engagement for themselves before working on a client's systems, naming the
client's reference, the order and the systems touched, and close it when done. The list
shows references, ids and labels only, never personal data. Every POST is CSRF-checked;
closing someone else's engagement needs a privacy officer or an admin.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from charter.engagements import service
from charter.errors import InvalidInput
from charter.orders.service import find_order, find_subject
from charter.staff.auth import StaffForbidden
from charter.staff.routes import AnyStaff, ConsoleRoute
from charter.staff.schemas import Role
from charter.templating import page
from charter.web.csrf import check_csrf
from charter.web.forms import FormField, FormSpec, SubmittedForm, read_form

router = APIRouter(tags=["staff console"], route_class=ConsoleRoute)

OPEN_FORM = FormSpec(
    fields=(
        FormField("subject_ref", 32),
        FormField("order_id", 12),
        FormField("systems", service.MAX_SYSTEMS),
    ),
    honeypot=False,
)
EMPTY_FORM = FormSpec(fields=(), honeypot=False)


async def _form(request: Request, spec: FormSpec) -> SubmittedForm:
    form = await read_form(request, spec)
    check_csrf(request, form.csrf_token)
    return form


def _back() -> Response:
    return RedirectResponse("/admin/engagements", status_code=303)


@router.get("/admin/engagements")
def engagements_page(request: Request, staff: AnyStaff) -> Response:
    with request.app.state.runtime.unit(write=False) as work:
        rows = service.list_engagements(work)
        refs = service.subject_refs(work, rows)
    context: dict[str, Any] = {
        "staff": staff,
        "rows": rows,
        "refs": refs,
        "officer": staff.role in (Role.PRIVACY_OFFICER, Role.ADMIN),
    }
    return page(request, "engagements/list.html", context)


@router.post("/admin/engagements")
async def open_engagement(request: Request, staff: AnyStaff) -> Response:
    """The signed-in staff member opens an engagement for themselves."""
    form = await _form(request, OPEN_FORM)
    if not form["order_id"].isdigit():
        raise InvalidInput("Give the order number.")
    order_id = int(form["order_id"])

    def run() -> None:
        with request.app.state.runtime.unit() as work:
            subject = find_subject(work, form["subject_ref"].strip())
            service.open_engagement(
                work,
                subject,
                order=find_order(work, subject, order_id),
                staff_id=staff.staff_id,
                systems=form["systems"],
                actor=staff.actor,
            )

    await run_in_threadpool(run)
    return _back()


@router.post("/admin/engagements/{engagement_id}/close")
async def close_engagement(request: Request, engagement_id: int, staff: AnyStaff) -> Response:
    await _form(request, EMPTY_FORM)

    def run() -> None:
        with request.app.state.runtime.unit() as work:
            found = service.find_engagement(work, engagement_id)
            if found.staff_id != staff.staff_id and staff.role is Role.STAFF:
                raise StaffForbidden("Only its own staff member or an officer can close this.")
            service.close_engagement(work, found, actor=staff.actor)

    await run_in_threadpool(run)
    return _back()
