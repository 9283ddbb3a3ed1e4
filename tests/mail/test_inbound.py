"""The SMTP listener, in-process on a free loopback port, against a real SQLite
installation (open_runtime on a data folder), sent to with smtplib."""

from __future__ import annotations

import logging
import signal
import smtplib
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from charter.installation.service import open_runtime
from charter.mail.inbound import correspondence_listener
from charter.mail.models import Correspondence
from charter.mail.service import correspondence_for_subject
from charter.runtime import Runtime
from charter.settings import Settings, shipped_policy_path
from charter.vault.models import Subject
from tests.server import charter_command, charter_env, free_port

from .factories import ACTOR, HEALTH_TEXT, SENDER_EMAIL, build_email

BODY = "Our file server stopped answering at 9am; please call back."


def installation(tmp_path: Path, *, mode: str = "redact") -> Runtime:
    settings = Settings(
        data_dir=tmp_path / "data",
        policy=shipped_policy_path(),
        database_url=None,
        keyring=None,
        now=None,
        special_category_mode=mode,
    )
    return open_runtime(settings)


@pytest.fixture
def listening(tmp_path: Path) -> Iterator[tuple[Runtime, int]]:
    runtime = installation(tmp_path)
    port = free_port()
    listener = correspondence_listener(runtime, host="127.0.0.1", port=port)
    listener.start()
    try:
        yield runtime, port
    finally:
        listener.stop()
        runtime.close()


def deliver(port: int, raw: bytes) -> None:
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
        client.sendmail(SENDER_EMAIL, ["enquiries@ajp-it-services.example"], raw)


def test_delivered_mail_is_recorded_sealed_and_readable_under_a_purpose(
    listening: tuple[Runtime, int], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    runtime, port = listening
    with caplog.at_level(logging.DEBUG):
        deliver(port, build_email(subject="File server down", body=BODY))
        deliver(port, build_email(subject="File server down", body=BODY))  # a retry
    with runtime.unit() as work:
        [row] = work.session.scalars(select(Correspondence)).all()
        assert row.received_via == "smtp"
        subject = work.session.get(Subject, row.subject_id)
        assert subject is not None
        [item] = correspondence_for_subject(
            work, subject, purpose="respond_to_queries", actor=ACTOR
        )
    assert item.message == BODY
    assert item.subject_line == "File server down"
    for secret in (SENDER_EMAIL, "File server", BODY):
        assert secret not in caplog.text
    runtime.engine.dispose()
    stored = b"".join(path.read_bytes() for path in (tmp_path / "data").glob("charter.db*"))
    assert stored  # the database (and its write-ahead log) exist
    for secret in (BODY, "File server down", SENDER_EMAIL):
        assert secret.encode() not in stored


def test_unreadable_mail_is_refused_for_good(listening: tuple[Runtime, int]) -> None:
    runtime, port = listening
    with pytest.raises(smtplib.SMTPDataError) as refused:
        deliver(port, build_email(sender=None))
    assert refused.value.smtp_code == 550
    with runtime.unit(write=False) as work:
        assert work.session.scalars(select(Correspondence)).all() == []


def test_reject_mode_refuses_special_category_mail_at_the_door(tmp_path: Path) -> None:
    runtime = installation(tmp_path, mode="reject")
    port = free_port()
    listener = correspondence_listener(runtime, host="127.0.0.1", port=port)
    listener.start()
    try:
        with pytest.raises(smtplib.SMTPDataError) as refused:
            deliver(port, build_email(body=HEALTH_TEXT))
        assert refused.value.smtp_code == 550
        deliver(port, build_email(message_id="<fine@example.com>"))
    finally:
        listener.stop()
    try:
        with runtime.unit(write=False) as work:
            assert len(work.session.scalars(select(Correspondence)).all()) == 1
    finally:
        runtime.close()


def test_charter_mail_serve_listens_until_terminated(tmp_path: Path) -> None:
    """The real command in a child process: it records mail and stops cleanly on SIGTERM."""
    port = free_port()
    data_dir = tmp_path / "data"
    env = charter_env(data_dir)
    log_path = tmp_path / "serve.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            charter_command("mail", "serve", "--port", str(port)),
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 30
            while True:
                assert process.poll() is None, log_path.read_text()
                try:
                    deliver(port, build_email(body=BODY))
                    break
                except OSError:
                    assert time.monotonic() < deadline, log_path.read_text()
                    time.sleep(0.2)
        finally:
            process.send_signal(signal.SIGTERM)
            returncode = process.wait(timeout=20)
    output = log_path.read_text()
    assert returncode == 0, output
    assert f"Recording correspondence sent to smtp://127.0.0.1:{port}" in output
    assert SENDER_EMAIL not in output
    runtime = open_runtime(
        Settings(data_dir=data_dir, policy=shipped_policy_path(), database_url=None)
    )
    try:
        with runtime.unit(write=False) as work:
            assert len(work.session.scalars(select(Correspondence)).all()) == 1
    finally:
        runtime.close()
