"""Cookie fixtures: the test runtime (both backends, rolled back) with a GA measurement id,
and an HTTP client for the app built on it."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest

from charter.runtime import Runtime
from tests.app_client import AppClient, app_client

MEASUREMENT_ID = "G-TEST123"


@pytest.fixture
def site(runtime: Runtime) -> Runtime:
    """The test runtime configured with a Google Analytics measurement id."""
    settings = runtime.settings.model_copy(update={"ga_measurement_id": MEASUREMENT_ID})
    return dataclasses.replace(runtime, settings=settings)


@pytest.fixture
def client(site: Runtime) -> Iterator[AppClient]:
    with app_client(site) as opened:
        yield opened
