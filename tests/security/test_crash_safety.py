"""Crash safety: SIGKILL the server and the worker, again and again, under a mixed load.

One installation (a fresh SQLite file or PostgreSQL database), a real ``charter serve``
on a fixed loopback port, a real worker process (campaign sends and the retry job, see
``faults.worker_main``) and a real SMTP server (aiosmtpd) in this process counting every
email. Load threads post contact forms, change consents through the API, make
privacy-centre requests and confirm them from their emailed links; campaigns are written
while all that runs. Both processes are killed with SIGKILL at random moments and started
again, :data:`CYCLES` times each. Then, with everything stopped:

* every acknowledged write (the form's 303, the API's 2xx, the confirmation page) is
  stored exactly once, and nothing unacknowledged is stored twice;
* nothing is half-written: enquiries have their values and consent events, requests their
  events (the last one naming the request's status), messages their delivery log;
* no email went twice (by recipient and subject, which name the enquiry, request or
  campaign), and every campaign message due was sent once, or is *reported*
  ``outcome_unknown`` (see below); none is left pending;
* ``charter audit verify`` and ``charter compliance report`` pass.

**Campaign messages whose outcome a crash lost.** ``campaigns/delivery.py`` claims a
message (``in_flight``, committed) before calling the SMTP server and records the result
after. A kill between the two leaves the message in doubt: it may or may not have gone.
By design it is then marked ``failed`` / ``outcome_unknown`` and never repeated (a
duplicate is unwanted marketing, PECR reg. 22; a missed newsletter harms no one), it is
counted in the campaign's ``failed_count`` and audited as ``outbound.outcome_unknown``.
So it is *reported*, not lost: the test counts those separately, with how many of them
actually reached the SMTP server, and counts as lost only a due message that is neither
sent nor reported.

Emails carry no idempotency header (a fresh Message-ID per send), so a repeat is found by
(recipient, subject): each subject names its enquiry, request or campaign, and every
address belongs to one load operation. Emails sent inside a unit of work that a kill then
undid (receipts, verification links) are counted and printed, not failed: nobody was told
"stored" for them. A consent withdrawn while a campaign message is being claimed is counted
(``withdrawn_while_in_flight``): the withdrawal's ledger time can precede the claim while
its commit follows it, so the compliance report flags the message; only such racing
messages are tolerated in that check (a known gap for issue 6: ledger time is not commit
order across processes). A withdrawal after the claim must not fail the report (pinned by
the test at the end). A privacy-
centre request acknowledged just before a kill may miss its verification email, which is
sent after the reply (``privacy_centre/deferred.py``) and not yet from a durable queue:
counted as ``acknowledged_requests_not_mailed`` and printed, a known gap for the task
queue (issue 6). The figures are printed (``-s``) per backend.
"""

from __future__ import annotations

import json
import random
import re
import subprocess
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from charter.api.schemas import Scope
from charter.api.service import create_token
from charter.audit.models import AuditEntry
from charter.campaigns import delivery
from charter.campaigns.delivery import Senders, due_message_ids
from charter.campaigns.models import Campaign, DeliveryAttempt, SentMessage
from charter.campaigns.service import create_campaign, record_audience, send_campaign
from charter.compliance.service import marketing_consent
from charter.consent.models import ConsentEvent
from charter.enquiries.models import Enquiry
from charter.installation.service import open_runtime
from charter.mail.outbox import OutboxSender
from charter.privacy_centre.models import VerificationLink
from charter.rights.models import RequestEvent, SubjectRequest
from charter.runtime import Runtime, Work
from charter.settings import Settings
from charter.vault import service as vault
from charter.vault.models import PersonalValue, Subject
from tests import conftest
from tests.campaigns import factories as campaign_people
from tests.server import charter_command, charter_env, free_port
from tests.web.asgi import body_text
from tests.web.mailbox import Mailbox, smtp_server

from .faults import (
    PUBLIC,
    STAFF,
    Child,
    Load,
    server_child,
    wait_healthy,
    worker_child,
)

#: Kills of each process (the server and the worker): six faults per backend in all, which
#: keeps the test near 90 seconds per backend on a busy CI machine (each start of a Charter
#: process costs seconds of imports). Raise it for a longer soak.
CYCLES = 3
LOAD_THREADS = 3
ACTOR = "cli:crash-test"
_ENQUIRY_REF = re.compile(r"ENQ-[A-Z0-9]{10}")
_REQUEST_REF = re.compile(r"DSR-[A-Z0-9]{4}-[A-Z0-9]{4}")


@dataclass
class Findings:
    """Everything that went wrong, by kind; the test passes only with all empty."""

    lost: list[str] = field(default_factory=list)
    duplicated: list[str] = field(default_factory=list)
    half_written: list[str] = field(default_factory=list)
    figures: dict[str, int] = field(default_factory=dict)


def _addressed(messages: list[EmailMessage], address: str) -> list[EmailMessage]:
    return [m for m in messages if str(m["To"]).strip().lower() == address.lower()]


def _reference(message: EmailMessage, pattern: re.Pattern[str]) -> str | None:
    found = pattern.search(str(message["Subject"]))
    return found.group(0) if found else None


# The run ----------------------------------------------------------------------------------


def _settings(data_dir: Path, env: dict[str, str]) -> Settings:
    return Settings(
        data_dir=data_dir,
        database_url=env["CHARTER_DATABASE_URL"],
        smtp_url=env["CHARTER_SMTP_URL"],
        base_url=PUBLIC,
        staff_notification_email=STAFF,
        trust_proxy_headers=True,
        scheduler=False,
    )


def _run_under_faults(
    data_dir: Path, env: dict[str, str], runtime: Runtime, mailbox: Mailbox, *, seed: int
) -> tuple[Load, Child, Child]:
    """The load runs throughout; the server and the worker are each killed :data:`CYCLES`
    times at random moments (independently) and started again at once."""
    logs = data_dir.parent / "logs"
    logs.mkdir()
    server, base_url = server_child(data_dir, env, port=free_port(), logs=logs)
    worker = worker_child(data_dir, env, logs=logs)
    with runtime.unit() as work:
        token, _view = create_token(
            work, name="crash-load", scopes=[Scope.CONSENTS_WRITE], actor=ACTOR
        )
    server.start()
    wait_healthy(base_url, server)
    load = Load(base_url, token, mailbox, threads=LOAD_THREADS, seed=seed)
    load.start()
    time.sleep(3)  # some people on file before the first campaign and the first kill

    def kill_server() -> None:
        rng = random.Random(seed)
        for _cycle in range(CYCLES):
            time.sleep(rng.uniform(1.0, 3.0))
            server.kill()
            server.start()
            wait_healthy(base_url, server)

    def kill_worker() -> None:
        """A new campaign each time the worker is up, and the kill a moment later: mostly
        in the middle of recording its audience or of sending it."""
        rng = random.Random(seed + 1)
        for cycle in range(CYCLES):
            worker.start()
            worker.wait_for("worker ready")
            with runtime.unit() as work:
                create_campaign(
                    work,
                    title=f"Crash test {cycle}",
                    purpose="marketing",
                    channel="email",
                    subject_line=f"Crash-test news {cycle}",
                    text="Our winter opening hours, and a new backup service.",
                    actor=ACTOR,
                )
            worker.wait_for(f"campaign {cycle + 1}: sending")
            time.sleep(rng.uniform(0.0, 2.5))
            worker.kill()
        worker.start()

    killers = [threading.Thread(target=kill_server), threading.Thread(target=kill_worker)]
    for thread in killers:
        thread.start()
    for thread in killers:
        thread.join()
    time.sleep(3)  # the load meets the last server, the worker its last campaign
    load.stop()
    server.kill(fault=False)
    worker.kill(fault=False)
    return load, server, worker


def _cli(data_dir: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        charter_command(*args),
        env=charter_env(data_dir, env),
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def _cli_together(
    data_dir: Path, env: dict[str, str], *commands: tuple[str, ...]
) -> list[subprocess.CompletedProcess[str]]:
    """Read-only commands at once (each costs seconds of start-up)."""
    started = [
        (
            args,
            subprocess.Popen(
                charter_command(*args),
                env=charter_env(data_dir, env),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            ),
        )
        for args in commands
    ]
    done = []
    for args, process in started:
        stdout, stderr = process.communicate(timeout=180)
        done.append(subprocess.CompletedProcess(list(args), process.returncode, stdout, stderr))
    return done


def _settle(runtime: Runtime, data_dir: Path, env: dict[str, str]) -> None:
    """What an operator does after the crashes: send what is unsent, then (20 minutes on,
    past ``IN_DOUBT_AFTER``) the retry job settles tries a crash cut short."""
    with runtime.unit(write=False) as work:
        unsent = list(work.session.scalars(select(Campaign.id).where(Campaign.status != "sent")))
    for campaign_id in unsent:
        send_campaign(runtime, campaign_id, actor=ACTOR)
    later = (datetime.now(UTC) + timedelta(minutes=20)).isoformat()
    settled = _cli(
        data_dir, {**env, "CHARTER_NOW": later}, "jobs", "run", "campaigns.retry_pending"
    )
    assert settled.returncode == 0, settled.stdout + settled.stderr


# The checks ---------------------------------------------------------------------------------


def _check_contacts(
    runtime: Runtime, load: Load, messages: list[EmailMessage], out: Findings
) -> dict[int, str]:
    """Acknowledged enquiries stored once, with their receipt; returns subject id -> address."""
    addresses: dict[int, str] = {}
    phantom = 0
    staff = _addressed(messages, STAFF)
    with runtime.unit(write=False) as work:
        for contact in load.contacts:
            subject = vault.find_subject(work, email=contact.email)
            enquiries = (
                []
                if subject is None
                else list(
                    work.session.scalars(select(Enquiry).where(Enquiry.subject_id == subject.id))
                )
            )
            if subject is not None:
                addresses[subject.id] = contact.email
            receipts = [
                m
                for m in _addressed(messages, contact.email)
                if "received your enquiry" in str(m["Subject"])
            ]
            if len(enquiries) > 1:
                out.duplicated.append(f"enquiry of {contact.email} stored {len(enquiries)} times")
            if contact.acked and not enquiries:
                out.lost.append(f"acknowledged enquiry of {contact.email} not stored")
            stored = {e.reference for e in enquiries}
            kept = [r for r in receipts if _reference(r, _ENQUIRY_REF) in stored]
            phantom += len(receipts) - len(kept)  # mailed in the unit of work a kill undid
            if enquiries and len(kept) != 1:
                out.lost.append(f"enquiry of {contact.email}: {len(kept)} receipts")
            for reference in stored:
                notices = [m for m in staff if _reference(m, _ENQUIRY_REF) == reference]
                if len(notices) != 1:
                    out.lost.append(f"enquiry {reference}: {len(notices)} staff notices")
        for enquiry in work.session.scalars(select(Enquiry)):
            values = work.session.scalar(
                select(func.count())
                .select_from(PersonalValue)
                .where(PersonalValue.id.in_(enquiry.value_ids))
            )
            if not enquiry.value_ids or values != len(enquiry.value_ids):
                out.half_written.append(f"enquiry {enquiry.reference} without all its values")
            events = work.session.scalar(
                select(func.count())
                .select_from(ConsentEvent)
                .where(ConsentEvent.record_id.in_(enquiry.consent_record_ids))
            )
            if events != len(enquiry.consent_record_ids):
                out.half_written.append(f"enquiry {enquiry.reference} without its consents")
            audited = work.session.scalar(
                select(func.count())
                .select_from(AuditEntry)
                .where(
                    AuditEntry.action == "enquiry.received",
                    AuditEntry.detail.contains(enquiry.reference),
                )
            )
            if audited != 1:
                out.half_written.append(f"enquiry {enquiry.reference} audited {audited} times")
    out.figures["receipts_for_rolled_back_enquiries"] = phantom
    return addresses


def _check_consents(runtime: Runtime, load: Load, out: Findings) -> None:
    with runtime.unit(write=False) as work:
        for ack in load.consent_acks:
            rows = work.session.execute(
                select(ConsentEvent.action, Subject.ref)
                .join(Subject, Subject.id == ConsentEvent.subject_id)
                .where(ConsentEvent.record_id == ack.record_id)
            ).all()
            if not rows:
                out.lost.append(f"acknowledged consent event {ack.record_id} not stored")
            elif len(rows) > 1:
                out.duplicated.append(f"consent event {ack.record_id} stored {len(rows)} times")
            elif tuple(rows[0]) != (ack.action, ack.ref):
                out.half_written.append(f"consent event {ack.record_id} is not what was answered")


def _links_of(work: Work, subject_id: int) -> list[VerificationLink]:
    query = select(VerificationLink).where(VerificationLink.subject_id == subject_id)
    return list(work.session.scalars(query))


def _check_requests(
    runtime: Runtime, load: Load, messages: list[EmailMessage], out: Findings
) -> None:
    phantom = unmailed = 0
    with runtime.unit(write=False) as work:
        for asked in load.requests:
            mailed = [
                m
                for m in _addressed(messages, asked.email)
                if "confirm your data protection request" in str(m["Subject"])
            ]
            if len(mailed) > 1:
                out.duplicated.append(f"{len(mailed)} verification emails to {asked.email}")
            found = _REQUEST_REF.search(str(mailed[0]["Subject"])) if mailed else None
            stored = (
                []
                if found is None
                else list(
                    work.session.scalars(
                        select(SubjectRequest).where(SubjectRequest.reference == found.group(0))
                    )
                )
            )
            if found is not None and not stored:
                phantom += 1  # mailed in the unit of work a kill undid
            if not asked.acked:
                continue
            if found is None:
                # Stored, yet never mailed: seen near kills, cause open (see the report).
                subject = vault.find_subject(work, email=asked.email)
                links = [] if subject is None else _links_of(work, subject.id)
                if len(links) != 1:
                    out.lost.append(f"acknowledged request {asked}: stored {len(links)} times")
                unmailed += 1
                continue
            if len(stored) != 1:
                out.lost.append(f"acknowledged request {found.group(0)} stored {len(stored)} times")
                continue
            if asked.confirmed and stored[0].status != "completed":
                out.lost.append(f"confirmed request {found.group(0)} is {stored[0].status}")
            if asked.confirmed and asked.kind == "access":
                downloads = [
                    m
                    for m in _addressed(messages, asked.email)
                    if "/privacy-centre/download/" in body_text(m)
                ]
                if len(downloads) != 1:
                    out.lost.append(f"request {found.group(0)}: {len(downloads)} download emails")
        for request in work.session.scalars(select(SubjectRequest)):
            events = list(
                work.session.scalars(
                    select(RequestEvent)
                    .where(RequestEvent.request_id == request.id)
                    .order_by(RequestEvent.id)
                )
            )
            if not events or events[-1].to_status != request.status:
                out.half_written.append(f"request {request.reference} without its events")
    out.figures["verifications_for_rolled_back_requests"] = phantom
    out.figures["acknowledged_requests_not_mailed"] = unmailed


def _check_campaigns(
    runtime: Runtime, addresses: dict[int, str], messages: list[EmailMessage], out: Findings
) -> None:
    unknown_delivered = unknown_missing = sent = 0
    with runtime.unit(write=False) as work:
        campaigns = list(work.session.scalars(select(Campaign).order_by(Campaign.id)))
        for campaign in campaigns:
            if campaign.status != "sent":
                out.lost.append(f"campaign {campaign.id} left {campaign.status}")
            mailed = Counter(
                str(m["To"]).strip().lower()
                for m in messages
                if str(m["Subject"]) == campaign.subject_line
            )
            rows = list(
                work.session.scalars(
                    select(SentMessage).where(SentMessage.campaign_id == campaign.id)
                )
            )
            for row in rows:
                address = addresses.get(row.subject_id or 0)
                got = mailed.pop(address, 0) if address else 0
                attempts = list(
                    work.session.scalars(
                        select(DeliveryAttempt.outcome).where(DeliveryAttempt.message_id == row.id)
                    )
                )
                if got > 1:
                    out.duplicated.append(
                        f"campaign {campaign.id} message {row.id} sent {got} times"
                    )
                if row.status == "sent":
                    sent += 1
                    if got != 1 or attempts.count("sent") != 1:
                        out.lost.append(
                            f"campaign {campaign.id} message {row.id} marked sent, {got} received"
                        )
                elif row.status == "failed" and row.last_error == "outcome_unknown":
                    if "unknown" not in attempts:
                        out.half_written.append(f"message {row.id} unknown without its try")
                    unknown_delivered += got
                    unknown_missing += 1 - got
                elif row.status == "skipped":
                    if got:
                        out.duplicated.append(
                            f"campaign {campaign.id} message {row.id} refused yet sent"
                        )
                else:
                    out.lost.append(f"campaign {campaign.id} message {row.id} is {row.status}")
                if "in_flight" in attempts:
                    out.half_written.append(f"message {row.id} still in flight")
            for address, count in mailed.items():
                out.duplicated.append(
                    f"campaign {campaign.id}: {count} emails to {address} without a row"
                )
            if campaign.sent_count != sum(r.status == "sent" for r in rows):
                out.half_written.append(f"campaign {campaign.id} counts do not match its messages")
    out.figures.update(
        campaigns=len(campaigns),
        campaign_messages_sent=sent,
        outcome_unknown_delivered=unknown_delivered,
        outcome_unknown_not_delivered=unknown_missing,
    )


def _check_no_email_twice(messages: list[EmailMessage], out: Findings) -> None:
    """Every subject names its enquiry, request or campaign: one each per recipient."""
    seen = Counter((str(m["To"]).strip().lower(), str(m["Subject"])) for m in messages)
    for (to, subject), count in seen.items():
        if count > 1:
            out.duplicated.append(f"{count} emails '{subject}' to {to}")
    ids = Counter(str(m["Message-ID"]) for m in messages)
    out.duplicated += [f"Message-ID {mid} received {n} times" for mid, n in ids.items() if n > 1]


#: How close to a message's claim a withdrawal must be to count as racing it.
RACE_WINDOW = timedelta(seconds=5)


def _withdrawn_in_flight(runtime: Runtime) -> set[int]:
    """Marketing messages sent while a withdrawal of their consent was being recorded:
    the withdrawal's time (taken when its request began) falls within moments before the
    claim's, but it committed after the claim had read the consent state, so the gate
    allowed a message the ledger now shows as sent after the withdrawal. The compliance
    report rightly flags them; the fault test counts them, and the race (ledger times are
    not commit order across processes on PostgreSQL) is a known gap for issue 6."""
    found: set[int] = set()
    with runtime.unit(write=False) as work:
        rows = work.session.scalars(
            select(SentMessage).where(SentMessage.kind == "marketing", SentMessage.status == "sent")
        )
        for row in rows:
            withdrawals = work.session.scalars(
                select(ConsentEvent.occurred_at).where(
                    ConsentEvent.subject_id == row.subject_id,
                    ConsentEvent.purpose == row.purpose,
                    ConsentEvent.channel == row.channel,
                    ConsentEvent.action == "withdrawn",
                )
            )
            if any(row.decided_at - RACE_WINDOW <= at <= row.decided_at for at in withdrawals):
                found.add(row.id)
    return found


def _unexplained_failures(report: dict[str, Any], in_flight: set[int]) -> list[str]:
    """Failed checks, less a ``marketing_consent`` failure made only of racing messages."""
    failures: list[str] = []
    for check in report["checks"]:
        if check["passed"]:
            continue
        flagged = {
            int(number)
            for line in check["evidence"]
            for number in re.findall(r"sent_messages #(\d+)", line)
        }
        if check["id"] == "marketing_consent" and flagged and flagged <= in_flight:
            continue
        failures.append(check["id"])
    return failures


def test_killing_server_and_worker_loses_and_repeats_nothing(
    tmp_path: Path, fresh_database_url: str, backend: str
) -> None:
    data_dir = tmp_path / "site"
    seed = random.SystemRandom().randrange(1_000_000)
    with smtp_server() as (smtp_url, mailbox):
        env = {
            "CHARTER_DATABASE_URL": fresh_database_url,
            "CHARTER_SMTP_URL": smtp_url,
            "CHARTER_BASE_URL": PUBLIC,
            "CHARTER_STAFF_NOTIFICATION_EMAIL": STAFF,
            "CHARTER_TRUST_PROXY_HEADERS": "true",
        }
        data_dir.mkdir()
        runtime = open_runtime(_settings(data_dir, env), create_keys=True)
        try:
            load, server, worker = _run_under_faults(data_dir, env, runtime, mailbox, seed=seed)
            assert not load.errors, load.errors
            _settle(runtime, data_dir, env)
            time.sleep(1)  # the SMTP server has handed over the last message
            messages = list(mailbox.messages)
            out = Findings()
            addresses = _check_contacts(runtime, load, messages, out)
            _check_consents(runtime, load, out)
            _check_requests(runtime, load, messages, out)
            _check_campaigns(runtime, addresses, messages, out)
            _check_no_email_twice(messages, out)
            in_flight = _withdrawn_in_flight(runtime)
        finally:
            runtime.close()
        later = (datetime.now(UTC) + timedelta(minutes=21)).isoformat()
        verified, report = _cli_together(
            data_dir,
            {**env, "CHARTER_NOW": later},
            ("audit", "verify"),
            ("compliance", "report", "--format", "json"),
        )
    acked = sum(load.tally.acked.values())
    out.figures.update(
        seed=seed,
        requests_acknowledged=acked,
        server_kills=server.kills,
        worker_kills=worker.kills,
        kills_survived=server.kills + worker.kills,
        items_lost=len(out.lost),
        withdrawn_while_in_flight=len(in_flight),
    )
    print(f"\ncrash safety on {backend}: {json.dumps(out.figures)}")
    tally = load.tally
    print(f"acknowledged {tally.acked}, refused {tally.refused}, unknown {tally.unknown}")
    assert server.kills >= CYCLES, out.figures
    assert worker.kills >= CYCLES, out.figures
    assert tally.acked.get("contact", 0) > 0, tally
    assert tally.acked.get("consent", 0) > 0, tally
    assert out.figures["campaign_messages_sent"] > 0
    assert out.lost == [], out.lost
    assert out.duplicated == [], out.duplicated
    assert out.half_written == [], out.half_written
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert _unexplained_failures(json.loads(report.stdout), in_flight) == [], report.stdout


# A race the fault test can meet -----------------------------------------------------------


def test_a_withdrawal_while_a_message_is_in_flight_is_not_a_compliance_failure(
    runtime: Runtime, clock: conftest.TestClock, tmp_path: Path
) -> None:
    """The three steps of ``delivery.deliver_message`` with a withdrawal after the claim
    (consent checked, message handed to the provider) and before the outcome is recorded,
    as happens when the worker waits for the database while the API records a withdrawal.
    The message was lawful when it went; the report must not say otherwise."""
    senders = Senders(runtime, OutboxSender(tmp_path / "outbox", runtime.settings.mail_from))
    with runtime.unit() as work:
        subject = campaign_people.person(work, "inflight@example.com")
        campaign = create_campaign(
            work,
            title="In flight",
            purpose="marketing",
            channel="email",
            subject_line="In flight",
            text="News.",
            actor=ACTOR,
        )
        record_audience(work, campaign, actor=ACTOR)
        (message_id,) = due_message_ids(work, campaign_id=campaign.id)
    with runtime.unit() as work:
        claim = delivery._claim(work, message_id, actor=ACTOR)
    assert claim is not None
    assert claim.payload is not None
    provider_id, error, permanent = delivery._provider_send(
        claim.payload, email_sender=senders.email_sender, text_sender=senders.text_sender
    )
    clock.advance(seconds=2)
    with runtime.unit() as work:
        campaign_people.withdraw(work, work.session.get(Subject, subject.id))  # type: ignore[arg-type]
    clock.advance(seconds=2)
    with runtime.unit() as work:
        status = delivery._record_outcome(
            work, claim, provider_id=provider_id, error=error, permanent=permanent, actor=ACTOR
        )
        assert status == "sent"
        assert marketing_consent(work).passed
