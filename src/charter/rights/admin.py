"""Staff console pages for data-subject requests: the queue and one request's handling.

Routes parse and render; ``rights.service``, ``erasure.service`` and ``exports.service``
do the work, and every status change is audited by ``rights.workflow.advance``.

    action                               staff   privacy_officer   admin
    queue, detail, verify, extend,         x           x             x
    refuse, fulfil (not erasure)
    approve erasure (Art. 17)                          x
    download access package (Art. 15)                  x

The queue is sorted by due date (Art. 12(3): one month, extendable once by two) and
flags overdue requests. Verification records how identity was checked (``staff_on_file``)
in the audit log. Erasure is approved only by a privacy officer, after seeing what is
erased and what the law requires us to keep (Art. 17(3)(b)); the erasure and closing the
request happen in one unit of work.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from charter.audit import service as audit
from charter.erasure.service import erase_subject, plan_erasure
from charter.errors import Conflict, InvalidInput
from charter.exports.service import build_access_package
from charter.rights import service
from charter.rights.models import CLOSED_STATUSES, RequestKind, RequestStatus, SubjectRequest
from charter.rights.workflow import subject_ref
from charter.runtime import Work
from charter.staff.routes import AnyStaff, ConsoleRoute, PrivacyOfficer
from charter.staff.schemas import Role
from charter.templating import page
from charter.vault.models import Subject
from charter.web.csrf import check_csrf
from charter.web.forms import FormField, FormSpec, SubmittedForm, read_form

router = APIRouter(tags=["staff console"], route_class=ConsoleRoute)

NOTE_FORM = FormSpec(fields=(FormField("note", 500, multiline=True),), honeypot=False)
CHECK_FORM = FormSpec(fields=(FormField("check", 64),), honeypot=False)
#: How staff may confirm identity: only through what is already on file (Art. 12(6); ICO
#: guidance), recorded as a code so no free text — and no document number — reaches the
#: audit log.
IDENTITY_CHECKS = {
    "called_back_on_file_number": "We called them back on the phone number on file",
    "reply_from_email_on_file": "They replied from the email address on file",
    "letter_to_address_on_file": "We wrote to the postal address on file and they answered",
    "known_customer_in_person": "A known customer, met in person by staff who know them",
}
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
    return page(request, "rights/queue.html", {"staff": staff, "rows": rows})


@router.get("/admin/requests/{reference}")
def detail(request: Request, reference: str, staff: AnyStaff) -> Response:
    with request.app.state.runtime.unit(write=False) as work:
        found = service.find_request(work, reference)
        plan = None
        is_officer = staff.role is Role.PRIVACY_OFFICER
        answerable = RequestStatus(found.status) in ANSWERABLE
        if found.kind == RequestKind.ERASURE.value and is_officer and answerable:
            plan = plan_erasure(work, _subject(work, found))
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
        }
    return page(request, "rights/request.html", context)


@router.post("/admin/requests/{reference}/verify")
async def verify(request: Request, reference: str, staff: AnyStaff) -> Response:
    """Art. 12(6): identity checked by staff against what is on file; how it was checked
    is recorded as one of :data:`IDENTITY_CHECKS` (no free text, no document numbers)."""
    form = await _form(request, CHECK_FORM)
    check = form["check"]
    if check not in IDENTITY_CHECKS:
        raise InvalidInput("Choose how you checked the person's identity against our records.")

    def run() -> None:
        with request.app.state.runtime.unit() as work:
            found = service.find_request(work, reference)
            service.verify_request(work, found, method="staff_on_file", actor=staff.actor)
            audit.record(
                work,
                actor=staff.actor,
                action="dsr.identity_check_noted",
                subject_ref=subject_ref(work, found),
                detail={"reference": found.reference, "check": check},
            )

    await run_in_threadpool(run)
    return _back(reference)


@router.post("/admin/requests/{reference}/extend")
async def extend(request: Request, reference: str, staff: AnyStaff) -> Response:
    form = await _form(request, NOTE_FORM)

    def run() -> None:
        with request.app.state.runtime.unit() as work:
            found = service.find_request(work, reference)
            service.extend_request(work, found, reason=form["note"], actor=staff.actor)

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
