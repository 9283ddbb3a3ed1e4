"""The contact form (``/contact``), its special-category check, and consent-record links.

Routes parse and render; ``service.submit_enquiry`` does the work. Every ``POST`` is
CSRF-checked and rate-limited per truncated network before its body is read (the count
commits in its own unit, so a rejected submission still counts). The form follows
post/redirect/get: a successful submission redirects to the thank-you page, an invalid
one re-renders with inline errors and what the person typed (escaped by Jinja's
autoescape, so HTML typed into a field stays text).
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from charter.audit import service as audit
from charter.consent.records import consent_record
from charter.enquiries.receipts import check_consent_record_token
from charter.enquiries.schemas import (
    CONFIRMED_SPECIAL_FIELD,
    CONTACT_FORM,
    FALLBACK_MESSAGES,
    FIELD_ORDER,
    MARKETING_FIELDS,
    MESSAGE_MAX,
    NAME_MAX,
    PHONE_MAX,
    TITLES,
    EnquiryForm,
    EnquiryReceipt,
)
from charter.enquiries.service import (
    CHANNEL_LABELS,
    SpecialCategoryRejected,
    SpecialCategoryWarning,
    marketing_opt_ins,
    screen_message,
    submit_enquiry,
)
from charter.errors import NotFound
from charter.runtime import Runtime
from charter.templating import page
from charter.web.csrf import check_csrf
from charter.web.forms import (
    MAX_FORM_BYTES,
    FormErrors,
    FormRejected,
    UnsupportedForm,
    consent_evidence,
    errors_from_validation,
    media_type,
    read_body,
    read_form,
    text_is_clean,
)
from charter.web.mailer import email_sender
from charter.web.ratelimit import RateLimit, count_request

router = APIRouter(tags=["enquiries"])

#: Submissions per truncated network per window; a small firm gets a few a day.
CONTACT_LIMIT = RateLimit("contact_form", limit=10, window=timedelta(minutes=10))
#: The page's script screens once per submit attempt.
SCREEN_LIMIT = RateLimit("contact_screen", limit=60, window=timedelta(minutes=10))
ACTOR = "public:contact_form"
THANKS_PATH = "/contact/thanks"
_RECORD_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def _contact_page(
    request: Request,
    *,
    values: dict[str, str] | None = None,
    errors: FormErrors | None = None,
    warning: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    opt_ins = [
        {
            "channel": channel.value,
            "label": CHANNEL_LABELS[channel],
            "name": MARKETING_FIELDS[channel],
            "wording": request_.wording,
        }
        for channel, request_ in marketing_opt_ins(_runtime(request).policy).items()
    ]
    context: dict[str, Any] = {
        "values": values or {},
        "errors": errors or FormErrors(order=FIELD_ORDER),
        "warning": warning,
        "opt_ins": opt_ins,
        "titles": TITLES,
        "limits": {"name": NAME_MAX, "phone": PHONE_MAX, "message": MESSAGE_MAX},
        "confirmed_field": CONFIRMED_SPECIAL_FIELD,
        "special_mode": _runtime(request).settings.special_category_mode,
    }
    return page(request, "enquiries/contact.html", context, status_code=status_code)


@router.get("/contact", response_class=HTMLResponse, name="contact")
def contact(request: Request) -> HTMLResponse:
    return _contact_page(request)


@router.post("/contact", response_class=HTMLResponse, include_in_schema=False)
async def submit_contact(request: Request) -> Response:
    await count_request(request, CONTACT_LIMIT)
    submitted = await read_form(request, CONTACT_FORM)
    check_csrf(request, submitted.csrf_token)
    if submitted.honeypot_filled:
        # A bot filled the hidden field: look like success, keep nothing.
        return RedirectResponse(THANKS_PATH, status_code=303)
    values = dict(submitted.values)
    try:
        form = EnquiryForm.from_form(values)
    except ValidationError as exc:
        errors = errors_from_validation(exc, order=FIELD_ORDER, fallback=FALLBACK_MESSAGES)
        return _contact_page(request, values=values, errors=errors, status_code=422)
    runtime = _runtime(request)
    sender = email_sender(request)
    evidence = consent_evidence(request)

    def run() -> EnquiryReceipt:
        with runtime.unit() as work:
            return submit_enquiry(work, form, evidence=evidence, actor=ACTOR, sender=sender)

    try:
        await run_in_threadpool(run)
    except SpecialCategoryWarning as warning:
        values[CONFIRMED_SPECIAL_FIELD] = "1"  # sending again means "send it anyway"
        return _contact_page(request, values=values, warning=warning.public_message)
    except SpecialCategoryRejected as refusal:
        errors = FormErrors(order=FIELD_ORDER)
        errors.add("message", refusal.public_message)
        values[CONFIRMED_SPECIAL_FIELD] = ""
        return _contact_page(request, values=values, errors=errors, status_code=422)
    return RedirectResponse(THANKS_PATH, status_code=303)


@router.get(THANKS_PATH, response_class=HTMLResponse, include_in_schema=False)
def thanks(request: Request) -> HTMLResponse:
    return page(request, "enquiries/thanks.html")


@router.post("/contact/screen", include_in_schema=False)
async def screen(request: Request) -> JSONResponse:
    """The page script's check before submitting: ``{"message": "..."}`` in, whether to
    warn out. CSRF-checked by the ``X-CSRF-Token`` header; nothing is stored."""
    await count_request(request, SCREEN_LIMIT)
    kind, _params = media_type(request)
    if kind != "application/json":
        raise UnsupportedForm
    body = await read_body(request, max_bytes=MAX_FORM_BYTES)
    check_csrf(request, request.headers.get("x-csrf-token"))
    try:
        document = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise FormRejected from None
    if not isinstance(document, dict) or set(document) != {"message"}:
        raise FormRejected
    message = document["message"]
    if not isinstance(message, str) or len(message) > MESSAGE_MAX:
        raise FormRejected
    if not text_is_clean(message, multiline=True):
        raise FormRejected
    result = await run_in_threadpool(screen_message, message)
    return JSONResponse(result.model_dump(), headers={"Cache-Control": "no-store"})


@router.get("/consent-records/{record_id}", include_in_schema=False)
def download_consent_record(request: Request, record_id: str, token: str = "") -> JSONResponse:
    """The whole ISO/IEC TS 27560 record behind a receipt link (Art. 7(1)); audited as
    ``consent.viewed``. A wrong token answers exactly like an unknown record."""
    if not _RECORD_ID.match(record_id):
        raise NotFound("No consent record has that id.")
    with _runtime(request).unit() as work:
        check_consent_record_token(work, record_id, token)
        record = consent_record(work, record_id)
        audit.record(
            work,
            actor="public:consent_record_link",
            action="consent.viewed",
            subject_ref=record["pii_principal_id"],
            detail={"record_id": record_id},
        )
    return JSONResponse(
        record,
        headers={
            "Content-Disposition": f'attachment; filename="consent-record-{record_id}.json"',
            "Cache-Control": "no-store",
            "Referrer-Policy": "no-referrer",
        },
    )
