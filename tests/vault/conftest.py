"""Vault fixtures: the test runtime (both backends) enforcing the vault test policy."""

from __future__ import annotations

import dataclasses

import pytest

from charter.runtime import Runtime

from .factories import make_policy


@pytest.fixture
def vault(runtime: Runtime) -> Runtime:
    """The test runtime (both backends, rolled back) enforcing the vault test policy."""
    return dataclasses.replace(runtime, policy=make_policy())
