"""Disclosure tests deliver to real receivers on 127.0.0.1, which Charter refuses unless
``CHARTER_ALLOW_PRIVATE_WEBHOOKS`` is set (outbound safety): these tests set it."""

from __future__ import annotations

from pathlib import Path

import pytest

from charter.settings import Settings, shipped_policy_path


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path / "data", policy=shipped_policy_path(), allow_private_webhooks=True
    )
