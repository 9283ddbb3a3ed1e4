"""Delivering Art. 19 notices through real connectors: a local HTTP receiver that checks
our HMAC signatures, and a real SMTP server (aiosmtpd). Both backends."""

from __future__ import annotations

import json
import time

import pytest
from sqlalchemy import select

from charter.audit.models import AuditEntry
from charter.crypto import open_sealed
from charter.disclosures import delivery, service
from charter.disclosures.connectors import (
    WebhookConnector,
    check_webhook_url,
    sign,
    verify_signature,
)
from charter.disclosures.models import (
    NoticeDelivery,
    NoticeStatus,
    RecipientEndpoint,
    RecipientNotice,
)
from charter.errors import InvalidInput
from charter.mail.outbox import OutboxSender
from charter.mail.sender import SmtpSender
from charter.runtime import Runtime, Work
from tests import conftest
from tests.server import free_port
from tests.web.mailbox import smtp_server

from .factories import ACTOR, new_subject, webhook_receiver

pytestmark = pytest.mark.postgres


def _queue(runtime: Runtime, *, recipients: tuple[str, ...] = ("hosting_provider",)) -> list[str]:
    """A person whose data went to ``recipients``, erased: one notice each."""
    with runtime.unit() as work:
        subject = new_subject(work)
        for recipient in recipients:
            service.record_disclosure(
                work,
                subject,
                recipient=recipient,
                purpose="provide_services",
                categories=["identity"],
                reference="Order 1001",
                actor=ACTOR,
            )
        notices = service.notify_recipients(
            work, subject, event="erasure", request_reference="R-1", actor=ACTOR
        )
        return [notice.idempotency_key for notice in notices]


def _connect(runtime: Runtime, url: str, recipient: str = "hosting_provider") -> str:
    with runtime.unit() as work:
        secret = delivery.connect_recipient(work, recipient, webhook=url, actor=ACTOR)
    assert secret is not None
    return secret


def _notice(runtime: Runtime, key: str) -> tuple[RecipientNotice, list[NoticeDelivery]]:
    with runtime.unit(write=False) as work:
        notice = work.session.scalars(
            select(RecipientNotice).where(RecipientNotice.idempotency_key == key)
        ).one()
        return notice, delivery.deliveries_of(work, notice)


def _factory(runtime: Runtime) -> delivery.ConnectorFactory:
    sender = OutboxSender(runtime.settings.data_dir / "outbox", runtime.settings.mail_from)

    def build(work: Work, endpoint: RecipientEndpoint | None, recipient: str) -> object:
        return delivery.build_connector(work, endpoint, recipient, email_sender=sender)

    return build  # type: ignore[return-value]


# Webhook ----------------------------------------------------------------------------------


def test_webhook_delivers_a_signed_notice(runtime: Runtime) -> None:
    (key,) = _queue(runtime)
    secret = "placeholder"
    with webhook_receiver(secret) as receiver:
        secret = _connect(runtime, receiver.url)
        receiver.secret = secret
        assert delivery.deliver_due_notices(runtime) == 1
    assert receiver.answered == [200]
    assert receiver.acted == [key]
    body = receiver.bodies[0]
    assert body["event"] == "erasure"
    assert body["recipient"] == "hosting_provider"
    assert body["disclosures"][0]["reference"] == "Order 1001"
    notice, log = _notice(runtime, key)
    assert notice.status == NoticeStatus.COMPLETED.value
    assert notice.attempts == 1
    assert notice.completed_at == conftest.START
    assert [(d.outcome, d.http_status, d.remote_status, d.channel) for d in log] == [
        ("delivered", 200, "completed", "webhook")
    ]
    with runtime.unit(write=False) as work:
        actions = list(
            work.session.scalars(
                select(AuditEntry.action).where(AuditEntry.action.startswith("disclosure."))
            )
        )
    assert "disclosure.notice_completed" in actions
    assert delivery.deliver_due_notices(runtime) == 0  # nothing left to do


def test_a_wrong_secret_is_rejected_by_the_receiver_and_not_retried(runtime: Runtime) -> None:
    (key,) = _queue(runtime)
    with webhook_receiver("not the secret we were given") as receiver:
        _connect(runtime, receiver.url)
        assert delivery.deliver_due_notices(runtime) == 0
    assert receiver.answered == [401]
    assert receiver.acted == []
    notice, log = _notice(runtime, key)
    assert notice.status == NoticeStatus.FAILED.value
    assert notice.last_error == "http_401"
    assert [(d.outcome, d.http_status) for d in log] == [("failed", 401)]


def test_a_500_is_retried_after_the_backoff_then_succeeds(
    runtime: Runtime, clock: conftest.TestClock
) -> None:
    (key,) = _queue(runtime)
    with webhook_receiver("later", script=[500]) as receiver:
        receiver.secret = _connect(runtime, receiver.url)
        assert delivery.deliver_due_notices(runtime) == 0
        notice, _ = _notice(runtime, key)
        assert (notice.status, notice.attempts, notice.last_error) == ("pending", 1, "http_500")
        assert notice.next_attempt_at == conftest.START + delivery.backoff(1)
        assert delivery.deliver_due_notices(runtime) == 0  # not due yet
        clock.advance(minutes=2)
        assert delivery.deliver_due_notices(runtime) == 1
    assert receiver.answered == [500, 200]
    assert receiver.seen == [key, key]
    assert receiver.acted == [key]
    notice, log = _notice(runtime, key)
    assert (notice.status, notice.attempts, notice.last_error) == ("completed", 2, None)
    assert [(d.attempt, d.outcome, d.http_status, d.error) for d in log] == [
        (1, "retry", 500, "http_500"),
        (2, "delivered", 200, None),
    ]


def test_a_crash_between_send_and_complete_never_acts_twice(
    runtime: Runtime, clock: conftest.TestClock
) -> None:
    """The attempt is claimed (committed), sent, and the process dies before recording.
    The claim's lease keeps other runs off it; once it runs out the notice is sent again
    with the same idempotency key, which the receiver acknowledges without acting again."""
    (key,) = _queue(runtime)
    with webhook_receiver("later") as receiver:
        receiver.secret = _connect(runtime, receiver.url)
        claimed = delivery.claim_next_notice(runtime, _factory(runtime))
        assert claimed is not None
        assert delivery.send_claimed(claimed).delivered
        # -- crash: record_attempt never runs --
        notice, _ = _notice(runtime, key)
        assert (notice.status, notice.attempts) == ("in_progress", 1)
        assert delivery.deliver_due_notices(runtime) == 0  # the lease still holds it
        clock.advance(minutes=11)
        assert delivery.deliver_due_notices(runtime) == 1
    assert receiver.seen == [key, key]
    assert receiver.acted == [key]
    notice, log = _notice(runtime, key)
    assert (notice.status, notice.attempts) == ("completed", 2)
    assert [d.outcome for d in log] == ["delivered"]


def test_an_unreachable_receiver_is_retried_and_gives_up_after_max_attempts(
    runtime: Runtime, clock: conftest.TestClock
) -> None:
    (key,) = _queue(runtime)
    _connect(runtime, f"http://127.0.0.1:{free_port()}/gone")
    for _ in range(delivery.MAX_ATTEMPTS):
        assert delivery.deliver_due_notices(runtime) == 0
        clock.advance(hours=7)
    notice, log = _notice(runtime, key)
    assert (notice.status, notice.attempts, notice.last_error) == (
        "failed",
        delivery.MAX_ATTEMPTS,
        "unreachable",
    )
    assert [d.outcome for d in log] == ["retry"] * (delivery.MAX_ATTEMPTS - 1) + ["failed"]


def test_a_recipient_without_an_endpoint_waits(runtime: Runtime) -> None:
    (key,) = _queue(runtime, recipients=("payment_processor",))
    assert delivery.deliver_due_notices(runtime) == 0
    notice, log = _notice(runtime, key)
    assert (notice.status, notice.last_error) == ("pending", "no_endpoint")
    assert [(d.channel, d.outcome) for d in log] == [("none", "retry")]


def test_the_shared_secret_is_stored_sealed(runtime: Runtime) -> None:
    secret = _connect(runtime, "https://processor.example/notices")
    with runtime.unit(write=False) as work:
        row = delivery.endpoint_of(work, "hosting_provider")
        assert row is not None
        assert row.secret_sealed is not None
        assert secret.encode() not in row.secret_sealed
        assert delivery.endpoint_secret(work, row) == secret.encode()
        with pytest.raises(Exception, match="decrypted"):
            open_sealed(work.keyring.index, row.secret_sealed, b"")
    assert len(secret) == 64
    # Reconnecting issues a new secret.
    assert _connect(runtime, "https://processor.example/notices") != secret


@pytest.mark.parametrize(
    "url",
    [
        "http://processor.example/notices",
        "ftp://127.0.0.1/x",
        "https://user:pw@processor.example/x",
        "not a url",
    ],
)
def test_webhook_urls_must_be_https_except_on_loopback(url: str) -> None:
    with pytest.raises(InvalidInput):
        check_webhook_url(url)


def test_loopback_http_and_https_urls_are_accepted_when_private_targets_are_allowed() -> None:
    loopback = "http://127.0.0.1:8080/x"
    assert check_webhook_url(loopback, allow_private=True) == loopback
    assert check_webhook_url("http://localhost/x", allow_private=True) == "http://localhost/x"
    assert check_webhook_url("https://processor.example/x") == "https://processor.example/x"


def test_signature_check_rejects_tampering_and_replay() -> None:
    secret = b"shared"
    now = int(time.time())
    body = b'{"event":"erasure"}'
    signature = sign(secret, now, body)
    assert verify_signature(secret, timestamp=str(now), payload=body, signature=signature)
    assert not verify_signature(b"other", timestamp=str(now), payload=body, signature=signature)
    assert not verify_signature(
        secret, timestamp=str(now), payload=body + b" ", signature=signature
    )
    assert not verify_signature(
        secret, timestamp=str(now), payload=body, signature=signature, now=now + 301
    )
    assert not verify_signature(secret, timestamp="soon", payload=body, signature=signature)


def test_a_202_in_progress_answer_is_recorded() -> None:
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    from threading import Thread

    from charter.disclosures.schemas import NoticeBody

    class Accepting(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["Content-Length"]))
            data = json.dumps({"status": "in_progress"}).encode()
            self.send_response(202)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Accepting)
    thread = Thread(target=server.serve_forever, daemon=True)
    thread.start()
    body = NoticeBody.model_validate(
        {
            "schema": "charter.recipient-notice/1",
            "idempotency_key": "k" * 32,
            "event": "restriction",
            "article": "Art. 18",
            "requested_action": "store only",
            "controller": "Us",
            "recipient": "hosting_provider",
            "subject_ref": "p" * 32,
            "disclosures": [],
            "request_reference": None,
            "submitted_time": conftest.START,
        }
    )
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/"
        connector = WebhookConnector(url, b"s", allow_private=True)
        result = connector.deliver(body, body.model_dump_json().encode())
    finally:
        server.shutdown()
        server.server_close()
    assert (result.delivered, result.http_status, result.remote_status) == (
        True,
        202,
        "in_progress",
    )


# Email ------------------------------------------------------------------------------------


def test_email_connector_sends_the_notice_through_smtp(runtime: Runtime) -> None:
    (key,) = _queue(runtime, recipients=("payment_processor",))
    with runtime.unit() as work:
        assert (
            delivery.connect_recipient(
                work, "payment_processor", email="privacy@payments.example", actor=ACTOR
            )
            is None
        )
    with smtp_server() as (url, mailbox):
        sender = SmtpSender(url, runtime.settings.mail_from)
        assert delivery.deliver_due_notices(runtime, email_sender=sender) == 1
        (message,) = mailbox.wait_for(1)
    assert mailbox.recipients == [["privacy@payments.example"]]
    assert key in str(message["Subject"])
    assert message["X-Charter-Notice"] == key
    text = message.get_content()
    assert "Order 1001" in text
    assert "erase the personal data" in text
    notice, log = _notice(runtime, key)
    assert notice.status == "completed"
    assert [(d.channel, d.outcome) for d in log] == [("email", "delivered")]


def test_email_connector_retries_when_the_server_is_down(runtime: Runtime) -> None:
    (key,) = _queue(runtime, recipients=("payment_processor",))
    with runtime.unit() as work:
        delivery.connect_recipient(
            work, "payment_processor", email="privacy@payments.example", actor=ACTOR
        )
    sender = SmtpSender(f"smtp://127.0.0.1:{free_port()}", runtime.settings.mail_from, timeout=2)
    assert delivery.deliver_due_notices(runtime, email_sender=sender) == 0
    notice, _ = _notice(runtime, key)
    assert (notice.status, notice.last_error) == ("pending", "mail_not_sent")
