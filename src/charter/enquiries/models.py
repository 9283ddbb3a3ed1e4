"""The enquiries table: one row per contact-form submission, holding no personal data.

What the person wrote lives in the vault (``personal_values``, sealed under their data
key, with its collection point, purposes and deletion date); this row only points at it,
so the staff console can list enquiries without decrypting anything, and erasing the
person (crypto-shredding, Art. 17) leaves nothing readable here (Art. 32(1)(a)).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from charter.db import Base, BigId, UTCDateTime


class Enquiry(Base):
    """One enquiry. ``reference`` is random (it appears in emails and the staff-console
    link, so it must reveal nothing and not be guessable from its neighbours).

    ``handling`` records what special-category screening did with the message (Art. 9):
    ``clean``, ``redacted`` (flagged passages replaced before storing) or ``quarantined``
    (stored whole, for a person to review before anyone else reads it). ``categories``
    names what was flagged, never the passage.
    """

    __tablename__ = "enquiries"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    subject_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("subjects.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    value_ids: Mapped[list[int]] = mapped_column(JSON)
    categories: Mapped[list[str]] = mapped_column(JSON)
    handling: Mapped[str] = mapped_column(String(16))
    consent_record_ids: Mapped[list[str]] = mapped_column(JSON)
