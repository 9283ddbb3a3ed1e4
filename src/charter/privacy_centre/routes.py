"""Privacy-centre pages: explain the rights, take a request, verify it by email (or by a
code texted to the phone on file), answer it.

``POST /privacy-centre`` answers with the same redirect whether or not the address (or
number) is on file, so the form cannot be used to learn who is a customer (no
enumeration): to the "check your email" page, or to a code page with a fresh token. Pages
reached from an email link change nothing on ``GET`` (mail scanners prefetch links); a
button posts, with the CSRF token. They answer ``Cache-Control: no-store`` and
``Referrer-Policy: no-referrer`` because their URL carries a token.
"""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool

from charter.errors import InvalidInput
from charter.policy.schemas import Channel
from charter.privacy_centre.cooling_off import cancel_erasure, open_cancel_link
from charter.privacy_centre.deferred import DeferredMessages
from charter.privacy_centre.packages import open_download, take_download
from charter.privacy_centre.service import (
    Outcome,
    cancel_by_link,
    check_choice,
    confirm_request,
    open_link,
    submit_request,
)
from charter.privacy_centre.texts import (
    MAX_ATTEMPTS,
    CodeRefused,
    enter_code,
    open_code_page,
    submit_text_request,
)
from charter.rights.models import ObjectionScope, RequestKind
from charter.runtime import Runtime
from charter.sms.sender import TextSender, build_text_sender
from charter.templating import TOKEN_PAGE_HEADERS, page, token_page
from charter.vault.access import RestrictionGround
from charter.vault.identifiers import normalise_email, normalise_phone
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
FIELD_ORDER = ("kind", "email", "phone", "by_text", "choice", "object_to")
CODE_PATH = "/privacy-centre/code/{token}"

REQUEST_FORM = FormSpec(
    fields=(
        FormField("kind", 24),
        FormField("email", 254),
        FormField("phone", 32),
        FormField("by_text", 8),
        FormField("choice", 32),
        FormField("object_to", 32),
    ),
    max_bytes=4096,
)
LINK_FORM = FormSpec(fields=(FormField("action", 16),), max_bytes=1024, honeypot=False)
CODE_FORM = FormSpec(fields=(FormField("code", 16),), max_bytes=1024, honeypot=False)
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
OBJECTION_LABELS = {
    ObjectionScope.DIRECT_MARKETING: "Direct marketing: stop all of it (done at once)",
    ObjectionScope.LEGITIMATE_INTERESTS: "Another use based on your legitimate interests",
}
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
        "objections": [(item.value, label) for item, label in OBJECTION_LABELS.items()],
        "values": values or {},
        "errors": errors or FormErrors(order=FIELD_ORDER),
    }
    return page(request, "privacy_centre/centre.html", context, status_code=status_code)


@router.get(PATH, response_class=HTMLResponse, name="privacy_centre")
def centre(request: Request) -> HTMLResponse:
    return _centre_page(request)


def _choice(values: dict[str, str]) -> str | None:
    """The kind-specific option: what is objected to, or the channel to stop."""
    if values["kind"] == RequestKind.OBJECTION.value:
        return values["object_to"] or None
    return values["choice"] or None


def _by_text(values: dict[str, str]) -> bool:
    return bool(values["phone"]) or values["by_text"] == "yes"


def _form_errors(values: dict[str, str]) -> FormErrors:
    """Problems a person can fix; the messages never repeat what was typed."""
    errors = FormErrors(order=FIELD_ORDER)
    try:
        kind = RequestKind(values["kind"])
    except ValueError:
        errors.add("kind", "Choose what you would like us to do.")
        kind = None
    if values["by_text"] not in ("", "yes"):
        errors.add("by_text", "Tick the box, or leave it empty.")
    if values["phone"]:
        try:
            normalise_phone(values["phone"])
        except InvalidInput:
            errors.add("phone", "Enter the phone number you use with us, like 07700 900123.")
    elif not values["email"]:
        errors.add("email", "Enter the email address (or phone number) you use with us.")
    if values["email"]:
        try:
            normalise_email(values["email"])
        except InvalidInput:
            errors.add("email", "Enter the email address you use with us, like name@example.com.")
    if kind is not None:
        try:
            check_choice(kind, _choice(values))
        except InvalidInput as exc:
            errors.add(
                "object_to" if kind is RequestKind.OBJECTION else "choice", exc.public_message
            )
    return errors


def text_sender(request: Request) -> TextSender:
    """The installation's text sender (``app.state.text_sender``), else one built from the
    settings and kept on the app."""
    sender: TextSender | None = getattr(request.app.state, "text_sender", None)
    if sender is None:
        sender = build_text_sender(_runtime(request).settings)
        request.app.state.text_sender = sender
    return sender


@router.post(PATH, response_class=HTMLResponse, include_in_schema=False)
async def submit(request: Request) -> Response:
    """Log the request and email (or text) the person on file, if any; the same answer
    either way."""
    await count_request(request, REQUEST_LIMIT)
    submitted = await read_form(request, REQUEST_FORM)
    check_csrf(request, submitted.csrf_token)
    if submitted.honeypot_filled:
        return RedirectResponse(SENT_PATH, status_code=303)
    values = {name: submitted[name] for name in FIELD_ORDER}
    errors = _form_errors(values)
    if errors:
        return _centre_page(request, values=values, errors=errors, status_code=422)
    runtime = _runtime(request)
    by_text = _by_text(values)
    # Sent after the reply, so known and unknown people get it in the same time
    # (privacy_centre.deferred).
    queue = DeferredMessages(email_sender(request), text_sender(request) if by_text else None)

    def run() -> str:
        with runtime.unit() as work:
            if by_text:
                token = submit_text_request(
                    work,
                    kind=values["kind"],
                    email=values["email"] or None,
                    phone=values["phone"] or None,
                    choice=_choice(values),
                    actor=ACTOR,
                    text_sender=queue.texts_sender(),
                )
                return CODE_PATH.format(token=token)
            submit_request(
                work,
                kind=values["kind"],
                email=values["email"],
                choice=_choice(values),
                actor=ACTOR,
                sender=queue,
            )
            return SENT_PATH

    location = await run_in_threadpool(run)
    return RedirectResponse(location, status_code=303, background=BackgroundTask(queue.deliver))


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
    runtime, sender, texts = _runtime(request), email_sender(request), text_sender(request)
    evidence = consent_evidence(request)

    def run() -> Outcome | str:
        with runtime.unit() as work:
            if action == "cancel":
                return cancel_by_link(work, token, actor=ACTOR).reference
            return confirm_request(
                work, token, evidence=evidence, actor=ACTOR, sender=sender, text_sender=texts
            )

    result = await run_in_threadpool(run)
    if isinstance(result, str):
        return token_page(request, "privacy_centre/cancelled.html", {"reference": result})
    return _confirmed(request, result)


def _confirmed(request: Request, outcome: Outcome) -> HTMLResponse:
    context = {"outcome": outcome, "kind_label": KIND_LABELS[RequestKind(outcome.kind)]}
    return token_page(request, "privacy_centre/confirmed.html", context)


# The texted code ------------------------------------------------------------------------


def _code_page(
    request: Request, token: str, reference: str, *, error: str | None = None, status: int = 200
) -> HTMLResponse:
    context = {"token": token, "reference": reference, "error": error, "attempts": MAX_ATTEMPTS}
    return token_page(request, "privacy_centre/code.html", context, status_code=status)


@router.get("/privacy-centre/code/{token}", response_class=HTMLResponse, include_in_schema=False)
def code_page(request: Request, token: str) -> HTMLResponse:
    """The same page whether or not a text was sent (no enumeration)."""
    with _runtime(request).unit(write=False) as work:
        _link, subject_request = open_code_page(work, token)
        reference = subject_request.reference
    return _code_page(request, token, reference)


@router.post("/privacy-centre/code/{token}", response_class=HTMLResponse, include_in_schema=False)
async def code(request: Request, token: str) -> Response:
    await count_request(request, LINK_LIMIT)
    submitted = await read_form(request, CODE_FORM)
    check_csrf(request, submitted.csrf_token)
    runtime, sender, texts = _runtime(request), email_sender(request), text_sender(request)
    evidence = consent_evidence(request)

    def run() -> Outcome | CodeRefused:
        with runtime.unit() as work:
            return enter_code(
                work,
                token,
                submitted["code"],
                evidence=evidence,
                actor=ACTOR,
                sender=sender,
                text_sender=texts,
            )

    result = await run_in_threadpool(run)
    if isinstance(result, CodeRefused):
        if result.attempts_left == 0:
            message = "That code is not right. This request is now locked: make a new one."
        else:
            message = f"That code is not right. You have {result.attempts_left} tries left."
        return _code_page(request, token, result.reference, error=message, status=422)
    return _confirmed(request, result)


# Cancelling an erasure during its cooling-off period ------------------------------------


@router.get("/privacy-centre/cancel/{token}", response_class=HTMLResponse, include_in_schema=False)
def cancel_page(request: Request, token: str) -> HTMLResponse:
    """One button, no action on GET (mail scanners prefetch links)."""
    with _runtime(request).unit(write=False) as work:
        _link, subject_request = open_cancel_link(work, token)
        context = {
            "token": token,
            "reference": subject_request.reference,
            "until": subject_request.cooling_off_until,
        }
    return token_page(request, "privacy_centre/cancel.html", context)


@router.post("/privacy-centre/cancel/{token}", response_class=HTMLResponse, include_in_schema=False)
async def cancel(request: Request, token: str) -> Response:
    await count_request(request, LINK_LIMIT)
    submitted = await read_form(request, DOWNLOAD_FORM)
    check_csrf(request, submitted.csrf_token)
    runtime = _runtime(request)

    def run() -> str:
        with runtime.unit() as work:
            return cancel_erasure(work, token, actor=ACTOR).reference

    reference = await run_in_threadpool(run)
    return token_page(request, "privacy_centre/cancelled.html", {"reference": reference})


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
