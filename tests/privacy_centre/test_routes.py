"""The privacy centre through real HTTP into the app, on SQLite and PostgreSQL.

What is checked is what an impostor would try (Pavur & Knerr, "GDPArrrrr", 2019): asking
from a look-alike address, probing which addresses are held, replaying or reusing a link.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from charter.consent.decisions import decide
from charter.errors import ProcessingRestricted
from charter.newsletter.models import SuppressedAddress
from charter.privacy_centre.models import PackageDownload, VerificationLink
from charter.rights.models import SubjectRequest
from charter.runtime import Runtime
from charter.vault import service as vault
from tests.conftest import TestClock as Clock
from tests.web.asgi import AppClient, outbox_messages

from .factories import (
    ACTOR,
    EMAIL,
    FORM_HEADERS,
    ask,
    audit_details,
    download_path,
    new_customer,
    press,
    subject_by_ref,
    verify_path,
)

_CSRF_VALUE = re.compile(r'value="[0-9a-f]{64}"')
_VOLATILE_HEADERS = {"date", "set-cookie", "content-length"}


def requests_in(runtime: Runtime) -> list[SubjectRequest]:
    with runtime.unit(write=False) as work:
        found = list(work.session.scalars(select(SubjectRequest).order_by(SubjectRequest.id)))
        for item in found:
            work.session.expunge(item)
        return found


def count(runtime: Runtime, model: type) -> int:
    with runtime.unit(write=False) as work:
        return int(work.session.scalar(select(func.count()).select_from(model)) or 0)


def comparable(response: httpx.Response) -> tuple[int, dict[str, str], str]:
    headers = {k: v for k, v in response.headers.items() if k not in _VOLATILE_HEADERS}
    return response.status_code, headers, _CSRF_VALUE.sub('value=""', response.text)


# The page and the form ------------------------------------------------------------------


def test_page_explains_each_right_from_the_policy(visitor: AppClient, runtime: Runtime) -> None:
    html = visitor.get("/privacy-centre").text
    for right in runtime.policy.rights:
        assert right.name in html
    assert 'name="csrf_token"' in html
    assert 'name="website"' in html


def test_known_address_gets_one_email_with_a_working_link(
    visitor: AppClient, runtime: Runtime, outbox: Path
) -> None:
    new_customer(runtime)
    response = ask(visitor, kind="access")
    assert response.status_code == 303
    assert response.headers["location"] == "/privacy-centre/check-email"
    messages = outbox_messages(outbox)
    assert len(messages) == 1
    assert messages[0]["To"] == EMAIL
    page = visitor.get(verify_path(outbox))
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    (request,) = requests_in(runtime)
    assert (request.status, request.subject_id) == ("awaiting_verification", None)


def test_unknown_address_gets_nothing_and_the_same_answer(
    app: FastAPI, runtime: Runtime, outbox: Path
) -> None:
    new_customer(runtime)
    known, unknown = AppClient(app), AppClient(app)
    known_answer = ask(known, kind="access")
    unknown_answer = ask(unknown, kind="access", email="nobody@example.com")
    assert len(outbox_messages(outbox)) == 1  # the known one only
    assert comparable(known_answer) == comparable(unknown_answer)
    pages = [client.get("/privacy-centre/check-email") for client in (known, unknown)]
    assert comparable(pages[0]) == comparable(pages[1])
    assert "If we hold data about this address" in pages[0].text
    unmatched = requests_in(runtime)[1]
    assert (unmatched.status, unmatched.subject_id) == ("awaiting_verification", None)
    with runtime.unit(write=False) as work:
        links = list(work.session.scalars(select(VerificationLink).order_by(VerificationLink.id)))
        assert links[1].subject_id is None
        assert links[1].sealed_email is None


@pytest.mark.parametrize(
    "look_alike",
    ["ada@examp1e.com", "ada+privacy@example.com", "ada@example.co", "ada@exampie.com"],
)
def test_look_alike_address_releases_nothing(
    visitor: AppClient, runtime: Runtime, outbox: Path, look_alike: str
) -> None:
    new_customer(runtime)
    response = ask(visitor, kind="access", email=look_alike)
    assert response.status_code == 303
    assert outbox_messages(outbox) == []
    assert count(runtime, PackageDownload) == 0
    assert all(request.subject_id is None for request in requests_in(runtime))


def test_repeated_requests_do_not_flood_the_mailbox(
    visitor: AppClient, runtime: Runtime, outbox: Path, clock: Clock
) -> None:
    new_customer(runtime)
    ask(visitor, kind="access")
    ask(visitor, kind="erasure")
    assert len(outbox_messages(outbox)) == 1
    assert len(requests_in(runtime)) == 2  # both logged (Art. 12(2))
    clock.advance(minutes=16)
    ask(visitor, kind="erasure")
    assert len(outbox_messages(outbox)) == 2


def test_a_differently_typed_address_is_answered_at_the_address_on_file(
    visitor: AppClient, runtime: Runtime, outbox: Path
) -> None:
    new_customer(runtime)
    ask(visitor, kind="access", email="  ADA@Example.COM ")
    (message,) = outbox_messages(outbox)
    assert message["To"] == EMAIL


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"csrf_token": "0" * 64}, 403),
        ({"website": "https://spam.example"}, 303),
        ({"name": "Ada"}, 400),
        ({"email": "", "phone": ""}, 422),
        ({"email": "", "phone": "not a number"}, 422),
        ({"kind": "objection", "object_to": "everything"}, 422),
        ({"email": "not an address"}, 422),
        ({"kind": "everything"}, 422),
        ({"kind": "change_channels"}, 422),
    ],
)
def test_refused_submissions_store_and_send_nothing(
    visitor: AppClient, runtime: Runtime, outbox: Path, change: dict[str, str], status: int
) -> None:
    new_customer(runtime)
    response = ask(visitor, **({"kind": "access"} | change))
    assert response.status_code == status
    assert requests_in(runtime) == []
    assert count(runtime, VerificationLink) == 0
    assert outbox_messages(outbox) == []


# The verification link --------------------------------------------------------------------


def test_link_works_once(visitor: AppClient, runtime: Runtime, outbox: Path) -> None:
    new_customer(runtime)
    ask(visitor, kind="erasure")
    path = verify_path(outbox)
    first = press(visitor, path, action="confirm")
    assert first.status_code == 200
    assert visitor.get(path).status_code == 410
    token = visitor.csrf_token("/privacy-centre")
    replay = visitor.post(
        path, content=urlencode({"csrf_token": token, "action": "confirm"}), headers=FORM_HEADERS
    )
    assert replay.status_code == 410
    cancel = visitor.post(
        path, content=urlencode({"csrf_token": token, "action": "cancel"}), headers=FORM_HEADERS
    )
    assert cancel.status_code == 410
    (request,) = requests_in(runtime)
    assert request.status == "in_progress"


def test_expired_link_is_refused(
    visitor: AppClient, runtime: Runtime, outbox: Path, clock: Clock
) -> None:
    new_customer(runtime)
    ask(visitor, kind="access")
    path = verify_path(outbox)
    token = visitor.csrf_token("/privacy-centre")
    clock.advance(hours=24, seconds=1)
    assert visitor.get(path).status_code == 410
    late = visitor.post(
        path, content=urlencode({"csrf_token": token, "action": "confirm"}), headers=FORM_HEADERS
    )
    assert late.status_code == 410
    (request,) = requests_in(runtime)
    assert request.status == "awaiting_verification"
    assert len(outbox_messages(outbox)) == 1


def test_made_up_link_is_not_found(visitor: AppClient, runtime: Runtime) -> None:
    assert visitor.get("/privacy-centre/verify/" + "A" * 43).status_code == 404
    assert visitor.get("/privacy-centre/verify/short").status_code == 404


def test_this_was_not_me_cancels(visitor: AppClient, runtime: Runtime, outbox: Path) -> None:
    new_customer(runtime)
    ask(visitor, kind="access")
    path = verify_path(outbox)
    response = press(visitor, path, action="cancel")
    assert response.status_code == 200
    assert "cancelled" in response.text
    (request,) = requests_in(runtime)
    assert request.status == "cancelled"
    assert count(runtime, PackageDownload) == 0
    assert visitor.get(path).status_code == 410


def test_an_unknown_button_is_refused(visitor: AppClient, runtime: Runtime, outbox: Path) -> None:
    new_customer(runtime)
    ask(visitor, kind="access")
    assert press(visitor, verify_path(outbox), action="approve").status_code == 400
    (request,) = requests_in(runtime)
    assert request.status == "awaiting_verification"


# What happens once confirmed ------------------------------------------------------------------


def test_access_request_end_to_end(visitor: AppClient, runtime: Runtime, outbox: Path) -> None:
    ref = new_customer(runtime)
    ask(visitor, kind="access")
    confirmed = press(visitor, verify_path(outbox), action="confirm")
    assert confirmed.status_code == 200
    messages = outbox_messages(outbox)
    assert len(messages) == 2
    assert messages[1]["To"] == EMAIL
    with runtime.unit(write=False) as work:
        stored = work.session.scalars(select(PackageDownload)).one()
        assert stored.sealed_package is not None
        assert b"data.json" not in stored.sealed_package  # sealed, not a plain zip
    path = download_path(outbox)
    download = press(visitor, path)
    assert download.status_code == 200
    assert download.headers["content-type"] == "application/zip"
    assert download.headers["cache-control"] == "no-store"
    with zipfile.ZipFile(io.BytesIO(download.content)) as archive:
        data = json.loads(archive.read("data.json"))
    assert data["subject_ref"] == ref
    assert EMAIL in json.dumps(data)
    token = visitor.csrf_token("/privacy-centre")
    again = visitor.post(path, content=urlencode({"csrf_token": token}), headers=FORM_HEADERS)
    assert again.status_code == 410
    assert visitor.get(path).status_code == 410
    with runtime.unit(write=False) as work:
        assert work.session.scalars(select(PackageDownload)).one().sealed_package is None
    (request,) = requests_in(runtime)
    assert (request.status, request.verification_method) == ("completed", "email_link")
    assert request.due_on is not None


def test_download_link_expires(
    visitor: AppClient, runtime: Runtime, outbox: Path, clock: Clock
) -> None:
    new_customer(runtime)
    ask(visitor, kind="portability")
    press(visitor, verify_path(outbox), action="confirm")
    path = download_path(outbox)
    clock.advance(days=7, seconds=1)
    assert visitor.get(path).status_code == 410


def test_withdrawal_takes_effect_at_once(
    visitor: AppClient, runtime: Runtime, outbox: Path
) -> None:
    ref = new_customer(runtime)
    subject = subject_by_ref(runtime, ref)
    ask(visitor, kind="withdraw_consent")
    with runtime.unit(write=False) as work:
        assert decide(work, subject.id, "marketing", "email").allowed  # not before confirming
    response = press(visitor, verify_path(outbox), action="confirm")
    assert "withdrawn" in response.text
    with runtime.unit(write=False) as work:
        decision = decide(work, subject.id, "marketing", "email")
        assert not decision.allowed
        assert decision.code.value == "withdrawn"
    assert count(runtime, SuppressedAddress) == 1
    (request,) = requests_in(runtime)
    assert request.status == "completed"


def test_changing_one_channel_withdraws_that_channel(
    visitor: AppClient, runtime: Runtime, outbox: Path
) -> None:
    ref = new_customer(runtime)
    subject = subject_by_ref(runtime, ref)
    ask(visitor, kind="change_channels", choice="email")
    press(visitor, verify_path(outbox), action="confirm")
    with runtime.unit(write=False) as work:
        assert decide(work, subject.id, "marketing", "email").code.value == "withdrawn"


def test_restriction_is_enforced(visitor: AppClient, runtime: Runtime, outbox: Path) -> None:
    ref = new_customer(runtime)
    ask(visitor, kind="restriction")
    press(visitor, verify_path(outbox), action="confirm")
    subject = subject_by_ref(runtime, ref)
    assert subject.restriction_reason == "accuracy_contested"
    with runtime.unit(write=False) as work, pytest.raises(ProcessingRestricted):
        vault.read_personal_data(
            work, work.session.merge(subject), purpose="respond_to_queries", actor=ACTOR
        )


@pytest.mark.parametrize("kind", ["erasure", "rectification", "objection", "complaint"])
def test_judgement_calls_go_to_staff_with_a_due_date(
    visitor: AppClient, runtime: Runtime, outbox: Path, kind: str
) -> None:
    new_customer(runtime)
    ask(visitor, kind=kind)
    response = press(visitor, verify_path(outbox), action="confirm")
    (request,) = requests_in(runtime)
    assert request.status == "in_progress"
    assert request.due_on is not None
    assert request.due_on.strftime("%-d %B %Y") in response.text


def test_every_step_is_audited_without_personal_data(
    visitor: AppClient, runtime: Runtime, outbox: Path
) -> None:
    new_customer(runtime)
    ask(visitor, kind="access")
    ask(visitor, kind="access", email="stranger@example.org")
    press(visitor, verify_path(outbox), action="confirm")
    press(visitor, download_path(outbox))
    entries = audit_details(runtime)
    actions = [action for action, _detail in entries]
    for expected in (
        "privacy_centre.requested",
        "dsr.awaiting_verification",
        "dsr.verified",
        "rights.access_package.built",
        "privacy_centre.package_offered",
        "dsr.completed",
        "privacy_centre.package_downloaded",
    ):
        assert expected in actions
    for _action, detail in entries:
        for personal in ("ada@", "example.com", "stranger", "Ada"):
            assert personal not in detail
