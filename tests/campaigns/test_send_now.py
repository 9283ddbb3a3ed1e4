"""One message sent now through the gate (`delivery.send_now`): service notices, request
responses and single marketing emails, at a real SMTP server. Both databases."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from charter.campaigns.delivery import send_now
from charter.errors import InvalidInput
from charter.mail.message import OutgoingEmail
from charter.mail.sender import SmtpSender
from charter.newsletter.emails import newsletter_email
from charter.runtime import Runtime, Work
from charter.vault.models import Subject
from tests.mail.test_outbound import Server
from tests.staff.factories import audit_entries

from .factories import ACTOR, attempts, person, restrict, suppress_address

pytestmark = pytest.mark.postgres


def notice(kind: str) -> Callable[[str], OutgoingEmail]:
    def build(to: str) -> OutgoingEmail:
        return OutgoingEmail(
            to=to, subject="Our opening hours change", text="From January...", kind=kind
        )  # type: ignore[arg-type]

    return build


def _send(
    work: Work, subject: Subject, smtp: SmtpSender, *, kind: str, purpose: str, key: str
) -> str:
    message = send_now(
        work,
        subject,
        kind=kind,
        channel="email",
        purpose=purpose,
        idempotency_key=key,
        compose=notice(kind),
        email_sender=smtp,
        actor=ACTOR,
    )
    return message.status


def test_a_service_notice_is_sent_once_per_key(
    runtime: Runtime, smtp_server: Server, smtp: SmtpSender
) -> None:
    with runtime.unit() as work:
        subject = person(work, "customer@example.org", channels=())
        key = "notice:hours:1"
        first = _send(
            work, subject, smtp, kind="service_notice", purpose="notify_service_changes", key=key
        )
        again = _send(
            work, subject, smtp, kind="service_notice", purpose="notify_service_changes", key=key
        )
    assert (first, again) == ("sent", "sent")
    assert [r for item in smtp_server.capture.delivered for r in item.rcpt_tos] == [
        "customer@example.org"
    ]


def test_restriction_lets_only_what_the_law_requires_through(
    runtime: Runtime, smtp_server: Server, smtp: SmtpSender
) -> None:
    with runtime.unit() as work:
        subject = person(work, "paused@example.org", channels=())
        restrict(work, subject)
        answer = _send(
            work, subject, smtp, kind="request_response", purpose="rights_requests", key="r:1"
        )
        news = _send(
            work, subject, smtp, kind="service_notice", purpose="notify_service_changes", key="n:1"
        )
    assert (answer, news) == ("sent", "skipped")
    assert len(smtp_server.capture.delivered) == 1
    [refused] = audit_entries(runtime, "outbound.refused")
    assert json.loads(refused.detail)["reason"] == "restricted"


def test_single_marketing_email_respects_the_suppression_list(
    runtime: Runtime, smtp_server: Server, smtp: SmtpSender
) -> None:
    with runtime.unit() as work:
        subject = person(work, "unsubscribed@example.org")
        suppress_address(work, "unsubscribed@example.org")
        message = send_now(
            work,
            subject,
            kind="marketing",
            channel="email",
            purpose="marketing",
            idempotency_key="newsletter:1",
            compose=lambda to: newsletter_email(work, subject, to=to, title="News", text="Hi"),
            email_sender=smtp,
            actor=ACTOR,
        )
        assert (message.decision_reason, message.status) == ("suppressed", "skipped")
    assert smtp_server.capture.delivered == []


def test_a_provider_failure_is_recorded_and_not_retried(runtime: Runtime) -> None:
    dead = SmtpSender("smtp://127.0.0.1:9", "AJP IT Services <no-reply@ajp-it-services.example>")
    with runtime.unit() as work:
        subject = person(work, "customer@example.org", channels=())
        message = send_now(
            work,
            subject,
            kind="transactional",
            channel="email",
            purpose="provide_services",
            idempotency_key="order:1",
            compose=notice("transactional"),
            email_sender=dead,
            actor=ACTOR,
        )
        assert (message.status, message.last_error) == ("failed", "MailNotSent")
        message_id = message.id
    assert [item.outcome for item in attempts(runtime, message_id)] == ["failed"]


def test_a_message_built_for_another_kind_is_refused(runtime: Runtime, smtp: SmtpSender) -> None:
    with runtime.unit() as work:
        subject = person(work, "customer@example.org", channels=())
        with pytest.raises(InvalidInput):
            send_now(
                work,
                subject,
                kind="service_notice",
                channel="email",
                purpose="notify_service_changes",
                idempotency_key="x:1",
                compose=notice("marketing"),
                email_sender=smtp,
                actor=ACTOR,
            )
