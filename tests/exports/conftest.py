"""Exports fixtures: the test runtime (both backends) enforcing the shipped policy."""

from __future__ import annotations

import pytest

from charter.runtime import Runtime


@pytest.fixture
def exports(runtime: Runtime) -> Runtime:
    """The test runtime (both backends, rolled back); the shipped policy declares the
    ``rights_requests`` purpose an access package is read under."""
    return runtime
