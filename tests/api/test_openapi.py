"""The OpenAPI document lists every /api/v1 operation (and nothing else) with its security
scheme, and no garbage sent to any operation ever makes the server fail (5xx)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from charter.api.schemas import Scope
from charter.runtime import Runtime
from tests.app_client import AppClient

from .factories import OPERATIONS, subject_with_data


def test_the_document_lists_every_api_operation_with_its_security(client: AppClient) -> None:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["components"]["securitySchemes"]["apiToken"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "chr_... API token",
    }
    listed = {
        (method.upper(), path)
        for path, operations in document["paths"].items()
        for method in operations
    }
    assert listed == {(method, "/" + path.split("/", 1)[1]) for method, path, _ in OPERATIONS}
    for path, operations in document["paths"].items():
        for operation in operations.values():
            assert operation["security"] == [{"apiToken": []}], path
            assert {"401", "403", "422"} <= set(operation["responses"]), path
            success = next(code for code in operation["responses"] if code.startswith("2"))
            assert "schema" in operation["responses"][success]["content"]["application/json"]


def test_pages_are_not_in_the_document_and_there_is_no_other(client: AppClient) -> None:
    assert all(
        path.startswith("/api/v1/") for path in client.get("/api/v1/openapi.json").json()["paths"]
    )
    assert client.get("/openapi.json").status_code == 404
    assert client.get("/docs").status_code == 404


# Garbage in, never a 5xx -----------------------------------------------------------------

GARBAGE = st.one_of(
    st.text(max_size=80),
    st.sampled_from(["marketing", "email", "phone", "any", "access", "email", "contact_form"]),
    st.sampled_from(["newsletter_signup", "web_form", "x" * 5000, "\x00", "DSR-AAAA-AAAA"]),
)
JSON_VALUES = st.one_of(
    GARBAGE, st.integers(), st.none(), st.booleans(), st.lists(GARBAGE, max_size=3)
)
FIELDS = st.sampled_from(
    [
        "purpose",
        "channel",
        "collection_point",
        "wording",
        "method",
        "kind",
        "received_via",
        "subject",
        "x",
    ]
)
QUERY = st.dictionaries(
    st.sampled_from(["subject", "purpose", "channel", "q"]), GARBAGE, max_size=4
)
BODY = st.one_of(st.dictionaries(FIELDS, JSON_VALUES, max_size=6), JSON_VALUES)
SEGMENT = st.one_of(GARBAGE, st.just("REF"))


@pytest.mark.parametrize(("method", "path", "scope"), OPERATIONS)
def test_garbage_never_yields_a_server_error(
    api: Runtime, client: AppClient, full: dict[str, str], method: str, path: str, scope: Scope
) -> None:
    ref, _ = subject_with_data(api)

    @settings(
        max_examples=30,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(query=QUERY, body=BODY, segments=st.lists(SEGMENT, min_size=4, max_size=4))
    def check(query: dict[str, str], body: Any, segments: list[str]) -> None:
        parts = [quote(ref if value == "REF" else value, safe="") or "x" for value in segments]
        url = path.format(
            ref=parts[0], purpose=parts[1], channel=parts[2], record_id=parts[3], reference=parts[3]
        )
        params = {key: ref if value == "REF" else value for key, value in query.items()}
        json_body = body if method == "POST" else None
        response = client.request(method, url, params=params, json=json_body, headers=full)
        assert response.status_code < 500, (response.status_code, response.text)
        assert response.headers["content-type"].startswith("application/json")

    check()
