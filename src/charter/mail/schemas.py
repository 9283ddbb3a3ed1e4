"""What the correspondence use cases return: outcomes and decrypted items.

Nothing here is stored; a :class:`CorrespondenceResult` holds no personal data (only
references, category names and counts), so it can be printed by the CLI and logged.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict


class SpecialCategoryMode(StrEnum):
    """``CHARTER_SPECIAL_CATEGORY_MODE``: what happens to a message flagged as holding
    special-category or criminal-offence data, which this firm does not collect (Art. 9,
    Art. 10)."""

    REDACT = "redact"  # keep the message with the flagged passages replaced
    QUARANTINE = "quarantine"  # keep it whole, out of normal reads, for a person to review
    REJECT = "reject"  # keep nothing but a pseudonymous record of the refusal


class Disposition(StrEnum):
    STORED = "stored"
    REDACTED = "redacted"
    QUARANTINED = "quarantined"
    REJECTED = "rejected"
    DUPLICATE = "duplicate"


class CorrespondenceResult(BaseModel):
    """The outcome of recording one received email."""

    model_config = ConfigDict(frozen=True)

    disposition: Disposition
    correspondence_id: int | None = None
    rejection_id: int | None = None
    subject_ref: str | None = None
    subject_created: bool = False
    categories: list[str] = []
    pii_types: list[str] = []
    mentions: int = 0
    attachment_count: int = 0
    truncated: bool = False

    @property
    def recorded(self) -> bool:
        """Whether the message's text is now held (stored, redacted or quarantined)."""
        return self.disposition in (
            Disposition.STORED,
            Disposition.REDACTED,
            Disposition.QUARANTINED,
        )


class CorrespondenceItem(BaseModel):
    """One message on a subject's timeline, opened for a purpose. ``subject_line`` or
    ``message`` is ``None`` once that value's retention period has removed it."""

    model_config = ConfigDict(frozen=True)

    id: int
    received_at: datetime
    received_via: str
    subject_line: str | None
    message: str | None
    categories: list[str]
    quarantined: bool
    attachment_count: int
    attachment_types: list[str]
