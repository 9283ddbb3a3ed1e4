"""Privacy-centre fixtures: the app on the test runtime (both backends) and its outbox."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import FastAPI

from charter.runtime import Runtime
from tests.web.asgi import AppClient, build_app


@pytest.fixture
def outbox(tmp_path: Path) -> Path:
    return tmp_path / "outbox"


@pytest.fixture
def app(runtime: Runtime, outbox: Path) -> FastAPI:
    return build_app(runtime, outbox)


@pytest.fixture
def visitor(app: FastAPI) -> AppClient:
    return AppClient(app)
