"""Newsletter pages: sign-up, confirmation, one-click unsubscribe, channel preferences.

Pages reached from an email link (confirmation, unsubscribe, preferences) change nothing
on ``GET``: mail scanners and link previews fetch links, and a fetch must not confirm a
subscription or change a preference. They answer with ``Cache-Control: no-store`` and
``Referrer-Policy: no-referrer`` because their URL carries a token.

``POST /unsubscribe/{token}`` is the RFC 8058 one-click endpoint: it needs no CSRF token
and no cookie (the mail client that calls it has neither); the 256-bit token in the URL
authenticates it, and its body must be ``List-Unsubscribe=One-Click``.
"""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from charter.errors import CharterError
from charter.newsletter.preferences import (
    ONE_CLICK_ROUTE,
    Preferences,
    newsletter_request,
    open_preferences,
    resolve_link,
    set_channel,
    unsubscribe,
)
from charter.newsletter.schemas import (
    CHANNEL_FORM,
    CONFIRM_FORM,
    FALLBACK_MESSAGES,
    FIELD_ORDER,
    NAME_MAX,
    SIGNUP_FORM,
    SignupForm,
)
from charter.newsletter.service import Confirmation, confirm_signup, find_signup, request_signup
from charter.policy.schemas import Channel
from charter.runtime import Runtime
from charter.templating import page, token_page
from charter.web.csrf import check_csrf
from charter.web.forms import (
    FormErrors,
    FormField,
    FormRejected,
    FormSpec,
    FormTooLarge,
    consent_evidence,
    errors_from_validation,
    media_type,
    parse_form,
    read_body,
    read_form,
)
from charter.web.mailer import email_sender
from charter.web.ratelimit import RateLimit, count_request

router = APIRouter(tags=["newsletter"])

SIGNUP_LIMIT = RateLimit("newsletter_signup", limit=5, window=timedelta(minutes=10))
CONFIRM_LIMIT = RateLimit("newsletter_confirm", limit=20, window=timedelta(minutes=10))
PREFERENCES_LIMIT = RateLimit("marketing_preferences", limit=30, window=timedelta(minutes=10))
ACTOR = "public:newsletter"
CHECK_EMAIL_PATH = "/newsletter/check-email"
ONE_CLICK_FIELD = "List-Unsubscribe"
ONE_CLICK_VALUE = "One-Click"
ONE_CLICK_FORM = FormSpec(
    fields=(FormField(ONE_CLICK_FIELD, 16),), max_bytes=4096, honeypot=False, csrf=False
)
CHANNEL_NAMES = {
    Channel.EMAIL: "Email",
    Channel.PHONE: "Phone calls",
    Channel.TEXT: "Text messages",
}


def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


# Sign-up -------------------------------------------------------------------------------------


def _signup_page(
    request: Request,
    *,
    values: dict[str, str] | None = None,
    errors: FormErrors | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    context = {
        "values": values or {},
        "errors": errors or FormErrors(order=FIELD_ORDER),
        "wording": newsletter_request(_runtime(request).policy).wording,
        "name_max": NAME_MAX,
    }
    return page(request, "newsletter/signup.html", context, status_code=status_code)


@router.get("/newsletter", response_class=HTMLResponse, name="newsletter")
def newsletter(request: Request) -> HTMLResponse:
    return _signup_page(request)


@router.post("/newsletter", response_class=HTMLResponse, include_in_schema=False)
async def submit_signup(request: Request) -> Response:
    await count_request(request, SIGNUP_LIMIT)
    submitted = await read_form(request, SIGNUP_FORM)
    check_csrf(request, submitted.csrf_token)
    if submitted.honeypot_filled:
        return RedirectResponse(CHECK_EMAIL_PATH, status_code=303)
    values = dict(submitted.values)
    try:
        form = SignupForm.from_form(values)
    except ValidationError as exc:
        errors = errors_from_validation(exc, order=FIELD_ORDER, fallback=FALLBACK_MESSAGES)
        return _signup_page(request, values=values, errors=errors, status_code=422)
    runtime, sender = _runtime(request), email_sender(request)

    def run() -> bool:
        with runtime.unit() as work:
            return request_signup(work, form, actor=ACTOR, sender=sender)

    await run_in_threadpool(run)
    return RedirectResponse(CHECK_EMAIL_PATH, status_code=303)


@router.get(CHECK_EMAIL_PATH, response_class=HTMLResponse, include_in_schema=False)
def check_email(request: Request) -> HTMLResponse:
    return page(request, "newsletter/check_email.html")


@router.get("/newsletter/confirm/{token}", response_class=HTMLResponse, include_in_schema=False)
def confirm_page(request: Request, token: str) -> HTMLResponse:
    """A button, not an action: fetching the link alone confirms nothing."""
    with _runtime(request).unit(write=False) as work:
        find_signup(work, token)
    return token_page(request, "newsletter/confirm.html", {"token": token})


@router.post("/newsletter/confirm/{token}", include_in_schema=False)
async def confirm(request: Request, token: str) -> Response:
    await count_request(request, CONFIRM_LIMIT)
    submitted = await read_form(request, CONFIRM_FORM)
    check_csrf(request, submitted.csrf_token)
    runtime, sender = _runtime(request), email_sender(request)
    evidence = consent_evidence(request)

    def run() -> Confirmation:
        with runtime.unit() as work:
            return confirm_signup(work, token, evidence=evidence, actor=ACTOR, sender=sender)

    confirmation = await run_in_threadpool(run)
    return RedirectResponse(
        f"/preferences/{confirmation.preferences_token}?confirmed=1", status_code=303
    )


# Unsubscribe and preferences -------------------------------------------------------------------


@router.get("/unsubscribe/{token}", response_class=HTMLResponse, include_in_schema=False)
def unsubscribe_page(request: Request, token: str) -> HTMLResponse:
    """One button that posts the RFC 8058 body; no cookie is set (no CSRF token needed)."""
    with _runtime(request).unit(write=False) as work:
        resolve_link(work, token)
    context = {"token": token, "field": ONE_CLICK_FIELD, "value": ONE_CLICK_VALUE}
    return token_page(request, "newsletter/unsubscribe.html", context)


async def _one_click_body(request: Request) -> str:
    """The ``List-Unsubscribe`` value of an RFC 8058 POST, urlencoded or multipart."""
    kind, _params = media_type(request)
    if kind == "multipart/form-data":
        declared = request.headers.get("content-length")
        if declared is None or not declared.isdigit() or int(declared) > ONE_CLICK_FORM.max_bytes:
            raise FormTooLarge
        try:
            async with request.form(max_files=0, max_fields=4) as data:
                value = data.get(ONE_CLICK_FIELD)
        except CharterError:
            raise
        except Exception:
            raise FormRejected from None
        return value if isinstance(value, str) else ""
    body = await read_body(request, max_bytes=ONE_CLICK_FORM.max_bytes)
    return parse_form(body, ONE_CLICK_FORM)[ONE_CLICK_FIELD]


@router.post("/unsubscribe/{token}", response_class=HTMLResponse, include_in_schema=False)
async def one_click_unsubscribe(request: Request, token: str) -> Response:
    """RFC 8058 one-click: unsubscribed at once, whoever posts it with the token."""
    if await _one_click_body(request) != ONE_CLICK_VALUE:
        raise FormRejected
    runtime = _runtime(request)

    def run() -> None:
        with runtime.unit() as work:
            unsubscribe(work, token, route=ONE_CLICK_ROUTE, evidence={}, actor=ACTOR)

    await run_in_threadpool(run)
    return token_page(request, "newsletter/unsubscribed.html", {"token": token})


@router.get("/preferences/{token}", response_class=HTMLResponse, include_in_schema=False)
def preferences(
    request: Request, token: str, confirmed: str = "", changed: str = ""
) -> HTMLResponse:
    with _runtime(request).unit(write=False) as work:
        current: Preferences = open_preferences(work, token)
    channels = [
        {
            "channel": item.channel.value,
            "name": CHANNEL_NAMES[item.channel],
            "given": item.given,
            "can_give": item.can_give,
            "wording": item.wording,
        }
        for item in current.channels
    ]
    context = {
        "token": token,
        "channels": channels,
        "confirmed": confirmed == "1",
        "changed": changed,
        "erased": current.erased,
    }
    return token_page(request, "newsletter/preferences.html", context)


@router.post("/preferences/{token}", include_in_schema=False)
async def change_preference(request: Request, token: str) -> Response:
    """One channel on or off in one step; the consent ledger records it at once."""
    await count_request(request, PREFERENCES_LIMIT)
    submitted = await read_form(request, CHANNEL_FORM)
    check_csrf(request, submitted.csrf_token)
    channel, action = submitted["channel"], submitted["action"]
    if channel not in {item.value for item in Channel} or action not in ("on", "off"):
        raise FormRejected
    runtime = _runtime(request)
    evidence = consent_evidence(request)

    def run() -> None:
        with runtime.unit() as work:
            set_channel(
                work,
                token,
                channel=channel,
                allow=action == "on",
                evidence=evidence,
                actor=ACTOR,
            )

    await run_in_threadpool(run)
    return RedirectResponse(f"/preferences/{token}?changed={channel}", status_code=303)
