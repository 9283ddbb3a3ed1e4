"""The firm's public home page and the health check."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse
from sqlalchemy import text

from charter.runtime import Runtime
from charter.templating import page

router = APIRouter()


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def home(request: Request) -> HTMLResponse:
    return page(request, "site/home.html")


@router.get("/services", response_class=HTMLResponse, include_in_schema=False)
def services(request: Request) -> HTMLResponse:
    return page(request, "site/services.html")


@router.get("/healthz", include_in_schema=False)
def healthz(request: Request) -> JSONResponse:
    """Liveness and readiness: the database answers and the policy is loaded."""
    runtime: Runtime = request.app.state.runtime
    body: dict[str, Any] = {"status": "ok", "policy_version": runtime.policy.version}
    try:
        with runtime.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception:
        return JSONResponse({"status": "unavailable"}, status_code=503)
    return JSONResponse(body)
