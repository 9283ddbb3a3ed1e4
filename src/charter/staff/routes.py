"""The staff console at ``/admin``: sign-in, dashboard, enquiries, outbox, statistics.

Routes parse and render; ``staff.service``, ``staff.auth`` and ``staff.console`` do the
work. Every page but sign-in needs a live staff session and a role that reaches it
(``auth.require_role``): without a session the console redirects to ``/admin/login``, with
the wrong role it shows a 403 page. Every POST is CSRF-checked (``web.csrf``); sign-in is
rate-limited per truncated network before its body is read. Console pages are never
cached (``Cache-Control: no-store``): they may show personal data (Art. 32(1)(b)).

Roles (least privilege, Art. 25(2), Art. 32(4)):

    page                          staff   privacy_officer   admin
    /admin, /admin/enquiries        x           x             x
    /admin/enquiries/{ref}          x           x             x   (quarantined: PO, admin)
    /admin/statistics               x           x             x
    /admin/outbox                               x             x
    /admin/outbox/{file}                        x
    /admin/staff                                              x
"""

from __future__ import annotations

import re
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool

from charter.runtime import Runtime
from charter.staff import console
from charter.staff.auth import (
    STAFF_COOKIE,
    LoginRequired,
    StaffForbidden,
    clear_staff_cookie,
    end_session,
    require_role,
    set_staff_cookie,
    start_session,
)
from charter.staff.schemas import ALL_ROLES, Role, SignedIn
from charter.staff.service import MAX_EMAIL_CHARS, MAX_PASSWORD_CHARS, authenticate, list_staff
from charter.templating import page
from charter.web.client import client_network
from charter.web.csrf import check_csrf
from charter.web.forms import FormField, FormSpec, read_form
from charter.web.ratelimit import RateLimit, count_request

#: Sign-in attempts per truncated network; lockout per account sits behind this.
LOGIN_LIMIT = RateLimit("staff_login", limit=20, window=timedelta(minutes=15))
LOGIN_FORM = FormSpec(
    fields=(
        FormField("email", MAX_EMAIL_CHARS),
        FormField("password", MAX_PASSWORD_CHARS),
        FormField("code", 16),
        FormField("next", 200),
    ),
    honeypot=False,
)
LOGOUT_FORM = FormSpec(fields=(), honeypot=False)
LOGIN_FAILED = (
    "The email address, password or code is not right, or the account is locked "
    "for 15 minutes after too many attempts."
)
_NEXT = re.compile(r"^/admin(/[A-Za-z0-9._-]+)*$")

Handler = Callable[[Request], Coroutine[Any, Any, Response]]


class ConsoleRoute(APIRoute):
    """Turns the guard's errors into a sign-in redirect or a 403 console page, and marks
    every console response ``no-store``."""

    def get_route_handler(self) -> Handler:
        handler = super().get_route_handler()

        async def console_handler(request: Request) -> Response:
            try:
                response = await handler(request)
            except LoginRequired:
                target = LOGIN_PATH
                if request.method == "GET" and safe_next(request.url.path) != "/admin":
                    target += "?next=" + quote(request.url.path, safe="/")
                response = RedirectResponse(target, status_code=303)
                if STAFF_COOKIE in request.cookies:
                    clear_staff_cookie(request, response)
            except StaffForbidden as exc:
                response = page(
                    request,
                    "staff/forbidden.html",
                    {"message": exc.public_message, "staff": getattr(request.state, "staff", None)},
                    status_code=403,
                )
            response.headers["Cache-Control"] = "no-store"
            return response

        return console_handler


LOGIN_PATH = "/admin/login"
router = APIRouter(tags=["staff console"], route_class=ConsoleRoute)

AnyStaff = Annotated[SignedIn, Depends(require_role(*ALL_ROLES))]
Officer = Annotated[SignedIn, Depends(require_role(Role.PRIVACY_OFFICER, Role.ADMIN))]
PrivacyOfficer = Annotated[SignedIn, Depends(require_role(Role.PRIVACY_OFFICER))]
Admin = Annotated[SignedIn, Depends(require_role(Role.ADMIN))]


def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def safe_next(value: str | None) -> str:
    """Where to go after sign-in: a console path only (no open redirect)."""
    if value and _NEXT.match(value) and ".." not in value and not value.startswith(LOGIN_PATH):
        return value
    return "/admin"


def _context(staff: SignedIn, **values: Any) -> dict[str, Any]:
    return {"staff": staff, "roles": Role, **values}


# Signing in and out ----------------------------------------------------------------------


@router.get("/admin/login")
def login_page(
    request: Request,
    next_path: str | None = Query(None, alias="next"),
    signed_out: str | None = None,
) -> Response:
    context = {"next": safe_next(next_path), "error": None, "signed_out": bool(signed_out)}
    return page(request, "staff/login.html", context)


@router.post("/admin/login")
async def login(request: Request) -> Response:
    await count_request(request, LOGIN_LIMIT)
    form = await read_form(request, LOGIN_FORM)
    check_csrf(request, form.csrf_token)
    runtime = _runtime(request)
    network = client_network(request)
    presented = request.cookies.get(STAFF_COOKIE)

    def run() -> str | None:
        with runtime.unit() as work:
            user = authenticate(
                work, email=form["email"], password=form["password"], code=form["code"]
            )
            if user is None:
                return None
            return start_session(work, user, network=network, replacing=presented)

    token = await run_in_threadpool(run)
    if token is None:
        context = {"next": safe_next(form["next"]), "error": LOGIN_FAILED}
        refused = page(request, "staff/login.html", context, status_code=422)
        if presented is not None:
            clear_staff_cookie(request, refused)
        return refused
    response = RedirectResponse(safe_next(form["next"]), status_code=303)
    set_staff_cookie(request, response, token)
    return response


@router.post("/admin/logout")
async def logout(request: Request) -> Response:
    form = await read_form(request, LOGOUT_FORM)
    check_csrf(request, form.csrf_token)
    runtime = _runtime(request)
    token = request.cookies.get(STAFF_COOKIE)

    def run() -> None:
        with runtime.unit() as work:
            end_session(work, token)

    await run_in_threadpool(run)
    response = RedirectResponse(LOGIN_PATH + "?signed_out=1", status_code=303)
    clear_staff_cookie(request, response)
    return response


# Pages -----------------------------------------------------------------------------------


@router.get("/admin")
def dashboard(request: Request, staff: AnyStaff) -> Response:
    with _runtime(request).unit(write=False) as work:
        summary = console.dashboard(work)
    return page(request, "staff/dashboard.html", _context(staff, summary=summary))


@router.get("/admin/enquiries")
def enquiries(request: Request, staff: AnyStaff) -> Response:
    with _runtime(request).unit(write=False) as work:
        rows = console.list_enquiries(work)
    return page(request, "staff/enquiries.html", _context(staff, rows=rows))


@router.get("/admin/enquiries/{reference}")
def enquiry(request: Request, reference: str, staff: AnyStaff) -> Response:
    """Quarantined messages wait for a privacy officer's review (Art. 9) before anyone
    else reads them; every opening is audited with its purpose."""
    with _runtime(request).unit() as work:
        found = console.find_enquiry(work, reference)
        if found.handling == "quarantined" and staff.role is Role.STAFF:
            raise StaffForbidden("Quarantined enquiries are reviewed by a privacy officer first.")
        detail = console.open_enquiry(work, found, actor=staff.actor)
    context = _context(staff, detail=detail, purpose=console.ENQUIRY_PURPOSE)
    return page(request, "staff/enquiry.html", context)


@router.get("/admin/outbox")
def outbox(request: Request, staff: Officer) -> Response:
    with _runtime(request).unit(write=False) as work:
        rows = console.list_outbox(work)
    return page(request, "staff/outbox.html", _context(staff, rows=rows))


@router.get("/admin/outbox/{name}")
def outbox_message(request: Request, name: str, staff: PrivacyOfficer) -> Response:
    with _runtime(request).unit() as work:
        message = console.read_outbox_message(work, name, actor=staff.actor)
    context = _context(
        staff,
        name=name,
        headers=[(h, str(message[h])) for h in ("Date", "From", "To", "Subject") if message[h]],
        text=console.message_text(message),
        purpose=console.OUTBOX_PURPOSE,
    )
    return page(request, "staff/outbox_message.html", context)


@router.get("/admin/statistics")
def statistics(request: Request, staff: AnyStaff) -> Response:
    with _runtime(request).unit(write=False) as work:
        summary = console.recent_statistics(work)
    return page(request, "staff/statistics.html", _context(staff, summary=summary))


@router.get("/admin/staff")
def staff_accounts(request: Request, staff: Admin) -> Response:
    with _runtime(request).unit() as work:
        accounts = list_staff(work, actor=staff.actor)
    return page(request, "staff/accounts.html", _context(staff, accounts=accounts))
