"""Real HTTP requests to ``create_app(runtime=...)`` through httpx's ASGI transport.

Starlette's TestClient warns (and warnings are errors here), so tests that need the test
``runtime`` fixture (both backends, rolled back) talk to the app with httpx instead. One
event loop serves the whole client, the app's lifespan is entered once, and cookies persist
between requests like a browser's. The peer address is a documentation address, so a
test can check that it is never stored whole.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from contextlib import AbstractAsyncContextManager, contextmanager
from typing import Any

import httpx
from fastapi import FastAPI

from charter.app import create_app
from charter.runtime import Runtime

PEER_ADDRESS = "203.0.113.77"
PEER_NETWORK = "203.0.113.0/24"
FIREFOX = "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
_CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


class AppClient:
    def __init__(self, app: FastAPI, *, base_url: str = "http://testserver") -> None:
        self._runner = asyncio.Runner()
        self._lifespan: AbstractAsyncContextManager[Any] = app.router.lifespan_context(app)
        self._runner.run(self._lifespan.__aenter__())
        transport = httpx.ASGITransport(app=app, client=(PEER_ADDRESS, 50000))
        self.http = httpx.AsyncClient(
            transport=transport, base_url=base_url, headers={"user-agent": FIREFOX}
        )

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        return self._runner.run(self.http.request(method, url, **kwargs))

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", url, **kwargs)

    def csrf(self, path: str = "/cookies") -> str:
        """A CSRF token from a page with a form (this also sets the session cookie)."""
        found = _CSRF.search(self.get(path).text)
        assert found is not None, f"no form on {path}"
        return found.group(1)

    def close(self) -> None:
        self._runner.run(self.http.aclose())
        self._runner.run(self._lifespan.__aexit__(None, None, None))
        self._runner.close()


@contextmanager
def app_client(runtime: Runtime, **options: Any) -> Iterator[AppClient]:
    client = AppClient(create_app(runtime=runtime), **options)
    try:
        yield client
    finally:
        client.close()
