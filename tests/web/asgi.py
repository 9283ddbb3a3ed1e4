"""Real HTTP requests into the app (httpx's ASGI transport), with a cookie jar.

Starlette's TestClient warns on import, which ``filterwarnings = error`` turns into a
failure; httpx's transport speaks HTTP to the ASGI app directly instead. The app is built
by ``create_app(runtime=...)`` around the test's runtime (rolled back afterwards) and
sends mail through the local outbox implementation.
"""

from __future__ import annotations

import asyncio
import re
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any, cast

import httpx
from fastapi import FastAPI

from charter.app import create_app
from charter.mail.outbox import OutboxSender
from charter.runtime import Runtime
from charter.templating import build_templates

CLIENT_ADDRESS = ("203.0.113.7", 50000)
_CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


def build_app(runtime: Runtime, outbox: Path) -> FastAPI:
    """The whole app, as ``charter serve`` builds it, on the test runtime."""
    app = create_app(runtime.settings, runtime=runtime)
    app.state.runtime = runtime
    app.state.templates = build_templates(runtime)
    app.state.email_sender = OutboxSender(outbox, runtime.settings.mail_from)
    return app


class AppClient:
    """One visitor: every request goes through the ASGI app, cookies are kept."""

    def __init__(self, app: FastAPI, *, address: tuple[str, int] = CLIENT_ADDRESS) -> None:
        self.app = app
        self.address = address
        self.cookies = httpx.Cookies()

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        async def run() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.app, client=self.address)
            async with httpx.AsyncClient(
                transport=transport, base_url="http://testserver", cookies=self.cookies
            ) as client:
                response = await client.request(method, path, **kwargs)
                self.cookies = httpx.Cookies(client.cookies)
                return response

        return asyncio.run(run())

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", path, **kwargs)

    def csrf_token(self, path: str) -> str:
        """Open the page (which sets the session cookie) and read its form's token."""
        found = _CSRF.search(self.get(path).text)
        assert found, f"no CSRF token on {path}"
        return found.group(1)


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "no CSRF token on the page"
    return found.group(1)


def outbox_messages(folder: Path) -> list[EmailMessage]:
    """The emails the outbox sender wrote, oldest first, parsed."""
    if not folder.exists():
        return []
    return [
        cast("EmailMessage", message_from_bytes(path.read_bytes(), policy=policy.default))
        for path in sorted(folder.glob("*.eml"))
    ]


def body_text(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(cast("EmailMessage", part).get_content()).replace("\r\n", "\n")
