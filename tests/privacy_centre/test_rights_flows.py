"""Objection, complaints, erasure cooling-off and the texted code, through the public pages
(real HTTP into the app) on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlencode

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from charter.consent.decisions import decide
from charter.newsletter.models import SuppressedAddress
from charter.newsletter.preferences import suppression_digest
from charter.rights.models import SubjectRequest
from charter.rights.notices import ico_escalation_text
from charter.runtime import Runtime
from tests.conftest import TestClock as Clock
from tests.web.asgi import AppClient, body_text, outbox_messages

from .factories import (
    EMAIL,
    FORM_HEADERS,
    ask,
    cancel_path,
    new_customer,
    press,
    subject_by_ref,
    texts_sent,
    verify_path,
)

PHONE = "07400 123456"
PHONE_E164 = "+447400123456"
_CODE_PAGE = re.compile(r"^/privacy-centre/code/[A-Za-z0-9_-]{43}$")
_CODE = re.compile(r"\b(\d{6})\b")
_TOKENS = re.compile(
    r"/privacy-centre/code/[A-Za-z0-9_-]{43}|value=\"[0-9a-f]{64}\"|DSR-[A-Z0-9-]{9}"
)


def the_request(runtime: Runtime) -> SubjectRequest:
    with runtime.unit(write=False) as work:
        (found,) = work.session.scalars(select(SubjectRequest)).all()
        work.session.expunge(found)
        return found


def post_code(visitor: AppClient, path: str, code: str) -> httpx.Response:
    token = visitor.csrf_token("/privacy-centre")
    body = urlencode({"csrf_token": token, "code": code})
    return visitor.post(path, content=body, headers=FORM_HEADERS)


def texted_code(runtime: Runtime) -> str:
    found = _CODE.search(texts_sent(runtime)[-1]["text"])
    assert found is not None
    return found.group(1)


# Objection (Art. 21) ----------------------------------------------------------------------


def test_objection_to_marketing_completes_at_once_and_suppresses(
    visitor: AppClient, runtime: Runtime, outbox: Path
) -> None:
    ref = new_customer(runtime)
    ask(visitor, kind="objection", object_to="direct_marketing")
    response = press(visitor, verify_path(outbox), action="confirm")
    assert response.status_code == 200
    assert "stopped all direct marketing" in " ".join(response.text.split())
    request = the_request(runtime)
    assert (request.status, request.choice) == ("completed", "direct_marketing")
    subject = subject_by_ref(runtime, ref)
    with runtime.unit(write=False) as work:
        for channel in ("email", "phone", "text"):
            assert not decide(work, subject.id, "marketing", channel).allowed
        assert decide(work, subject.id, "marketing", "email").code.value == "withdrawn"
        suppressed = work.session.scalars(select(SuppressedAddress.digest)).all()
        assert suppressed == [suppression_digest(work, EMAIL)]
    told = outbox_messages(outbox)[-1]
    assert told["To"] == EMAIL
    assert "stopped it on every channel" in body_text(told)


# Complaints (DPA 2018 s.164A) -------------------------------------------------------------


def test_complaint_is_acknowledged_at_once_with_the_ico_text_from_the_policy(
    visitor: AppClient, runtime: Runtime, outbox: Path
) -> None:
    new_customer(runtime)
    ask(visitor, kind="complaint")
    response = press(visitor, verify_path(outbox), action="confirm")
    assert "acknowledgement of your complaint" in " ".join(response.text.split())
    request = the_request(runtime)
    assert request.status == "in_progress"
    assert request.acknowledged_at is not None
    acknowledgement = outbox_messages(outbox)[-1]
    assert acknowledgement["To"] == EMAIL
    text = body_text(acknowledgement)
    ico = ico_escalation_text(runtime.policy)
    assert "Information Commissioner's Office" in ico
    assert " ".join(ico.split()) in " ".join(text.split())
    complaints = runtime.policy.complaints
    assert complaints is not None
    assert " ".join(complaints.route.split()) in " ".join(text.split())


# Erasure cooling-off (Art. 17) ------------------------------------------------------------


def test_verified_erasure_waits_and_can_be_cancelled_meanwhile(
    visitor: AppClient, runtime: Runtime, outbox: Path, clock: Clock
) -> None:
    new_customer(runtime)
    ask(visitor, kind="erasure")
    confirmed = press(visitor, verify_path(outbox), action="confirm")
    assert "We have sent you a link to cancel it" in " ".join(confirmed.text.split())
    request = the_request(runtime)
    hours = runtime.settings.erasure_cooling_off_hours
    assert request.cooling_off_until is not None
    assert (request.cooling_off_until - clock.current).total_seconds() == hours * 3600
    notice = outbox_messages(outbox)[-1]
    assert notice["To"] == EMAIL
    path = cancel_path(outbox)
    clock.advance(hours=hours - 1)
    cancelled = press(visitor, path)
    assert cancelled.status_code == 200
    assert "cancelled" in cancelled.text
    assert the_request(runtime).status == "cancelled"
    assert visitor.get(path).status_code == 410


def test_cancel_link_stops_working_when_cooling_off_ends(
    visitor: AppClient, runtime: Runtime, outbox: Path, clock: Clock
) -> None:
    new_customer(runtime)
    ask(visitor, kind="erasure")
    press(visitor, verify_path(outbox), action="confirm")
    path = cancel_path(outbox)
    token = visitor.csrf_token("/privacy-centre")
    clock.advance(hours=runtime.settings.erasure_cooling_off_hours)
    assert visitor.get(path).status_code == 410
    late = visitor.post(path, content=urlencode({"csrf_token": token}), headers=FORM_HEADERS)
    assert late.status_code == 410
    assert the_request(runtime).status == "in_progress"


# The texted code ---------------------------------------------------------------------------


def test_right_code_verifies_and_the_answer_goes_to_the_phone_on_file(
    visitor: AppClient, runtime: Runtime, outbox: Path
) -> None:
    new_customer(runtime, email=None, phone=PHONE)
    response = ask(visitor, kind="access", email="", phone=PHONE)
    assert response.status_code == 303
    path = response.headers["location"]
    assert _CODE_PAGE.match(path)
    (sent,) = texts_sent(runtime)
    assert sent["to"] == PHONE_E164
    assert visitor.get(path).status_code == 200
    confirmed = post_code(visitor, path, texted_code(runtime))
    assert confirmed.status_code == 200
    assert "request confirmed" in confirmed.text
    request = the_request(runtime)
    assert (request.status, request.verification_method) == ("completed", "sms_code")
    assert outbox_messages(outbox) == []  # no address on file: nothing is emailed
    assert "/privacy-centre/download/" in texts_sent(runtime)[-1]["text"]
    assert visitor.get(path).status_code == 410  # single use


def test_three_wrong_codes_lock_the_request(visitor: AppClient, runtime: Runtime) -> None:
    new_customer(runtime, email=None, phone=PHONE)
    path = ask(visitor, kind="access", email="", phone=PHONE).headers["location"]
    right = texted_code(runtime)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    answers = [post_code(visitor, path, wrong) for _ in range(3)]
    assert [answer.status_code for answer in answers] == [422, 422, 422]
    assert "2 tries left" in answers[0].text
    assert "locked" in answers[2].text
    assert post_code(visitor, path, right).status_code == 410
    assert the_request(runtime).status == "awaiting_verification"


def test_expired_code_is_refused(visitor: AppClient, runtime: Runtime, clock: Clock) -> None:
    new_customer(runtime, email=None, phone=PHONE)
    path = ask(visitor, kind="access", email="", phone=PHONE).headers["location"]
    code = texted_code(runtime)
    clock.advance(minutes=15, seconds=1)
    assert post_code(visitor, path, code).status_code == 410
    assert the_request(runtime).status == "awaiting_verification"


def test_a_number_not_on_file_gets_the_same_reply_and_no_text(
    app: FastAPI, runtime: Runtime
) -> None:
    new_customer(runtime, email=None, phone=PHONE)
    known, unknown = AppClient(app), AppClient(app)
    known_answer = ask(known, kind="access", email="", phone=PHONE)
    unknown_answer = ask(unknown, kind="access", email="", phone="07400 654321")
    assert len(texts_sent(runtime)) == 1  # the known number only
    assert known_answer.status_code == unknown_answer.status_code == 303
    pages = [
        client.get(answer.headers["location"])
        for client, answer in ((known, known_answer), (unknown, unknown_answer))
    ]
    assert [page.status_code for page in pages] == [200, 200]
    texts = [_TOKENS.sub("", page.text) for page in pages]
    assert texts[0] == texts[1]
    assert pages[0].headers.keys() == pages[1].headers.keys()
    refused = post_code(unknown, unknown_answer.headers["location"], "123456")
    assert refused.status_code == 422
    with runtime.unit(write=False) as work:
        unmatched = work.session.scalars(select(SubjectRequest).order_by(SubjectRequest.id)).all()
        assert [row.subject_id is None for row in unmatched] == [True, True]


def test_an_email_on_file_without_a_phone_gets_no_text(
    app: FastAPI, runtime: Runtime, outbox: Path
) -> None:
    new_customer(runtime)  # email only
    visitor = AppClient(app)
    response = ask(visitor, kind="access", by_text="yes")
    assert _CODE_PAGE.match(response.headers["location"])
    assert texts_sent(runtime) == []
    assert outbox_messages(outbox) == []


def test_asking_for_a_text_sends_the_code_to_the_phone_on_file(
    visitor: AppClient, runtime: Runtime, outbox: Path
) -> None:
    new_customer(runtime, phone=PHONE)
    response = ask(visitor, kind="withdraw_consent", by_text="yes")
    (sent,) = texts_sent(runtime)
    assert sent["to"] == PHONE_E164
    assert outbox_messages(outbox) == []
    confirmed = post_code(visitor, response.headers["location"], texted_code(runtime))
    assert "withdrawn" in confirmed.text
    assert the_request(runtime).verification_method == "sms_code"
