"""Disclosures test data: subjects, a policy copy with chosen recipients, and a real local
HTTP receiver that checks our webhook signatures the way a recipient would."""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import yaml

from charter.policy.loader import load_policy
from charter.runtime import Runtime, Work
from charter.settings import shipped_policy_path
from charter.vault import service as vault
from charter.vault.models import Subject

ACTOR = "staff:test"


def new_subject(work: Work) -> Subject:
    return vault.create_subject(work, actor=ACTOR)


def with_extra_recipients(runtime: Runtime, tmp_path: Path, *recipients: dict[str, Any]) -> Runtime:
    """The runtime enforcing a copy of the shipped policy with ``recipients`` added, read by
    the policy loader (the shipped files are never edited). The copy is loaded without the
    legal checks, as it is deliberately wrong (a transfer without a safeguard)."""
    document = yaml.safe_load(shipped_policy_path().read_text(encoding="utf-8"))
    document["recipients"] = [*document["recipients"], *recipients]
    document.pop("history", None)
    path = tmp_path / "policy-copy.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return dataclasses.replace(runtime, policy=load_policy(path))


def overseas(recipient_id: str, country: str, transfer: dict[str, str] | None) -> dict[str, Any]:
    recipient: dict[str, Any] = {
        "id": recipient_id,
        "name": f"Overseas processor {recipient_id}",
        "role": "processor",
        "description": "Stores backups.",
        "purposes": ["provide_services"],
        "categories": ["identity", "contact"],
        "country": country,
    }
    if transfer is not None:
        recipient["transfer"] = transfer
    return recipient


@dataclass
class Receiver:
    """What the receiver saw: every request's idempotency key, the keys it acted on (once
    each), and the statuses it answered."""

    secret: str
    script: list[int] = field(default_factory=list)
    seen: list[str] = field(default_factory=list)
    acted: list[str] = field(default_factory=list)
    bodies: list[dict[str, Any]] = field(default_factory=list)
    answered: list[int] = field(default_factory=list)
    url: str = ""

    def verify(self, timestamp: str, body: bytes, signature: str) -> bool:
        expected = hmac.new(
            self.secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256
        ).hexdigest()
        return hmac.compare_digest("sha256=" + expected, signature)


@contextmanager
def webhook_receiver(secret: str, *, script: list[int] | None = None) -> Iterator[Receiver]:
    """A real HTTP server on 127.0.0.1 (a free port) that verifies the HMAC signature
    (401 when wrong), answers the statuses in ``script`` first (e.g. ``[500]``), then
    acts on each idempotency key once and acknowledges repeats without acting again."""
    receiver = Receiver(secret=secret, script=list(script or []))
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            timestamp = self.headers.get("X-Charter-Timestamp", "")
            signature = self.headers.get("X-Charter-Signature", "")
            with lock:
                if not receiver.verify(timestamp, body, signature):
                    self._answer(401, {"error": "bad signature"})
                    return
                document = json.loads(body)
                key = document["idempotency_key"]
                assert self.headers.get("Idempotency-Key") == key
                receiver.seen.append(key)
                receiver.bodies.append(document)
                if receiver.script:
                    self._answer(receiver.script.pop(0), {"status": "pending"})
                    return
                if key not in receiver.acted:
                    receiver.acted.append(key)
                self._answer(200, {"status": "completed"})

        def _answer(self, status: int, document: dict[str, str]) -> None:
            receiver.answered.append(status)
            data = json.dumps(document).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/charter/notices"
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
