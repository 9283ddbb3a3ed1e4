"""The outbound gate on its own: each kind of message, each refusal, the outbox record."""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import func, select

from charter.campaigns.gate import (
    MisclassifiedMessage,
    Reason,
    decide_message,
    record_message,
)
from charter.campaigns.models import SentMessage
from charter.errors import InvalidInput, UndeclaredPurpose
from charter.policy.schemas import Channel
from charter.runtime import Runtime, Work
from charter.vault.models import Subject

from .factories import ACTOR, erase, object_to_marketing, person, restrict, withdraw

pytestmark = pytest.mark.postgres

# kind, purpose, allowed under restriction?
NON_MARKETING = [
    ("service_notice", "notify_service_changes", False),
    ("feedback_request", "seek_feedback", False),
    ("request_response", "rights_requests", True),
    ("request_response", "respond_to_queries", False),  # not permitted under restriction
    ("transactional", "legal_compliance", True),
    ("transactional", "provide_services", False),
]


@pytest.mark.parametrize(("kind", "purpose", "under_restriction"), NON_MARKETING)
def test_non_marketing_kinds_go_without_consent_but_not_after_erasure(
    runtime: Runtime, kind: str, purpose: str, under_restriction: bool
) -> None:
    with runtime.unit() as work:
        plain = person(work, "plain@example.org", channels=())
        restricted = person(work, "restricted@example.org", channels=())
        restrict(work, restricted)
        erased = person(work, "erased@example.org", channels=())
        erase(work, erased)

        allowed = decide_message(work, plain, kind=kind, channel="email", purpose=purpose)
        assert allowed.allowed
        assert allowed.reason is Reason.OTHER_LAWFUL_BASIS
        assert allowed.contact == "plain@example.org"
        assert "plain@example.org" not in repr(allowed)  # never in logs by accident

        limited = decide_message(work, restricted, kind=kind, channel="email", purpose=purpose)
        assert limited.allowed is under_restriction
        if not under_restriction:
            assert limited.reason is Reason.RESTRICTED

        gone = decide_message(work, erased, kind=kind, channel="email", purpose=purpose)
        assert (gone.allowed, gone.reason) == (False, Reason.ERASED)


def test_marketing_refusals_in_the_order_the_law_puts_first(runtime: Runtime) -> None:
    with runtime.unit() as work:
        given = person(work, "given@example.org")
        restricted_and_objecting = person(work, "both@example.org")
        restrict(work, restricted_and_objecting)
        object_to_marketing(work, restricted_and_objecting)
        objecting = person(work, "objecting@example.org")
        object_to_marketing(work, objecting)
        withdrawn = person(work, "withdrawn@example.org")
        withdraw(work, withdrawn)
        never = person(work, "never@example.org", channels=())
        text_without_phone = person(work, "nophone@example.org", channels=("text",))

        def reason_for(subject: Subject, channel: str = "email") -> Reason:
            decision = decide_message(
                work, subject, kind="marketing", channel=channel, purpose="marketing"
            )
            assert decision.allowed is (decision.reason is Reason.GIVEN)
            return decision.reason

        assert reason_for(given) is Reason.GIVEN
        assert reason_for(restricted_and_objecting) is Reason.RESTRICTED
        assert reason_for(objecting) is Reason.OBJECTING
        assert reason_for(withdrawn) is Reason.WITHDRAWN
        assert reason_for(never) is Reason.NO_CONSENT
        assert reason_for(given, "text") is Reason.NO_CONSENT
        assert reason_for(text_without_phone, "text") is Reason.NO_CONTACT


def test_a_channel_the_purpose_does_not_declare_is_refused(runtime: Runtime) -> None:
    with runtime.unit() as work:
        subject = person(work, "texts@example.org", phone="07911 123457", channels=("text",))
        email_only = [
            item.model_copy(update={"channels": [Channel.EMAIL]}) if item.marketing else item
            for item in work.policy.purposes
        ]
        narrowed: Work = dataclasses.replace(
            work, policy=work.policy.model_copy(update={"purposes": email_only})
        )
        decision = decide_message(
            narrowed, subject, kind="marketing", channel="text", purpose="marketing"
        )
    assert (decision.allowed, decision.reason) == (False, Reason.CHANNEL_NOT_DECLARED)


@pytest.mark.parametrize(
    ("kind", "purpose", "channel", "error"),
    [
        ("service_notice", "marketing", "email", MisclassifiedMessage),  # disguised marketing
        ("marketing", "seek_feedback", "email", MisclassifiedMessage),
        ("newsletter", "marketing", "email", InvalidInput),
        ("marketing", "marketing", "post", InvalidInput),
        ("marketing", "lead_generation", "email", UndeclaredPurpose),
    ],
)
def test_bad_classification_is_refused_and_records_nothing(
    runtime: Runtime, kind: str, purpose: str, channel: str, error: type[Exception]
) -> None:
    with runtime.unit() as work:
        subject = person(work, "someone@example.org")
        with pytest.raises(error):
            record_message(
                work,
                subject,
                kind=kind,
                channel=channel,
                purpose=purpose,
                idempotency_key="test:bad",
            )
        assert work.session.scalar(select(func.count()).select_from(SentMessage)) == 0


def test_recording_is_once_per_key(runtime: Runtime) -> None:
    with runtime.unit() as work:
        subject = person(work, "once@example.org")
        first, decision = record_message(
            work,
            subject,
            kind="marketing",
            channel="email",
            purpose="marketing",
            idempotency_key="test:once",
            actor=ACTOR,
        )
        assert decision is not None
        assert (first.decision, first.decision_reason, first.status) == (
            "allowed",
            "given",
            "pending",
        )
        assert first.consent_event_id is not None
        withdraw(work, subject)  # a later change does not create a second record
        again, none = record_message(
            work,
            subject,
            kind="marketing",
            channel="email",
            purpose="marketing",
            idempotency_key="test:once",
        )
        assert none is None
        assert again.id == first.id
        count = work.session.scalar(
            select(func.count())
            .select_from(SentMessage)
            .where(SentMessage.subject_id == subject.id)
        )
        assert count == 1
