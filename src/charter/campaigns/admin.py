"""Staff console pages of the campaigns feature: list, create, preview, send.

Routes parse and render; ``campaigns.service`` does the work and the auditing. Only a
privacy officer or an admin reaches these pages (marketing is where consent law bites
hardest, PECR regs 21-22; least privilege, Art. 25(2)); every POST is CSRF-checked. The
pages show counts by reason code and outbox row ids, never a person's details.

    page                                   staff   privacy_officer   admin
    /admin/campaigns (list, create)                       x             x
    /admin/campaigns/{id} (preview, send,                 x             x
      a phone campaign's call list)
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from charter.campaigns import service
from charter.campaigns.gate import MESSAGE_CHANNELS
from charter.campaigns.schemas import MAX_SUBJECT_LINE, MAX_TEXT, MAX_TITLE, AudiencePreview
from charter.policy.schemas import Purpose
from charter.runtime import Runtime
from charter.sms.sender import TextSender
from charter.staff.routes import ConsoleRoute, Officer
from charter.staff.schemas import SignedIn
from charter.templating import page
from charter.web.csrf import check_csrf
from charter.web.forms import FormField, FormSpec, SubmittedForm, read_form

router = APIRouter(tags=["staff console"], route_class=ConsoleRoute)

CREATE_FORM = FormSpec(
    fields=(
        FormField("title", MAX_TITLE),
        FormField("purpose", 64),
        FormField("channel", 16),
        FormField("subject_line", MAX_SUBJECT_LINE),
        FormField("text", MAX_TEXT, multiline=True),
        FormField("html", MAX_TEXT, multiline=True),
    ),
    honeypot=False,
)
EMPTY_FORM = FormSpec(fields=(), honeypot=False)
#: Shown instead of bare codes (the codes are in ``gate.Reason``).
REASON_LABELS = {
    "given": "Consent given",
    "erased": "Erased (Art. 17)",
    "restricted": "Processing restricted (Art. 18)",
    "objecting": "Objected to direct marketing (Art. 21)",
    "no_consent": "No consent on this channel",
    "withdrawn": "Consent withdrawn",
    "needs_renewal": "Consent needs renewing after a policy change",
    "channel_not_declared": "Channel not declared for the purpose",
    "suppressed": "Address unsubscribed (suppression list)",
    "no_contact": "No address or number on file",
}


def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def _text_sender(request: Request) -> TextSender | None:
    """The app's text gateway if it has one; else the service builds it from the settings."""
    sender: TextSender | None = getattr(request.app.state, "text_sender", None)
    return sender


async def _form(request: Request, spec: FormSpec) -> SubmittedForm:
    form = await read_form(request, spec)
    check_csrf(request, form.csrf_token)
    return form


def _marketing_purposes(runtime: Runtime) -> list[Purpose]:
    return [purpose for purpose in runtime.policy.purposes if purpose.marketing]


@router.get("/admin/campaigns")
def campaigns_page(request: Request, staff: Officer) -> Response:
    with _runtime(request).unit(write=False) as work:
        campaigns = service.list_campaigns(work)
    context = {
        "staff": staff,
        "campaigns": campaigns,
        "purposes": _marketing_purposes(_runtime(request)),
        "channels": MESSAGE_CHANNELS,
    }
    return page(request, "campaigns/list.html", context)


@router.post("/admin/campaigns")
async def create(request: Request, staff: Officer) -> Response:
    form = await _form(request, CREATE_FORM)

    def run() -> int:
        with _runtime(request).unit() as work:
            campaign = service.create_campaign(
                work,
                title=form["title"],
                purpose=form["purpose"],
                channel=form["channel"],
                subject_line=form["subject_line"],
                text=form["text"],
                html=form["html"] or None,
                actor=staff.actor,
            )
            return campaign.id

    campaign_id = await run_in_threadpool(run)
    return RedirectResponse(f"/admin/campaigns/{campaign_id}", status_code=303)


def _detail(
    request: Request,
    staff: SignedIn,
    campaign_id: int,
    preview: AudiencePreview | None,
    calls: list[service.CallListEntry] | None = None,
) -> Response:
    with _runtime(request).unit(write=False) as work:
        campaign = service.find_campaign(work, campaign_id)
        context = {
            "staff": staff,
            "campaign": campaign,
            "refused": service.refused_by_reason(work, campaign_id),
            "messages": service.campaign_messages(work, campaign_id),
            "preview": preview,
            "calls": calls,
            "labels": REASON_LABELS,
        }
    return page(request, "campaigns/detail.html", context)


@router.get("/admin/campaigns/{campaign_id}")
def detail(request: Request, campaign_id: int, staff: Officer) -> Response:
    return _detail(request, staff, campaign_id, None)


@router.post("/admin/campaigns/{campaign_id}/preview")
async def preview(request: Request, campaign_id: int, staff: Officer) -> Response:
    """Who it would reach now, by reason: nothing recorded or sent (the preview and the
    address reads it needs for the suppression list are audited)."""
    await _form(request, EMPTY_FORM)

    def run() -> AudiencePreview:
        with _runtime(request).unit() as work:
            return service.preview_audience(work, campaign_id, actor=staff.actor)

    found = await run_in_threadpool(run)
    return _detail(request, staff, campaign_id, found)


@router.post("/admin/campaigns/{campaign_id}/calls")
async def calls(request: Request, campaign_id: int, staff: Officer) -> Response:
    """A phone campaign's call list, re-checked now; shows numbers, so it is a POST whose
    reads are audited, and the page is never cached (``ConsoleRoute``)."""
    await _form(request, EMPTY_FORM)

    def run() -> list[service.CallListEntry]:
        with _runtime(request).unit() as work:
            return service.call_list(work, campaign_id, actor=staff.actor)

    entries = await run_in_threadpool(run)
    return _detail(request, staff, campaign_id, None, entries)


@router.post("/admin/campaigns/{campaign_id}/send")
async def send(request: Request, campaign_id: int, staff: Officer) -> Response:
    """Record the audience, then send each allowed message once (see the service)."""
    await _form(request, EMPTY_FORM)
    email_sender = request.app.state.email_sender
    text_sender = _text_sender(request)

    def run() -> None:
        service.send_campaign(
            _runtime(request),
            campaign_id,
            actor=staff.actor,
            email_sender=email_sender,
            text_sender=text_sender,
        )

    await run_in_threadpool(run)
    return RedirectResponse(f"/admin/campaigns/{campaign_id}", status_code=303)
