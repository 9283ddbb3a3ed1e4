"""Customer account pages under ``/account``: register, verify, sign in and out, reset,
and the signed-in account page.

Routes parse and render; ``accounts.service``, ``accounts.auth`` and
``accounts.profile`` do the work. Every POST is CSRF-checked and the public forms are
rate-limited per truncated network before their body is read (Art. 32(1)(b)). There is
no account id in any URL: the ``charter_account`` session alone decides whose account
a page shows. Account pages are never cached; link pages never leak their token.
"""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from charter.accounts import profile
from charter.accounts.auth import (
    ACCOUNT_COOKIE,
    SignedInCustomer,
    clear_account_cookie,
    end_session,
    resume_session,
    set_account_cookie,
    start_session,
)
from charter.accounts.service import (
    MAX_EMAIL_CHARS,
    MAX_PASSWORD_CHARS,
    RESET,
    VERIFY,
    authenticate,
    check_link,
    register,
    request_reset,
    reset_password,
    verify_email,
)
from charter.runtime import Runtime
from charter.templating import page, token_page
from charter.web.client import client_network
from charter.web.csrf import check_csrf
from charter.web.forms import FormField, FormSpec, consent_evidence, read_form
from charter.web.mailer import email_sender
from charter.web.ratelimit import RateLimit, count_request

ACTOR = "public:account"
LOGIN_PATH = "/account/login"
LOGIN_LIMIT = RateLimit("account_login", limit=20, window=timedelta(minutes=15))
REGISTER_LIMIT = RateLimit("account_register", limit=10, window=timedelta(hours=1))
RESET_LIMIT = RateLimit("account_reset", limit=10, window=timedelta(hours=1))
LOGIN_FAILED = (
    "The email address or password is not right, the email address is not confirmed yet, "
    "or the account is locked for 15 minutes after too many attempts."
)
REGISTER_FORM = FormSpec(
    fields=(
        FormField("email", MAX_EMAIL_CHARS),
        FormField("password", MAX_PASSWORD_CHARS),
        FormField("first_name", 100),
        FormField("last_name", 100),
    )
)
LOGIN_FORM = FormSpec(
    fields=(FormField("email", MAX_EMAIL_CHARS), FormField("password", MAX_PASSWORD_CHARS)),
    honeypot=False,
)
RESET_REQUEST_FORM = FormSpec(fields=(FormField("email", MAX_EMAIL_CHARS),), honeypot=False)
NEW_PASSWORD_FORM = FormSpec(fields=(FormField("password", MAX_PASSWORD_CHARS),), honeypot=False)
EMPTY_FORM = FormSpec(fields=(), honeypot=False)
DETAILS_FORM = FormSpec(
    fields=tuple(FormField(name, 300) for name in profile.EDITABLE), honeypot=False
)
CONSENT_FORM = FormSpec(fields=(FormField("channel", 10), FormField("action", 10)), honeypot=False)

router = APIRouter(tags=["customer accounts"], include_in_schema=False)


def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


def _to_login(request: Request) -> Response:
    response = RedirectResponse(LOGIN_PATH, status_code=303)
    if ACCOUNT_COOKIE in request.cookies:
        clear_account_cookie(request, response)
    return _no_store(response)


# Registering and verifying ---------------------------------------------------------------


@router.get("/account/register")
def register_page(request: Request) -> Response:
    return page(request, "accounts/register.html", {"error": None})


@router.post("/account/register")
async def register_submit(request: Request) -> Response:
    """One reply for every address (no enumeration): "check your email"."""
    await count_request(request, REGISTER_LIMIT)
    form = await read_form(request, REGISTER_FORM)
    check_csrf(request, form.csrf_token)
    if form.honeypot_filled:
        return RedirectResponse("/account/check-email", status_code=303)
    if not form["first_name"].strip() or not form["last_name"].strip():
        context = {"error": "Give your first and last name."}
        return page(request, "accounts/register.html", context, status_code=422)
    runtime, sender = _runtime(request), email_sender(request)

    def run() -> None:
        with runtime.unit() as work:
            register(
                work,
                email=form["email"],
                password=form["password"],
                first_name=form["first_name"],
                last_name=form["last_name"],
                sender=sender,
                actor=ACTOR,
            )

    await run_in_threadpool(run)
    return RedirectResponse("/account/check-email", status_code=303)


@router.get("/account/check-email")
def check_email(request: Request) -> Response:
    return page(request, "accounts/check_email.html", {})


@router.get("/account/verify/{token}")
def verify_page(request: Request, token: str) -> Response:
    """A button, no action: fetching the link (a mail scanner may) confirms nothing."""
    with _runtime(request).unit(write=False) as work:
        check_link(work, token, VERIFY)
    return token_page(request, "accounts/verify.html", {"token": token})


@router.post("/account/verify/{token}")
async def verify(request: Request, token: str) -> Response:
    form = await read_form(request, EMPTY_FORM)
    check_csrf(request, form.csrf_token)
    runtime = _runtime(request)

    def run() -> None:
        with runtime.unit() as work:
            verify_email(work, token)

    await run_in_threadpool(run)
    return RedirectResponse(LOGIN_PATH + "?verified=1", status_code=303)


# Signing in and out ------------------------------------------------------------------------


@router.get(LOGIN_PATH)
def login_page(request: Request, verified: str | None = None, reset: str | None = None) -> Response:
    context = {"error": None, "verified": bool(verified), "reset": bool(reset)}
    return page(request, "accounts/login.html", context)


@router.post(LOGIN_PATH)
async def login(request: Request) -> Response:
    await count_request(request, LOGIN_LIMIT)
    form = await read_form(request, LOGIN_FORM)
    check_csrf(request, form.csrf_token)
    runtime = _runtime(request)
    network = client_network(request)
    presented = request.cookies.get(ACCOUNT_COOKIE)

    def run() -> str | None:
        with runtime.unit() as work:
            account = authenticate(work, email=form["email"], password=form["password"])
            if account is None:
                return None
            return start_session(work, account, network=network, replacing=presented)

    token = await run_in_threadpool(run)
    if token is None:
        context = {"error": LOGIN_FAILED, "verified": False, "reset": False}
        refused = page(request, "accounts/login.html", context, status_code=422)
        if presented is not None:
            clear_account_cookie(request, refused)
        return refused
    response = RedirectResponse("/account", status_code=303)
    set_account_cookie(request, response, token)
    return _no_store(response)


@router.post("/account/logout")
async def logout(request: Request) -> Response:
    form = await read_form(request, EMPTY_FORM)
    check_csrf(request, form.csrf_token)
    runtime = _runtime(request)
    token = request.cookies.get(ACCOUNT_COOKIE)

    def run() -> None:
        with runtime.unit() as work:
            end_session(work, token)

    await run_in_threadpool(run)
    response = RedirectResponse(LOGIN_PATH, status_code=303)
    clear_account_cookie(request, response)
    return _no_store(response)


# Password reset ------------------------------------------------------------------------------


@router.get("/account/reset")
def reset_request_page(request: Request, sent: str | None = None) -> Response:
    return page(request, "accounts/reset_request.html", {"sent": bool(sent)})


@router.post("/account/reset")
async def reset_request(request: Request) -> Response:
    """One reply for every address: a link goes only to a verified account's address."""
    await count_request(request, RESET_LIMIT)
    form = await read_form(request, RESET_REQUEST_FORM)
    check_csrf(request, form.csrf_token)
    runtime, sender = _runtime(request), email_sender(request)

    def run() -> None:
        with runtime.unit() as work:
            request_reset(work, email=form["email"], sender=sender, actor=ACTOR)

    await run_in_threadpool(run)
    return RedirectResponse("/account/reset?sent=1", status_code=303)


@router.get("/account/reset/{token}")
def reset_page(request: Request, token: str) -> Response:
    with _runtime(request).unit(write=False) as work:
        check_link(work, token, RESET)
    return token_page(request, "accounts/reset_form.html", {"token": token})


@router.post("/account/reset/{token}")
async def reset(request: Request, token: str) -> Response:
    form = await read_form(request, NEW_PASSWORD_FORM)
    check_csrf(request, form.csrf_token)
    runtime = _runtime(request)

    def run() -> None:
        with runtime.unit() as work:
            reset_password(work, token, password=form["password"])

    await run_in_threadpool(run)
    response = RedirectResponse(LOGIN_PATH + "?reset=1", status_code=303)
    clear_account_cookie(request, response)
    return response


# The account page ----------------------------------------------------------------------------


@router.get("/account")
def account_page(request: Request) -> Response:
    with _runtime(request).unit() as work:
        customer = resume_session(work, request.cookies.get(ACCOUNT_COOKIE))
        if customer is None:
            return _to_login(request)
        shown = profile.overview(work, customer)
        orders = profile.own_orders(work, customer)
    context = {"account": shown, "orders": orders}
    return _no_store(page(request, "accounts/account.html", context))


async def _signed_in_post(request: Request, spec: FormSpec) -> tuple[dict[str, str], str | None]:
    form = await read_form(request, spec)
    check_csrf(request, form.csrf_token)
    return dict(form.values), request.cookies.get(ACCOUNT_COOKIE)


@router.post("/account/details")
async def update_details(request: Request) -> Response:
    values, token = await _signed_in_post(request, DETAILS_FORM)
    runtime = _runtime(request)

    def run() -> bool:
        with runtime.unit() as work:
            customer = resume_session(work, token)
            if customer is None:
                return False
            profile.update_details(work, customer, values)
            return True

    if not await run_in_threadpool(run):
        return _to_login(request)
    return _no_store(RedirectResponse("/account", status_code=303))


@router.post("/account/consents")
async def update_consent(request: Request) -> Response:
    values, token = await _signed_in_post(request, CONSENT_FORM)
    runtime = _runtime(request)
    evidence = consent_evidence(request)

    def run() -> SignedInCustomer | None:
        with runtime.unit() as work:
            customer = resume_session(work, token)
            if customer is not None:
                profile.set_marketing_channel(
                    work,
                    customer,
                    channel=values.get("channel", ""),
                    allow=values.get("action") == "give",
                    evidence=evidence,
                )
            return customer

    if await run_in_threadpool(run) is None:
        return _to_login(request)
    return _no_store(RedirectResponse("/account", status_code=303))
