"""The engagements table: each time staff may see a client's data to deliver a service.

While delivering IT services staff may see a client's personal (even sensitive)
information, used only as needed for that service (Art. 5(1)(b), Art. 29, Art. 32(4)). An
engagement bounds that access to one order, one staff member and a span of time, so it
shows in the audit trail, in the client's access package (Art. 15) and in the compliance
report, which flags any service-delivery read outside an open engagement. No column holds
personal data: ``systems`` is a short label of what was touched ("office laptop, NAS").
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from charter.db import Base, BigId, UTCDateTime


class Engagement(Base):
    __tablename__ = "engagements"
    __table_args__ = (Index("ix_engagements_subject_staff", "subject_id", "staff_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    subject_id: Mapped[int] = mapped_column(BigId, ForeignKey("subjects.id"), index=True)
    order_id: Mapped[int] = mapped_column(BigId, ForeignKey("orders.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(64))
    systems: Mapped[str] = mapped_column(String(200))
    staff_id: Mapped[int] = mapped_column(BigId, ForeignKey("staff_users.id"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    opened_by: Mapped[str] = mapped_column(String(120))
    closed_by: Mapped[str | None] = mapped_column(String(120), default=None)
