"""Mail fixtures: the test runtime (both backends, shipped policy) in each
special-category mode."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pytest

from charter.runtime import Runtime

InMode = Callable[[str], Runtime]


@pytest.fixture
def in_mode(runtime: Runtime) -> InMode:
    """``in_mode("reject")``: the same runtime with another special-category mode."""

    def build(mode: str) -> Runtime:
        settings = runtime.settings.model_copy(update={"special_category_mode": mode})
        return dataclasses.replace(runtime, settings=settings)

    return build
