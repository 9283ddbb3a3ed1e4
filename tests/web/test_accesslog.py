"""Access-log lines through real HTTP (httpx against the ASGI app): one per request, and
never a whole IP address, a query string, a path parameter or a whole User-Agent."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from starlette.requests import Request

from charter.runtime import Runtime
from charter.web.accesslog import MAX_PATH, logged_path
from tests.app_client import FIREFOX, PEER_ADDRESS, PEER_NETWORK, AppClient, app_client


@pytest.fixture
def client(runtime: Runtime) -> Iterator[AppClient]:
    with app_client(runtime) as opened:
        yield opened


def access_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "charter.access"]


def test_one_minimised_line_per_request(
    client: AppClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="charter.access")
    client.get("/privacy?email=someone%40example.com&token=abc123")
    [line] = access_lines(caplog)
    method, path, status, duration, network, *agent = line.split(" ")
    assert (method, path, status, network) == ("GET", "/privacy", "200", PEER_NETWORK)
    assert duration.endswith("ms")
    assert " ".join(agent) == '"Firefox 128" Linux'


def test_no_address_query_or_user_agent_ever_reaches_the_log(
    client: AppClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="charter.access")
    client.get("/privacy/versions/1.0?q=secret")
    client.get("/no-such-page?email=someone@example.com")
    client.get("/static/charter.css?v=1")
    client.post("/cookies/consent", data={"choice": "accept"})  # refused: no CSRF token
    lines = access_lines(caplog)
    assert len(lines) == 4
    text = "\n".join(lines)
    for forbidden in (PEER_ADDRESS, "?", "secret", "someone", "Mozilla", "Gecko", FIREFOX):
        assert forbidden not in text
    assert lines[0].startswith("GET /privacy/versions/{version} 200 ")
    assert lines[1].startswith("GET /no-such-page 404 ")
    assert lines[2].startswith("GET /static/charter.css 200 ")
    assert lines[3].startswith("POST /cookies/consent 403 ")


def test_an_ipv6_client_is_logged_as_its_48(
    runtime: Runtime, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="charter.access")
    with app_client(runtime) as client:
        client.http._transport.client = ("2001:db8:1234:5678::1", 1)  # type: ignore[attr-defined]
        client.get("/")
    [line] = access_lines(caplog)
    assert " 2001:db8:1234::/48 " in line
    assert "5678" not in line


def test_control_characters_in_a_path_cannot_forge_lines(
    client: AppClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="charter.access")
    client.get("/x%0AGET%20/admin%20200")
    [line] = access_lines(caplog)
    assert "\n" not in line
    assert line.split(" ")[2] == "404"  # the path stays one field: no forged status


def test_logged_path_never_contains_spaces_or_control_characters() -> None:
    scope = {"type": "http", "method": "GET", "path": "/a b\n\x1b[31mc", "headers": []}
    logged = logged_path(Request(scope))
    assert logged.startswith("/a?b")
    assert logged.endswith("?[31mc")
    assert all(c.isprintable() and not c.isspace() for c in logged)


def test_logged_path_is_capped() -> None:
    scope = {"type": "http", "method": "GET", "path": "/" + "a" * 500, "headers": []}
    assert len(logged_path(Request(scope))) == MAX_PATH + 3
