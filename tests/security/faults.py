"""Fault injection for the crash-safety test (``test_crash_safety.py``).

Three parts, all on loopback:

* :class:`Child`: a Charter process on one installation (same data dir, same database)
  that is killed with SIGKILL (its whole process group) and started again.
* :func:`worker_main`: "the worker", run as ``python -m tests.security.faults worker``:
  a long-lived process doing in a loop what ``charter campaign send ID`` (every campaign
  not yet sent) and ``charter jobs run campaigns.retry_pending`` do, through the same
  functions. One process rather than a shell loop of ``charter`` commands because each
  fresh ``charter`` costs seconds of imports, and a kill during imports tests nothing.
* :class:`Load`: threads driving a mixed load over real HTTP (contact form, consent
  changes through the API, privacy-centre requests and their confirmation step) and
  recording what each request was *told*: acknowledged (a 2xx or the form's 303), refused
  (another status), or unknown (the connection died with the server).
"""

from __future__ import annotations

import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import IO

import httpx

from tests.server import charter_env
from tests.web.asgi import body_text, csrf_of
from tests.web.mailbox import Mailbox

#: Where links in emails point; the load rewrites them to the local server.
PUBLIC = "https://www.ajp-it-services.example"
STAFF = "office@ajp-it-services.example"
REPO = Path(__file__).resolve().parents[2]
#: The contact form's wording for marketing by email (what the API records as given).
CONTACT_WORDING = "Email me news and offers about AJP IT Services' products and services."
DSR_KINDS = ("withdraw_consent", "change_channels", "access")
WORKER_ACTOR = "cli:crash-worker"

_CONSENT_LINK = re.compile(
    re.escape(PUBLIC) + r"(/consent-records/[0-9a-f-]{36}\?token=[0-9a-f]{64})"
)
_VERIFY_LINK = re.compile(re.escape(PUBLIC) + r"(/privacy-centre/verify/[A-Za-z0-9_-]{43})")


# Processes --------------------------------------------------------------------------------


class Child:
    """One Charter process that can be SIGKILLed and started again on the same data."""

    def __init__(self, name: str, argv: list[str], env: Mapping[str, str], logs: Path) -> None:
        self.name = name
        self.argv = argv
        self.env = dict(env)
        self.logs = logs
        self.process: subprocess.Popen[bytes] | None = None
        self.kills = 0
        self.starts = 0
        self._log: IO[bytes] | None = None

    def start(self) -> None:
        self.starts += 1
        self._log = (self.logs / f"{self.name}-{self.starts}.log").open("wb")
        self.process = subprocess.Popen(
            self.argv,
            env=self.env,
            cwd=REPO,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own group: SIGKILL reaches every child it has
        )

    def kill(self, *, fault: bool = True) -> None:
        """SIGKILL, no warning, whatever it is doing; a ``fault`` counts if it was alive
        (the stop at the end of the run is not one)."""
        process = self.process
        if process is None:
            return
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            self.kills += fault
        process.wait()
        if self._log is not None:
            self._log.close()
        self.process = None

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def said(self, text: str) -> bool:
        """Whether the current run has printed ``text`` (its log so far)."""
        path = self.logs / f"{self.name}-{self.starts}.log"
        return text in path.read_text(errors="replace")

    def wait_for(self, text: str, *, timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        while not self.said(text):
            if not self.alive() or time.monotonic() > deadline:
                raise RuntimeError(f"{self.name} never said {text!r}:\n{self.log_text()}")
            time.sleep(0.05)

    def log_text(self) -> str:
        return "\n".join(
            f"--- {path.name}\n{path.read_text(errors='replace')[-3000:]}"
            for path in sorted(self.logs.glob(f"{self.name}-*.log"))
        )


def wait_healthy(base_url: str, child: Child, *, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if not child.alive():
            raise RuntimeError(f"{child.name} exited:\n{child.log_text()}")
        try:
            if httpx.get(f"{base_url}/healthz", timeout=2.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{child.name} did not start:\n{child.log_text()}")
        time.sleep(0.1)


def server_child(
    data_dir: Path, env: Mapping[str, str], *, port: int, logs: Path
) -> tuple[Child, str]:
    argv = [sys.executable, "-m", "charter", "serve", "--port", str(port)]
    return Child("server", argv, charter_env(data_dir, env), logs), f"http://127.0.0.1:{port}"


def worker_child(data_dir: Path, env: Mapping[str, str], *, logs: Path) -> Child:
    argv = [sys.executable, "-m", "tests.security.faults", "worker"]
    return Child("worker", argv, charter_env(data_dir, env), logs)


def worker_main() -> None:
    """Send every campaign not yet sent, then the retry job, again and again."""
    from charter.campaigns.service import list_campaigns, send_campaign
    from charter.installation.service import open_runtime
    from charter.jobs.schedule import job_named
    from charter.jobs.service import run_job
    from charter.settings import Settings

    runtime = open_runtime(Settings(), create_keys=False, record=False)
    retry = job_named("campaigns.retry_pending")
    print("worker ready", flush=True)
    while True:
        with runtime.unit(write=False) as work:
            unsent = [item.id for item in list_campaigns(work) if item.status != "sent"]
        for campaign_id in sorted(unsent):
            print(f"campaign {campaign_id}: sending", flush=True)
            try:
                report = send_campaign(runtime, campaign_id, actor=WORKER_ACTOR)
                print(f"campaign {campaign_id}: {report.status} sent {report.sent}", flush=True)
            except Exception as exc:  # a refusal, or the database busy: cron would run again
                print(f"campaign {campaign_id}: {type(exc).__name__}", flush=True)
        result = run_job(runtime, retry, force=True)
        print(f"retry: {result.count} {result.error or ''}", flush=True)
        time.sleep(0.2)


# The load -----------------------------------------------------------------------------------


@dataclass
class Contact:
    email: str
    marketing: bool
    acked: bool = False
    ref: str | None = None
    consent_given: bool = True
    busy: bool = False
    used_for_request: bool = False


@dataclass
class RightsRequest:
    email: str
    kind: str
    serial: int = 0
    acked: bool = False
    confirm_tried: bool = False
    confirmed: bool = False


@dataclass(frozen=True)
class ConsentAck:
    ref: str
    record_id: str
    action: str


@dataclass
class Tally:
    """What the load was told, by operation."""

    acked: dict[str, int] = field(default_factory=dict)
    refused: dict[str, int] = field(default_factory=dict)
    unknown: dict[str, int] = field(default_factory=dict)

    def add(self, kind: str, op: str) -> None:
        counts = getattr(self, kind)
        counts[op] = counts.get(op, 0) + 1


class ServerDown(Exception):
    """The connection died or was refused: the outcome of a write is unknown."""


class Load:
    """Threads sending a mixed load to ``base_url`` until :meth:`stop`."""

    def __init__(
        self, base_url: str, api_token: str, mailbox: Mailbox, *, threads: int, seed: int
    ) -> None:
        self.base_url = base_url
        self.api_token = api_token
        self.mailbox = mailbox
        self.threads = threads
        self.seed = seed
        self.lock = threading.Lock()
        self.contacts: list[Contact] = []
        self.requests: list[RightsRequest] = []
        self.consent_acks: list[ConsentAck] = []
        self.tally = Tally()
        self._serial = 0
        self._stop = threading.Event()
        self._workers: list[threading.Thread] = []
        self.errors: list[str] = []

    # running

    def start(self) -> None:
        for number in range(self.threads):
            thread = threading.Thread(target=self._run, args=(number,), daemon=True)
            thread.start()
            self._workers.append(thread)

    def stop(self) -> None:
        self._stop.set()
        for thread in self._workers:
            thread.join(timeout=60)

    def _run(self, number: int) -> None:
        rng = random.Random(self.seed * 100 + number)
        with httpx.Client(base_url=self.base_url, timeout=20.0) as client:
            while not self._stop.is_set():
                try:
                    self._one(client, rng)
                except ServerDown:
                    client.cookies.clear()
                    self._await_server(client)
                except Exception as exc:  # a bug in the load itself: keep it for the test
                    self.errors.append(f"{type(exc).__name__}: {exc}")
                    return

    def _await_server(self, client: httpx.Client) -> None:
        while not self._stop.is_set():
            try:
                if client.get("/healthz", timeout=2.0).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)

    def _next(self) -> int:
        with self.lock:
            self._serial += 1
            return self._serial

    def _network(self, serial: int) -> dict[str, str]:
        """Each submission from its own /24 (behind the trusted proxy), so the per-network
        rate limits of the public forms never turn the load away."""
        return {"X-Forwarded-For": f"10.{(serial >> 8) & 255}.{serial & 255}.7"}

    def _one(self, client: httpx.Client, rng: random.Random) -> None:
        roll = rng.random()
        if roll < 0.25 and self._consent_change(client):
            return
        if roll < 0.4 and self._confirm_step(client):
            return
        if roll < 0.6 and self._rights_request(client, rng):
            return
        self._contact(client, rng)

    # operations

    def _send(
        self, client: httpx.Client, method: str, url: str, **kwargs: object
    ) -> httpx.Response:
        try:
            return client.request(method, url, **kwargs)  # type: ignore[arg-type]
        except httpx.TransportError as exc:
            raise ServerDown from exc

    def _contact(self, client: httpx.Client, rng: random.Random) -> None:
        serial = self._next()
        contact = Contact(
            email=f"crash{self.seed}-{serial}@example.com", marketing=rng.random() < 0.85
        )
        page = self._send(client, "GET", "/contact")
        if page.status_code != 200:
            self.tally.add("refused", "contact")
            return
        data = {
            "csrf_token": csrf_of(page.text),
            "title": "Mx",
            "first_name": "Robin",
            "last_name": f"Tester{serial}",
            "email": contact.email,
            "phone": "",
            "message": "Our office printer keeps jamming; could someone visit this week?",
            "website": "",
            "confirmed_special": "",
        }
        if contact.marketing:
            data["marketing_email"] = "yes"
        with self.lock:
            self.contacts.append(contact)
        try:
            response = self._send(
                client, "POST", "/contact", data=data, headers=self._network(serial)
            )
        except ServerDown:
            self.tally.add("unknown", "contact")
            raise
        if response.status_code == 303 and response.headers["location"] == "/contact/thanks":
            contact.acked = True
            self.tally.add("acked", "contact")
        else:
            self.tally.add("refused", "contact")

    def _claim_contact(self, *, ref_needed: bool | None, for_request: bool) -> Contact | None:
        with self.lock:
            for contact in self.contacts:
                if not contact.acked or contact.busy or not contact.marketing:
                    continue
                if contact.used_for_request or (for_request and contact.ref is not None):
                    continue  # one request each; people whose ref is known keep for the API
                if ref_needed is not None and (contact.ref is not None) != ref_needed:
                    continue
                contact.busy = True
                if for_request:
                    contact.used_for_request = True
                return contact
        return None

    def _learn_ref(self, client: httpx.Client, contact: Contact) -> None:
        """The subject's reference, from the consent-record link of their receipt email."""
        for message in self.mailbox.to(contact.email):
            found = _CONSENT_LINK.search(body_text(message))
            if found:
                response = self._send(client, "GET", found.group(1))
                if response.status_code == 200:
                    contact.ref = str(response.json()["pii_principal_id"])
                return

    def _consent_change(self, client: httpx.Client) -> bool:
        contact = self._claim_contact(ref_needed=True, for_request=False)
        try:
            if contact is None:
                contact = self._claim_contact(ref_needed=False, for_request=False)
                if contact is None:
                    return False
                self._learn_ref(client, contact)
                return True
            self._flip_consent(client, contact)
            return True
        finally:
            if contact is not None:
                contact.busy = False

    def _flip_consent(self, client: httpx.Client, contact: Contact) -> None:
        headers = {"authorization": f"Bearer {self.api_token}"}
        base = f"/api/v1/subjects/{contact.ref}/consents"
        try:
            if contact.consent_given:
                response = self._send(client, "DELETE", f"{base}/marketing/email", headers=headers)
            else:
                body = {
                    "purpose": "marketing",
                    "channel": "email",
                    "collection_point": "contact_form",
                    "wording": CONTACT_WORDING,
                    "method": "email",
                }
                response = self._send(client, "POST", base, json=body, headers=headers)
        except ServerDown:
            self.tally.add("unknown", "consent")
            raise
        if response.status_code in (200, 201):
            event = response.json()
            assert contact.ref is not None
            with self.lock:
                self.consent_acks.append(
                    ConsentAck(contact.ref, str(event["record_id"]), str(event["action"]))
                )
            contact.consent_given = event["action"] == "given"
            self.tally.add("acked", "consent")
        else:
            self.tally.add("refused", "consent")

    def _rights_request(self, client: httpx.Client, rng: random.Random) -> bool:
        contact = self._claim_contact(ref_needed=None, for_request=True)
        if contact is None:
            return False
        try:
            serial = self._next()
            request = RightsRequest(contact.email, rng.choice(DSR_KINDS), serial)
            page = self._send(client, "GET", "/privacy-centre")
            if page.status_code != 200:
                self.tally.add("refused", "rights_request")
                return True
            data = {
                "csrf_token": csrf_of(page.text),
                "kind": request.kind,
                "email": request.email,
                "choice": "email" if request.kind == "change_channels" else "",
                "website": "",
            }
            with self.lock:
                self.requests.append(request)
            try:
                response = self._send(
                    client, "POST", "/privacy-centre", data=data, headers=self._network(serial)
                )
            except ServerDown:
                self.tally.add("unknown", "rights_request")
                raise
            if response.status_code == 303 and response.headers["location"].endswith(
                "/check-email"
            ):
                request.acked = True
                self.tally.add("acked", "rights_request")
            else:
                self.tally.add("refused", "rights_request")
            return True
        finally:
            contact.busy = False

    def _confirm_step(self, client: httpx.Client) -> bool:
        """Follow a verification link and press Confirm (the request's next step)."""
        with self.lock:
            waiting = [r for r in self.requests if r.acked and not r.confirm_tried]
        for request in waiting:
            link = verification_path(self.mailbox.to(request.email))
            if link is None:
                continue
            with self.lock:
                if request.confirm_tried:
                    continue
                request.confirm_tried = True
            serial = self._next()
            page = self._send(client, "GET", link)
            if page.status_code != 200:
                self.tally.add("refused", "confirm")
                return True
            data = {"csrf_token": csrf_of(page.text), "action": "confirm"}
            try:
                response = self._send(
                    client, "POST", link, data=data, headers=self._network(serial)
                )
            except ServerDown:
                self.tally.add("unknown", "confirm")
                raise
            if response.status_code == 200:
                request.confirmed = True
                self.tally.add("acked", "confirm")
            else:
                self.tally.add("refused", "confirm")
            return True
        return False


def verification_path(messages: list[EmailMessage]) -> str | None:
    for message in messages:
        found = _VERIFY_LINK.search(body_text(message))
        if found:
            return found.group(1)
    return None


if __name__ == "__main__":
    if sys.argv[1:] == ["worker"]:
        worker_main()
    else:
        raise SystemExit("usage: python -m tests.security.faults worker")
