"""Sending a campaign through the gate, checked where messages arrive: a real SMTP
server (aiosmtpd) for email, the local text outbox for texts. Both databases."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest

from charter.campaigns import delivery, service
from charter.campaigns.models import SentMessage
from charter.consent.models import ConsentEvent
from charter.mail.message import OutgoingEmail
from charter.mail.sender import MailNotSent, SmtpSender
from charter.newsletter.preferences import is_suppressed, resolve_link
from charter.rights.models import RequestKind, RequestStatus
from charter.runtime import Runtime
from charter.sms.sender import LocalTextOutbox
from charter.vault.models import Subject
from tests import conftest
from tests.app_client import app_client
from tests.mail.test_outbound import Server
from tests.rights.factories import request_in

from .factories import (
    ACTOR,
    TEXT,
    attempts,
    campaign,
    campaign_row,
    consent_event_of,
    erase,
    messages,
    object_to_marketing,
    person,
    restrict,
    suppress_address,
    withdraw,
)

pytestmark = pytest.mark.postgres

_UNSUBSCRIBE = re.compile(r"<(https?://[^>]+/unsubscribe/([A-Za-z0-9_-]{43}))>")


@dataclass
class Mixed:
    """A mixed audience: subject id by label, and the eligible addresses."""

    ids: dict[str, int]
    eligible: dict[str, str]  # address -> label


def _mixed(runtime: Runtime) -> Mixed:
    ids: dict[str, int] = {}
    with runtime.unit() as work:
        for label in ("consented", "also_consented", "objection_cancelled"):
            ids[label] = person(work, f"{label}@example.org").id
        withdrawn = person(work, "withdrawn@example.org")
        withdraw(work, withdrawn)
        ids["withdrawn"] = withdrawn.id
        restricted = person(work, "restricted@example.org")
        restrict(work, restricted)
        ids["restricted"] = restricted.id
        erased = person(work, "erased@example.org")
        erase(work, erased)
        ids["erased"] = erased.id
        suppressed = person(work, "suppressed@example.org")
        suppress_address(work, "suppressed@example.org")
        ids["suppressed"] = suppressed.id
        ids["wrong_channel"] = person(
            work, "texts.only@example.org", phone="07911 123450", channels=("text",)
        ).id
        objecting = person(work, "objecting@example.org")
        object_to_marketing(work, objecting)
        ids["objecting"] = objecting.id
        cancelled = work.session.get(type(objecting), ids["objection_cancelled"])
        assert cancelled is not None

        request_in(work, RequestStatus.CANCELLED, subject=cancelled, kind=RequestKind.OBJECTION)
    eligible = {
        f"{label}@example.org": label
        for label in ("consented", "also_consented", "objection_cancelled")
    }
    return Mixed(ids, eligible)


EXPECTED_REASONS = {
    "consented": ("allowed", "given", "sent"),
    "also_consented": ("allowed", "given", "sent"),
    "objection_cancelled": ("allowed", "given", "sent"),
    "withdrawn": ("refused", "withdrawn", "skipped"),
    "restricted": ("refused", "restricted", "skipped"),
    "erased": ("refused", "erased", "skipped"),
    "suppressed": ("refused", "suppressed", "skipped"),
    "wrong_channel": ("refused", "no_consent", "skipped"),
    "objecting": ("refused", "objecting", "skipped"),
}


def test_mixed_email_audience_reaches_exactly_the_eligible_ones(
    runtime: Runtime, smtp_server: Server, smtp: SmtpSender
) -> None:
    mixed = _mixed(runtime)
    campaign_id = campaign(runtime, html="<p>Our winter offer.</p>")

    report = service.send_campaign(runtime, campaign_id, actor=ACTOR, email_sender=smtp)

    delivered = smtp_server.capture.delivered
    recipients = sorted(rcpt for item in delivered for rcpt in item.rcpt_tos)
    assert recipients == sorted(mixed.eligible)
    assert report.sent == 3
    assert report.eligible == 3
    assert report.status == "sent"
    assert report.refused == {
        "withdrawn": 1,
        "restricted": 1,
        "erased": 1,
        "suppressed": 1,
        "no_consent": 1,
        "objecting": 1,
    }
    rows = messages(runtime, campaign_id)
    for label, subject_id in mixed.ids.items():
        row = rows[subject_id]
        assert (row.decision, row.decision_reason, row.status) == EXPECTED_REASONS[label], label
        assert row.kind == "marketing"
        assert row.channel == "email"
        assert row.purpose == "marketing"
        assert row.idempotency_key == f"campaign:{campaign_id}:subject:{subject_id}"
    # Every decision names the consent event it rested on: the giving event when sent.
    for label in ("consented", "also_consented", "objection_cancelled", "withdrawn"):
        subject_id = mixed.ids[label]
        assert rows[subject_id].consent_event_id == consent_event_of(runtime, subject_id, "email")
    with runtime.unit(write=False) as work:
        for label in mixed.eligible.values():
            row = rows[mixed.ids[label]]
            event = work.session.get(ConsentEvent, row.consent_event_id)
            assert event is not None
            assert (event.action, event.channel, event.subject_id) == (
                "given",
                "email",
                mixed.ids[label],
            )
            assert row.provider_message_id
            assert row.sent_at is not None
            assert row.attempts == 1
    assert rows[mixed.ids["wrong_channel"]].consent_event_id is None
    finished = campaign_row(runtime, campaign_id)
    assert (finished.sent_count, finished.refused_count, finished.status) == (3, 6, "sent")


def test_every_email_has_its_own_working_one_click_unsubscribe(
    runtime: Runtime, smtp_server: Server, smtp: SmtpSender
) -> None:
    mixed = _mixed(runtime)
    campaign_id = campaign(runtime)
    service.send_campaign(runtime, campaign_id, actor=ACTOR, email_sender=smtp)

    tokens: dict[str, str] = {}
    for item in smtp_server.capture.delivered:
        received = item.message()
        [address] = item.rcpt_tos
        assert received["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        found = _UNSUBSCRIBE.search(received["List-Unsubscribe"])
        assert found is not None
        url, token = found.groups()
        body = received.get_body(("plain",))
        assert body is not None
        text = body.get_content()
        assert TEXT in text
        assert url in text  # the visible link too (PECR reg. 23)
        tokens[address] = token
        with runtime.unit(write=False) as work:
            _link, subject = resolve_link(work, token)
        assert subject.id == mixed.ids[mixed.eligible[address]]
    assert len(set(tokens.values())) == 3

    # The link works: an RFC 8058 POST unsubscribes that recipient and no other.
    with app_client(runtime) as client:
        response = client.post(
            f"/unsubscribe/{tokens['consented@example.org']}",
            content=b"List-Unsubscribe=One-Click",
            headers={"content-type": "application/x-www-form-urlencoded"},
        )
    assert response.status_code == 200
    with runtime.unit(write=False) as work:
        assert is_suppressed(work, "consented@example.org")
        assert not is_suppressed(work, "also_consented@example.org")

    # The next campaign no longer reaches them.
    smtp_server.capture.delivered.clear()
    second = campaign(runtime)
    report = service.send_campaign(runtime, second, actor=ACTOR, email_sender=smtp)
    assert sorted(r for item in smtp_server.capture.delivered for r in item.rcpt_tos) == [
        "also_consented@example.org",
        "objection_cancelled@example.org",
    ]
    assert messages(runtime, second)[mixed.ids["consented"]].decision_reason == "withdrawn"
    assert report.sent == 2


def test_text_campaign_reaches_only_text_consents_with_an_opt_out(
    runtime: Runtime, texts: LocalTextOutbox, smtp_server: Server, smtp: SmtpSender
) -> None:
    with runtime.unit() as work:
        texter = person(work, "texter@example.org", phone="07911 123451", channels=("text",))
        emailer = person(work, "emailer@example.org", phone="07911 123452", channels=("email",))
        restricted = person(
            work, "restricted.texter@example.org", phone="07911 123453", channels=("text",)
        )
        restrict(work, restricted)
        no_phone = person(work, "nophone@example.org", channels=("email",))
        withdrawn = person(work, "stop@example.org", phone="07911 123454", channels=("text",))
        withdraw(work, withdrawn, "text")
        ids = {
            "texter": texter.id,
            "emailer": emailer.id,
            "restricted": restricted.id,
            "no_phone": no_phone.id,
            "withdrawn": withdrawn.id,
        }
    campaign_id = campaign(runtime, channel="text")
    report = service.send_campaign(
        runtime, campaign_id, actor=ACTOR, email_sender=smtp, text_sender=texts
    )
    [sent] = texts.sent()
    assert sent["to"] == "+447911123451"
    assert sent["kind"] == "marketing"
    assert sent["text"].startswith(TEXT)
    assert "reply STOP to opt out" in sent["text"]
    assert smtp_server.capture.delivered == []
    assert report.sent == 1
    rows = messages(runtime, campaign_id)
    assert rows[ids["texter"]].status == "sent"
    assert rows[ids["texter"]].provider_message_id == sent["id"]
    assert rows[ids["texter"]].consent_event_id == consent_event_of(runtime, ids["texter"], "text")
    assert {label: rows[ids[label]].decision_reason for label in ids} == {
        "texter": "given",
        "emailer": "no_consent",
        "restricted": "restricted",
        "no_phone": "no_consent",
        "withdrawn": "withdrawn",
    }


def test_phone_campaign_only_builds_a_call_list(
    runtime: Runtime, texts: LocalTextOutbox, smtp_server: Server, smtp: SmtpSender
) -> None:
    with runtime.unit() as work:
        caller = person(work, "caller@example.org", phone="07911 123455", channels=("phone",))
        texter = person(work, "texter2@example.org", phone="07911 123456", channels=("text",))
        caller_id, texter_id, caller_ref = caller.id, texter.id, caller.ref
    campaign_id = campaign(runtime, channel="phone")
    report = service.send_campaign(
        runtime, campaign_id, actor=ACTOR, email_sender=smtp, text_sender=texts
    )
    assert texts.sent() == []
    assert smtp_server.capture.delivered == []
    rows = messages(runtime, campaign_id)
    assert rows[caller_id].status == "sent"
    assert rows[texter_id].status == "skipped"
    [logged] = attempts(runtime, rows[caller_id].id)
    assert logged.outcome == "call_listed"
    assert report.status == "sent"
    with runtime.unit() as work:
        [entry] = service.call_list(work, campaign_id, actor=ACTOR)
        assert (entry.subject_ref, entry.phone) == (caller_ref, "+447911123455")
        assert "+447911123455" not in repr(entry)
        # Asked again when the list is read: someone who withdrew since is not called.
        caller = work.session.get(Subject, caller_id)
        assert caller is not None
        withdraw(work, caller, "phone")
        assert service.call_list(work, campaign_id, actor=ACTOR) == []


class _PowerCut(Exception):
    """Stands in for the process dying: not an error the service handles."""


class _DiesOnSecond:
    """Delivers through SMTP, then the process 'dies' while sending the second email."""

    def __init__(self, smtp: SmtpSender) -> None:
        self.smtp = smtp
        self.calls = 0

    def send(self, message: OutgoingEmail) -> str:
        self.calls += 1
        if self.calls == 2:
            raise _PowerCut
        return self.smtp.send(message)


def test_a_crash_after_recording_leaves_pending_rows_a_rerun_sends_once(
    runtime: Runtime, smtp_server: Server, smtp: SmtpSender
) -> None:
    mixed = _mixed(runtime)
    campaign_id = campaign(runtime)
    # The audience is recorded and committed, then the process stops before sending.
    with runtime.unit() as work:
        recorded = service.record_audience(
            work, service.find_campaign(work, campaign_id), actor=ACTOR
        )
    assert recorded == len(mixed.ids)
    pending = [row for row in messages(runtime, campaign_id).values() if row.status == "pending"]
    assert len(pending) == 3
    assert smtp_server.capture.delivered == []

    report = service.send_campaign(runtime, campaign_id, actor=ACTOR, email_sender=smtp)
    assert report.recorded == 0  # the rerun added no row
    assert report.sent == 3
    assert len(messages(runtime, campaign_id)) == len(mixed.ids)
    # Nothing more to send: a rerun of the job sends nothing, a rerun of the send refuses.
    assert service.retry_pending(runtime, email_sender=smtp) == 0
    with pytest.raises(service.CampaignAlreadySent):
        service.send_campaign(runtime, campaign_id, actor=ACTOR, email_sender=smtp)
    recipients = [rcpt for item in smtp_server.capture.delivered for rcpt in item.rcpt_tos]
    assert sorted(recipients) == sorted(mixed.eligible)


def test_a_crash_mid_send_never_sends_anything_twice(
    runtime: Runtime, smtp_server: Server, smtp: SmtpSender, clock: conftest.TestClock
) -> None:
    mixed = _mixed(runtime)
    campaign_id = campaign(runtime)
    with pytest.raises(_PowerCut):
        service.send_campaign(runtime, campaign_id, actor=ACTOR, email_sender=_DiesOnSecond(smtp))
    first = [rcpt for item in smtp_server.capture.delivered for rcpt in item.rcpt_tos]
    assert len(first) == 1
    statuses = sorted(row.status for row in messages(runtime, campaign_id).values())
    assert statuses.count("sent") == 1
    assert statuses.count("pending") == 2  # one in flight when it died, one never tried

    report = service.send_campaign(runtime, campaign_id, actor=ACTOR, email_sender=smtp)
    assert report.sent == 1  # only the one never tried
    assert report.pending == 1  # the in-flight one: its outcome is unknown
    clock.advance(minutes=16)
    assert service.retry_pending(runtime, email_sender=smtp) == 0
    rows = messages(runtime, campaign_id).values()
    [in_doubt] = [row for row in rows if row.last_error == "outcome_unknown"]
    assert in_doubt.status == "failed"
    assert [item.outcome for item in attempts(runtime, in_doubt.id)] == ["unknown"]
    recipients = [rcpt for item in smtp_server.capture.delivered for rcpt in item.rcpt_tos]
    assert len(recipients) == len(set(recipients)) == 2
    assert set(recipients) < set(mixed.eligible)
    assert campaign_row(runtime, campaign_id).status == "sent"


class _Flaky:
    def __init__(self, smtp: SmtpSender, failures: int) -> None:
        self.smtp = smtp
        self.failures = failures

    def send(self, message: OutgoingEmail) -> str:
        if self.failures:
            self.failures -= 1
            raise MailNotSent
        return self.smtp.send(message)


def test_failed_sends_are_retried_with_attempt_counts_then_given_up(
    runtime: Runtime, smtp_server: Server, smtp: SmtpSender, clock: conftest.TestClock
) -> None:
    with runtime.unit() as work:
        subject_id = person(work, "flaky@example.org").id
    campaign_id = campaign(runtime)
    report = service.send_campaign(
        runtime, campaign_id, actor=ACTOR, email_sender=_Flaky(smtp, failures=1)
    )
    assert (report.sent, report.pending, report.status) == (0, 1, "sending")
    row = messages(runtime, campaign_id)[subject_id]
    assert (row.status, row.attempts, row.last_error) == ("pending", 1, "MailNotSent")
    assert service.retry_pending(runtime, email_sender=smtp) == 0  # not due yet
    clock.advance(minutes=5)
    assert service.retry_pending(runtime, email_sender=smtp) == 1
    row = messages(runtime, campaign_id)[subject_id]
    assert (row.status, row.attempts) == ("sent", 2)
    assert [item.outcome for item in attempts(runtime, row.id)] == ["failed", "sent"]
    assert [r for item in smtp_server.capture.delivered for r in item.rcpt_tos] == [
        "flaky@example.org"
    ]
    assert campaign_row(runtime, campaign_id).status == "sent"

    # A message that keeps failing is given up after MAX_ATTEMPTS tries.
    second = campaign(runtime)
    always = _Flaky(smtp, failures=100)
    service.send_campaign(runtime, second, actor=ACTOR, email_sender=always)
    for _ in range(delivery.MAX_ATTEMPTS):
        clock.advance(hours=3)
        service.retry_pending(runtime, email_sender=always)
    row = messages(runtime, second)[subject_id]
    assert (row.status, row.attempts) == ("failed", delivery.MAX_ATTEMPTS)
    assert campaign_row(runtime, second).failed_count == 1


def test_consent_withdrawn_between_recording_and_sending_stops_the_message(
    runtime: Runtime, smtp_server: Server, smtp: SmtpSender
) -> None:
    with runtime.unit() as work:
        stays = person(work, "stays@example.org").id
        leaves = person(work, "leaves@example.org")
        leaves_id = leaves.id
    campaign_id = campaign(runtime)
    with runtime.unit() as work:
        service.record_audience(work, service.find_campaign(work, campaign_id), actor=ACTOR)
        leaves = work.session.get(type(leaves), leaves_id)
        assert leaves is not None
        withdraw(work, leaves)
    service.send_campaign(runtime, campaign_id, actor=ACTOR, email_sender=smtp)
    assert [r for item in smtp_server.capture.delivered for r in item.rcpt_tos] == [
        "stays@example.org"
    ]
    rows = messages(runtime, campaign_id)
    assert rows[stays].status == "sent"
    left: SentMessage = rows[leaves_id]
    assert (left.decision, left.decision_reason, left.status) == ("refused", "withdrawn", "skipped")


def test_preview_counts_by_reason_and_records_nothing(runtime: Runtime) -> None:
    mixed = _mixed(runtime)
    campaign_id = campaign(runtime)
    with runtime.unit() as work:
        preview = service.preview_audience(work, campaign_id, actor=ACTOR)
    assert preview.eligible == len(mixed.eligible)
    assert preview.refused_total == len(mixed.ids) - len(mixed.eligible)
    assert preview.refused["objecting"] == 1
    assert messages(runtime, campaign_id) == {}
    assert campaign_row(runtime, campaign_id).status == "draft"
