"""What the staff feature hands out: roles, an account as the console shows it, and the
signed-in staff member a request acts as."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Role(StrEnum):
    """Least privilege (Art. 25, Art. 32(4)): each role reaches only what its work needs.

    * ``staff`` answers enquiries and reads the statistics;
    * ``privacy_officer`` also reviews quarantined enquiries and the outbox;
    * ``admin`` also manages staff accounts, but reads no outgoing mail.
    """

    ADMIN = "admin"
    PRIVACY_OFFICER = "privacy_officer"
    STAFF = "staff"


ALL_ROLES: tuple[Role, ...] = (Role.STAFF, Role.PRIVACY_OFFICER, Role.ADMIN)


@dataclass(frozen=True)
class StaffAccount:
    """An account without its secrets; ``email`` is present only when it was opened."""

    id: int
    role: Role
    active: bool
    totp_enrolled: bool
    created_at: datetime
    last_login_at: datetime | None
    locked: bool
    email: str | None = None


@dataclass(frozen=True)
class SignedIn:
    """The staff member a console request acts for, and the session it came with."""

    staff_id: int
    role: Role
    session_id: str

    @property
    def actor(self) -> str:
        """The audit actor: the staff id, never the email address (Art. 5(2))."""
        return f"staff:{self.staff_id}"
