"""API fixtures: the test runtime (both backends, rolled back) enforcing the consent test
policy, an HTTP client on it, and tokens minted through the service."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator

import pytest

from charter.api.schemas import Scope
from charter.runtime import Runtime
from tests.app_client import AppClient, app_client
from tests.consent.factories import make_policy

from .factories import mint_token


@pytest.fixture
def api(runtime: Runtime) -> Runtime:
    return dataclasses.replace(runtime, policy=make_policy())


@pytest.fixture
def client(api: Runtime) -> Iterator[AppClient]:
    with app_client(api) as opened:
        yield opened


@pytest.fixture
def token(api: Runtime) -> Callable[..., str]:
    """``token(*scopes, name=...)``: a fresh bearer token with those scopes."""
    counter = iter(range(1_000_000))

    def make(*scopes: Scope, name: str | None = None) -> str:
        return mint_token(api, name or f"system-{next(counter)}", list(scopes))

    return make


@pytest.fixture
def full(token: Callable[..., str]) -> dict[str, str]:
    """Headers of a token holding every scope."""
    return {"authorization": f"Bearer {token(*Scope)}"}
