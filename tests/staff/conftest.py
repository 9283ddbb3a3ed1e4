"""Staff fixtures: a cheap Argon2 profile (the production one is tested on its own)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from argon2 import PasswordHasher
from argon2.profiles import CHEAPEST

from charter.staff import service


@pytest.fixture(autouse=True)
def cheap_hasher(monkeypatch: pytest.MonkeyPatch) -> Iterator[PasswordHasher]:
    """Argon2id at its cheapest, so hundreds of sign-ins stay fast."""
    hasher = PasswordHasher.from_parameters(CHEAPEST)
    monkeypatch.setattr(service, "PASSWORD_HASHER", hasher)
    service._dummy_hash.cache_clear()
    yield hasher
    service._dummy_hash.cache_clear()
