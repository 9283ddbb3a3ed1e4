"""The Jinja2 environment shared by every feature's pages (autoescaped HTML)."""

from __future__ import annotations

from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from charter.runtime import Runtime
from charter.web.csrf import csrf_input


def build_templates(runtime: Runtime) -> Jinja2Templates:
    directory = Path(str(resources.files("charter") / "templates"))
    templates = Jinja2Templates(directory=directory)
    templates.env.globals["organisation"] = runtime.policy.organisation
    templates.env.globals["policy_version"] = runtime.policy.version
    templates.env.globals["csrf_input"] = csrf_input
    return templates


def page(
    request: Request,
    name: str,
    context: Mapping[str, Any] | None = None,
    *,
    status_code: int = 200,
) -> HTMLResponse:
    """Render one of the app's templates (the thin edge every page route uses)."""
    templates: Jinja2Templates = request.app.state.templates
    response: HTMLResponse = templates.TemplateResponse(
        request, name, dict(context or {}), status_code=status_code
    )
    return response


#: Pages reached through a secret link in an email: never cached, and the link never
#: leaks to another site through the Referer header.
TOKEN_PAGE_HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


def token_page(
    request: Request, name: str, context: Mapping[str, Any], *, status_code: int = 200
) -> HTMLResponse:
    """Render a page behind an emailed single-use link (see :data:`TOKEN_PAGE_HEADERS`)."""
    response = page(request, name, context, status_code=status_code)
    response.headers.update(TOKEN_PAGE_HEADERS)
    return response
