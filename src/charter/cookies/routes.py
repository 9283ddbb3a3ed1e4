"""Cookie pages: the settings page, the one endpoint every choice is posted to, and the
Global Privacy Control well-known resource.

``POST /cookies/consent`` serves the first-layer banner (Accept all / Reject all) and the
settings page (one choice per category) alike, as a plain form post with a CSRF token
so it works without JavaScript (then it redirects back); ``static/cookies.js`` posts the
same form asking for JSON and applies the answer without a reload. Routes parse and
render; ``service.py`` decides.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from charter.cookies import service
from charter.cookies.middleware import ANALYTICS, visitor_consent
from charter.cookies.schemas import Choice, ChoiceOrigin
from charter.errors import InvalidInput
from charter.runtime import Runtime
from charter.templating import page
from charter.web.client import client_network
from charter.web.csrf import CSRF_FIELD, check_csrf
from charter.web.useragent import parse_user_agent

router = APIRouter(tags=["cookies"])

_FORM_ORIGINS = {ChoiceOrigin.BANNER.value, ChoiceOrigin.SETTINGS.value}


@dataclass(frozen=True)
class Submitted:
    """A parsed cookie form: which button, which categories, where it came from."""

    action: str  # accept | reject | save
    granted: tuple[str, ...]
    origin: ChoiceOrigin
    return_to: str


@router.get("/cookies", response_class=HTMLResponse, name="cookie_settings")
def cookie_settings(request: Request) -> HTMLResponse:
    """Every cookie the policy declares, and the per-category choice (reopened from the
    "Cookie settings" link in every page's footer; Art. 7(3))."""
    runtime: Runtime = request.app.state.runtime
    view = visitor_consent(request)
    view.offering_choice = True
    categories = service.cookie_categories(runtime.policy)
    return page(
        request,
        "cookies/settings.html",
        {
            "categories": categories,
            "choice": view.choice,
            "gpc": view.gpc_honoured,
            "saved": request.query_params.get("saved") == "1",
        },
    )


@router.post("/cookies/consent", name="cookie_consent", response_model=None)
async def cookie_consent(request: Request) -> Response:
    """Record one choice and remember it (the middleware sets the cookie and expires the
    Google Analytics cookies when analytics is refused)."""
    form = await request.form()
    check_csrf(request, _text(form, CSRF_FIELD))
    runtime: Runtime = request.app.state.runtime
    submitted = parse_form(form, service.optional_categories(runtime.policy))
    choice = await run_in_threadpool(_record, request, submitted)
    visitor_consent(request).decided(choice)
    if "application/json" in request.headers.get("accept", ""):
        return JSONResponse(_choice_json(choice, runtime))
    target = "/cookies?saved=1" if submitted.origin is ChoiceOrigin.SETTINGS else None
    return RedirectResponse(target or submitted.return_to, status_code=303)


@router.get("/.well-known/gpc.json", include_in_schema=False)
def gpc_support(request: Request) -> JSONResponse:
    """Tell browsers this site honours Global Privacy Control (GPC spec, section 3.3)."""
    runtime: Runtime = request.app.state.runtime
    body = {"gpc": True, "lastUpdate": runtime.policy.effective_date.isoformat()}
    return JSONResponse(body, headers={"Cache-Control": "max-age=86400"})


def parse_form(form: FormData, offered: tuple[str, ...]) -> Submitted:
    """The choice a banner or settings form carries; refuses anything else (Art. 4(11):
    an unambiguous indication — a form we cannot read is no choice at all)."""
    origin_text = _text(form, "origin") or ChoiceOrigin.BANNER.value
    if origin_text not in _FORM_ORIGINS:
        raise InvalidInput("Unknown form.")
    action = _text(form, "choice") or "save"
    if action == "accept":
        granted = offered
    elif action == "reject":
        granted = ()
    elif action == "save":
        granted = tuple(c for c in offered if _text(form, f"category-{c}") == "on")
    else:
        raise InvalidInput("Unknown cookie choice.")
    return Submitted(
        action=action,
        granted=granted,
        origin=ChoiceOrigin(origin_text),
        return_to=safe_return_path(_text(form, "return_to")),
    )


def safe_return_path(value: str | None) -> str:
    """A path on this site to go back to (never another site: no open redirect)."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    if any(ord(c) < 0x21 for c in value):
        return "/"
    return value


def _record(request: Request, submitted: Submitted) -> Choice:
    runtime: Runtime = request.app.state.runtime
    with runtime.unit() as work:
        return service.record_choice(
            work,
            granted=submitted.granted,
            origin=submitted.origin,
            network=client_network(request),
            user_agent_family=parse_user_agent(request.headers.get("user-agent")).family,
        )


def _choice_json(choice: Choice, runtime: Runtime) -> dict[str, Any]:
    analytics = choice.allows(ANALYTICS)
    return {
        "granted": sorted(choice.granted),
        "denied": sorted(choice.denied),
        "policy_version": choice.policy_version,
        "analytics": analytics,
        "measurement_id": runtime.settings.ga_measurement_id if analytics else None,
        "message": confirmation(choice),
    }


def confirmation(choice: Choice) -> str:
    """What the visitor is told after choosing (the script adds where to change it)."""
    if choice.granted and not choice.denied:
        return "You have accepted all optional cookies."
    if not choice.granted:
        return "You have rejected all optional cookies."
    return "Your cookie settings have been saved."


def _text(form: FormData, name: str) -> str | None:
    value = form.get(name)
    return value if isinstance(value, str) else None
