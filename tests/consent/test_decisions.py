"""decide(): every answer it can give, in the order it gives them."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import pytest

from charter.consent.decisions import decide
from charter.consent.ledger import rebuild_projection
from charter.consent.models import ANY_CHANNEL
from charter.consent.schemas import DecisionCode
from charter.consent.service import (
    consent_history,
    give_consent,
    mark_renewal_needed,
    withdraw_consent,
)
from charter.errors import InvalidInput, NotFound, PolicyRefusal, UndeclaredPurpose
from charter.runtime import Runtime, Work
from charter.vault import service as vault
from charter.vault.models import Subject

from .factories import ACTOR, ASKED_AT, WEB, make_policy, new_subject

if TYPE_CHECKING:
    from tests.conftest import TestClock


def give(work: Work, subject: Subject, purpose: str, channel: str) -> None:
    point, wording = ASKED_AT[(purpose, channel)]
    give_consent(
        work,
        subject,
        purpose=purpose,
        channel=channel,
        collection_point=point,
        wording=wording,
        evidence=WEB,
        actor=ACTOR,
    )


def withdraw(work: Work, subject: Subject, purpose: str, channel: str) -> None:
    withdraw_consent(work, subject, purpose=purpose, channel=channel, actor=ACTOR, evidence={})


def test_given_consent_is_allowed_naming_version_and_date(consent: Runtime) -> None:
    with consent.unit() as work:
        subject = new_subject(work)
        give(work, subject, "marketing", "email")
        decision = decide(work, subject.id, "marketing", "email")
    assert decision.allowed
    assert decision.code is DecisionCode.GIVEN
    assert "2026-11-25" in decision.reason
    assert "version 2.0" in decision.reason


def test_no_consent_recorded_is_refused(consent: Runtime) -> None:
    with consent.unit() as work:
        subject = new_subject(work)
        decision = decide(work, subject.id, "marketing", "email")
    assert not decision.allowed
    assert decision.code is DecisionCode.NO_CONSENT


def test_consent_is_per_channel(consent: Runtime) -> None:
    """PECR reg. 22: consent to emails is not consent to calls or texts."""
    with consent.unit() as work:
        subject = new_subject(work)
        give(work, subject, "marketing", "email")
        codes = {
            channel: decide(work, subject.id, "marketing", channel).code
            for channel in ("email", "phone", "text")
        }
    assert codes == {
        "email": DecisionCode.GIVEN,
        "phone": DecisionCode.NO_CONSENT,
        "text": DecisionCode.NO_CONSENT,
    }


def test_withdrawn_consent_is_refused_and_can_be_given_again(
    consent: Runtime, clock: TestClock
) -> None:
    with consent.unit() as work:
        subject = new_subject(work)
        give(work, subject, "reviews", ANY_CHANNEL)
        clock.advance(days=40)
        withdraw(work, subject, "reviews", ANY_CHANNEL)
        withdrawn = decide(work, subject.id, "reviews", ANY_CHANNEL)
        clock.advance(days=1)
        give(work, subject, "reviews", ANY_CHANNEL)
        again = decide(work, subject.id, "reviews", ANY_CHANNEL)
    assert (withdrawn.allowed, withdrawn.code) == (False, DecisionCode.WITHDRAWN)
    assert "2027-01-04" in withdrawn.reason
    assert (again.allowed, again.code) == (True, DecisionCode.GIVEN)


@pytest.mark.parametrize(
    ("purpose", "basis"),
    [("service", "contract (Art. 6(1)(b))"), ("legal_claims", "legitimate interests")],
)
def test_other_lawful_basis_is_allowed_naming_it(
    consent: Runtime, purpose: str, basis: str
) -> None:
    with consent.unit() as work:
        subject = new_subject(work)
        decision = decide(work, subject.id, purpose, ANY_CHANNEL)
    assert (decision.allowed, decision.code) == (True, DecisionCode.OTHER_LAWFUL_BASIS)
    assert basis in decision.reason


@pytest.mark.parametrize(
    ("purpose", "channel", "allowed", "code"),
    [
        ("marketing", "email", False, DecisionCode.RESTRICTED),
        ("service", ANY_CHANNEL, False, DecisionCode.RESTRICTED),
        ("legal_claims", ANY_CHANNEL, True, DecisionCode.OTHER_LAWFUL_BASIS),
    ],
)
def test_restriction_overrides_consent_and_other_bases(
    consent: Runtime, purpose: str, channel: str, allowed: bool, code: DecisionCode
) -> None:
    """Art. 18(2): under restriction only storage and purposes such as legal claims."""
    with consent.unit() as work:
        subject = new_subject(work)
        give(work, subject, "marketing", "email")
        vault.restrict_processing(work, subject, reason="accuracy_contested", actor=ACTOR)
        decision = decide(work, subject.id, purpose, channel)
        vault.lift_restriction(work, subject, actor=ACTOR)
        lifted = decide(work, subject.id, "marketing", "email")
    assert (decision.allowed, decision.code) == (allowed, code)
    assert lifted.code is DecisionCode.GIVEN


@pytest.mark.parametrize(
    ("purpose", "channel"),
    [("marketing", "email"), ("service", ANY_CHANNEL), ("legal_claims", ANY_CHANNEL)],
)
def test_erasure_refuses_every_purpose(consent: Runtime, purpose: str, channel: str) -> None:
    with consent.unit() as work:
        subject = new_subject(work)
        give(work, subject, "marketing", "email")
        vault.destroy_data_key(work, subject, actor=ACTOR)
        decision = decide(work, subject.id, purpose, channel)
    assert (decision.allowed, decision.code) == (False, DecisionCode.ERASED)


def test_questions_that_are_not_decisions_raise(consent: Runtime) -> None:
    with consent.unit() as work:
        subject = new_subject(work)
        with pytest.raises(UndeclaredPurpose):
            decide(work, subject.id, "profiling", ANY_CHANNEL)
        with pytest.raises(InvalidInput):
            decide(work, subject.id, "marketing", "fax")
        with pytest.raises(InvalidInput):
            decide(work, subject.id, "marketing", ANY_CHANNEL)
        with pytest.raises(NotFound):
            decide(work, subject.id + 1_000_000, "marketing", "email")


def test_decide_on_a_bare_session_needs_the_policy(consent: Runtime) -> None:
    with consent.unit(write=False) as work:
        subject = new_subject(work)
        decision = decide(work.session, subject.id, "service", ANY_CHANNEL, policy=work.policy)
        assert decision.allowed
        with pytest.raises(TypeError):
            decide(work.session, subject.id, "service", ANY_CHANNEL)


def version_3(runtime: Runtime) -> Runtime:
    """The runtime once version 3.0, changing marketing materially, is in force."""
    change_log = [{"version": "3.0", "date": "2026-12-01", "summary": "Marketing by SMS"}]
    return dataclasses.replace(runtime, policy=make_policy(version="3.0", change_log=change_log))


def test_material_change_requires_renewal_until_given_again(
    consent: Runtime, clock: TestClock
) -> None:
    with consent.unit() as work:
        subject, withdrawn, reviewer = new_subject(work), new_subject(work), new_subject(work)
        give(work, subject, "marketing", "email")
        give(work, subject, "marketing", "text")
        give(work, withdrawn, "marketing", "email")
        withdraw(work, withdrawn, "marketing", "email")
        give(work, reviewer, "reviews", ANY_CHANNEL)
    clock.advance(days=7)
    renewed = version_3(consent)
    with renewed.unit() as work:
        marked = mark_renewal_needed(
            work, purposes=["marketing"], given_before_version="3.0", actor=ACTOR
        )
        assert marked == 2
        email = decide(work, subject.id, "marketing", "email")
        assert (email.allowed, email.code) == (False, DecisionCode.NEEDS_RENEWAL)
        assert "version 2.0" in email.reason
        assert decide(work, withdrawn.id, "marketing", "email").code is DecisionCode.WITHDRAWN
        assert decide(work, reviewer.id, "reviews", ANY_CHANNEL).code is DecisionCode.GIVEN
        assert consent_history(work, subject)[-1].action == "renewal_needed"
        # Marking again flags nothing new.
        again = mark_renewal_needed(
            work, purposes=["marketing"], given_before_version="3.0", actor=ACTOR
        )
        assert again == 0
        give(work, subject, "marketing", "email")
        fresh = decide(work, subject.id, "marketing", "email")
        assert (fresh.allowed, fresh.code) == (True, DecisionCode.GIVEN)
        assert "version 3.0" in fresh.reason
        # The flag survives a rebuild: it is in the ledger, not only in the projection.
        rebuild_projection(work)
        assert decide(work, subject.id, "marketing", "text").code is DecisionCode.NEEDS_RENEWAL
        assert decide(work, subject.id, "marketing", "email").code is DecisionCode.GIVEN


def test_consent_given_under_the_new_version_is_not_marked(consent: Runtime) -> None:
    renewed = version_3(consent)
    with renewed.unit() as work:
        subject = new_subject(work)
        give(work, subject, "marketing", "email")
        assert (
            mark_renewal_needed(
                work, purposes=["marketing", "reviews"], given_before_version="3.0", actor=ACTOR
            )
            == 0
        )
        assert decide(work, subject.id, "marketing", "email").code is DecisionCode.GIVEN


def test_renewal_is_only_for_declared_consent_purposes(consent: Runtime) -> None:
    with consent.unit() as work:
        with pytest.raises(UndeclaredPurpose):
            mark_renewal_needed(
                work, purposes=["profiling"], given_before_version="3.0", actor=ACTOR
            )
        with pytest.raises(PolicyRefusal):
            mark_renewal_needed(work, purposes=["service"], given_before_version="3.0", actor=ACTOR)
