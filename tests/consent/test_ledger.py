"""The projection after a replay keeps working with the session that replayed it."""

from __future__ import annotations

from charter.consent.decisions import decide
from charter.consent.ledger import rebuild_projection
from charter.consent.models import ConsentState
from charter.consent.schemas import DecisionCode
from charter.consent.service import give_consent, withdraw_consent
from charter.runtime import Runtime

from .factories import ACTOR, EMAIL_WORDING, WEB, new_subject


def test_changes_after_a_rebuild_update_the_rebuilt_rows(consent: Runtime) -> None:
    with consent.unit() as work:
        subject = new_subject(work)
        give_consent(
            work,
            subject,
            purpose="marketing",
            channel="email",
            collection_point="newsletter_signup",
            wording=EMAIL_WORDING,
            evidence=WEB,
            actor=ACTOR,
        )
        assert work.session.get(ConsentState, (subject.id, "marketing", "email")) is not None
        assert rebuild_projection(work) >= 1
        withdrawal = withdraw_consent(
            work, subject, purpose="marketing", channel="email", actor=ACTOR, evidence={}
        )
        state = work.session.get(ConsentState, (subject.id, "marketing", "email"))
        assert state is not None
        assert (state.given, state.event_id) == (False, withdrawal.event.id)
        assert decide(work, subject.id, "marketing", "email").code is DecisionCode.WITHDRAWN
    with consent.unit(write=False) as work:
        assert decide(work, subject.id, "marketing", "email").code is DecisionCode.WITHDRAWN


def test_rebuilding_an_empty_ledger_writes_nothing(consent: Runtime) -> None:
    with consent.unit() as work:
        new_subject(work)
        before = rebuild_projection(work)
        assert rebuild_projection(work) == before
