"""Privacy-centre pages: explain the rights, take a request, verify it by email, answer it.

``POST /privacy-centre`` answers with the same redirect whether or not the address is on
file, so the form cannot be used to learn who is a customer (no enumeration). Pages
reached from an email link change nothing on ``GET`` (mail scanners prefetch links); a
button posts, with the CSRF token. They answer ``Cache-Control: no-store`` and
``Referrer-Policy: no-referrer`` because their URL carries a token.
"""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from charter.errors import InvalidInput
from charter.policy.schemas import Channel
from charter.privacy_centre.service import (
    Outcome,
    cancel_by_link,
    check_choice,
    confirm_request,
    open_download,
    open_link,
    submit_request,
    take_download,
)
from charter.rights.models import RequestKind
from charter.runtime import Runtime
from charter.templating import TOKEN_PAGE_HEADERS, page, token_page
from charter.vault.access import RestrictionGround
from charter.vault.identifiers import normalise_email
from charter.web.csrf import check_csrf
from charter.web.forms import (
    FormErrors,
    FormField,
    FormRejected,
    FormSpec,
    consent_evidence,
    read_form,
)
from charter.web.mailer import email_sender
from charter.web.ratelimit import RateLimit, count_request

router = APIRouter(tags=["privacy-centre"])

PATH = "/privacy-centre"
SENT_PATH = "/privacy-centre/check-email"
ACTOR = "public:privacy_centre"
REQUEST_LIMIT = RateLimit("privacy_centre_request", limit=5, window=timedelta(minutes=10))
LINK_LIMIT = RateLimit("privacy_centre_link", limit=20, window=timedelta(minutes=10))
FIELD_ORDER = ("kind", "email", "choice")

REQUEST_FORM = FormSpec(
    fields=(FormField("kind", 24), FormField("email", 254), FormField("choice", 32)),
    max_bytes=4096,
)
LINK_FORM = FormSpec(fields=(FormField("action", 16),), max_bytes=1024, honeypot=False)
DOWNLOAD_FORM = FormSpec(fields=(), max_bytes=1024, honeypot=False)

KIND_LABELS = {
    RequestKind.ACCESS: "Get a copy of my data (access)",
    RequestKind.PORTABILITY: "Get my data in a portable format (portability)",
    RequestKind.RECTIFICATION: "Correct my data (rectification)",
    RequestKind.ERASURE: "Delete my data (erasure)",
    RequestKind.RESTRICTION: "Stop using my data while something is checked (restriction)",
    RequestKind.OBJECTION: "Object to how you use my data (objection)",
    RequestKind.WITHDRAW_CONSENT: "Withdraw every consent I have given",
    RequestKind.CHANGE_CHANNELS: "Stop marketing on one channel",
    RequestKind.COMPLAINT: "Make a complaint about how you handle my data",
}
CHANNEL_LABELS = {Channel.EMAIL: "Email", Channel.PHONE: "Phone calls", Channel.TEXT: "Texts"}
GROUND_LABELS = {
    RestrictionGround.ACCURACY_CONTESTED: "I say my data is wrong, while you check it",
    RestrictionGround.UNLAWFUL_PROCESSING: "You should not use it, but do not delete it",
    RestrictionGround.LEGAL_CLAIMS: "I need it kept for a legal claim",
    RestrictionGround.OBJECTION_PENDING: "I have objected, while you consider it",
}


def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def _centre_page(
    request: Request,
    *,
    values: dict[str, str] | None = None,
    errors: FormErrors | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    context = {
        "rights": _runtime(request).policy.rights,
        "kinds": [(kind.value, label) for kind, label in KIND_LABELS.items()],
        "channels": [(item.value, label) for item, label in CHANNEL_LABELS.items()],
        "grounds": [(item.value, label) for item, label in GROUND_LABELS.items()],
        "values": values or {},
        "errors": errors or FormErrors(order=FIELD_ORDER),
    }
    return page(request, "privacy_centre/centre.html", context, status_code=status_code)


@router.get(PATH, response_class=HTMLResponse, name="privacy_centre")
def centre(request: Request) -> HTMLResponse:
    return _centre_page(request)


def _form_errors(values: dict[str, str]) -> FormErrors:
    """Problems a person can fix; the messages never repeat what was typed."""
    errors = FormErrors(order=FIELD_ORDER)
    try:
        kind = RequestKind(values["kind"])
    except ValueError:
        errors.add("kind", "Choose what you would like us to do.")
        kind = None
    try:
        normalise_email(values["email"])
    except InvalidInput:
        errors.add("email", "Enter the email address you use with us, like name@example.com.")
    if kind is not None:
        try:
            check_choice(kind, values["choice"] or None)
        except InvalidInput as exc:
            errors.add("choice", exc.public_message)
    return errors


@router.post(PATH, response_class=HTMLResponse, include_in_schema=False)
async def submit(request: Request) -> Response:
    """Log the request and email the address on file, if any; the same answer either way."""
    await count_request(request, REQUEST_LIMIT)
    submitted = await read_form(request, REQUEST_FORM)
    check_csrf(request, submitted.csrf_token)
    if submitted.honeypot_filled:
        return RedirectResponse(SENT_PATH, status_code=303)
    values = {name: submitted[name] for name in FIELD_ORDER}
    errors = _form_errors(values)
    if errors:
        return _centre_page(request, values=values, errors=errors, status_code=422)
    runtime, sender = _runtime(request), email_sender(request)

    def run() -> None:
        with runtime.unit() as work:
            submit_request(
                work,
                kind=values["kind"],
                email=values["email"],
                choice=values["choice"] or None,
                actor=ACTOR,
                sender=sender,
            )

    await run_in_threadpool(run)
    return RedirectResponse(SENT_PATH, status_code=303)


@router.get(SENT_PATH, response_class=HTMLResponse, include_in_schema=False)
def check_email(request: Request) -> HTMLResponse:
    return page(request, "privacy_centre/check_email.html", {})


# The verification link -----------------------------------------------------------------


@router.get("/privacy-centre/verify/{token}", response_class=HTMLResponse, include_in_schema=False)
def verify_page(request: Request, token: str) -> HTMLResponse:
    """Two buttons, no action: fetching the link alone confirms or cancels nothing."""
    with _runtime(request).unit(write=False) as work:
        _link, subject_request = open_link(work, token)
        context = {
            "token": token,
            "reference": subject_request.reference,
            "kind_label": KIND_LABELS[RequestKind(subject_request.kind)],
        }
    return token_page(request, "privacy_centre/verify.html", context)


@router.post("/privacy-centre/verify/{token}", response_class=HTMLResponse, include_in_schema=False)
async def verify(request: Request, token: str) -> Response:
    await count_request(request, LINK_LIMIT)
    submitted = await read_form(request, LINK_FORM)
    check_csrf(request, submitted.csrf_token)
    action = submitted["action"]
    if action not in ("confirm", "cancel"):
        raise FormRejected
    runtime, sender = _runtime(request), email_sender(request)
    evidence = consent_evidence(request)

    def run() -> Outcome | str:
        with runtime.unit() as work:
            if action == "cancel":
                return cancel_by_link(work, token, actor=ACTOR).reference
            return confirm_request(work, token, evidence=evidence, actor=ACTOR, sender=sender)

    result = await run_in_threadpool(run)
    if isinstance(result, str):
        return token_page(request, "privacy_centre/cancelled.html", {"reference": result})
    context = {"outcome": result, "kind_label": KIND_LABELS[RequestKind(result.kind)]}
    return token_page(request, "privacy_centre/confirmed.html", context)


# The download link ---------------------------------------------------------------------


@router.get(
    "/privacy-centre/download/{token}", response_class=HTMLResponse, include_in_schema=False
)
def download_page(request: Request, token: str) -> HTMLResponse:
    with _runtime(request).unit(write=False) as work:
        download, subject_request = open_download(work, token)
        context = {
            "token": token,
            "reference": subject_request.reference,
            "expires_at": download.expires_at,
        }
    return token_page(request, "privacy_centre/download.html", context)


@router.post("/privacy-centre/download/{token}", include_in_schema=False)
async def download(request: Request, token: str) -> Response:
    """The zip, once (Art. 15(3)); the sealed copy is deleted as it is handed over."""
    await count_request(request, LINK_LIMIT)
    submitted = await read_form(request, DOWNLOAD_FORM)
    check_csrf(request, submitted.csrf_token)
    runtime = _runtime(request)

    def run() -> tuple[str, bytes]:
        with runtime.unit() as work:
            return take_download(work, token, actor=ACTOR)

    name, package = await run_in_threadpool(run)
    headers = dict(TOKEN_PAGE_HEADERS)
    headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return Response(package, media_type="application/zip", headers=headers)
