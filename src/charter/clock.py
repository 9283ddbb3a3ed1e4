"""The one source of "now": real UTC time, or ``CHARTER_NOW`` when set.

Deadlines (Art. 12(3)) and retention periods (Art. 5(1)(e)) are computed from this clock,
so demos and tests can move time without touching the system clock.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


def make_clock(frozen: datetime | None) -> Clock:
    """A clock returning ``frozen`` (as aware UTC) when given, else the system time."""
    if frozen is None:
        return system_clock
    fixed = frozen if frozen.tzinfo else frozen.replace(tzinfo=UTC)
    fixed = fixed.astimezone(UTC)

    def frozen_clock() -> datetime:
        return fixed

    return frozen_clock
