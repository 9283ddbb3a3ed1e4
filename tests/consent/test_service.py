"""Giving and withdrawing consent: what is stored, and what is refused with nothing stored."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import func, select

from charter.audit.models import AuditEntry
from charter.consent.models import ANY_CHANNEL, ConsentEvent, ConsentState
from charter.consent.service import (
    DEFAULT_WITHDRAWAL_ROUTE,
    WITHDRAWAL_WORDING,
    consent_history,
    give_consent,
    withdraw_consent,
)
from charter.errors import CharterError, InvalidInput, PolicyRefusal, UndeclaredPurpose
from charter.runtime import Runtime, Work
from charter.vault import service as vault
from charter.vault.keys import DataErased
from charter.vault.models import Subject

from .factories import (
    ACTOR,
    ASKED_AT,
    CHANNELS_WORDING,
    EMAIL_WORDING,
    REVIEWS_WORDING,
    WEB,
    new_subject,
)

if TYPE_CHECKING:
    from tests.conftest import TestClock


def give(
    work: Work, subject: Subject, purpose: str, channel: str, /, **overrides: Any
) -> ConsentEvent:
    point, wording = ASKED_AT[(purpose, channel)]
    arguments: dict[str, Any] = {
        "purpose": purpose,
        "channel": channel,
        "collection_point": point,
        "wording": wording,
        "evidence": WEB,
        "actor": ACTOR,
    }
    arguments.update(overrides)
    return give_consent(work, subject, **arguments)


def stored_counts(work: Work) -> tuple[int, int, int]:
    session = work.session
    return (
        session.scalar(select(func.count()).select_from(ConsentEvent)) or 0,
        session.scalar(select(func.count()).select_from(ConsentState)) or 0,
        session.scalar(select(func.count()).select_from(AuditEntry)) or 0,
    )


def audit_entries(work: Work, action: str) -> list[AuditEntry]:
    query = select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.seq)
    return list(work.session.scalars(query))


def test_give_consent_records_event_projection_and_audit(consent: Runtime) -> None:
    with consent.unit() as work:
        subject = new_subject(work)
        event = give(work, subject, "marketing", "email")

        assert uuid.UUID(event.record_id).version == 4
        assert event.action == "given"
        assert event.policy_version == "2.0"
        assert event.occurred_at == work.now()
        assert event.wording == EMAIL_WORDING
        assert event.collection_point == "newsletter_signup"
        assert event.evidence == {
            "method": "web_form",
            "ip_prefix": "203.0.113.0/24",
            "user_agent_family": "Firefox",
        }
        state = work.session.get(ConsentState, (subject.id, "marketing", "email"))
        assert state is not None
        assert (state.given, state.event_id, state.policy_version) == (True, event.id, "2.0")
        assert state.needs_renewal is False
        [entry] = audit_entries(work, "consent.given")
        assert (entry.actor, entry.subject_ref, entry.purpose) == (ACTOR, subject.ref, "marketing")
        assert json.loads(entry.detail) == {
            "channel": "email",
            "record_id": event.record_id,
            "policy_version": "2.0",
        }


def test_one_wording_can_ask_for_several_channels_separately(consent: Runtime) -> None:
    with consent.unit() as work:
        subject = new_subject(work)
        give(work, subject, "marketing", "phone")
        give(work, subject, "marketing", "text", collection_point="contact_form")
        channels = work.session.scalars(
            select(ConsentState.channel).where(ConsentState.subject_id == subject.id)
        ).all()
        assert sorted(channels) == ["phone", "text"]


def test_consent_without_channels_uses_any(consent: Runtime) -> None:
    with consent.unit() as work:
        subject = new_subject(work)
        event = give(work, subject, "reviews", ANY_CHANNEL)
        assert (event.channel, event.wording) == (ANY_CHANNEL, REVIEWS_WORDING)


REFUSALS: list[tuple[str, dict[str, Any], type[CharterError]]] = [
    ("wording differs", {"wording": EMAIL_WORDING + " "}, PolicyRefusal),
    ("wording of another point", {"wording": CHANNELS_WORDING}, PolicyRefusal),
    ("undeclared purpose", {"purpose": "profiling"}, UndeclaredPurpose),
    ("non-consent purpose", {"purpose": "service", "channel": ANY_CHANNEL}, PolicyRefusal),
    ("legitimate interests purpose", {"purpose": "legal_claims"}, PolicyRefusal),
    ("undeclared channel", {"channel": "fax"}, InvalidInput),
    ("any for a per-channel purpose", {"channel": ANY_CHANNEL}, InvalidInput),
    ("a channel for a channel-less purpose", {"purpose": "reviews"}, InvalidInput),
    ("unknown collection point", {"collection_point": "pop_up"}, PolicyRefusal),
    ("point asking no consent", {"collection_point": "billing"}, PolicyRefusal),
    ("point not asking this channel", {"channel": "phone"}, PolicyRefusal),
    ("unknown evidence key", {"evidence": {**WEB, "email": "a@b.example"}}, InvalidInput),
    ("no method", {"evidence": {"ip": "203.0.113.9"}}, InvalidInput),
    ("unknown method", {"evidence": {"method": "carrier_pigeon"}}, InvalidInput),
    ("not an IP address", {"evidence": {"method": "web_form", "ip": "999.1.1.1"}}, InvalidInput),
    (
        "control characters",
        {"evidence": {"method": "email", "user_agent_family": "a\nb"}},
        InvalidInput,
    ),
]


@pytest.mark.parametrize(
    ("overrides", "error"),
    [pytest.param(overrides, error, id=name) for name, overrides, error in REFUSALS],
)
def test_invalid_consent_is_refused_with_nothing_stored(
    consent: Runtime, overrides: dict[str, Any], error: type[CharterError]
) -> None:
    with consent.unit() as work:
        subject = new_subject(work)
        before = stored_counts(work)
        with pytest.raises(error):
            give(work, subject, "marketing", "email", **overrides)
        work.session.flush()
        assert stored_counts(work) == before


def test_erased_subject_cannot_consent_or_withdraw(consent: Runtime) -> None:
    with consent.unit() as work:
        subject = new_subject(work)
        vault.destroy_data_key(work, subject, actor=ACTOR)
        before = stored_counts(work)
        with pytest.raises(DataErased):
            give(work, subject, "marketing", "email")
        with pytest.raises(DataErased):
            withdraw_consent(
                work, subject, purpose="marketing", channel="email", actor=ACTOR, evidence={}
            )
        assert stored_counts(work) == before


@pytest.mark.parametrize(
    ("address", "prefix"),
    [
        ("203.0.113.77", "203.0.113.0/24"),
        ("2001:db8:1234:5678:9abc:def0:1234:5678", "2001:db8:1234::/48"),
        ("::ffff:198.51.100.23", "198.51.100.0/24"),
    ],
)
def test_raw_ip_address_is_never_stored(consent: Runtime, address: str, prefix: str) -> None:
    with consent.unit() as work:
        subject = new_subject(work)
        evidence = {"method": "web_form", "ip": address}
        give(work, subject, "marketing", "email", evidence=evidence)
        withdraw_consent(
            work, subject, purpose="marketing", channel="email", actor=ACTOR, evidence=evidence
        )
        rows = work.session.execute(
            select(ConsentEvent.__table__).where(ConsentEvent.subject_id == subject.id)
        ).all()
        audit_rows = work.session.execute(select(AuditEntry.__table__)).all()
    assert [row.evidence["ip_prefix"] for row in rows] == [prefix, prefix]
    stored = " ".join(str(value) for row in [*rows, *audit_rows] for value in row)
    host_part = re.split(r"[.:]", address)[-1]
    assert address not in stored
    assert all(host_part not in str(row.evidence) for row in rows)


def test_withdrawal_is_recorded_with_a_fixed_sentence(consent: Runtime, clock: TestClock) -> None:
    with consent.unit() as work:
        subject = new_subject(work)
        give(work, subject, "marketing", "email")
        clock.advance(days=3)
        withdrawal = withdraw_consent(
            work, subject, purpose="marketing", channel="email", actor=ACTOR, evidence={}
        )
        event = withdrawal.event
        assert event.action == "withdrawn"
        assert event.wording == WITHDRAWAL_WORDING
        assert event.collection_point == DEFAULT_WITHDRAWAL_ROUTE
        assert event.evidence == {}
        assert event.occurred_at == work.now()
        state = work.session.get(ConsentState, (subject.id, "marketing", "email"))
        assert state is not None
        assert (state.given, state.event_id) == (False, event.id)
        [entry] = audit_entries(work, "consent.withdrawn")
        assert (entry.subject_ref, entry.purpose) == (subject.ref, "marketing")
        assert json.loads(entry.detail)["record_id"] == event.record_id
        assert [item.action for item in consent_history(work, subject)] == ["given", "withdrawn"]


def test_withdrawing_marketing_has_no_consequence_but_a_service_does(consent: Runtime) -> None:
    with consent.unit() as work:
        subject = new_subject(work)
        marketing = withdraw_consent(
            work, subject, purpose="marketing", channel="text", actor=ACTOR, evidence={}
        )
        reviews = withdraw_consent(
            work, subject, purpose="reviews", channel=ANY_CHANNEL, actor=ACTOR, evidence={}
        )
    assert marketing.consequence is None
    assert reviews.consequence is not None
    assert "Publishing reviews" in reviews.consequence
    assert "other lawful basis" in reviews.consequence


def test_withdrawing_what_was_never_given_is_recorded(consent: Runtime) -> None:
    with consent.unit() as work:
        subject = new_subject(work)
        for _ in range(2):
            withdraw_consent(
                work,
                subject,
                purpose="marketing",
                channel="phone",
                actor=ACTOR,
                evidence={"method": "phone"},
                collection_point="phone_call",
            )
        history = consent_history(work, subject)
        assert [event.action for event in history] == ["withdrawn", "withdrawn"]
        assert history[0].collection_point == "phone_call"
        state = work.session.get(ConsentState, (subject.id, "marketing", "phone"))
        assert state is not None
        assert (state.given, state.event_id) == (False, history[-1].id)


WITHDRAWAL_REFUSALS: list[tuple[str, dict[str, Any], type[CharterError]]] = [
    ("undeclared purpose", {"purpose": "profiling"}, UndeclaredPurpose),
    ("non-consent purpose", {"purpose": "service", "channel": ANY_CHANNEL}, PolicyRefusal),
    ("undeclared channel", {"channel": "fax"}, InvalidInput),
    ("route not an identifier", {"collection_point": "Call centre!"}, InvalidInput),
    ("unknown evidence key", {"evidence": {"ip_address": "203.0.113.1"}}, InvalidInput),
]


@pytest.mark.parametrize(
    ("overrides", "error"),
    [pytest.param(overrides, error, id=name) for name, overrides, error in WITHDRAWAL_REFUSALS],
)
def test_invalid_withdrawal_is_refused_with_nothing_stored(
    consent: Runtime, overrides: Mapping[str, Any], error: type[CharterError]
) -> None:
    with consent.unit() as work:
        subject = new_subject(work)
        before = stored_counts(work)
        arguments: dict[str, Any] = {
            "purpose": "marketing",
            "channel": "email",
            "actor": ACTOR,
            "evidence": {},
            **overrides,
        }
        with pytest.raises(error):
            withdraw_consent(work, subject, **arguments)
        assert stored_counts(work) == before


def test_history_lists_events_oldest_first_for_that_subject_only(consent: Runtime) -> None:
    with consent.unit() as work:
        subject, other = new_subject(work), new_subject(work)
        first = give(work, subject, "marketing", "email")
        give(work, other, "marketing", "email")
        second = give(work, subject, "reviews", ANY_CHANNEL)
        assert [event.id for event in consent_history(work, subject)] == [first.id, second.id]
