"""Every /api/v1 operation over real HTTP on both backends: the token and scope checks,
the happy path (each body parsed with its declared Pydantic model), the purpose gate and
the refusals, which are JSON and never echo what was sent."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from pydantic import TypeAdapter
from sqlalchemy import select

from charter.api.schemas import (
    ApiError,
    ConsentEventOut,
    Scope,
    SubjectConsents,
    SubjectData,
)
from charter.api.service import list_tokens, revoke_token
from charter.audit.models import AuditEntry
from charter.consent.schemas import ConsentRecord, Decision, DecisionCode
from charter.rights.schemas import RequestSummary
from charter.runtime import Runtime
from tests.app_client import AppClient
from tests.consent.factories import ACTOR, CHANNELS_WORDING

from .factories import EMAIL, OPERATIONS, bearer, restrict, subject_with_data

Token = Callable[..., str]
UNKNOWN_REF = "0" * 32


def _call(client: AppClient, method: str, path: str, headers: dict[str, str], **values: str) -> Any:
    filled = path.format(
        ref=values.get("ref", UNKNOWN_REF),
        purpose="marketing",
        channel="email",
        record_id=values.get("record_id", str(uuid.uuid4())),
        reference=values.get("reference", "DSR-AAAA-AAAA"),
    )
    params = {"subject": values.get("ref", UNKNOWN_REF), "purpose": "marketing", "channel": "email"}
    body = {"kind": "access", "received_via": "email"} if path.endswith("requests") else None
    if method == "POST" and body is None:
        body = {
            "purpose": "marketing",
            "channel": "email",
            "collection_point": "newsletter_signup",
            "wording": "x",
            "method": "web_form",
        }
    return client.request(method, filled, headers=headers, params=params, json=body)


def _error(response: Any, status: int) -> str:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    return ApiError.model_validate(response.json()).error


# Authentication and scopes ---------------------------------------------------------------


@pytest.mark.parametrize(("method", "path", "scope"), OPERATIONS)
def test_every_operation_needs_a_token(
    client: AppClient, method: str, path: str, scope: Scope
) -> None:
    for headers in ({}, {"authorization": "Basic eDp5"}, bearer("chr_" + "A" * 43)):
        response = _call(client, method, path, headers)
        _error(response, 401)
        assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize(("method", "path", "scope"), OPERATIONS)
def test_a_revoked_token_is_refused(
    api: Runtime, client: AppClient, token: Token, method: str, path: str, scope: Scope
) -> None:
    issued = token(*Scope, name="revoked")
    with api.unit() as work:
        revoke_token(work, name="revoked", actor=ACTOR)
    response = _call(client, method, path, bearer(issued))
    _error(response, 401)
    assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize(("method", "path", "scope"), OPERATIONS)
def test_a_token_without_the_scope_is_forbidden(
    client: AppClient, token: Token, method: str, path: str, scope: Scope
) -> None:
    others = [item for item in Scope if item is not scope]
    response = _call(client, method, path, bearer(token(*others)))
    assert "scope" in _error(response, 403)


@pytest.mark.parametrize(
    ("method", "path", "scope"),
    [op for op in OPERATIONS if "{" in op[1] or op[1].endswith("decisions")],
)
def test_unknown_references_are_404_json(
    client: AppClient, token: Token, method: str, path: str, scope: Scope
) -> None:
    _error(_call(client, method, path, bearer(token(scope))), 404)


def test_using_a_token_records_when(api: Runtime, client: AppClient, token: Token) -> None:
    client.get("/api/v1/requests", headers=bearer(token(Scope.REQUESTS_READ, name="crm")))
    with api.unit(write=False) as work:
        [view] = list_tokens(work)
    assert view.last_used_at is not None


# Consent ---------------------------------------------------------------------------------


def test_decisions(api: Runtime, client: AppClient, token: Token) -> None:
    ref, _ = subject_with_data(api)
    headers = bearer(token(Scope.CONSENTS_READ))
    params = {"subject": ref, "purpose": "marketing", "channel": "email"}
    given = Decision.model_validate(
        client.get("/api/v1/decisions", params=params, headers=headers).json()
    )
    assert given.allowed
    assert given.code is DecisionCode.GIVEN
    params["channel"] = "phone"
    none = client.get("/api/v1/decisions", params=params, headers=headers)
    assert Decision.model_validate(none.json()).code is DecisionCode.NO_CONSENT
    params["purpose"] = "selling_lists"
    assert "not declared" in _error(
        client.get("/api/v1/decisions", params=params, headers=headers), 403
    )


def test_consents_are_listed_given_and_withdrawn(
    api: Runtime, client: AppClient, token: Token
) -> None:
    ref, _ = subject_with_data(api)
    headers = bearer(token(Scope.CONSENTS_READ, Scope.CONSENTS_WRITE, name="crm"))
    body = {
        "purpose": "marketing",
        "channel": "phone",
        "collection_point": "contact_form",
        "wording": CHANNELS_WORDING,
        "method": "phone",
    }
    given = client.post(f"/api/v1/subjects/{ref}/consents", json=body, headers=headers)
    assert given.status_code == 201, given.text
    event = ConsentEventOut.model_validate(given.json())
    assert (event.action, event.channel, event.subject) == ("given", "phone", ref)

    listed = client.get(f"/api/v1/subjects/{ref}/consents", headers=headers)
    states = SubjectConsents.model_validate(listed.json())
    assert [(s.purpose, s.channel, s.given) for s in states.consents] == [
        ("marketing", "email", True),
        ("marketing", "phone", True),
    ]

    gone = client.request(
        "DELETE", f"/api/v1/subjects/{ref}/consents/marketing/phone", headers=headers
    )
    assert gone.status_code == 200, gone.text
    withdrawn = ConsentEventOut.model_validate(gone.json())
    assert withdrawn.action == "withdrawn"
    assert withdrawn.consequence is None

    record = client.get(f"/api/v1/consent-records/{withdrawn.record_id}", headers=headers)
    parsed = ConsentRecord.model_validate(record.json())
    assert parsed.pii_principal_id == ref
    assert parsed.state == "withdrawn"
    assert EMAIL not in record.text

    with api.unit(write=False) as work:
        rows = work.session.execute(select(AuditEntry.actor, AuditEntry.action))
        actors = {(actor, action) for actor, action in rows}
    assert {("api:crm", "consent.given"), ("api:crm", "consent.withdrawn")} <= actors
    assert ("api:crm", "consent.viewed") in actors


def test_consent_with_other_words_is_refused(api: Runtime, client: AppClient, token: Token) -> None:
    ref, _ = subject_with_data(api)
    body = {
        "purpose": "marketing",
        "channel": "email",
        "collection_point": "newsletter_signup",
        "wording": "Something the policy never said",
        "method": "web_form",
    }
    response = client.post(
        f"/api/v1/subjects/{ref}/consents", json=body, headers=bearer(token(Scope.CONSENTS_WRITE))
    )
    assert "never said" not in _error(response, 403)


# Subjects: the purpose gate --------------------------------------------------------------


def test_a_subject_is_read_through_the_purpose_gate(
    api: Runtime, client: AppClient, token: Token
) -> None:
    ref, _ = subject_with_data(api)
    headers = bearer(token(Scope.SUBJECTS_READ, name="mailer"))
    response = client.get(
        f"/api/v1/subjects/{ref}", params={"purpose": "marketing"}, headers=headers
    )
    data = SubjectData.model_validate(response.json())
    assert data.values == {"contact.email": EMAIL}

    undeclared = client.get(
        f"/api/v1/subjects/{ref}", params={"purpose": "profiling"}, headers=headers
    )
    _error(undeclared, 403)

    restrict(api, ref)
    restricted = client.get(
        f"/api/v1/subjects/{ref}", params={"purpose": "marketing"}, headers=headers
    )
    assert "Art. 18" in _error(restricted, 403)
    with api.unit(write=False) as work:
        rows = work.session.execute(
            select(AuditEntry.actor, AuditEntry.purpose).where(
                AuditEntry.action == "personal_data.read"
            )
        )
        reads = [(actor, purpose) for actor, purpose in rows]
    assert reads == [("api:mailer", "marketing")]


# Rights requests -------------------------------------------------------------------------


def test_requests_are_received_listed_and_found(
    api: Runtime, client: AppClient, token: Token
) -> None:
    ref, _ = subject_with_data(api, consent=False)
    headers = bearer(token(Scope.REQUESTS_READ, Scope.REQUESTS_WRITE))
    created = client.post(
        "/api/v1/requests",
        json={"kind": "erasure", "received_via": "email", "subject": ref},
        headers=headers,
    )
    assert created.status_code == 201, created.text
    summary = RequestSummary.model_validate(created.json())
    assert (summary.kind, summary.status, summary.received_via) == ("erasure", "received", "email")

    listed = client.get("/api/v1/requests", headers=headers)
    summaries = TypeAdapter(list[RequestSummary]).validate_python(listed.json())
    assert [item.reference for item in summaries] == [summary.reference]

    found = client.get(f"/api/v1/requests/{summary.reference.lower()}", headers=headers)
    assert RequestSummary.model_validate(found.json()) == summary


def test_bad_input_is_422_json_naming_fields_only(client: AppClient, token: Token) -> None:
    secret = "ada.lovelace@example.com"
    response = client.post(
        "/api/v1/requests",
        json={"kind": secret, "received_via": "pigeon", "extra": secret},
        headers=bearer(token(Scope.REQUESTS_WRITE)),
    )
    message = _error(response, 422)
    assert secret not in response.text
    assert "pigeon" not in response.text
    assert "kind" in message
