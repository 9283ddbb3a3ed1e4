"""The statistics edge: decide whether a response is a countable page view, reduce the
request to a :class:`~charter.analytics.schemas.PageView`, and count it.

Nothing is counted unless the policy in force declares the statistics purpose.
Countable: a successful (200) ``GET`` of an HTML page that matched one of our routes, from
a browser (not a crawler or script), from a visitor who has not objected. Objecting
(UK GDPR Art. 21) is the ``charter_stats_optout=1`` cookie set at
``/statistics/opt-out``, or a ``Sec-GPC: 1`` or ``DNT: 1`` header (Art. 21(5): objection
by automated means). The page is counted as its route template, never the path it was
asked for with its query string: tokens and search terms never reach the aggregates.
Counting must never break a page, so a failure is logged (without details) and dropped.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from charter.analytics.schemas import PageView
from charter.analytics.service import record_page_view, statistics_declared
from charter.runtime import Runtime
from charter.web.client import client_network
from charter.web.useragent import parse_user_agent

log = logging.getLogger(__name__)

OPT_OUT_COOKIE = "charter_stats_optout"


def objects_to_statistics(request: Request) -> bool:
    """The visitor objected: the opt-out cookie, Global Privacy Control or Do Not Track."""
    return (
        request.cookies.get(OPT_OUT_COOKIE) == "1"
        or request.headers.get("sec-gpc", "").strip() == "1"
        or request.headers.get("dnt", "").strip() == "1"
    )


def countable_view(request: Request, response: Response) -> PageView | None:
    """The page view to count, or ``None`` when this response is not one (see module)."""
    route = request.scope.get("route")
    if (
        request.method != "GET"
        or response.status_code != 200
        or not response.headers.get("content-type", "").startswith("text/html")
        or not isinstance(route, Route)
        or objects_to_statistics(request)
    ):
        return None
    agent = parse_user_agent(request.headers.get("user-agent"))
    if agent.is_bot:
        return None
    return PageView(
        path=route.path,
        network=client_network(request),
        browser=agent.family,
        major=agent.major,
        referrer_domain=referrer_domain(request),
    )


def referrer_domain(request: Request) -> str | None:
    """The other site a visitor came from, as a domain only (never the referring URL)."""
    referer = request.headers.get("referer")
    if not referer:
        return None
    try:
        parts = urlsplit(referer)
        host = parts.hostname
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not host or host == request.url.hostname:
        return None
    return host[:253]


async def statistics_middleware(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    """Count the response if it is a countable page view, after it has been built."""
    response = await call_next(request)
    runtime: Runtime = request.app.state.runtime
    if not statistics_declared(runtime.policy):
        return response
    view = countable_view(request, response)
    if view is not None:
        await run_in_threadpool(_count, runtime, view)
    return response


def _count(runtime: Runtime, view: PageView) -> None:
    try:
        with runtime.unit() as work:
            record_page_view(work, view)
    except Exception as exc:  # statistics must never break a page
        log.warning("page view not counted (%s)", type(exc).__name__)
