"""Tables of the privacy centre: email verification links and sealed access packages.

Neither holds anything readable without the key ring:

* a :class:`VerificationLink` is the single-use link emailed to the address on file when
  someone asks to use a right in that address's name (ICO guidance on verifying identity:
  the check is that the requester controls the mailbox we already hold). It keeps only a
  keyed hash of the token, the kind-specific choice (a channel or an Art. 18(1) ground
  code, never free text) and the address sealed under the subject's own data key, so
  erasing the subject shreds it too (Art. 17). A request for an address we do not hold
  gets a row with no subject and no address: its token is never sent, so it can never be
  used, and the pseudonymous request is still on record (Art. 5(2)).
* a :class:`PackageDownload` is a built access or portability package (Art. 15, 20)
  waiting to be downloaded once: the zip is sealed under the subject's data key
  (Art. 32(1)(a)) and deleted on download, leaving only the used marker so a second
  attempt is told the link has gone.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from charter.db import Base, BigId, UTCDateTime


class VerificationLink(Base):
    """The emailed "was this you?" link of one request made through the privacy centre."""

    __tablename__ = "privacy_centre_links"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    request_id: Mapped[int] = mapped_column(BigId, ForeignKey("subject_requests.id"), unique=True)
    subject_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("subjects.id", ondelete="CASCADE"), index=True, default=None
    )
    token_digest: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    choice: Mapped[str | None] = mapped_column(String(32), default=None)
    sealed_email: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    #: ``email_link``, or ``sms_code`` when a code went by text to the phone on file.
    method: Mapped[str] = mapped_column(String(16), default="email_link")
    #: Keyed hash of the 6-digit text code, and how many wrong codes were entered.
    code_digest: Mapped[bytes | None] = mapped_column(LargeBinary(32), default=None)
    code_attempts: Mapped[int] = mapped_column(Integer, default=0)
    #: The phone on file, sealed like the address, for answering a text-verified request.
    sealed_phone: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    #: Erasure cooling-off (Art. 17): the keyed hash of the emailed cancel link.
    cancel_digest: Mapped[bytes | None] = mapped_column(LargeBinary(32), unique=True, default=None)


class PackageDownload(Base):
    """An access or portability package, sealed, behind a single-use download link."""

    __tablename__ = "privacy_centre_downloads"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    request_id: Mapped[int] = mapped_column(BigId, ForeignKey("subject_requests.id"), unique=True)
    subject_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("subjects.id", ondelete="CASCADE"), index=True
    )
    token_digest: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    sealed_package: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    downloaded_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
