"""Tables of the newsletter: pending sign-ups, preference links and the suppression list.

None holds an email address in clear:

* a :class:`NewsletterSignup` waits for the double opt-in; it keeps the address sealed
  under the subject's data key (so erasing the subject shreds it too, Art. 17) and only
  a keyed hash of the confirmation token, and it is deleted on confirmation or expiry;
* a :class:`PreferenceLink` is the subject's unsubscribe/preferences link: a random nonce
  from which the token is derived (HMAC under the web secret) and the token's SHA-256
  for lookups;
* a :class:`SuppressedAddress` is a keyed HMAC (index key) of an address that
  unsubscribed: enough to refuse sending to it again (PECR reg. 22, Art. 21(3)), useless
  for learning the address.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from charter.db import Base, BigId, UTCDateTime


class NewsletterSignup(Base):
    """A sign-up waiting for its confirmation link to be followed (double opt-in).

    ``email_digest`` is the address's suppression digest: it lets a repeated sign-up for
    the same address replace this one instead of mailing the address again and again.
    ``wording`` is the consent wording the person ticked, given as-is on confirmation.
    """

    __tablename__ = "newsletter_signups"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    subject_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("subjects.id", ondelete="CASCADE"), index=True
    )
    token_digest: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    email_digest: Mapped[bytes] = mapped_column(LargeBinary(32), index=True)
    sealed_email: Mapped[bytes] = mapped_column(LargeBinary)
    sealed_first_name: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    wording: Mapped[str] = mapped_column(Text)
    policy_version: Mapped[str] = mapped_column(String(32))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class PreferenceLink(Base):
    """The one link per subject that every marketing email carries (RFC 8058).

    ``email_digest`` is the suppression digest of the address the link was last issued
    for: a one-click unsubscribe suppresses that address without decrypting anything.
    """

    __tablename__ = "preference_links"

    subject_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("subjects.id", ondelete="CASCADE"), primary_key=True
    )
    nonce: Mapped[str] = mapped_column(String(32))
    token_digest: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    email_digest: Mapped[bytes | None] = mapped_column(LargeBinary(32), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SuppressedAddress(Base):
    """An address that must not get marketing email: HMAC of the normalised address."""

    __tablename__ = "suppressed_addresses"

    digest: Mapped[bytes] = mapped_column(LargeBinary(32), primary_key=True)
    suppressed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    route: Mapped[str] = mapped_column(String(32))
