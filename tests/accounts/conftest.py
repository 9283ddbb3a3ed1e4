"""Account fixtures: the cheap Argon2 profile and one visitor per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from argon2.profiles import CHEAPEST

from charter.runtime import Runtime
from charter.staff import service
from tests.web.asgi import build_app


@pytest.fixture(autouse=True)
def cheap_hasher(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(service, "PASSWORD_HASHER", PasswordHasher.from_parameters(CHEAPEST))
    service._dummy_hash.cache_clear()
    yield
    service._dummy_hash.cache_clear()


@pytest.fixture
def outbox(tmp_path: Path) -> Path:
    return tmp_path / "outbox"


@pytest.fixture
def app(runtime: Runtime, outbox: Path):  # type: ignore[no-untyped-def]
    return build_app(runtime, outbox)
