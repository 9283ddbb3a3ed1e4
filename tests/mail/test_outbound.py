"""Sending: a real SMTP server (aiosmtpd) on a free loopback port, and the outbox folder."""

from __future__ import annotations

import email
import email.policy
import logging
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from charter.errors import InvalidInput
from charter.mail.outbox import OutboxSender
from charter.mail.sender import (
    MailNotSent,
    OutgoingEmail,
    SmtpSender,
    build_sender,
    parse_smtp_url,
)
from charter.settings import Settings
from tests.server import free_port

MAIL_FROM = "AJP IT Services <no-reply@ajp-it-services.example>"
RECIPIENT = "jane.doe@example.com"
SUBJECT = "Your repair is ready"
TEXT = "Hello Jane, your laptop is ready for collection."


@dataclass
class Delivered:
    mail_from: str
    rcpt_tos: list[str]
    content: bytes

    def message(self) -> EmailMessage:
        parsed = email.message_from_bytes(self.content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


@dataclass
class Capture:
    """An aiosmtpd handler keeping every envelope it receives."""

    delivered: list[Delivered] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.delivered.append(
            Delivered(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content)
        )
        return "250 OK"


@dataclass
class Server:
    port: int
    capture: Capture


def _authenticator(server: Any, session: Any, envelope: Any, mechanism: str, auth: Any) -> Any:
    ok = isinstance(auth, LoginPassword) and (auth.login, auth.password) == (b"mailer", b"p@ss")
    return AuthResult(success=ok, handled=False)


@pytest.fixture
def smtp_server() -> Iterator[Server]:
    capture = Capture()
    port = free_port()
    controller = Controller(
        capture,
        hostname="127.0.0.1",
        port=port,
        authenticator=_authenticator,
        auth_require_tls=False,
    )
    controller.start()
    try:
        yield Server(port, capture)
    finally:
        controller.stop()


def outgoing(**changes: Any) -> OutgoingEmail:
    values: dict[str, Any] = {
        "to": f"Jane Doe <{RECIPIENT}>",
        "subject": SUBJECT,
        "text": TEXT,
        "kind": "service_notice",
    }
    values.update(changes)
    return OutgoingEmail(**values)


# SMTP --------------------------------------------------------------------------------------


def test_smtp_sender_delivers_with_headers_intact(smtp_server: Server) -> None:
    sender = SmtpSender(f"smtp://127.0.0.1:{smtp_server.port}", MAIL_FROM)
    message_id = sender.send(
        outgoing(
            html="<p>Hello Jane, your laptop is <b>ready</b>.</p>",
            headers={"Reply-To": "workshop@ajp-it-services.example"},
        )
    )
    [delivered] = smtp_server.capture.delivered
    assert delivered.mail_from == "no-reply@ajp-it-services.example"
    assert delivered.rcpt_tos == [RECIPIENT]
    assert b"\r\n" in delivered.content  # policy=SMTP: CRLF on the wire
    received = delivered.message()
    assert received["Message-ID"] == message_id
    assert re.fullmatch(r"<[^<>@\s]+@ajp-it-services\.example>", message_id)
    assert received["Subject"] == SUBJECT
    assert received["To"] == f"Jane Doe <{RECIPIENT}>"
    assert received["From"] == MAIL_FROM
    assert received["Reply-To"] == "workshop@ajp-it-services.example"
    assert received["Date"] is not None
    plain = received.get_body(("plain",))
    html = received.get_body(("html",))
    assert plain is not None
    assert TEXT in plain.get_content()
    assert html is not None
    assert "<b>ready</b>" in html.get_content()


def test_smtp_sender_logs_in_with_url_credentials(smtp_server: Server) -> None:
    sender = SmtpSender(f"smtp://mailer:p%40ss@127.0.0.1:{smtp_server.port}", MAIL_FROM)
    sender.send(outgoing())
    assert len(smtp_server.capture.delivered) == 1
    wrong = SmtpSender(f"smtp://mailer:wrong@127.0.0.1:{smtp_server.port}", MAIL_FROM)
    with pytest.raises(MailNotSent):
        wrong.send(outgoing())
    assert len(smtp_server.capture.delivered) == 1


@pytest.mark.parametrize(
    "changes",
    [
        {"subject": "Hello\r\nBcc: victim@example.net"},
        {"subject": "Hello\nBcc: victim@example.net"},
        {"subject": "Hello\rBcc: victim@example.net"},
        {"to": "jane.doe@example.com\r\nBcc: victim@example.net"},
        {"to": "jane.doe@example.com, victim@example.net"},
        {"headers": {"Reply-To": "a@example.com\r\nBcc: victim@example.net"}},
        {"headers": {"X-Evil\r\nBcc": "victim@example.net"}},
        {"headers": {"Bcc": "victim@example.net"}},
        {"headers": {"Cc": "victim@example.net"}},
        {"kind": "marketing"},  # PECR reg. 23: no way to opt out
    ],
    ids=[
        "subject-crlf",
        "subject-lf",
        "subject-cr",
        "to-crlf",
        "two-recipients",
        "header-value-crlf",
        "header-name-crlf",
        "bcc-header",
        "cc-header",
        "marketing-without-unsubscribe",
    ],
)
def test_injection_and_unsafe_messages_are_refused(
    smtp_server: Server, changes: dict[str, Any]
) -> None:
    sender = SmtpSender(f"smtp://127.0.0.1:{smtp_server.port}", MAIL_FROM)
    with pytest.raises(InvalidInput) as refused:
        sender.send(outgoing(**changes))
    assert "victim" not in refused.value.public_message
    assert smtp_server.capture.delivered == []


def test_marketing_with_unsubscribe_is_sent(smtp_server: Server) -> None:
    sender = SmtpSender(f"smtp://127.0.0.1:{smtp_server.port}", MAIL_FROM)
    unsubscribe = "<https://ajp-it-services.example/unsubscribe/abc>"
    sender.send(outgoing(kind="marketing", headers={"List-Unsubscribe": unsubscribe}))
    [delivered] = smtp_server.capture.delivered
    assert delivered.message()["List-Unsubscribe"] == unsubscribe


def test_unreachable_server_fails_quickly_without_naming_the_recipient(
    caplog: pytest.LogCaptureFixture,
) -> None:
    sender = SmtpSender(f"smtp://127.0.0.1:{free_port()}", MAIL_FROM, timeout=2)
    with caplog.at_level(logging.DEBUG), pytest.raises(MailNotSent):
        sender.send(outgoing())
    assert RECIPIENT not in caplog.text
    assert SUBJECT not in caplog.text


def test_sending_logs_neither_recipient_nor_content(
    smtp_server: Server, caplog: pytest.LogCaptureFixture
) -> None:
    sender = SmtpSender(f"smtp://127.0.0.1:{smtp_server.port}", MAIL_FROM)
    with caplog.at_level(logging.DEBUG, logger="charter"):
        message_id = sender.send(outgoing())
    assert message_id in caplog.text
    for secret in (RECIPIENT, "Jane", SUBJECT, TEXT):
        assert secret not in caplog.text


@pytest.mark.parametrize(
    ("url", "host", "port", "implicit_tls", "starttls", "user", "password"),
    [
        ("smtp://mail.example.net", "mail.example.net", 25, False, False, None, None),
        (
            "smtp://u:p%2Fw@mail.example.net:587?starttls=1",
            *("mail.example.net", 587, False, True, "u", "p/w"),
        ),
        ("smtps://mail.example.net", "mail.example.net", 465, True, False, None, None),
    ],
)
def test_smtp_urls(
    url: str,
    host: str,
    port: int,
    implicit_tls: bool,
    starttls: bool,
    user: str | None,
    password: str | None,
) -> None:
    server = parse_smtp_url(url)
    assert (server.host, server.port, server.implicit_tls, server.starttls) == (
        host,
        port,
        implicit_tls,
        starttls,
    )
    assert (server.username, server.password) == (user, password)


@pytest.mark.parametrize(
    "url",
    ["http://u:hunter2@mail.example.net", "smtp://u:hunter2@", "smtps://u:hunter2@h?starttls=1"],
)
def test_bad_smtp_urls_are_refused_without_echoing_them(url: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_smtp_url(url)
    assert "hunter2" not in refused.value.public_message


def test_repr_hides_the_password() -> None:
    sender = SmtpSender("smtp://u:hunter2@mail.example.net:587", MAIL_FROM)
    assert "hunter2" not in repr(sender)


# Outbox ------------------------------------------------------------------------------------


def test_outbox_writes_private_eml_files_named_without_personal_data(tmp_path: Path) -> None:
    folder = tmp_path / "data" / "outbox"
    sender = OutboxSender(folder, MAIL_FROM)
    first = sender.send(outgoing())
    second = sender.send(outgoing(to="John Smith <john.smith@example.org>", subject="Invoice"))
    files = sorted(folder.iterdir())
    assert len(files) == 2
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert re.fullmatch(r"\d{8}T\d{6}\.\d{9}Z-[0-9a-f]{8}\.eml", path.name)
        for secret in ("jane", "doe", "john", "smith", "example", "repair", "invoice"):
            assert secret not in path.name.lower()
    parsed = [
        email.message_from_bytes(path.read_bytes(), policy=email.policy.default) for path in files
    ]
    assert [item["Message-ID"] for item in parsed] == [first, second]  # names sort in order
    assert parsed[0]["To"] == f"Jane Doe <{RECIPIENT}>"
    assert parsed[1]["Subject"] == "Invoice"


def test_outbox_refuses_injection_and_writes_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "outbox"
    with pytest.raises(InvalidInput):
        OutboxSender(folder, MAIL_FROM).send(outgoing(subject="x\r\nBcc: victim@example.net"))
    assert not folder.exists() or list(folder.iterdir()) == []


def test_build_sender_says_plainly_that_mail_goes_to_the_outbox(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = Settings(data_dir=tmp_path / "data", smtp_url=None)
    with caplog.at_level(logging.INFO, logger="charter"):
        sender = build_sender(settings)
    assert isinstance(sender, OutboxSender)
    assert sender.folder == tmp_path / "data" / "outbox"
    assert f"No CHARTER_SMTP_URL: emails are written to {sender.folder}, not sent" in caplog.text


def test_build_sender_uses_smtp_when_configured(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = Settings(
        data_dir=tmp_path / "data", smtp_url="smtp://u:hunter2@mail.example.net:587?starttls=1"
    )
    with caplog.at_level(logging.INFO, logger="charter"):
        sender = build_sender(settings)
    assert isinstance(sender, SmtpSender)
    assert "mail.example.net:587" in caplog.text
    assert "hunter2" not in caplog.text
