"""Cookie-consent use cases on SQLite and PostgreSQL: categories from the policy, each
choice logged with its version and origin, GPC, re-asking on a new version, retention."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import select

from charter.cookies import service
from charter.cookies.models import CookieChoice
from charter.cookies.schemas import Choice, ChoiceOrigin
from charter.errors import InvalidInput
from charter.runtime import Runtime

if TYPE_CHECKING:
    from tests.conftest import TestClock

NETWORK = "203.0.113.0/24"


def choose(runtime: Runtime, *granted: str, origin: ChoiceOrigin = ChoiceOrigin.BANNER) -> Choice:
    with runtime.unit() as work:
        return service.record_choice(
            work, granted=granted, origin=origin, network=NETWORK, user_agent_family="Firefox"
        )


def test_categories_come_from_the_policy(runtime: Runtime) -> None:
    categories = service.cookie_categories(runtime.policy)
    assert [c.id for c in categories] == ["necessary", "analytics"]
    necessary, analytics = categories
    assert necessary.necessary
    assert necessary.purpose is None
    assert [c.name for c in necessary.cookies] == [
        "charter_session",
        "charter_consent",
        "charter_stats_optout",
    ]
    assert analytics.purpose == "analytics"
    assert analytics.wording is not None
    assert analytics.wording.startswith("Allow Google Analytics")
    assert service.optional_categories(runtime.policy) == ("analytics",)


def test_a_choice_is_logged_with_version_origin_and_minimal_evidence(runtime: Runtime) -> None:
    choice = choose(runtime, "analytics")
    assert choice.granted == {"analytics"}
    assert choice.denied == frozenset()
    with runtime.unit(write=False) as work:
        row = work.session.scalars(
            select(CookieChoice).where(CookieChoice.choice_id == choice.choice_id)
        ).one()
        assert row.policy_version == runtime.policy.version == "1.1"
        assert row.origin == "banner"
        assert row.network == NETWORK
        assert row.user_agent_family == "Firefox"
        assert row.granted == ["analytics"]
        assert row.denied == []
        assert len(row.choice_id) == 32


def test_rejecting_records_every_optional_category_as_refused(runtime: Runtime) -> None:
    choice = choose(runtime)
    assert choice.granted == frozenset()
    assert choice.denied == {"analytics"}
    assert choice.allows("necessary")
    assert not choice.allows("analytics")


def test_each_choice_gets_its_own_random_id(runtime: Runtime) -> None:
    ids = {choose(runtime).choice_id for _ in range(5)}
    assert len(ids) == 5


def test_an_undeclared_category_cannot_be_granted(runtime: Runtime) -> None:
    with pytest.raises(InvalidInput, match="marketing"):
        choose(runtime, "marketing")


def test_gpc_is_recorded_as_a_refusal_and_can_only_refuse(runtime: Runtime) -> None:
    with runtime.unit() as work:
        choice = service.honour_gpc(work, network=NETWORK, user_agent_family="Chrome")
    assert choice.origin is ChoiceOrigin.GPC
    assert choice.denied == {"analytics"}
    assert not choice.granted
    with pytest.raises(InvalidInput):
        choose(runtime, "analytics", origin=ChoiceOrigin.GPC)


def test_the_cookie_names_the_current_choice(runtime: Runtime) -> None:
    choice = choose(runtime, "analytics")
    value = service.consent_cookie_value(choice)
    assert value == f"{choice.choice_id}:1.1"
    with runtime.unit(write=False) as work:
        assert service.current_choice(work, value) == choice


@pytest.mark.parametrize(
    "value",
    [None, "", "nonsense", "0" * 32, "0" * 32 + ":1.1", "zz:1.1", "a" * 32 + ":1 .1", ":1.1"],
)
def test_a_missing_forged_or_malformed_cookie_is_no_choice(runtime: Runtime, value: str) -> None:
    with runtime.unit(write=False) as work:
        assert service.current_choice(work, value) is None


def test_a_new_policy_version_asks_again(runtime: Runtime) -> None:
    choice = choose(runtime, "analytics")
    newer = dataclasses.replace(
        runtime, policy=runtime.policy.model_copy(update={"version": "1.2"})
    )
    with newer.unit(write=False) as work:
        assert service.current_choice(work, service.consent_cookie_value(choice)) is None
        # A cookie claiming the new version for an old choice is not believed either.
        assert service.current_choice(work, f"{choice.choice_id}:1.2") is None


def test_a_choice_lapses_after_six_months(runtime: Runtime, clock: TestClock) -> None:
    choice = choose(runtime, "analytics")
    value = service.consent_cookie_value(choice)
    clock.advance(days=180)
    with runtime.unit(write=False) as work:
        assert service.current_choice(work, value) == choice
    clock.advance(days=5)
    with runtime.unit(write=False) as work:
        assert service.current_choice(work, value) is None


def test_old_evidence_is_forgotten_after_the_retention_period(
    runtime: Runtime, clock: TestClock
) -> None:
    old = choose(runtime)
    clock.advance(days=200)
    recent = choose(runtime)
    clock.advance(days=220)  # old is now ~14 months old, recent ~7 months
    with runtime.unit() as work:
        assert service.forget_expired_choices(work) == 1
    with runtime.unit(write=False) as work:
        left = set(work.session.scalars(select(CookieChoice.choice_id)))
    assert recent.choice_id in left
    assert old.choice_id not in left
