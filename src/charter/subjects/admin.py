"""Staff console pages about one person: finding them, and their timeline.

Routes parse and render; ``subjects.service`` does the work and the auditing.

    page                                  staff   privacy_officer   admin
    /admin/subjects (find by email/phone)   x           x             x
    /admin/subjects/{ref}                   x           x             x   (restricted: PO only)
    POST /admin/subjects/{ref}/values                   x                 (show values)

* **The identifier searched for is POSTed, never put in a URL** (it would reach access
  logs and browser history, Art. 32(1)); the result links by the pseudonymous ref.
* **Every view declares a purpose** (Art. 5(1)(b)), chosen from the policy and shown on
  the page; opening the page without one asks for it and reads nothing.
* **A restricted person** (Art. 18(2)) is shown to a privacy officer only, for a purpose
  permitted under restriction; anyone else gets the console's 403 page.
* **Values** are shown only to a privacy officer who asks (a POST), never cached.
* A purpose the policy refuses (403) shows the purpose choice again, with the reason.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from charter.errors import InvalidInput, PolicyRefusal
from charter.runtime import Work
from charter.staff.auth import StaffForbidden
from charter.staff.routes import AnyStaff, ConsoleRoute, PrivacyOfficer
from charter.staff.schemas import Role, SignedIn
from charter.subjects import service
from charter.templating import page
from charter.vault.models import Subject
from charter.web.csrf import check_csrf
from charter.web.forms import FormField, FormSpec, read_form

router = APIRouter(tags=["staff console"], route_class=ConsoleRoute)

FIND_FORM = FormSpec(
    fields=(FormField("email", 320), FormField("phone", 40), FormField("purpose", 64)),
    honeypot=False,
)
VALUES_FORM = FormSpec(fields=(FormField("purpose", 64),), honeypot=False)
RESTRICTED_FOR_STAFF = (
    "Processing of this person's data is restricted (UK GDPR Art. 18): only a privacy "
    "officer can open their record."
)


def _purposes(work: Work, *, restricted: bool = False) -> list[tuple[str, str]]:
    return [(p.id, p.name) for p in service.viewing_purposes(work.policy, restricted=restricted)]


def refuse_restricted_to_staff(staff: SignedIn, subject: Subject) -> None:
    """Art. 18(2): a restricted person's record opens for a privacy officer only."""
    if subject.restricted_at is not None and staff.role is not Role.PRIVACY_OFFICER:
        raise StaffForbidden(RESTRICTED_FOR_STAFF)


def _find_page(
    request: Request,
    staff: SignedIn,
    purposes: list[tuple[str, str]],
    *,
    chosen: str | None = None,
    missing: bool = False,
    error: str | None = None,
) -> Response:
    context = {
        "staff": staff,
        "purposes": purposes,
        "chosen": chosen,
        "missing": missing,
        "error": error,
    }
    return page(request, "subjects/find.html", context, status_code=422 if error else 200)


@router.get("/admin/subjects")
def find_page(request: Request, staff: AnyStaff) -> Response:
    with request.app.state.runtime.unit(write=False) as work:
        purposes = _purposes(work)
    return _find_page(request, staff, purposes)


@router.post("/admin/subjects")
async def find(request: Request, staff: AnyStaff) -> Response:
    """Look a person up through the blind index; audited whether or not anyone is found.
    A mistyped address or number is shown again as a message that never repeats it."""
    form = await read_form(request, FIND_FORM)
    check_csrf(request, form.csrf_token)
    purpose = form["purpose"]

    def run() -> tuple[str | None, list[tuple[str, str]], str | None]:
        with request.app.state.runtime.unit() as work:
            purposes = _purposes(work)
            try:
                if not purpose:
                    raise InvalidInput("Choose the purpose you are looking this person up for.")
                found = service.find_person(
                    work,
                    email=form["email"] or None,
                    phone=form["phone"] or None,
                    actor=staff.actor,
                    purpose=purpose,
                )
            except (InvalidInput, PolicyRefusal) as exc:
                return None, purposes, exc.public_message
            return (None if found is None else found.ref), purposes, None

    ref, purposes, error = await run_in_threadpool(run)
    if ref is not None:
        return RedirectResponse(f"/admin/subjects/{ref}?purpose={purpose}", status_code=303)
    return _find_page(request, staff, purposes, chosen=purpose, missing=error is None, error=error)


def _subject_page(
    request: Request, staff: SignedIn, ref: str, purpose: str | None, *, reveal: bool
) -> Response:
    with request.app.state.runtime.unit() as work:
        subject = service.subject_by_ref(work, ref)
        refuse_restricted_to_staff(staff, subject)
        restricted = subject.restricted_at is not None
        purposes = _purposes(work, restricted=restricted)
        overview, refusal = None, None
        if purpose:
            try:
                overview = service.subject_overview(
                    work, subject, actor=staff.actor, purpose=purpose, reveal=reveal
                )
            except PolicyRefusal as exc:
                refusal = exc.public_message
    context: dict[str, Any] = {
        "staff": staff,
        "ref": ref,
        "restricted": restricted,
        "overview": overview,
        "purposes": purposes,
        "purpose": purpose if overview else None,
        "is_officer": staff.role is Role.PRIVACY_OFFICER,
        "refusal": refusal,
    }
    status = 403 if refusal else 200
    return page(request, "subjects/subject.html", context, status_code=status)


@router.get("/admin/subjects/{ref}")
def subject_page(
    request: Request, ref: str, staff: AnyStaff, purpose: str | None = None
) -> Response:
    return _subject_page(request, staff, ref, purpose, reveal=False)


@router.post("/admin/subjects/{ref}/values")
async def subject_values(request: Request, ref: str, staff: PrivacyOfficer) -> Response:
    """The same page with the collected values, for a privacy officer who asked; the read
    goes through the purpose gate and is audited by the vault."""
    form = await read_form(request, VALUES_FORM)
    check_csrf(request, form.csrf_token)
    if not form["purpose"]:
        raise InvalidInput("Choose the purpose you need to see the values for.")
    return await run_in_threadpool(_subject_page, request, staff, ref, form["purpose"], reveal=True)
