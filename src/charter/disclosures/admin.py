"""Staff console pages of the disclosures feature: the register, notices, recording one.

    action                                   staff   privacy_officer   admin
    see the register and notices               x           x             x
    record a disclosure                        x           x             x

The page shows pseudonymous references, recipients, purposes and categories, never a
personal value. Recording goes through ``disclosures.service.record_disclosure``, which
refuses what the policy does not allow and audits what it records (CSRF-checked form).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from charter.disclosures import delivery, service
from charter.disclosures.models import NoticeStatus
from charter.policy.schemas import Policy
from charter.staff.routes import AnyStaff, ConsoleRoute
from charter.templating import page
from charter.web.csrf import check_csrf
from charter.web.forms import FormField, FormSpec, read_form

router = APIRouter(tags=["staff console"], route_class=ConsoleRoute)

CATEGORY_PREFIX = "category_"


def record_form(policy: Policy) -> FormSpec:
    """The whitelist of the record form: one checkbox per declared category."""
    fields = [
        FormField("subject_ref", 64),
        FormField("recipient", 64),
        FormField("purpose", 64),
        FormField("reference", service.MAX_REFERENCE_CHARS + 40),
    ]
    fields += [FormField(CATEGORY_PREFIX + item.id, 8) for item in policy.categories]
    return FormSpec(fields=tuple(fields), honeypot=False)


@router.get("/admin/disclosures")
def register(request: Request, staff: AnyStaff, recipient: str | None = None) -> Response:
    runtime = request.app.state.runtime
    policy: Policy = runtime.policy
    chosen = recipient if recipient in {item.id for item in policy.recipients} else None
    with runtime.unit(write=False) as work:
        rows = [
            (row, ref, service.safeguard_label(row.transfer_mechanism, row.transfer_detail))
            for row, ref in service.list_disclosures(work, recipient=chosen)
        ]
        notices = service.list_notices(work, recipient=chosen)
        endpoints = {item.recipient: item.kind for item in delivery.list_endpoints(work)}
    counts = {status.value: 0 for status in NoticeStatus}
    for notice, _ in notices:
        counts[notice.status] = counts.get(notice.status, 0) + 1
    context = {
        "staff": staff,
        "rows": rows,
        "notices": notices,
        "counts": counts,
        "endpoints": endpoints,
        "recipients": policy.recipients,
        "purposes": {item.id: item for item in policy.purposes},
        "categories": policy.categories,
        "chosen": chosen,
        "category_prefix": CATEGORY_PREFIX,
    }
    return page(request, "disclosures/register.html", context)


@router.post("/admin/disclosures")
async def record(request: Request, staff: AnyStaff) -> Response:
    """Record one disclosure; a refusal (403) or bad input (422) changes nothing."""
    policy: Policy = request.app.state.runtime.policy
    form = await read_form(request, record_form(policy))
    check_csrf(request, form.csrf_token)
    categories = [item.id for item in policy.categories if form[CATEGORY_PREFIX + item.id] == "on"]

    def run() -> str:
        with request.app.state.runtime.unit() as work:
            subject = service.subject_by_ref(work, form["subject_ref"])
            row = service.record_disclosure(
                work,
                subject,
                recipient=form["recipient"],
                purpose=form["purpose"],
                categories=categories,
                reference=form["reference"],
                actor=staff.actor,
            )
            return row.recipient

    recipient = await run_in_threadpool(run)
    return RedirectResponse(f"/admin/disclosures?recipient={recipient}", status_code=303)
