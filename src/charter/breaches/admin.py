"""Staff console pages of the breach register (privacy officer and admin).

The list shows each breach's 72-hour clock (Art. 33(1)); one breach's page shows how many
people may be affected, the pre-filled ICO notification draft, and the forms recording the
ICO notification and the decision whether to tell the people affected (Art. 34). Pages
show references and counts only; every POST is CSRF-checked and audited by the service.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from charter.breaches import service
from charter.errors import InvalidInput
from charter.staff.routes import ConsoleRoute, Officer
from charter.templating import page
from charter.web.csrf import check_csrf
from charter.web.forms import FormField, FormSpec, SubmittedForm, read_form

router = APIRouter(tags=["staff console"], route_class=ConsoleRoute)

LOG_FORM = FormSpec(
    fields=(
        FormField("aware_at", 32),
        FormField("description", service.MAX_DESCRIPTION, multiline=True),
        FormField("categories", 300),
        FormField("period_from", 32),
        FormField("period_to", 32),
        FormField("likely_consequences", service.MAX_CONSEQUENCES, multiline=True),
        FormField("measures", service.MAX_MEASURES, multiline=True),
        FormField("risk_level", 16),
    ),
    honeypot=False,
)
NOTIFIED_FORM = FormSpec(
    fields=(FormField("notified_at", 32), FormField("ico_reference", 64)), honeypot=False
)
DECIDE_FORM = FormSpec(
    fields=(FormField("notify", 8), FormField("reason", service.MAX_REASON, multiline=True)),
    honeypot=False,
)


def _moment(text: str) -> datetime:
    """A ``datetime-local`` value (or ISO date-time), read as UTC without a zone."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput("Give dates and times as YYYY-MM-DDTHH:MM (UTC).") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


async def _form(request: Request, spec: FormSpec) -> SubmittedForm:
    form = await read_form(request, spec)
    check_csrf(request, form.csrf_token)
    return form


@router.get("/admin/breaches")
def breaches_page(request: Request, staff: Officer) -> Response:
    with request.app.state.runtime.unit(write=False) as work:
        rows = [(b, service.notification_clock(work, b)) for b in service.list_breaches(work)]
        categories = [(c.id, c.name) for c in work.policy.categories]
    context: dict[str, Any] = {
        "staff": staff,
        "rows": rows,
        "categories": categories,
        "levels": [level.value for level in service.RiskLevel],
    }
    return page(request, "breaches/list.html", context)


@router.post("/admin/breaches")
async def log_breach(request: Request, staff: Officer) -> Response:
    form = await _form(request, LOG_FORM)
    categories = [item.strip() for item in form["categories"].split(",") if item.strip()]

    def run() -> str:
        with request.app.state.runtime.unit() as work:
            breach = service.log_breach(
                work,
                aware_at=_moment(form["aware_at"]),
                description=form["description"],
                categories=categories,
                period_from=_moment(form["period_from"]),
                period_to=_moment(form["period_to"]),
                likely_consequences=form["likely_consequences"],
                measures=form["measures"],
                risk_level=form["risk_level"],
                actor=staff.actor,
            )
            return breach.reference

    reference = await run_in_threadpool(run)
    return RedirectResponse(f"/admin/breaches/{reference}", status_code=303)


@router.get("/admin/breaches/{reference}")
def breach_page(request: Request, reference: str, staff: Officer) -> Response:
    with request.app.state.runtime.unit(write=False) as work:
        breach = service.find_breach(work, reference)
        context: dict[str, Any] = {
            "staff": staff,
            "breach": breach,
            "clock": service.notification_clock(work, breach),
            "affected": service.affected_subjects(
                work,
                categories=list(breach.categories),
                period_from=breach.period_from,
                period_to=breach.period_to,
            ),
            "draft": service.notification_draft(work, breach),
        }
    return page(request, "breaches/breach.html", context)


@router.post("/admin/breaches/{reference}/notified")
async def ico_notified(request: Request, reference: str, staff: Officer) -> Response:
    form = await _form(request, NOTIFIED_FORM)

    def run() -> None:
        with request.app.state.runtime.unit() as work:
            service.record_ico_notification(
                work,
                service.find_breach(work, reference),
                notified_at=_moment(form["notified_at"]),
                ico_reference=form["ico_reference"] or None,
                actor=staff.actor,
            )

    await run_in_threadpool(run)
    return RedirectResponse(f"/admin/breaches/{reference}", status_code=303)


@router.post("/admin/breaches/{reference}/decision")
async def decide(request: Request, reference: str, staff: Officer) -> Response:
    form = await _form(request, DECIDE_FORM)
    if form["notify"] not in ("yes", "no"):
        raise InvalidInput("Choose whether the people affected are told.")

    def run() -> None:
        with request.app.state.runtime.unit() as work:
            service.decide_subject_notification(
                work,
                service.find_breach(work, reference),
                notify=form["notify"] == "yes",
                reason=form["reason"],
                actor=staff.actor,
            )

    await run_in_threadpool(run)
    return RedirectResponse(f"/admin/breaches/{reference}", status_code=303)
