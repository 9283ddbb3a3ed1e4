from __future__ import annotations

import asyncio
from importlib import resources
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from charter.errors import CharterError
from charter.policy.routes import router
from charter.policy.schemas import Policy


def tiny_app(policy: Policy, history: list[Policy]) -> FastAPI:
    """Only what the policy pages read: runtime.policy, runtime.policy_history, templates."""
    package = Path(str(resources.files("charter")))
    app = FastAPI()
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=package / "static"), name="static")
    templates = Jinja2Templates(directory=package / "templates")
    templates.env.globals["organisation"] = policy.organisation
    templates.env.globals["policy_version"] = policy.version
    app.state.templates = templates
    app.state.runtime = SimpleNamespace(policy=policy, policy_history=history)

    @app.exception_handler(CharterError)
    async def charter_error(request: Request, exc: CharterError) -> Response:
        return PlainTextResponse(exc.public_message, status_code=exc.status_code)

    return app


class Client:
    """Real HTTP requests through the ASGI app (httpx), one event loop per request."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app

    def get(self, path: str) -> httpx.Response:
        async def fetch() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
                return await c.get(path)

        return asyncio.run(fetch())


@pytest.fixture
def client(policy_1_0: Policy, policy_1_1: Policy) -> Client:
    return Client(tiny_app(policy_1_1, [policy_1_0, policy_1_1]))


def test_privacy_shows_the_policy_in_force(client: Client) -> None:
    response = client.get("/privacy")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    assert '<h1 id="policy-title">Privacy Policy</h1>' in html
    assert "version 1.1, in force from" in html
    assert "<caption>What we use your data for</caption>" in html
    assert 'href="http://testserver/privacy/changes"' in html
    assert "Skip to content" in html  # inside the site's base layout


def test_changes_lists_every_version_newest_first(client: Client) -> None:
    html = client.get("/privacy/changes").text
    assert html.index("Version 1.1 (in force now)") < html.index("Version 1.0")
    assert "Privacy policy instigated" in html
    assert "Brought up to date with UK data protection law." in html
    assert 'href="http://testserver/privacy/versions/1.0"' in html
    assert 'href="http://testserver/privacy/versions/1.1"' in html


def test_a_past_version_is_shown_as_it_was(client: Client) -> None:
    response = client.get("/privacy/versions/1.0")
    assert response.status_code == 200
    html = response.text
    assert "This is version 1.0 of our privacy policy" in html
    assert '<time datetime="2026-11-25">25 November 2026</time>' in html
    assert "It is no longer in force." in html
    assert "Transferring your information outside of Europe" in html


def test_the_current_version_page_says_so(client: Client) -> None:
    html = client.get("/privacy/versions/1.1").text
    assert "This is the version of our privacy policy in force now." in html


@pytest.mark.parametrize("version", ["9.9", "1", "..%2F1.0"])
def test_an_unknown_version_is_404(client: Client, version: str) -> None:
    response = client.get(f"/privacy/versions/{version}")
    assert response.status_code == 404
