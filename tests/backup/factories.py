"""A real installation with people worth backing up, and the `charter` command run as a
separate process against it (as an operator would)."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from charter.installation.service import open_runtime
from charter.mail.outbox import OutboxSender
from charter.orders import service as orders
from charter.runtime import Runtime
from charter.settings import Settings
from charter.vault import service as vault
from tests.erasure.factories import EMAIL, enquire, order
from tests.newsletter.factories import subscribe

ACTOR = "staff:test"
#: A newsletter-only subscriber: nothing the law requires us to keep, so erasure shreds.
READER_EMAIL = "Ottoline.Readwell@Example.org"
#: Someone never erased, who must come back whole.
KEEPER_EMAIL = "Keeper.Unerased@example.net"


@dataclass(frozen=True)
class People:
    customer: str  # order, invoice, marketing opt-in: erasure keeps restricted records
    reader: str  # newsletter only: erasure crypto-shreds
    keeper: str  # never erased


def installation(data_dir: Path, url: str) -> Settings:
    return Settings(data_dir=data_dir, database_url=url)


def populate(settings: Settings) -> People:
    runtime = open_runtime(settings)
    try:
        outbox = settings.data_dir / "outbox"
        customer = enquire(runtime, outbox, marketing=("email",))
        order(runtime)
        _invoice(runtime, customer)
        sender = OutboxSender(outbox, settings.mail_from)
        subscribe(runtime, sender, outbox, email=EMAIL)
        subscribe(runtime, sender, outbox, email=READER_EMAIL)
        subscribe(runtime, sender, outbox, email=KEEPER_EMAIL)
        with runtime.unit() as work:
            reader = vault.find_subject(work, email=READER_EMAIL)
            keeper = vault.find_subject(work, email=KEEPER_EMAIL)
            assert reader is not None
            assert keeper is not None
            return People(customer=customer, reader=reader.ref, keeper=keeper.ref)
    finally:
        runtime.close()


def _invoice(runtime: Runtime, ref: str) -> None:
    with runtime.unit() as work:
        subject = orders.find_subject(work, ref)
        placed = orders.record_order(
            work,
            subject,
            service_description="Laptop setup",
            amount_pence=48000,
            ordered_on=date(2026, 11, 20),
            actor=ACTOR,
        )
        orders.record_invoice(
            work,
            placed,
            number="INV-2026-0042",
            issued_on=date(2026, 11, 21),
            amount_pence=48000,
            actor=ACTOR,
        )


def charter(settings: Settings, *arguments: str) -> subprocess.CompletedProcess[str]:
    """Run ``charter ARGUMENTS`` as its own process on this installation."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in ("CHARTER_KEYRING", "CHARTER_POLICY", "CHARTER_NOW")
    }
    environment["CHARTER_DATA_DIR"] = str(settings.data_dir)
    environment["CHARTER_DATABASE_URL"] = settings.resolved_database_url
    environment["COLUMNS"] = "200"
    return subprocess.run(
        [str(Path(sys.executable).with_name("charter")), *arguments],
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def flat(text: str) -> str:
    return " ".join(text.split())
