"""``/api/v1``: consent decisions and changes, purpose-gated reads and rights requests
for the firm's other systems.

Routes parse and render; the use cases are the same service functions the privacy
centre, the staff console and the CLI call, with the token's name as the audit actor.
Reads of personal data pass the vault's purpose gate (Art. 5(1)(b), Art. 18(2)) and are
audited there; consent changes are demonstrable through the ledger (Art. 7(1)); rights
requests are logged on arrival (Art. 12(2)). URLs carry only pseudonymous references
and policy identifiers, never a name, address or number (Art. 32(1)(a)).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Path, Query, Request, status
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse

from charter.api.auth import ApiRoute, require, runtime_of
from charter.api.schemas import (
    RECORD_ID_PATTERN,
    REQUEST_REF_PATTERN,
    SUBJECT_REF_PATTERN,
    ApiError,
    ConsentEventOut,
    ConsentStateOut,
    GiveConsentIn,
    NewRequestIn,
    Scope,
    SubjectConsents,
    SubjectData,
)
from charter.api.service import ApiCaller, subject_by_ref
from charter.audit import service as audit
from charter.consent.decisions import decide
from charter.consent.models import ConsentEvent
from charter.consent.records import build_consent_record
from charter.consent.schemas import ConsentRecord, Decision
from charter.consent.service import consent_states, give_consent, withdraw_consent
from charter.rights.schemas import RequestSummary
from charter.rights.service import (
    find_request,
    is_request_overdue,
    open_requests,
    receive_request,
)
from charter.runtime import Work
from charter.vault.service import read_personal_data

#: Route of withdrawals recorded through the API (Art. 7(3): any route will do).
API_ROUTE = "api"

_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ApiError, "description": description}
    for code, description in (
        (400, "The body is not valid JSON."),
        (401, "No valid API token (with WWW-Authenticate: Bearer)."),
        (403, "The token lacks the scope, or the policy in force refuses this."),
        (404, "No such person, record or request."),
        (409, "Conflicts with the current state (e.g. the person's data was erased)."),
        (422, "Invalid input; names the fields, never echoes the values."),
    )
}

router = APIRouter(prefix="/api/v1", tags=["api"], route_class=ApiRoute, responses=_ERRORS)

SubjectPath = Annotated[str, Path(pattern=SUBJECT_REF_PATTERN, description="Pseudonymous ref.")]
PolicyIdQuery = Annotated[str, Query(pattern=r"^[a-z][a-z0-9_]{0,63}$")]
PolicyIdPath = Annotated[str, Path(pattern=r"^[a-z][a-z0-9_]{0,63}$")]

ConsentsRead = Annotated[ApiCaller, Depends(require(Scope.CONSENTS_READ))]
ConsentsWrite = Annotated[ApiCaller, Depends(require(Scope.CONSENTS_WRITE))]
SubjectsRead = Annotated[ApiCaller, Depends(require(Scope.SUBJECTS_READ))]
RequestsWrite = Annotated[ApiCaller, Depends(require(Scope.REQUESTS_WRITE))]


# Consent ---------------------------------------------------------------------------------


@router.get(
    "/decisions",
    response_model=Decision,
    operation_id="decide",
    dependencies=[Depends(require(Scope.CONSENTS_READ))],
)
def decision(
    request: Request,
    subject: Annotated[str, Query(pattern=SUBJECT_REF_PATTERN)],
    purpose: PolicyIdQuery,
    channel: PolicyIdQuery,
) -> Decision:
    """May this person's data be used for this purpose on this channel now (Art. 6, 7, 18)?"""
    with runtime_of(request).unit(write=False) as work:
        return decide(work, subject_by_ref(work, subject).id, purpose, channel)


def _consent_viewed(work: Work, caller: ApiCaller, subject_ref: str, **detail: str) -> None:
    """Who looked at a consent is recorded like who changed it (Art. 5(2))."""
    audit.record(
        work, actor=caller.actor, action="consent.viewed", subject_ref=subject_ref, detail=detail
    )


@router.get("/subjects/{ref}/consents", response_model=SubjectConsents, operation_id="listConsents")
def list_consents(request: Request, caller: ConsentsRead, ref: SubjectPath) -> SubjectConsents:
    """The person's current consent per purpose and channel (Art. 7(1))."""
    with runtime_of(request).unit() as work:
        subject = subject_by_ref(work, ref)
        states = [
            ConsentStateOut(
                purpose=state.purpose,
                channel=state.channel,
                given=state.given,
                policy_version=state.policy_version,
                changed_at=state.changed_at,
                needs_renewal=state.needs_renewal,
            )
            for state in consent_states(work, subject)
        ]
        _consent_viewed(work, caller, ref, view="states")
    return SubjectConsents(subject=ref, consents=states)


def _event_out(
    event: ConsentEvent, subject_ref: str, *, consequence: str | None = None
) -> ConsentEventOut:
    return ConsentEventOut(
        record_id=event.record_id,
        subject=subject_ref,
        purpose=event.purpose,
        channel=event.channel,
        action=event.action,
        policy_version=event.policy_version,
        occurred_at=event.occurred_at,
        consequence=consequence,
    )


@router.post(
    "/subjects/{ref}/consents",
    response_model=ConsentEventOut,
    status_code=status.HTTP_201_CREATED,
    operation_id="giveConsent",
)
def give(
    request: Request, caller: ConsentsWrite, ref: SubjectPath, body: GiveConsentIn
) -> ConsentEventOut:
    """Record a consent given through another system, with the exact wording (Art. 7(1), 7(2))."""
    with runtime_of(request).unit() as work:
        event = give_consent(
            work,
            subject_by_ref(work, ref),
            purpose=body.purpose,
            channel=body.channel,
            collection_point=body.collection_point,
            wording=body.wording,
            evidence={"method": body.method.value},
            actor=caller.actor,
        )
        return _event_out(event, ref)


@router.delete(
    "/subjects/{ref}/consents/{purpose}/{channel}",
    response_model=ConsentEventOut,
    operation_id="withdrawConsent",
)
def withdraw(
    request: Request,
    caller: ConsentsWrite,
    ref: SubjectPath,
    purpose: PolicyIdPath,
    channel: PolicyIdPath,
) -> ConsentEventOut:
    """Record a withdrawal: as easy as giving, and always accepted (Art. 7(3))."""
    with runtime_of(request).unit() as work:
        withdrawal = withdraw_consent(
            work,
            subject_by_ref(work, ref),
            purpose=purpose,
            channel=channel,
            actor=caller.actor,
            evidence={},
            collection_point=API_ROUTE,
        )
        return _event_out(withdrawal.event, ref, consequence=withdrawal.consequence)


@router.get(
    "/consent-records/{record_id}", response_model=ConsentRecord, operation_id="consentRecord"
)
def consent_record(
    request: Request,
    caller: ConsentsRead,
    record_id: Annotated[str, Path(pattern=RECORD_ID_PATTERN)],
) -> ConsentRecord:
    """The ISO/IEC TS 27560 record demonstrating a consent (Art. 7(1))."""
    with runtime_of(request).unit() as work:
        record = build_consent_record(work, record_id)
        _consent_viewed(work, caller, record.pii_principal_id, view="record", record_id=record_id)
    return record


# Subjects --------------------------------------------------------------------------------


@router.get("/subjects/{ref}", response_model=SubjectData, operation_id="readSubject")
def read_subject(
    request: Request, caller: SubjectsRead, ref: SubjectPath, purpose: PolicyIdQuery
) -> SubjectData:
    """The person's data that ``purpose`` may use, through the vault's purpose gate
    (Art. 5(1)(b) purpose limitation, Art. 18(2) restriction); the vault audits the read."""
    with runtime_of(request).unit() as work:
        values = read_personal_data(
            work, subject_by_ref(work, ref), purpose=purpose, actor=caller.actor
        )
    return SubjectData(subject=ref, purpose=purpose, values=values)


# Rights requests -------------------------------------------------------------------------


@router.get(
    "/requests",
    response_model=list[RequestSummary],
    operation_id="listRequests",
    dependencies=[Depends(require(Scope.REQUESTS_READ))],
)
def list_requests(request: Request) -> list[RequestSummary]:
    """Open requests, soonest due first (Art. 12(3) time limits)."""
    with runtime_of(request).unit(write=False) as work:
        return [
            RequestSummary.of(item, overdue=is_request_overdue(work, item))
            for item in open_requests(work)
        ]


@router.get(
    "/requests/{reference}",
    response_model=RequestSummary,
    operation_id="getRequest",
    dependencies=[Depends(require(Scope.REQUESTS_READ))],
)
def get_request(
    request: Request,
    reference: Annotated[str, Path(pattern=REQUEST_REF_PATTERN)],
) -> RequestSummary:
    with runtime_of(request).unit(write=False) as work:
        found = find_request(work, reference)
        return RequestSummary.of(found, overdue=is_request_overdue(work, found))


@router.post(
    "/requests",
    response_model=RequestSummary,
    status_code=status.HTTP_201_CREATED,
    operation_id="receiveRequest",
)
def new_request(request: Request, caller: RequestsWrite, body: NewRequestIn) -> RequestSummary:
    """Log a request the moment another system receives it (Art. 12(2): no form needed)."""
    with runtime_of(request).unit() as work:
        subject = None if body.subject is None else subject_by_ref(work, body.subject)
        created = receive_request(
            work,
            kind=body.kind.value,
            received_via=body.received_via.value,
            actor=caller.actor,
            subject=subject,
        )
        return RequestSummary.of(created, overdue=is_request_overdue(work, created))


# The document ------------------------------------------------------------------------------


def api_document(app: FastAPI) -> dict[str, Any]:
    """The OpenAPI document of ``/api/v1`` alone, built from this router's routes: pages
    are not an interface to integrate with, so none appears even if a page route forgets
    ``include_in_schema=False``. Built once per app."""
    cached: dict[str, Any] | None = getattr(app.state, "api_openapi", None)
    if cached is None:
        cached = get_openapi(
            title="Charter API",
            version="1",
            summary="Consent decisions, purpose-gated reads and rights requests.",
            routes=router.routes,
        )
        app.state.api_openapi = cached
    return cached


@router.get("/openapi.json", include_in_schema=False)
def openapi(request: Request) -> JSONResponse:
    return JSONResponse(api_document(request.app))
