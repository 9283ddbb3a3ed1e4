"""Bearer-token authentication and scope checks for ``/api/v1``.

Each route depends on :func:`require` with the one scope it needs, so a system holds
only the access its purpose calls for (Art. 5(1)(b), Art. 25(2), Art. 32(4)). A missing,
unknown or revoked token is answered 401 with ``WWW-Authenticate: Bearer`` (RFC 6750
section 3); a token without the scope, 403. :class:`ApiRoute` adds the header, since the
app's one error handler renders only status and message.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import Depends, Request, Response
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from charter.api.schemas import Scope
from charter.api.service import ApiCaller, ScopeMissing, Unauthenticated, authenticate
from charter.runtime import Runtime

bearer = HTTPBearer(auto_error=False, scheme_name="apiToken", description="chr_... API token")


class ApiRoute(APIRoute):
    """A route whose 401 carries the ``WWW-Authenticate`` challenge."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def challenged(request: Request) -> Response:
            try:
                return await handler(request)
            except Unauthenticated as exc:
                return JSONResponse(
                    {"error": exc.public_message},
                    status_code=exc.status_code,
                    headers={"WWW-Authenticate": "Bearer"},
                )

        return challenged


def runtime_of(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def require(scope: Scope) -> Callable[..., ApiCaller]:
    """A dependency: the authenticated caller, refused unless its token has ``scope``."""

    def caller(
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    ) -> ApiCaller:
        token = None if credentials is None else credentials.credentials
        with runtime_of(request).unit() as work:
            found = authenticate(work, token)
        if scope not in found.scopes:
            raise ScopeMissing
        return found

    return caller
