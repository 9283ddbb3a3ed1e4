"""Tables of data-subject requests: the request (current state) and its event ledger.

A request row is the projection; ``request_events`` is the append-only history of every
status change, kept so the controller can *demonstrate* how and when each request was
handled (Art. 5(2) accountability, Art. 12(3)-(4) time limits and reasons). Neither
table holds personal data: the person is linked by ``subject_id``, reasons and outcomes
are short codes or staff notes about the handling, never the person's words.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, Boolean, Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from charter.db import Base, BigId, UTCDateTime


class RequestKind(StrEnum):
    """The right exercised (Art. 15-22, Art. 7(3), and a complaint to us, Art. 77/DPA s.164A)."""

    ACCESS = "access"
    PORTABILITY = "portability"
    RECTIFICATION = "rectification"
    ERASURE = "erasure"
    RESTRICTION = "restriction"
    OBJECTION = "objection"
    WITHDRAW_CONSENT = "withdraw_consent"
    CHANGE_CHANNELS = "change_channels"
    COMPLAINT = "complaint"


class ReceivedVia(StrEnum):
    """How the request reached us: a request need not use any particular form or words."""

    WEB = "web"
    EMAIL = "email"
    PHONE = "phone"
    LETTER = "letter"
    STAFF = "staff"


class RequestStatus(StrEnum):
    RECEIVED = "received"
    AWAITING_VERIFICATION = "awaiting_verification"
    VERIFIED = "verified"
    IN_PROGRESS = "in_progress"
    EXTENDED = "extended"
    COMPLETED = "completed"
    REFUSED = "refused"
    CANCELLED = "cancelled"


#: Statuses after which nothing more happens to a request.
CLOSED_STATUSES = frozenset(
    {RequestStatus.COMPLETED, RequestStatus.REFUSED, RequestStatus.CANCELLED}
)


class VerificationMethod(StrEnum):
    """How identity was confirmed: only reasonable, proportionate checks (ICO guidance)."""

    SESSION = "session"
    EMAIL_LINK = "email_link"
    SMS_CODE = "sms_code"
    STAFF_ON_FILE = "staff_on_file"
    #: Weaker than a channel on file (e.g. a known customer met in person): only a privacy
    #: officer may accept it, with a reason code (see ``rights.verification``).
    STAFF_DOWNGRADED = "staff_downgraded"


class SubjectRequest(Base):
    """One data-subject request; its status changes only through ``workflow.advance``."""

    __tablename__ = "subject_requests"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    kind: Mapped[str] = mapped_column(String(24))
    status: Mapped[str] = mapped_column(String(24), index=True)
    subject_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("subjects.id"), index=True, default=None
    )
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_via: Mapped[str] = mapped_column(String(16))
    clock_started_on: Mapped[date | None] = mapped_column(Date, default=None)
    due_on: Mapped[date | None] = mapped_column(Date, index=True, default=None)
    extended: Mapped[bool] = mapped_column(Boolean, default=False)
    extension_reason: Mapped[str | None] = mapped_column(String(500), default=None)
    verification_method: Mapped[str | None] = mapped_column(String(16), default=None)
    outcome: Mapped[str | None] = mapped_column(String(500), default=None)
    refusal_reason: Mapped[str | None] = mapped_column(String(500), default=None)
    #: Art. 17 erasure: not carried out before this moment (``erasure_cooling_off_hours``
    #: after verification), so the person can still cancel it.
    cooling_off_until: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    #: Complaints (DPA 2018 s.164A(3)): when the acknowledgement was sent.
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    #: Objection (Art. 21) scope, or another kind's option: a short code, never free text.
    choice: Mapped[str | None] = mapped_column(String(32), default=None)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class RequestEvent(Base):
    """One status change of a request: append-only, no personal data (a note *code*)."""

    __tablename__ = "request_events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    request_id: Mapped[int] = mapped_column(BigId, ForeignKey("subject_requests.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    from_status: Mapped[str | None] = mapped_column(String(24))
    to_status: Mapped[str] = mapped_column(String(24))
    actor: Mapped[str] = mapped_column(String(100))
    note_code: Mapped[str | None] = mapped_column(String(64), default=None)


class RequestReminder(Base):
    """One deadline reminder sent to staff (Art. 12(3)): once per request, threshold and
    due date (an extension moves the date), so the periodic job can run any number of
    times without repeating itself."""

    __tablename__ = "request_reminders"
    __table_args__ = (UniqueConstraint("request_id", "threshold", "due_on"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    request_id: Mapped[int] = mapped_column(BigId, ForeignKey("subject_requests.id"), index=True)
    threshold: Mapped[str] = mapped_column(String(16))
    due_on: Mapped[date] = mapped_column(Date)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ObjectionDecision(StrEnum):
    """Art. 21(1): an objection to legitimate-interests processing is either upheld (the
    processing stops) or answered with compelling legitimate grounds, with the reason."""

    UPHELD = "upheld"
    COMPELLING_GROUNDS = "compelling_grounds"


class ObjectionScope(StrEnum):
    """What an Art. 21 objection is to: direct marketing (absolute, Art. 21(2)-(3)) or
    processing based on legitimate interests (weighed, Art. 21(1))."""

    DIRECT_MARKETING = "direct_marketing"
    LEGITIMATE_INTERESTS = "legitimate_interests"


class Objection(Base):
    """A person's objection (Art. 21) and its decision. While an ``upheld`` row exists the
    purposes it lists (those based on legitimate interests) are refused for that person."""

    __tablename__ = "objections"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    subject_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("subjects.id", ondelete="CASCADE"), index=True
    )
    request_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("subject_requests.id"), default=None
    )
    scope: Mapped[str] = mapped_column(String(32))
    decision: Mapped[str] = mapped_column(String(24))
    purposes: Mapped[list[str]] = mapped_column(JSON)
    reason: Mapped[str | None] = mapped_column(String(500), default=None)
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(100))
