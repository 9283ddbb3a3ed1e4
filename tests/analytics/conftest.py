"""Statistics fixtures: the test runtime (both backends, rolled back) whose policy
declares the statistics purpose, and an HTTP client for the app built on it."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest

from charter.runtime import Runtime
from tests.app_client import AppClient, app_client

from .factories import with_statistics


@pytest.fixture
def runtime(runtime: Runtime) -> Runtime:
    """The shared test runtime, with the statistics purpose declared in its policy."""
    return dataclasses.replace(runtime, policy=with_statistics(runtime.policy))


@pytest.fixture
def client(runtime: Runtime) -> Iterator[AppClient]:
    with app_client(runtime) as opened:
        yield opened
