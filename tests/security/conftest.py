"""Shared fixtures for the security tests: one populated installation and one browser per
actor, so every test can ask "what does this actor get on this route?".

Nothing here is autouse; a test asks for ``security_world`` (or the smaller fixtures).
Each actor's client has its own cookies and its own /24 network, so the per-network rate
limits of the public forms count each actor separately, as they would in the field.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from argon2 import PasswordHasher
from argon2.profiles import CHEAPEST
from fastapi import FastAPI
from sqlalchemy import func, select

from charter.accounts import service as accounts
from charter.api.schemas import Scope
from charter.api.service import create_token
from charter.app import create_app
from charter.breaches import service as breaches
from charter.campaigns import service as campaigns
from charter.consent.service import give_consent
from charter.db import Base
from charter.engagements import service as engagements
from charter.enquiries.receipts import consent_record_token
from charter.mail.outbox import OutboxSender
from charter.orders import service as orders
from charter.orders.models import Invoice, Order
from charter.rights.models import RequestStatus
from charter.runtime import Runtime
from charter.staff import service as staff_service
from charter.subjects.service import subject_by_ref
from charter.vault import service as vault
from charter.vault.models import Subject
from tests.app_client import FIREFOX, AppClient
from tests.rights.factories import request_in
from tests.staff.factories import PASSWORD as STAFF_PASSWORD
from tests.staff.factories import add_staff, email_for, outbox_of, sign_in
from tests.subjects.factories import busy_person
from tests.web.asgi import body_text, outbox_messages

SETUP_ACTOR = "cli:security-test"
CUSTOMER_PASSWORD = "correct horse battery"
ORDER_OF = {"a": "Network cabling for the Clifton office", "b": "Laptop repair for Bob's shop"}
EMAIL_OF = {"a": "alice.security@example.com", "b": "bob.security@example.com"}
_VERIFY_LINK = re.compile(r"/account/verify/([A-Za-z0-9_-]+)")
_CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')

#: The API scopes, each held alone by one token actor.
API_SCOPES: dict[str, Scope] = {f"api_{scope.value.replace(':', '_')}": scope for scope in Scope}
STAFF_ROLES = ("staff", "privacy_officer", "admin")


@pytest.fixture
def security_cheap_hasher(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Argon2id at its cheapest for staff and customer passwords (the production profile
    is tested in tests/staff); not autouse, ask for it."""
    monkeypatch.setattr(staff_service, "PASSWORD_HASHER", PasswordHasher.from_parameters(CHEAPEST))
    staff_service._dummy_hash.cache_clear()
    yield
    staff_service._dummy_hash.cache_clear()


class ActorClient(AppClient):
    """An :class:`AppClient` whose requests come from its own network (``10.N.0.10``)."""

    def __init__(self, app: FastAPI, *, network: int) -> None:
        super().__init__(app)
        self._runner.run(self.http.aclose())
        self.peer = f"10.{network}.0.10"
        self.http = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app, client=(self.peer, 50000)),
            base_url="http://testserver",
            headers={"user-agent": FIREFOX},
        )

    def form_token(self, path: str) -> str:
        found = _CSRF.search(self.get(path).text)
        assert found is not None, f"no form on {path}"
        return found.group(1)


@dataclass
class Owned:
    """The real identifiers of one owner's things, to fill path templates with."""

    ref: str
    request: str = ""
    enquiry: str = ""
    record_id: str = ""
    record_token: str = ""
    order_id: str = ""
    invoice_id: str = ""
    subject_id: int = 0


@dataclass
class SecurityWorld:
    runtime: Runtime
    app: FastAPI
    clients: dict[str, ActorClient]
    owned: dict[str, Owned]
    tokens: dict[str, str]
    staff_ids: dict[str, int]
    shared: dict[str, str] = field(default_factory=dict)
    _networks: list[int] = field(default_factory=lambda: [100])

    def new_client(self) -> ActorClient:
        self._networks[0] += 1
        client = ActorClient(self.app, network=self._networks[0])
        self.clients[f"extra{self._networks[0]}"] = client
        return client


def row_counts(runtime: Runtime, *, skip: frozenset[str] = frozenset()) -> dict[str, int]:
    """Rows in every table of the schema (a cheap "nothing changed" witness)."""
    with runtime.unit(write=False) as work:
        return {
            table.name: int(work.session.scalar(select(func.count()).select_from(table)) or 0)
            for table in Base.metadata.sorted_tables
            if table.name not in skip
        }


def _customer(runtime: Runtime, owner: str, outbox: Path) -> Owned:
    sender = OutboxSender(outbox, runtime.settings.mail_from)
    email = EMAIL_OF[owner]
    with runtime.unit() as work:
        accounts.register(
            work,
            email=email,
            password=CUSTOMER_PASSWORD,
            first_name=owner.upper(),
            last_name="Customer",
            sender=sender,
            actor=SETUP_ACTOR,
        )
    found = _VERIFY_LINK.search(body_text(outbox_messages(outbox)[-1]))
    assert found is not None
    with runtime.unit() as work:
        account = accounts.verify_email(work, found.group(1))
        subject = work.session.get(Subject, account.subject_id)
        assert subject is not None
        order = orders.record_order(
            work,
            subject,
            service_description=ORDER_OF[owner],
            amount_pence=125050,
            ordered_on=date(2026, 11, 2),
            actor=SETUP_ACTOR,
        )
        invoice = orders.record_invoice(
            work,
            order,
            number=f"INV-{owner.upper()}1",
            issued_on=date(2026, 11, 3),
            amount_pence=125050,
            actor=SETUP_ACTOR,
        )
        record_id = _consent(work, subject)
        return Owned(
            ref=subject.ref,
            record_id=record_id,
            record_token=consent_record_token(work, record_id),
            order_id=str(order.id),
            invoice_id=str(invoice.id),
            subject_id=subject.id,
        )


def _consent(work: Any, subject: Any) -> str:
    return give_consent(
        work,
        subject,
        purpose="marketing",
        channel="email",
        collection_point="newsletter",
        wording=work.policy.collection_point("newsletter").consents[0].wording,
        evidence={"method": "web_form"},
        actor=SETUP_ACTOR,
    ).record_id


def _console_person(runtime: Runtime) -> Owned:
    person = busy_person(runtime)
    with runtime.unit() as work:
        subject = subject_by_ref(work, person.ref)
        order = work.session.scalars(select(Order).where(Order.subject_id == subject.id)).one()
        invoice = work.session.scalars(select(Invoice).where(Invoice.order_id == order.id)).one()
        record_id = _consent(work, subject)
        return Owned(
            ref=person.ref,
            request=person.request,
            enquiry=person.enquiry,
            record_id=record_id,
            record_token=consent_record_token(work, record_id),
            order_id=str(order.id),
            invoice_id=str(invoice.id),
            subject_id=subject.id,
        )


def _restricted_person(runtime: Runtime) -> Owned:
    with runtime.unit() as work:
        subject = vault.create_subject(work, actor=SETUP_ACTOR)
        vault.store_personal_data(
            work,
            subject,
            collection_point="newsletter",
            values={"contact.email": "restricted.person@example.org"},
            source="data_subject",
            actor=SETUP_ACTOR,
        )
        request = request_in(work, RequestStatus.VERIFIED, subject=subject)
        order = orders.record_order(
            work,
            subject,
            service_description="Server move for a restricted client",
            amount_pence=9900,
            ordered_on=date(2026, 11, 2),
            actor=SETUP_ACTOR,
        )
        invoice = orders.record_invoice(
            work,
            order,
            number="INV-R1",
            issued_on=date(2026, 11, 3),
            amount_pence=9900,
            actor=SETUP_ACTOR,
        )
        record_id = _consent(work, subject)
        vault.restrict_processing(work, subject, reason="accuracy_contested", actor=SETUP_ACTOR)
        return Owned(
            ref=subject.ref,
            request=request.reference,
            record_id=record_id,
            record_token=consent_record_token(work, record_id),
            order_id=str(order.id),
            invoice_id=str(invoice.id),
            subject_id=subject.id,
        )


def customer_sign_in(client: AppClient, email: str) -> httpx.Response:
    token = client.csrf("/account/login")
    return client.post(
        "/account/login",
        data={"csrf_token": token, "email": email, "password": CUSTOMER_PASSWORD},
    )


@pytest.fixture
def security_world(
    runtime: Runtime, security_cheap_hasher: None, tmp_path: Path
) -> Iterator[SecurityWorld]:
    """Customers A and B (verified, an order each, a consent record each), a busy person
    the console works on ("p"), a restricted person ("r"), one signed-in browser per
    staff role and per customer, an anonymous browser, and one API token per scope."""
    app = create_app(runtime=runtime)
    owned = {
        "a": _customer(runtime, "a", tmp_path / "mail-a"),
        "b": _customer(runtime, "b", tmp_path / "mail-b"),
        "p": _console_person(runtime),
        "r": _restricted_person(runtime),
    }
    staff_ids = {role: add_staff(runtime, role) for role in STAFF_ROLES}
    actors = ["anonymous", "customer_a", "customer_b", *STAFF_ROLES, *API_SCOPES]
    clients = {name: ActorClient(app, network=n) for n, name in enumerate(actors, start=1)}
    world = SecurityWorld(runtime, app, clients, owned, {}, staff_ids)
    try:
        for role in STAFF_ROLES:
            assert sign_in(clients[role], email_for(role), STAFF_PASSWORD).status_code == 303
        for owner in ("a", "b"):
            response = customer_sign_in(clients[f"customer_{owner}"], EMAIL_OF[owner])
            assert response.status_code == 303, response.text
        for name, scope in API_SCOPES.items():
            with runtime.unit() as work:
                world.tokens[name], _ = create_token(
                    work, name=name, scopes=[scope], actor=SETUP_ACTOR
                )
            clients[name].http.headers["authorization"] = f"Bearer {world.tokens[name]}"
        _console_things(world)
        yield world
    finally:
        for client in clients.values():
            client.close()


def _console_things(world: SecurityWorld) -> None:
    runtime = world.runtime
    now = runtime.clock()
    with runtime.unit() as work:
        campaign = campaigns.create_campaign(
            work,
            title="Winter email",
            purpose="marketing",
            channel="email",
            subject_line="Winter offer",
            text="Our winter offer.\n",
            html=None,
            actor=SETUP_ACTOR,
        )
        breach = breaches.log_breach(
            work,
            aware_at=now,
            description="Backup drive lost in transit.",
            categories=["contact"],
            period_from=now - timedelta(days=1),
            period_to=now,
            likely_consequences="Unwanted contact.",
            measures="Courier investigation; drive was encrypted.",
            risk_level="risk",
            actor=SETUP_ACTOR,
        )
        person = subject_by_ref(work, world.owned["p"].ref)
        order = work.session.get(Order, int(world.owned["p"].order_id))
        assert order is not None
        engagement = engagements.open_engagement(
            work,
            person,
            order=order,
            staff_id=world.staff_ids["staff"],
            systems="Office server",
            actor=SETUP_ACTOR,
        )
        world.shared.update(
            campaign_id=str(campaign.id),
            breach=breach.reference,
            engagement_id=str(engagement.id),
            version=runtime.policy.version,
            unknown_token=secrets.token_urlsafe(32),
        )
    names = sorted(path.name for path in outbox_of(runtime).glob("*"))
    assert names, "the busy person's enquiry wrote no outbox message"
    world.shared["outbox_name"] = names[0]
