"""Campaign fixtures: a real SMTP server (aiosmtpd) on a free loopback port, the local
text outbox, and an SMTP sender pointed at the server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from aiosmtpd.controller import Controller

from charter.mail.sender import SmtpSender
from charter.runtime import Runtime
from charter.sms.sender import LocalTextOutbox
from tests.mail.test_outbound import Capture, Server
from tests.server import free_port


@pytest.fixture
def smtp_server() -> Iterator[Server]:
    capture = Capture()
    port = free_port()
    controller = Controller(capture, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield Server(port, capture)
    finally:
        controller.stop()


@pytest.fixture
def smtp(smtp_server: Server, runtime: Runtime) -> SmtpSender:
    return SmtpSender(f"smtp://127.0.0.1:{smtp_server.port}", runtime.settings.mail_from)


@pytest.fixture
def texts(runtime: Runtime) -> LocalTextOutbox:
    return LocalTextOutbox(runtime.settings.data_dir / "text-outbox")
