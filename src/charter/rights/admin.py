"""Staff console pages for data-subject requests: the queue and one request's handling.

Routes parse and render; ``rights.service``, ``erasure.service`` and ``exports.service``
do the work, and every status change is audited by ``rights.workflow.advance``.

    action                               staff   privacy_officer   admin
    queue, detail, verify (on file),       x           x             x
    extend, refuse, fulfil (not erasure),
    rectify (Art. 16), decide objection
    (Art. 21), complaints (s.164A)
    verify by a weaker check (downgrade)               x
    approve erasure (Art. 17)                          x
    download access package (Art. 15)                  x

The queue is sorted by due date (Art. 12(3): one month, extendable once by two) and
flags overdue requests. Verification records how identity was checked (``staff_on_file``)
in the audit log. Erasure is approved only by a privacy officer, after seeing what is
erased and what the law requires us to keep (Art. 17(3)(b)); the erasure and closing the
request happen in one unit of work, and not before the cooling-off period ends.
Extending a request emails the reasons to the person (Art. 12(3)). A rectification shows
what is held (an audited read under ``rights_requests``; for a restricted person only to
a privacy officer, Art. 18(2)) and queues the Art. 19 notices to recipients.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from charter.erasure.service import erase_subject, plan_erasure
from charter.errors import Conflict, InvalidInput
from charter.exports.service import build_access_package
from charter.rights import complaints, objections, rectification, service
from charter.rights.models import CLOSED_STATUSES, RequestKind, RequestStatus, SubjectRequest
from charter.rights.workflow import subject_ref
from charter.runtime import Work
from charter.staff.routes import AnyStaff, ConsoleRoute, PrivacyOfficer
from charter.staff.schemas import Role
from charter.templating import page
from charter.vault.models import Subject
from charter.web.csrf import check_csrf
from charter.web.forms import FormField, FormSpec, SubmittedForm, read_form
from charter.web.mailer import email_sender

router = APIRouter(tags=["staff console"], route_class=ConsoleRoute)

NOTE_FORM = FormSpec(fields=(FormField("note", 500, multiline=True),), honeypot=False)
CHECK_FORM = FormSpec(fields=(FormField("check", 64), FormField("reason", 64)), honeypot=False)
#: How staff may confirm identity (Art. 12(6); ICO guidance), recorded as a code so no
#: free text, and no document number, reaches the audit log.
IDENTITY_CHECKS = {**service.ON_FILE_CHECKS, **service.DOWNGRADED_CHECKS}
RECTIFY_FORM = FormSpec(
    fields=(FormField("field", 64), FormField("value", 500, multiline=True)), honeypot=False
)
DECISION_FORM = FormSpec(
    fields=(FormField("decision", 24), FormField("note", 500, multiline=True)), honeypot=False
)
EMPTY_FORM = FormSpec(fields=(), honeypot=False)
#: Statuses from which a request can be completed.
ANSWERABLE = frozenset({RequestStatus.VERIFIED, RequestStatus.IN_PROGRESS})


async def _form(request: Request, spec: FormSpec) -> SubmittedForm:
    form = await read_form(request, spec)
    check_csrf(request, form.csrf_token)
    return form


def _back(reference: str) -> Response:
    return RedirectResponse(f"/admin/requests/{reference}", status_code=303)


def _subject(work: Work, found: SubjectRequest) -> Subject:
    subject = None if found.subject_id is None else work.session.get(Subject, found.subject_id)
    if subject is None:
        raise Conflict("This request is not matched to a person yet.")
    return subject


@router.get("/admin/requests")
def queue(request: Request, staff: AnyStaff) -> Response:
    with request.app.state.runtime.unit(write=False) as work:
        rows = [(r, service.is_request_overdue(work, r)) for r in service.open_requests(work)]
        unacknowledged = complaints.awaiting_acknowledgement(work)
    context = {"staff": staff, "rows": rows, "unacknowledged": unacknowledged}
    return page(request, "rights/queue.html", context)


@router.get("/admin/requests/{reference}")
def detail(request: Request, reference: str, staff: AnyStaff) -> Response:
    """A write unit: viewing a rectification shows personal data, and that read is
    audited (Art. 5(2))."""
    with request.app.state.runtime.unit() as work:
        found = service.find_request(work, reference)
        plan = None
        is_officer = staff.role is Role.PRIVACY_OFFICER
        answerable = RequestStatus(found.status) in ANSWERABLE
        if found.kind == RequestKind.ERASURE.value and is_officer and answerable:
            plan = plan_erasure(work, _subject(work, found))
        held: dict[str, str] | None = None
        if found.kind == RequestKind.RECTIFICATION.value and answerable:
            subject = _subject(work, found)
            if subject.restricted_at is None or is_officer:
                held = rectification.current_values(work, found, actor=staff.actor)
        cooling_off_until = service.cooling_off_ends(found)
        context: dict[str, Any] = {
            "staff": staff,
            "found": found,
            "history": service.request_history(work, found),
            "overdue": service.is_request_overdue(work, found),
            "subject_ref": subject_ref(work, found),
            "plan": plan,
            "is_officer": is_officer,
            "open": RequestStatus(found.status) not in CLOSED_STATUSES,
            "answerable": answerable,
            "is_erasure": found.kind == RequestKind.ERASURE.value,
            "is_access": RequestKind(found.kind) in service.ACCESS_KINDS,
            "identity_checks": IDENTITY_CHECKS,
            "downgraded_checks": service.DOWNGRADED_CHECKS,
            "downgrade_reasons": service.DOWNGRADE_REASONS,
            "cooling_off_until": cooling_off_until,
            "cooling_off_over": cooling_off_until is None or work.now() >= cooling_off_until,
            "held": held,
            "rectifiable_fields": rectification.rectifiable_fields(work),
            "complaint_outcomes": complaints.COMPLAINT_OUTCOMES,
            "acknowledge_by": (
                complaints.acknowledge_by(work, found)
                if found.kind == RequestKind.COMPLAINT.value
                else None
            ),
            "notified": request.query_params.get("notified"),
        }
    return page(request, "rights/request.html", context)


@router.post("/admin/requests/{reference}/verify")
async def verify(request: Request, reference: str, staff: AnyStaff) -> Response:
    """Art. 12(6): identity checked by staff against what is on file; how it was checked
    is recorded as one of :data:`IDENTITY_CHECKS` (no free text, no document numbers). A
    weaker check is a privacy officer's decision, with a reason code, audited apart."""
    form = await _form(request, CHECK_FORM)
    if form["check"] not in IDENTITY_CHECKS:
        raise InvalidInput("Choose how you checked the person's identity against our records.")
    sender = email_sender(request)

    def run() -> None:
        with request.app.state.runtime.unit() as work:
            found = service.find_request(work, reference)
            service.verify_by_staff(
                work,
                found,
                check=form["check"],
                actor=staff.actor,
                is_privacy_officer=staff.role is Role.PRIVACY_OFFICER,
                downgrade_reason=form["reason"] or None,
            )
            if found.kind == RequestKind.COMPLAINT.value:  # s.164A(3), at once
                complaints.acknowledge_complaint(work, found, actor=staff.actor, sender=sender)

    await run_in_threadpool(run)
    return _back(reference)


@router.post("/admin/requests/{reference}/extend")
async def extend(request: Request, reference: str, staff: AnyStaff) -> Response:
    """Art. 12(3): the reasons are emailed to the person's address on file at once."""
    form = await _form(request, NOTE_FORM)
    sender = email_sender(request)

    def run() -> None:
        with request.app.state.runtime.unit() as work:
            found = service.find_request(work, reference)
            service.extend_request(
                work, found, reason=form["note"], actor=staff.actor, sender=sender
            )

    await run_in_threadpool(run)
    return _back(reference)


@router.post("/admin/requests/{reference}/rectify")
async def rectify(request: Request, reference: str, staff: AnyStaff) -> Response:
    """Art. 16: replace one declared field's value, then queue the Art. 19 notices."""
    form = await _form(request, RECTIFY_FORM)

    def run() -> int:
        with request.app.state.runtime.unit() as work:
            found = service.find_request(work, reference)
            if _subject(work, found).restricted_at is not None and staff.role is not (
                Role.PRIVACY_OFFICER
            ):
                raise Conflict("Only a privacy officer handles a restricted person's data.")
            done = rectification.rectify(
                work, found, field=form["field"], value=form["value"], actor=staff.actor
            )
            return len(done.recipients_notified)

    notified = await run_in_threadpool(run)
    return RedirectResponse(f"/admin/requests/{reference}?notified={notified}", status_code=303)


@router.post("/admin/requests/{reference}/objection")
async def decide_objection(request: Request, reference: str, staff: AnyStaff) -> Response:
    """Art. 21: ``stop_marketing`` (absolute, Art. 21(3)), ``upheld`` or
    ``compelling_grounds`` with the reason (Art. 21(1)); the person is told."""
    form = await _form(request, DECISION_FORM)
    sender = email_sender(request)

    def run() -> None:
        with request.app.state.runtime.unit() as work:
            found = service.find_request(work, reference)
            if form["decision"] == "stop_marketing":
                objections.object_to_direct_marketing(
                    work,
                    found,
                    evidence={"method": "staff"},
                    actor=staff.actor,
                    sender=sender,
                )
                return
            objections.decide_objection(
                work,
                found,
                decision=form["decision"],
                reason=form["note"] or None,
                actor=staff.actor,
                sender=sender,
            )

    await run_in_threadpool(run)
    return _back(reference)


@router.post("/admin/requests/{reference}/acknowledge")
async def acknowledge(request: Request, reference: str, staff: AnyStaff) -> Response:
    """DPA 2018 s.164A(3): acknowledge a complaint (within 30 days)."""
    await _form(request, EMPTY_FORM)
    sender = email_sender(request)

    def run() -> None:
        with request.app.state.runtime.unit() as work:
            found = service.find_request(work, reference)
            complaints.acknowledge_complaint(work, found, actor=staff.actor, sender=sender)

    await run_in_threadpool(run)
    return _back(reference)


@router.post("/admin/requests/{reference}/complaint-outcome")
async def complaint_outcome(request: Request, reference: str, staff: AnyStaff) -> Response:
    """DPA 2018 s.164A(5): record the outcome; the person is told it, with the ICO text."""
    form = await _form(request, DECISION_FORM)
    sender = email_sender(request)

    def run() -> None:
        with request.app.state.runtime.unit() as work:
            found = service.find_request(work, reference)
            complaints.record_outcome(
                work,
                found,
                outcome=form["decision"],
                note=form["note"] or None,
                actor=staff.actor,
                sender=sender,
            )

    await run_in_threadpool(run)
    return _back(reference)


@router.post("/admin/requests/{reference}/refuse")
async def refuse(request: Request, reference: str, staff: AnyStaff) -> Response:
    form = await _form(request, NOTE_FORM)

    def run() -> None:
        with request.app.state.runtime.unit() as work:
            found = service.find_request(work, reference)
            service.refuse_request(work, found, reason=form["note"], actor=staff.actor)

    await run_in_threadpool(run)
    return _back(reference)


@router.post("/admin/requests/{reference}/fulfil")
async def fulfil(request: Request, reference: str, staff: AnyStaff) -> Response:
    """Erasure requests are closed only by :func:`approve_erasure` (Art. 17)."""
    form = await _form(request, NOTE_FORM)

    def run() -> None:
        with request.app.state.runtime.unit() as work:
            found = service.find_request(work, reference)
            if found.kind == RequestKind.ERASURE.value:
                raise Conflict("A privacy officer approves an erasure request to close it.")
            if found.kind == RequestKind.COMPLAINT.value:
                raise Conflict("Record the complaint's outcome to close it (s.164A).")
            service.fulfil_request(
                work, found, actor=staff.actor, outcome_note=form["note"] or None
            )

    await run_in_threadpool(run)
    return _back(reference)


@router.post("/admin/requests/{reference}/erase")
async def approve_erasure(request: Request, reference: str, staff: PrivacyOfficer) -> Response:
    """Art. 17: erase (keeping only statutory records, Art. 17(3)(b)), then close the
    request, in one unit of work; a DPA 2018 s.173 hold refuses and changes nothing."""
    await _form(request, EMPTY_FORM)

    def run() -> None:
        with request.app.state.runtime.unit() as work:
            found = service.find_request(work, reference)
            if found.kind != RequestKind.ERASURE.value:
                raise Conflict("This is not an erasure request.")
            if RequestStatus(found.status) not in ANSWERABLE:
                raise Conflict("Verify the request before approving the erasure.")
            service.check_erasure_may_proceed(work, found)
            receipt = erase_subject(
                work, _subject(work, found), actor=staff.actor, request_reference=found.reference
            )
            service.fulfil_request(
                work, found, actor=staff.actor, outcome_note=f"erasure {receipt.outcome.value}"
            )

    await run_in_threadpool(run)
    return _back(reference)


@router.get("/admin/requests/{reference}/package")
def download_package(request: Request, reference: str, staff: PrivacyOfficer) -> Response:
    """Art. 15 (or Art. 20 for portability): the person's package as a zip; building it
    is audited by ``exports.service``."""
    with request.app.state.runtime.unit() as work:
        found = service.find_request(work, reference)
        kind = RequestKind(found.kind)
        if kind not in service.ACCESS_KINDS:
            raise Conflict("Only access and portability requests have a package.")
        if RequestStatus(found.status) not in ANSWERABLE:
            raise Conflict("Verify the request before preparing its package.")
        data = build_access_package(
            work,
            _subject(work, found),
            actor=staff.actor,
            portability=kind is RequestKind.PORTABILITY,
        )
    return Response(
        data,
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{found.reference}.zip"'},
    )
