"""The retention page of the staff console (privacy officer and admin).

    page / action                         staff   privacy_officer   admin
    /admin/retention                                     x             x
    place or lift a legal hold                           x             x

It shows what expires in the next 30 and 90 days per rule, the open legal holds and the
last sweep's counts: rule ids, dates, counts and pseudonymous refs, no personal data.
Routes parse and render; ``retention.holds`` places and lifts holds and audits them;
every POST is CSRF-checked.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from charter.retention import holds
from charter.retention.models import HoldReason
from charter.retention.service import expiring, last_sweep
from charter.staff.routes import ConsoleRoute, Officer
from charter.templating import page
from charter.web.csrf import check_csrf
from charter.web.forms import FormField, FormSpec, SubmittedForm, read_form

router = APIRouter(tags=["staff console"], route_class=ConsoleRoute)

HOLD_FORM = FormSpec(fields=(FormField("subject_ref", 64), FormField("reason", 32)), honeypot=False)
LIFT_FORM = FormSpec(fields=(FormField("subject_ref", 64),), honeypot=False)
HORIZONS = (30, 90)
REASON_LABELS = {
    HoldReason.LEGAL_CLAIM: "A legal claim, made or expected",
    HoldReason.COMPLAINT: "A complaint (to us or the ICO) under investigation",
    HoldReason.REGULATOR_INQUIRY: "An inquiry by the ICO or another regulator",
    HoldReason.LAW_ENFORCEMENT: "A preservation request from the police or a court",
}


async def _form(request: Request, spec: FormSpec) -> SubmittedForm:
    form = await read_form(request, spec)
    check_csrf(request, form.csrf_token)
    return form


def _back() -> Response:
    return RedirectResponse("/admin/retention", status_code=303)


@router.get("/admin/retention")
def retention_page(request: Request, staff: Officer) -> Response:
    with request.app.state.runtime.unit(write=False) as work:
        now = work.now()
        upcoming = expiring(work, days=max(HORIZONS))
        open_holds = holds.open_holds(work)
        last = last_sweep(work)
    by_rule: dict[str, dict[int, int]] = defaultdict(lambda: dict.fromkeys(HORIZONS, 0))
    for row in upcoming:
        for days in HORIZONS:
            if row.on <= (now + timedelta(days=days)).date():
                by_rule[row.rule][days] += row.values
    context: dict[str, Any] = {
        "staff": staff,
        "horizons": HORIZONS,
        "by_rule": dict(sorted(by_rule.items())),
        "upcoming": sorted(upcoming, key=lambda row: (row.on, row.rule))[:50],
        "holds": open_holds,
        "last": last,
        "reasons": REASON_LABELS,
    }
    return page(request, "retention/retention.html", context)


@router.post("/admin/retention/holds")
async def place_hold(request: Request, staff: Officer) -> Response:
    form = await _form(request, HOLD_FORM)

    def run() -> None:
        with request.app.state.runtime.unit() as work:
            subject = holds.find_subject(work, form["subject_ref"])
            holds.place_hold(work, subject, reason=form["reason"], actor=staff.actor)

    await run_in_threadpool(run)
    return _back()


@router.post("/admin/retention/holds/lift")
async def lift_hold(request: Request, staff: Officer) -> Response:
    form = await _form(request, LIFT_FORM)

    def run() -> None:
        with request.app.state.runtime.unit() as work:
            subject = holds.find_subject(work, form["subject_ref"])
            holds.lift_holds(work, subject, actor=staff.actor)

    await run_in_threadpool(run)
    return _back()
