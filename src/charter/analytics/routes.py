"""The visible way to object to the cookieless statistics (UK GDPR Art. 21(1)).

``GET /statistics/opt-out`` explains what is counted and how, and whether this browser
is counted now; ``POST`` sets (or removes) the ``charter_stats_optout=1`` cookie, which is
strictly necessary to honour the objection (PECR reg. 6(4)(b)) and holds nothing else.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from charter.analytics.middleware import OPT_OUT_COOKIE, objects_to_statistics
from charter.analytics.service import statistics_declared
from charter.errors import InvalidInput
from charter.runtime import Runtime
from charter.templating import page
from charter.web.csrf import CSRF_FIELD, check_csrf

router = APIRouter(tags=["statistics"])

#: How long the objection is remembered (the lifetime the policy declares: one year).
OPT_OUT_MAX_AGE = 365 * 24 * 60 * 60


@router.get("/statistics/opt-out", response_class=HTMLResponse, name="statistics_opt_out")
def opt_out_page(request: Request) -> HTMLResponse:
    runtime: Runtime = request.app.state.runtime
    cookie = request.cookies.get(OPT_OUT_COOKIE) == "1"
    return page(
        request,
        "analytics/opt_out.html",
        {
            "counting": statistics_declared(runtime.policy),
            "opted_out": cookie,
            "signal": objects_to_statistics(request) and not cookie,
            "done": request.query_params.get("done"),
        },
    )


@router.post("/statistics/opt-out", name="statistics_opt_out_submit", response_model=None)
async def opt_out_submit(request: Request) -> RedirectResponse:
    form = await request.form()
    token = form.get(CSRF_FIELD)
    check_csrf(request, token if isinstance(token, str) else None)
    action = form.get("action")
    if action not in ("opt-out", "opt-in"):
        raise InvalidInput("Unknown choice.")
    response = RedirectResponse(f"/statistics/opt-out?done={action}", status_code=303)
    secure = request.url.scheme == "https"
    if action == "opt-out":
        response.set_cookie(
            OPT_OUT_COOKIE,
            "1",
            max_age=OPT_OUT_MAX_AGE,
            path="/",
            samesite="lax",
            secure=secure,
            httponly=True,
        )
    else:
        response.delete_cookie(OPT_OUT_COOKIE, path="/", samesite="lax", secure=secure)
    return response
