"""The cookie-choice log: one row per choice a visitor makes (or their browser makes for
them with Global Privacy Control).

UK GDPR Art. 7(1) requires the controller to be able to *demonstrate* consent, and PECR
reg. 6 needs that consent for every non-essential cookie. Each row says which categories
were granted and which refused, under which policy version (the wording the visitor saw
is that version's, kept readable at ``/privacy/versions/{version}``), where the choice
was made, and minimal evidence: the truncated network (/24 or /48, never the address)
and the browser family only (never the User-Agent string). Rows are never updated: a new
choice is a new row with a new random ``choice_id``, which the ``charter_consent`` cookie
carries, so each visitor's current choice is simply the row their cookie names.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from charter.db import Base, BigId, UTCDateTime


class CookieChoice(Base):
    __tablename__ = "cookie_choices"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    #: Random 128-bit id (hex) named by the visitor's ``charter_consent`` cookie.
    choice_id: Mapped[str] = mapped_column(String(32), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    #: The policy (and so cookie-list) version the visitor was shown.
    policy_version: Mapped[str] = mapped_column(String(32))
    granted: Mapped[list[str]] = mapped_column(JSON)
    denied: Mapped[list[str]] = mapped_column(JSON)
    #: ``banner`` | ``settings`` | ``gpc`` (see ``schemas.ChoiceOrigin``).
    origin: Mapped[str] = mapped_column(String(16))
    #: Truncated network, e.g. ``203.0.113.0/24``; never a whole address.
    network: Mapped[str] = mapped_column(String(64))
    #: Browser family only, e.g. ``Firefox``; never the User-Agent string.
    user_agent_family: Mapped[str] = mapped_column(String(64))
