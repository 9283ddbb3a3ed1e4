"""What the cookie feature hands out: the categories a visitor chooses between, where a
choice came from, and the choice itself as a plain value.

Categories come from the policy file's ``cookies`` list, never from code, so the banner
and the settings page offer exactly the cookies the published policy declares (UK GDPR
Art. 13; PECR reg. 6(3)(a): clear and comprehensive information).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from charter.policy.schemas import Cookie

#: The category of cookies that need no consent (PECR reg. 6(4)(b)); never a toggle.
NECESSARY = "necessary"

CATEGORY_LABELS = {
    NECESSARY: "Strictly necessary cookies",
    "analytics": "Analytics cookies",
    "preferences": "Preference cookies",
    "marketing": "Marketing cookies",
}


class ChoiceOrigin(StrEnum):
    """Where a cookie choice was made."""

    BANNER = "banner"  # Accept all / Reject all on the first-layer banner
    SETTINGS = "settings"  # per-category choice on /cookies
    GPC = "gpc"  # the browser's Global Privacy Control signal, before any choice


@dataclass(frozen=True)
class CookieCategory:
    """One category of cookies as the visitor sees it on the banner and settings page."""

    id: str
    label: str
    cookies: tuple[Cookie, ...]
    #: The consent-based purpose these cookies serve; ``None`` for strictly necessary ones.
    purpose: str | None
    #: What that purpose is for, as the policy describes it.
    description: str | None
    #: The words the policy's ``cookie_banner`` collection point asks consent with.
    wording: str | None

    @property
    def necessary(self) -> bool:
        return self.id == NECESSARY


@dataclass(frozen=True)
class Choice:
    """A recorded choice, detached from the database (what a request needs to know)."""

    choice_id: str
    policy_version: str
    granted: frozenset[str]
    denied: frozenset[str]
    origin: ChoiceOrigin
    created_at: datetime

    def allows(self, category: str) -> bool:
        """Strictly necessary cookies are always allowed; others only if granted."""
        return category == NECESSARY or category in self.granted
