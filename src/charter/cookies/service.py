"""Cookie-consent use cases: the categories on offer, recording a choice, finding the
choice a visitor's cookie names, and forgetting old choices.

The rules enforced here:

* **No non-essential cookie without consent** (PECR reg. 6(1)-(3)): only strictly
  necessary cookies (reg. 6(4)(b)) are set before a choice; every other category is off
  until granted. Categories and their cookies come from the policy file.
* **Consent is a clear affirmative act, specific and informed** (UK GDPR Art. 4(11),
  Art. 7(2); the ICO's guidance on storage and access technologies): each choice names the
  categories granted and those refused, and the policy version whose wording was shown.
  Rejecting is recorded as carefully as accepting.
* **Consent must be demonstrable** (Art. 7(1)): every choice is a new row in
  ``cookie_choices`` with minimal evidence (truncated network, browser family).
* **Withdrawing is as easy as giving** (Art. 7(3)): a later choice simply replaces the
  earlier one, from the banner, the settings page or the footer link on every page.
* **A new policy version asks again**: the cookie carries the version, and a choice made
  under another version is not a choice about the cookies declared now (Art. 4(11)
  *informed*). A choice also lapses after :data:`CHOICE_MONTHS` months, as the cookie does.
* **Global Privacy Control** is honoured as a refusal of every optional category when no
  choice has been made (Art. 21(5): objecting by automated means using technical
  specifications; ICO guidance on the GPC signal).

Services never commit: the request that opened the unit of work does.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Collection
from datetime import datetime

from sqlalchemy import delete, select

from charter.cookies.models import CookieChoice
from charter.cookies.schemas import (
    CATEGORY_LABELS,
    NECESSARY,
    Choice,
    ChoiceOrigin,
    CookieCategory,
)
from charter.errors import InvalidInput
from charter.policy.schemas import Cookie, Policy
from charter.runtime import Work
from charter.vault.retention import add_period

#: The first-party cookie remembering the choice (strictly necessary, PECR reg. 6(4)(b)).
CONSENT_COOKIE = "charter_consent"
#: How long a choice lasts before the visitor is asked again (and the cookie's lifetime).
CHOICE_MONTHS = 6
#: The policy's collection point whose consent wording the banner and settings show.
BANNER_POINT = "cookie_banner"
#: The policy's data category cookie-choice evidence belongs to (for its retention rule).
EVIDENCE_CATEGORY = "technical"

_CHOICE_ID = re.compile(r"[0-9a-f]{32}")
_VERSION = re.compile(r"[A-Za-z0-9._-]{1,32}")


# The categories on offer ----------------------------------------------------------------


def cookie_categories(policy: Policy) -> list[CookieCategory]:
    """Every category the policy declares cookies for, strictly necessary first.

    A cookie marked ``strictly_necessary`` belongs to the necessary category whatever its
    ``category`` says: it is never something a visitor can switch off (and must never be
    something we would set without need).
    """
    grouped: dict[str, list[Cookie]] = {NECESSARY: []}
    for cookie in policy.cookies:
        key = NECESSARY if cookie.strictly_necessary else cookie.category
        grouped.setdefault(key, []).append(cookie)
    return [
        _category(policy, category_id, cookies)
        for category_id, cookies in grouped.items()
        if cookies or category_id == NECESSARY
    ]


def optional_categories(policy: Policy) -> tuple[str, ...]:
    """The categories a visitor may grant or refuse (everything but strictly necessary)."""
    return tuple(c.id for c in cookie_categories(policy) if not c.necessary)


def _category(policy: Policy, category_id: str, cookies: list[Cookie]) -> CookieCategory:
    label = CATEGORY_LABELS.get(category_id, category_id.replace("_", " ").capitalize())
    purpose = next((c.consent_purpose for c in cookies if c.consent_purpose), None)
    if category_id == NECESSARY or purpose is None:
        return CookieCategory(category_id, label, tuple(cookies), None, None, None)
    description = next((p.description for p in policy.purposes if p.id == purpose), None)
    return CookieCategory(
        id=category_id,
        label=label,
        cookies=tuple(cookies),
        purpose=purpose,
        description=description,
        wording=_wording(policy, purpose),
    )


def _wording(policy: Policy, purpose: str) -> str | None:
    """The consent wording the policy's cookie banner declares for this purpose."""
    point = next((p for p in policy.collection_points if p.id == BANNER_POINT), None)
    if point is None:
        return None
    return next((c.wording for c in point.consents if c.purpose == purpose), None)


# Recording a choice ---------------------------------------------------------------------


def record_choice(
    work: Work,
    *,
    granted: Collection[str],
    origin: ChoiceOrigin,
    network: str,
    user_agent_family: str,
) -> Choice:
    """Log one choice: ``granted`` categories on, every other optional category off.

    Refuses a category the policy does not declare (Art. 4(11) *specific*: consent to
    something the visitor was never shown is no consent) and a GPC choice that grants
    anything (the signal can only refuse).
    """
    offered = optional_categories(work.policy)
    unknown = sorted(set(granted) - set(offered))
    if unknown:
        raise InvalidInput("Unknown cookie category: " + ", ".join(unknown))
    if origin is ChoiceOrigin.GPC and granted:
        raise InvalidInput("A Global Privacy Control signal can only refuse cookies.")
    row = CookieChoice(
        choice_id=secrets.token_hex(16),
        created_at=work.now(),
        policy_version=work.policy.version,
        granted=[c for c in offered if c in granted],
        denied=[c for c in offered if c not in granted],
        origin=origin.value,
        network=network[:64],
        user_agent_family=user_agent_family[:64],
    )
    work.session.add(row)
    work.session.flush()
    return _choice(row)


def accept_all(work: Work, *, origin: ChoiceOrigin, network: str, user_agent_family: str) -> Choice:
    """The banner's *Accept all*: every optional category the policy declares."""
    return record_choice(
        work,
        granted=optional_categories(work.policy),
        origin=origin,
        network=network,
        user_agent_family=user_agent_family,
    )


def reject_all(work: Work, *, origin: ChoiceOrigin, network: str, user_agent_family: str) -> Choice:
    """The banner's *Reject all*, exactly as easy as accepting (ICO: equal prominence)."""
    return record_choice(
        work, granted=(), origin=origin, network=network, user_agent_family=user_agent_family
    )


def honour_gpc(work: Work, *, network: str, user_agent_family: str) -> Choice:
    """A ``Sec-GPC: 1`` request from a visitor who has not chosen: every optional category
    (analytics, marketing, ...) is recorded as refused, with origin ``gpc``."""
    return reject_all(
        work, origin=ChoiceOrigin.GPC, network=network, user_agent_family=user_agent_family
    )


# Finding the visitor's choice -----------------------------------------------------------


def consent_cookie_value(choice: Choice) -> str:
    """``<choice id>:<policy version>``: all the cookie holds (no categories, no identity)."""
    return f"{choice.choice_id}:{choice.policy_version}"


def parse_consent_cookie(value: str | None) -> tuple[str, str] | None:
    """The (choice id, policy version) a ``charter_consent`` cookie names, if well formed."""
    if not value or ":" not in value:
        return None
    choice_id, version = value.split(":", 1)
    if not _CHOICE_ID.fullmatch(choice_id) or not _VERSION.fullmatch(version):
        return None
    return choice_id, version


def current_choice(work: Work, cookie_value: str | None) -> Choice | None:
    """The choice the visitor's cookie names, if it still stands.

    It does not stand when it was made under another policy version (the visitor is asked
    again about the cookies declared now), when it is older than :data:`CHOICE_MONTHS`
    months, or when no such choice was logged (a forged or forgotten id).
    """
    parsed = parse_consent_cookie(cookie_value)
    if parsed is None or parsed[1] != work.policy.version:
        return None
    row = work.session.scalars(
        select(CookieChoice).where(CookieChoice.choice_id == parsed[0])
    ).first()
    if row is None or row.policy_version != work.policy.version:
        return None
    if choice_expires(row.created_at) <= work.now():
        return None
    return _choice(row)


def choice_expires(created_at: datetime) -> datetime:
    return add_period(created_at, months=CHOICE_MONTHS)


def _choice(row: CookieChoice) -> Choice:
    return Choice(
        choice_id=row.choice_id,
        policy_version=row.policy_version,
        granted=frozenset(row.granted),
        denied=frozenset(row.denied),
        origin=ChoiceOrigin(row.origin),
        created_at=row.created_at,
    )


# Retention ------------------------------------------------------------------------------


def forget_expired_choices(work: Work) -> int:
    """Delete choice evidence older than the policy's retention period for technical data
    (Art. 5(1)(e)); returns how many rows went. The evidence must outlive the choice it
    proves, so the period is never shorter than the choice's own lifetime."""
    rule = work.policy.retention_rule(EVIDENCE_CATEGORY, BANNER_POINT)
    now = work.now()
    cutoff = add_period(now, years=-rule.years, months=-rule.months, days=-rule.days)
    cutoff = min(cutoff, add_period(now, months=-CHOICE_MONTHS))
    result = work.session.execute(delete(CookieChoice).where(CookieChoice.created_at < cutoff))
    return int(getattr(result, "rowcount", 0) or 0)
