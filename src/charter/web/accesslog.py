"""One access-log line per request, with no personal data the firm does not need.

Web server logs are personal data when they hold IP addresses and full User-Agent
strings (UK GDPR Art. 4(1); CJEU C-582/14 Breyer). The policy tells visitors we record
"your IP address, browser type and operating system, for system administration and to
keep the site secure"; Art. 5(1)(c) (minimisation) and Art. 25(2) (data protection by
default) mean we keep no more than that purpose needs. So each line, written to the
``charter.access`` logger, holds only:

    GET /privacy 200 3.1ms 203.0.113.0/24 "Firefox 128" Linux

the method; the path *without* its query string (queries carry search terms, tokens and
email addresses), and for routes with parameters the route's template
(``/privacy/versions/{version}``) so secret links never reach a log; the status; the
duration; the truncated network (/24 or /48, ``web.client.client_network``); the browser
family and major version and the OS family (``web.useragent``). Uvicorn's own access log
is switched off in ``charter serve`` because it logs whole addresses.

This is a plain ASGI middleware (not ``BaseHTTPMiddleware``) so it times the whole
response, sees errors that escape the app, and never buffers bodies.
"""

from __future__ import annotations

import logging
import time

from starlette.requests import Request
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from charter.web.client import UNKNOWN_NETWORK, client_network
from charter.web.useragent import parse_user_agent

access_log = logging.getLogger("charter.access")

#: Longest path written to the log; longer ones are cut (a path can be arbitrary input).
MAX_PATH = 200


class AccessLogMiddleware:
    """Writes one minimised line per HTTP request to the ``charter.access`` logger."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            elapsed_ms = (time.perf_counter() - started) * 1000
            access_log.info(access_line(Request(scope), status, elapsed_ms))


def access_line(request: Request, status: int, elapsed_ms: float) -> str:
    """The log line for one request (see the module docstring for what it may hold)."""
    agent = parse_user_agent(request.headers.get("user-agent"))
    return (
        f"{request.method} {logged_path(request)} {status} {elapsed_ms:.1f}ms "
        f'{_network(request)} "{agent.label}" {agent.os}'
    )


def logged_path(request: Request) -> str:
    """The path without query string; a parameterised route's template instead of values."""
    route: BaseRoute | None = request.scope.get("route")
    if isinstance(route, Route) and route.param_convertors:
        return route.path
    path = request.url.path
    printable = "".join(c if c.isprintable() and not c.isspace() else "?" for c in path)
    return printable[:MAX_PATH] + ("..." if len(printable) > MAX_PATH else "")


def _network(request: Request) -> str:
    try:
        return client_network(request)
    except AttributeError:  # no runtime yet (startup) or an app without one
        return UNKNOWN_NETWORK
