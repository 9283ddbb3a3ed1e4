"""Scheduled work of the newsletter."""

from __future__ import annotations

from sqlalchemy import delete, select

from charter.audit import service as audit
from charter.newsletter.models import NewsletterSignup
from charter.runtime import Work


def purge_expired_signups(work: Work, *, actor: str) -> int:
    """Delete sign-ups whose confirmation link expired unconfirmed; returns how many.

    Art. 5(1)(e) storage limitation: an address nobody confirmed serves no purpose any
    more (its owner never agreed to anything), so its sealed copy goes. Run it daily.
    """
    now = work.now()
    expired = list(
        work.session.scalars(select(NewsletterSignup.id).where(NewsletterSignup.expires_at <= now))
    )
    if expired:
        work.session.execute(delete(NewsletterSignup).where(NewsletterSignup.id.in_(expired)))
        audit.record(
            work, actor=actor, action="newsletter.signups_purged", detail={"count": len(expired)}
        )
    return len(expired)
