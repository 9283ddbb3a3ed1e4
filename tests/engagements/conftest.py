"""Console tests sign staff in: Argon2 at its cheapest keeps that fast."""

from __future__ import annotations

from tests.staff.conftest import cheap_hasher

__all__ = ["cheap_hasher"]
