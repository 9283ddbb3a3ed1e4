"""The composition root: ``create_app`` builds the web application for one installation.

Nothing is created at import time. The lifespan opens the runtime (policy, database,
keys) unless one is handed in, builds the templates, and mounts each feature's router.
One error handler turns every :class:`~charter.errors.CharterError` into a page or a JSON
body carrying only its public message (no personal data in error output, Art. 5(1)(f)).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from charter.accounts.routes import router as accounts_router
from charter.analytics.middleware import statistics_middleware
from charter.analytics.routes import router as statistics_router
from charter.api.routes import router as api_router
from charter.breaches.admin import router as breaches_admin_router
from charter.campaigns.admin import router as campaigns_admin_router
from charter.compliance.admin import router as compliance_admin_router
from charter.cookies.middleware import cookie_consent_middleware
from charter.cookies.routes import router as cookies_router
from charter.disclosures.admin import router as disclosures_admin_router
from charter.engagements.admin import router as engagements_admin_router
from charter.enquiries.routes import router as enquiries_router
from charter.errors import CharterError
from charter.mail.sender import build_sender
from charter.newsletter.routes import router as newsletter_router
from charter.orders.admin import router as orders_admin_router
from charter.policy.routes import router as policy_router
from charter.privacy_centre.routes import router as privacy_centre_router
from charter.retention.admin import router as retention_admin_router
from charter.rights.admin import router as rights_admin_router
from charter.runtime import Runtime
from charter.settings import Settings
from charter.site.routes import router as site_router
from charter.sms.sender import build_text_sender
from charter.staff.routes import router as staff_router
from charter.subjects.admin import router as subjects_admin_router
from charter.templating import build_templates, page
from charter.web.accesslog import AccessLogMiddleware
from charter.web.csrf import set_session_cookie

log = logging.getLogger(__name__)

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
}


def create_app(settings: Settings | None = None, *, runtime: Runtime | None = None) -> FastAPI:
    """Build the app; pass ``runtime`` to serve an already-open installation (tests, serve)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if runtime is None:
            from charter.installation.service import open_runtime

            active = open_runtime(settings or Settings())
        else:
            active = runtime
        app.state.runtime = active
        app.state.templates = build_templates(active)
        app.state.email_sender = build_sender(active.settings)
        app.state.text_sender = build_text_sender(active.settings)
        try:
            yield
        finally:
            if runtime is None:
                active.close()

    app = FastAPI(
        title="Charter",
        lifespan=lifespan,
        redirect_slashes=False,  # one URL per resource; an API client never gets a bare 307
        docs_url=None,
        redoc_url=None,
        openapi_url=None,  # charter.api serves /api/v1/openapi.json, API routes only
    )
    static_dir = Path(str(resources.files("charter") / "static"))
    app.mount("/static", StaticFiles(directory=static_dir), name="static")
    app.include_router(site_router)
    app.include_router(policy_router)
    app.include_router(enquiries_router)
    app.include_router(newsletter_router)
    app.include_router(privacy_centre_router)
    app.include_router(cookies_router)
    app.include_router(statistics_router)
    app.include_router(staff_router)
    app.include_router(accounts_router)
    app.include_router(rights_admin_router)
    app.include_router(orders_admin_router)
    app.include_router(api_router)
    app.include_router(retention_admin_router)
    app.include_router(disclosures_admin_router)
    app.include_router(campaigns_admin_router)
    app.include_router(compliance_admin_router)
    app.include_router(breaches_admin_router)
    app.include_router(engagements_admin_router)
    app.include_router(subjects_admin_router)
    _install_error_handlers(app)

    @app.middleware("http")
    async def security_headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        set_session_cookie(request, response)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if request.url.scheme == "https":
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response

    app.middleware("http")(statistics_middleware)
    app.middleware("http")(cookie_consent_middleware)  # outside security_headers: widens CSP
    app.add_middleware(AccessLogMiddleware)  # outermost: times and logs every request
    return app


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or "application/json" in request.headers.get(
        "accept", ""
    )


def _error_response(request: Request, status: int, message: str) -> Response:
    if _wants_json(request):
        return JSONResponse({"error": message}, status_code=status)
    if getattr(request.app.state, "templates", None) is None:
        return HTMLResponse(f"<h1>{status}</h1>", status_code=status)
    return page(request, "error.html", {"status": status, "message": message}, status_code=status)


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(CharterError)
    async def charter_error(request: Request, exc: CharterError) -> Response:
        if exc.status_code >= 500:
            # The route template, not the path: paths can carry single-use link tokens.
            route = getattr(request.scope.get("route"), "path", "(no route)")
            log.error("%s on %s %s", type(exc).__name__, request.method, route)
        return _error_response(request, exc.status_code, exc.public_message)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        message = "Page not found." if exc.status_code == 404 else str(exc.detail)
        return _error_response(request, exc.status_code, message)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        # Never echo the submitted values back: they may be personal data.
        fields = sorted({".".join(str(p) for p in err["loc"][1:]) for err in exc.errors()})
        return _error_response(request, 422, "Invalid input: " + ", ".join(fields))
