"""Text senders: the local stand-in and the HTTP gateway, against a real local receiver."""

from __future__ import annotations

import json
import stat
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from charter.errors import InvalidInput
from charter.settings import Settings
from charter.sms.sender import (
    HttpTextSender,
    LocalTextOutbox,
    OutgoingText,
    TextNotSent,
    build_text_sender,
)


def test_local_outbox_records_each_text_privately(tmp_path: Path) -> None:
    outbox = LocalTextOutbox(tmp_path / "texts")
    first = outbox.send(OutgoingText(to="07911 123456", text="Your code is 123456", kind="code"))
    outbox.send(OutgoingText(to="+447911123457", text="Second", kind="marketing"))
    sent = outbox.sent()
    assert [t["to"] for t in sent] == ["+447911123456", "+447911123457"]
    assert sent[0]["id"] == first
    assert sent[0]["kind"] == "code"
    files = list((tmp_path / "texts").glob("*.json"))
    assert all(stat.S_IMODE(f.stat().st_mode) == 0o600 for f in files)
    assert all("7911" not in f.name for f in files)  # never named by the number
    assert stat.S_IMODE((tmp_path / "texts").stat().st_mode) == 0o700


@pytest.mark.parametrize(
    ("to", "text"),
    [("not a number", "hi"), ("+44 20", "hi"), ("07911123456", " "), ("07911123456", "x" * 2000)],
)
def test_unsendable_texts_are_refused_and_nothing_written(
    tmp_path: Path, to: str, text: str
) -> None:
    outbox = LocalTextOutbox(tmp_path / "texts")
    with pytest.raises(InvalidInput):
        outbox.send(OutgoingText(to=to, text=text, kind="code"))
    assert outbox.sent() == []


class Gateway(BaseHTTPRequestHandler):
    received: ClassVar[list[dict[str, str]]] = []
    answer_status = 200

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).received.append(body)
        self.send_response(type(self).answer_status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(json.dumps({"id": f"gw-{len(type(self).received)}"}).encode())

    def log_message(self, *args: object) -> None:
        return


@pytest.fixture
def gateway() -> Iterator[str]:
    Gateway.received = []
    Gateway.answer_status = 200
    server = HTTPServer(("127.0.0.1", 0), Gateway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/send"
    finally:
        server.shutdown()
        server.server_close()


def test_http_gateway_receives_e164_json(gateway: str) -> None:
    sender = HttpTextSender(gateway)
    assert sender.send(OutgoingText(to="07911 123456", text="Hello", kind="code")) == "gw-1"
    assert Gateway.received == [{"to": "+447911123456", "text": "Hello", "kind": "code"}]
    assert "127.0.0.1" not in repr(sender)


def test_gateway_failure_is_reported(gateway: str) -> None:
    Gateway.answer_status = 500
    with pytest.raises(TextNotSent):
        HttpTextSender(gateway).send(OutgoingText(to="07911123456", text="Hello", kind="code"))


def test_settings_choose_the_sender(tmp_path: Path) -> None:
    local = build_text_sender(Settings(data_dir=tmp_path))
    assert isinstance(local, LocalTextOutbox)
    assert isinstance(
        build_text_sender(Settings(data_dir=tmp_path, sms_url="https://gw.example/x")),
        HttpTextSender,
    )
    with pytest.raises(InvalidInput):
        HttpTextSender("file:///etc/passwd")
