"""The consent edge: what this visitor chose, for the page being built, and what the
response must then carry.

Every page extends ``base.html``, which asks ``request.state.cookie_consent`` (a
:class:`VisitorConsent`) whether to show the banner and whether to render the Google
Analytics tag: the decision is made on the server, so nothing non-essential reaches the
browser before consent (PECR reg. 6; ICO guidance: no non-essential cookies on landing).
The choice is read lazily, so static files and JSON never touch the database.

After the page is built, :func:`cookie_consent_middleware`:

* records a Global Privacy Control refusal (``Sec-GPC: 1``, no choice yet) and sets the
  ``charter_consent`` cookie naming it; the page already showed that GPC was honoured;
* sets ``charter_consent`` after a choice was made on this request (strictly necessary
  to remember the choice, PECR reg. 6(4)(b); SameSite=Lax, Secure over HTTPS, six months);
* expires every Google Analytics cookie the browser sent while analytics is not granted
  (withdrawal, a new policy version, or cookies left over from before): Art. 7(3);
* widens the Content Security Policy to Google's origins only where the tag may run: on
  pages of a visitor who granted analytics, and on pages offering the choice (banner or
  settings), so accepting there can load the tag without a reload. Everywhere else the
  site-wide policy stays as strict as it is.

It must be registered *after* (outside) the security-headers middleware, whose CSP it
widens.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from charter.cookies import service
from charter.cookies.google_analytics import analytics_csp, expire_analytics_cookies, tag_url
from charter.cookies.schemas import Choice, CookieCategory
from charter.runtime import Runtime
from charter.web.client import client_network
from charter.web.useragent import parse_user_agent

log = logging.getLogger(__name__)

ANALYTICS = "analytics"
#: Paths that never render a page, so never need the visitor's choice.
_SKIPPED_PREFIXES = ("/static/", "/healthz", "/.well-known/")
#: Seconds in the six months a choice lasts (the cookie's Max-Age).
CONSENT_MAX_AGE = 183 * 24 * 60 * 60


def gpc_signal(request: Request) -> bool:
    """Global Privacy Control: exactly ``Sec-GPC: 1`` (the spec's only meaningful value)."""
    return request.headers.get("sec-gpc", "").strip() == "1"


#: Path prefixes of pages that never show the banner or load analytics.
PRIVATE_PREFIXES = ("/admin/", "/account/", "/api/")


class VisitorConsent:
    """The visitor's cookie choice as far as this request knows; read on first use."""

    def __init__(self, request: Request) -> None:
        self._request = request
        self._runtime: Runtime = request.app.state.runtime
        self._choice: Choice | None = None
        self.resolved = False
        #: GPC applies and no choice exists: refuse now, record it after the page.
        self.gpc_pending = False
        #: A choice made during this request, to be remembered in the cookie.
        self.new_choice: Choice | None = None
        #: The page offers the choice (settings page), so the tag may be loaded by script.
        self.offering_choice = False

    @property
    def choice(self) -> Choice | None:
        if not self.resolved:
            self.resolved = True
            cookie = self._request.cookies.get(service.CONSENT_COOKIE)
            if cookie is not None:
                with self._runtime.unit(write=False) as work:
                    self._choice = service.current_choice(work, cookie)
            if self._choice is None and gpc_signal(self._request):
                self.gpc_pending = True
        return self._choice

    def decided(self, choice: Choice) -> None:
        """A choice was just recorded on this request: it governs the response."""
        self.resolved = True
        self.gpc_pending = False
        self._choice = choice
        self.new_choice = choice

    def allows(self, category: str) -> bool:
        choice = self.choice
        return choice is not None and choice.allows(category)

    @property
    def needs_choice(self) -> bool:
        """No standing choice and no GPC signal: the banner must ask."""
        return self.choice is None and not self.gpc_pending

    @property
    def private_page(self) -> bool:
        """Pages that never carry the banner or the analytics tag: the staff console and
        customer accounts (people's records, not visitors' browsing), and any page whose
        address holds a value such as a single-use link token, which must never reach
        Google in a page URL (Art. 5(1)(f); PECR reg. 6 needs no consent where no tag runs).
        """
        path = self._request.url.path
        if path.startswith(PRIVATE_PREFIXES) or path in {
            prefix.rstrip("/") for prefix in PRIVATE_PREFIXES
        }:
            return True
        route = self._request.scope.get("route")
        template = getattr(route, "path", "")
        return "{" in template

    @property
    def show_banner(self) -> bool:
        return self.needs_choice and not self.offering_choice and not self.private_page

    @property
    def gpc_honoured(self) -> bool:
        """This page is the one where GPC was taken as a refusal (the banner says so)."""
        _ = self.choice
        return self.gpc_pending

    @property
    def measurement_id(self) -> str | None:
        return self._runtime.settings.ga_measurement_id

    @property
    def analytics_tag(self) -> str | None:
        """The measurement id to render the tag with, only when analytics is granted."""
        if self.measurement_id and self.allows(ANALYTICS) and not self.private_page:
            return self.measurement_id
        return None

    @property
    def analytics_tag_url(self) -> str | None:
        tag = self.analytics_tag
        return tag_url(tag) if tag else None

    @property
    def categories(self) -> list[CookieCategory]:
        return service.cookie_categories(self._runtime.policy)

    @property
    def optional_labels(self) -> list[str]:
        return [c.label.lower() for c in self.categories if not c.necessary]

    def settle(self, response: Response) -> None:
        """Record a pending GPC refusal, remember a new choice, enforce it on the response."""
        request = self._request
        if self.gpc_pending:
            with self._runtime.unit() as work:
                choice = service.honour_gpc(
                    work,
                    network=client_network(request),
                    user_agent_family=parse_user_agent(request.headers.get("user-agent")).family,
                )
            self.new_choice = choice
            self._choice = choice
            self.gpc_pending = False
        if self.new_choice is not None:
            response.set_cookie(
                service.CONSENT_COOKIE,
                service.consent_cookie_value(self.new_choice),
                max_age=CONSENT_MAX_AGE,
                path="/",
                samesite="lax",
                secure=request.url.scheme == "https",
                httponly=True,
            )
        if self.resolved and not self.allows(ANALYTICS):
            expire_analytics_cookies(request, response)
        if self.measurement_id and _is_html(response) and self._may_run_tag():
            current = response.headers.get("content-security-policy")
            if current:
                response.headers["content-security-policy"] = analytics_csp(current)

    def _may_run_tag(self) -> bool:
        if not self.resolved or self.private_page:
            return False
        return self.allows(ANALYTICS) or self.needs_choice or self.offering_choice


def visitor_consent(request: Request) -> VisitorConsent:
    """The request's consent view (created here when the middleware is not in use)."""
    view = getattr(request.state, "cookie_consent", None)
    if not isinstance(view, VisitorConsent):
        view = VisitorConsent(request)
        request.state.cookie_consent = view
    return view


async def cookie_consent_middleware(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    """Give each page the visitor's choice, then make the response obey it."""
    if request.url.path.startswith(_SKIPPED_PREFIXES):
        return await call_next(request)
    view = visitor_consent(request)
    response = await call_next(request)
    await run_in_threadpool(view.settle, response)
    return response


def _is_html(response: Response) -> bool:
    return response.headers.get("content-type", "").startswith("text/html")
