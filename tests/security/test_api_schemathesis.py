"""schemathesis against the OpenAPI document of ``/api/v1``: every operation, with a valid
token, with none and with a forged one, in schemathesis' positive and negative modes.

For every generated request: no 5xx; the status code, the content type and the body match
what the document promises for that response (``response_schema_conformance``), and
negative data (a value the schema forbids) is refused with a 4xx. Any 4xx changes
nothing: the row count of every table (audit log included) is the same before and after.
Anonymous and forged-token requests get 401 with ``WWW-Authenticate: Bearer`` (or, for a
body the schema forbids, its 400/422: FastAPI validates before the token is looked at).

The document is fetched from the running app (``/api/v1/openapi.json``), so what is tested
is what integrators are given; requests go through the real app over ASGI HTTP, on SQLite
and PostgreSQL, each test rolled back. A share of the valid requests use a real person's
reference and consent record, so the success paths (and their response schemas) are
reached too, not only 404s.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import checks as schema_checks
from schemathesis.core.parameters import ParameterLocation
from schemathesis.generation import GenerationMode
from sqlalchemy import func, select

import charter.registry  # noqa: F401 - every table is on the metadata
from charter.api.schemas import Scope
from charter.db import Base
from charter.runtime import Runtime
from tests.api.factories import OPERATIONS, mint_token, subject_with_data
from tests.app_client import AppClient, app_client
from tests.consent.factories import make_policy

#: Examples per operation, mode and kind of caller (bounded: both backends < ~1 minute).
EXAMPLES = {"token": 12, "none": 3, "forged": 3}
CALLERS = tuple(EXAMPLES)
MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
#: The checks run on every response; ``negative_data_rejection`` only acts on negative cases.
CHECKS = [
    schema_checks.not_a_server_error,
    schema_checks.status_code_conformance,
    schema_checks.content_type_conformance,
    schema_checks.response_headers_conformance,
    schema_checks.response_schema_conformance,
]
NEGATIVE_CHECKS = [*CHECKS, schema_checks.negative_data_rejection]

#: Counted across all tests of this module, for the report (bad inputs tried, 5xx seen).
TALLY = {"requests": 0, "server_errors": 0, "refused": 0, "rows_changed_on_refusal": 0}


@pytest.fixture(scope="module", autouse=True)
def tally() -> Iterator[dict[str, int]]:
    """Prints how many requests were sent and refused, and that none failed (``-s``)."""
    yield TALLY
    print(f"\n/api/v1 fuzzing: {TALLY}")


@pytest.fixture
def api(runtime: Runtime) -> Runtime:
    """The test runtime enforcing the consent test policy (marketing by email declared)."""
    return dataclasses.replace(runtime, policy=make_policy())


@pytest.fixture
def client(api: Runtime) -> Iterator[AppClient]:
    with app_client(api) as opened:
        yield opened


@pytest.fixture
def document(client: AppClient) -> dict[str, Any]:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    found: dict[str, Any] = response.json()
    return found


def table_counts(runtime: Runtime) -> dict[str, int]:
    """Rows in every table, in one query: what "changes nothing" is measured by."""
    tables = list(Base.metadata.sorted_tables)
    query = select(*(select(func.count()).select_from(table).scalar_subquery() for table in tables))
    with runtime.unit(write=False) as work:
        row = work.session.execute(query).one()
    return {table.name: int(count) for table, count in zip(tables, row, strict=True)}


def _httpx_arguments(case: Any, caller: str, token: str) -> dict[str, Any]:
    """schemathesis' serialised request (``requests`` style) as httpx arguments."""
    sent = dict(case.as_transport_kwargs(base_url="http://testserver"))
    sent.pop("cookies", None)
    headers = dict(sent.pop("headers", None) or {})
    if caller == "token" and not _only_headers_negated(case):
        headers["Authorization"] = f"Bearer {token}"
    elif caller == "none":
        headers = {k: v for k, v in headers.items() if k.lower() != "authorization"}
    else:  # forged: whatever schemathesis generated, else a well-shaped unknown token
        headers.setdefault("Authorization", "Bearer chr_" + "A" * 43)
    data = sent.pop("data", None)
    if data is not None:
        sent["content"] = data.encode() if isinstance(data, str) else data
    sent["headers"] = headers
    return sent


def _only_headers_negated(case: Any) -> bool:
    """A negative case whose only invalid part is its headers: here that can only be the
    ``Authorization`` header the security scheme requires, so it is sent as generated
    (and must get 401) instead of being replaced by the valid token."""
    if case.meta is None:
        return False
    negative = {
        location
        for location, info in case.meta.components.items()
        if info.mode is GenerationMode.NEGATIVE
    }
    return negative == {ParameterLocation.HEADER}


def _operation_ids() -> list[str]:
    return [f"{method} {path}" for method, path, _ in OPERATIONS]


def documented(document: dict[str, Any]) -> dict[str, Any]:
    """The document, with a 400 response on every operation with a body.

    A body that is not JSON at all gets FastAPI's 400 ("There was an error parsing the
    body"); ``/api/v1/openapi.json`` lists it (pinned by
    :func:`test_operations_with_a_body_document_400`), so this changes nothing unless that
    regresses, and then the pinning test fails while the fuzzing still runs."""
    patched = json.loads(json.dumps(document))
    for operations in patched["paths"].values():
        for operation in operations.values():
            if "requestBody" in operation:
                operation["responses"].setdefault("400", operation["responses"]["422"])
    return patched


@pytest.mark.parametrize("operation_id", _operation_ids())
def test_every_operation_answers_within_its_schema_and_refusals_change_nothing(
    api: Runtime, client: AppClient, document: dict[str, Any], operation_id: str
) -> None:
    method, path = operation_id.split(" ", 1)
    operation = schemathesis.openapi.from_dict(documented(document))[path][method]
    token = mint_token(api, "fuzzer", list(Scope))
    ref, record_id = subject_with_data(api)
    real = {"ref": ref, "record_id": record_id, "purpose": "marketing", "channel": "email"}

    def run(mode: GenerationMode, caller: str) -> None:
        checks = NEGATIVE_CHECKS if mode is GenerationMode.NEGATIVE else CHECKS

        @settings(
            max_examples=EXAMPLES[caller],
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy(generation_mode=mode), use_real=st.booleans())
        def check(case: Any, use_real: bool) -> None:
            if use_real and mode is GenerationMode.POSITIVE:
                for name in case.path_parameters:
                    if real.get(name):
                        case.path_parameters[name] = real[name]
            before = table_counts(api)
            response = client.request(**_httpx_arguments(case, caller, token))
            TALLY["requests"] += 1
            TALLY["server_errors"] += int(response.status_code >= 500)
            assert response.status_code < 500, (response.status_code, response.text[:300])
            case.validate_response(response, checks=checks)
            if caller != "token" or _only_headers_negated(case):
                # A body the schema forbids may be refused before the token is looked at
                # (FastAPI validates the request first): a 4xx either way, never data.
                allowed = {401, 400, 422} if mode is GenerationMode.NEGATIVE else {401}
                assert response.status_code in allowed, response.text[:300]
                if response.status_code == 401:
                    assert response.headers["www-authenticate"] == "Bearer"
            if 400 <= response.status_code < 500:
                TALLY["refused"] += 1
                changed = {
                    name: count
                    for name, count in table_counts(api).items()
                    if before.get(name) != count
                }
                TALLY["rows_changed_on_refusal"] += len(changed)
                assert not changed, (response.status_code, changed)

        check()

    for mode in MODES:
        for caller in CALLERS:
            run(mode, caller)


def test_operations_with_a_body_document_400(document: dict[str, Any], client: AppClient) -> None:
    """A body that is not JSON is answered 400; the document must say so."""
    answered = client.post(
        "/api/v1/requests", content=b"\xff{", headers={"content-type": "application/json"}
    )
    assert answered.status_code == 400
    for operations in document["paths"].values():
        for operation in operations.values():
            if "requestBody" in operation:
                assert "400" in operation["responses"]


def test_the_document_covers_every_operation(document: dict[str, Any]) -> None:
    """The fuzzing above is parametrised from ``OPERATIONS``; the document must list
    exactly those, so a new operation cannot escape the fuzzing."""
    schema = schemathesis.openapi.from_dict(document)
    listed = {
        f"{result.ok().method.upper()} {result.ok().path}" for result in schema.get_all_operations()
    }
    assert listed == set(_operation_ids())
