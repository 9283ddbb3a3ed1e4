"""The contact form through real HTTP into the app, on SQLite and PostgreSQL.

Every way a submission can be refused (no CSRF token, a field our page does not have,
an oversized or malformed body, the honeypot, the rate limit) must leave the database
exactly as it was.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from charter.enquiries.models import Enquiry
from charter.enquiries.receipts import consent_record_token
from charter.runtime import Runtime
from charter.vault import service as vault
from charter.vault.models import Subject
from tests.web.asgi import AppClient, build_app, outbox_messages

from .factories import (
    EMAIL,
    FIRST_NAME,
    LAST_NAME,
    MESSAGE,
    PHONE,
    SPECIAL_MESSAGE,
    WORDINGS,
    stored_counts,
    with_mode,
)

FORM_HEADERS = {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.fixture
def app(runtime: Runtime, outbox: Path) -> FastAPI:
    return build_app(runtime, outbox)


@pytest.fixture
def visitor(app: FastAPI) -> AppClient:
    return AppClient(app)


def filled(token: str, **overrides: str) -> dict[str, str]:
    fields = {
        "csrf_token": token,
        "title": "Dr",
        "first_name": FIRST_NAME,
        "last_name": LAST_NAME,
        "email": EMAIL,
        "phone": PHONE,
        "message": MESSAGE,
        "website": "",
        "confirmed_special": "",
    }
    fields.update(overrides)
    return fields


def post_form(visitor: AppClient, fields: dict[str, str]) -> httpx.Response:
    return visitor.post("/contact", content=urlencode(fields), headers=FORM_HEADERS)


def test_the_form_offers_separate_unticked_opt_ins_with_the_policy_wording(
    visitor: AppClient,
) -> None:
    response = visitor.get("/contact")
    assert response.status_code == 200
    html = response.text
    assert "charter_session" in response.headers.get("set-cookie", "")
    for channel, wording in WORDINGS.items():
        box = re.search(rf'<input[^>]*id="marketing_{channel}"[^>]*>', html)
        assert box is not None
        assert "checked" not in box.group(0)
        assert f'<label class="checkbox-label" for="marketing_{channel}">' in html
        assert wording.replace("'", "&#39;") in html
    assert "<fieldset" in html
    assert "<legend" in html
    for name in ("first_name", "last_name", "email", "phone", "message", "title"):
        assert re.search(rf'<label class="label[^"]*" for="{name}">', html)
    assert 'name="website"' in html
    assert 'tabindex="-1"' in html
    assert "/static/contact.js" in html
    assert "/static/forms.css" in html
    assert "<script>" not in html, "no inline script (CSP)"


def test_a_valid_submission_redirects_to_the_thank_you_page(
    visitor: AppClient, runtime: Runtime, outbox: Path
) -> None:
    token = visitor.csrf_token("/contact")
    response = visitor.post(
        "/contact",
        content=urlencode(filled(token, marketing_email="yes", marketing_text="yes")),
        headers=FORM_HEADERS,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/contact/thanks"
    counts = stored_counts(runtime)
    assert counts["enquiries"] == 1
    assert counts["consent_events"] == 2
    assert len(outbox_messages(outbox)) == 2
    thanks = visitor.get("/contact/thanks")
    assert thanks.status_code == 200
    assert "Thank you" in thanks.text


def test_invalid_input_re_renders_with_inline_errors_and_the_typed_values(
    visitor: AppClient, runtime: Runtime
) -> None:
    before = stored_counts(runtime)
    token = visitor.csrf_token("/contact")
    response = visitor.post(
        "/contact",
        content=urlencode(
            filled(
                token,
                first_name="",
                email="not-an-address",
                last_name="<script>alert(1)</script>",
                marketing_phone="yes",
                phone="",
            )
        ),
        headers=FORM_HEADERS,
    )
    assert response.status_code == 422
    html = response.text
    assert 'class="error-summary"' in html
    assert '<a href="#first_name">Enter your first name.</a>' in html
    assert 'href="#email"' in html
    assert 'href="#phone"' in html
    assert 'id="first_name-error"' in html
    assert 'aria-describedby="email-hint email-error"' in html
    assert 'aria-invalid="true"' in html
    assert 'value="not-an-address"' in html, "what the person typed is kept"
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(1)</script>" not in html
    assert re.search(r'id="marketing_phone"[^>]*checked', html)
    assert MESSAGE in html
    assert stored_counts(runtime) == before


def test_html_in_a_field_is_stored_as_text(visitor: AppClient, runtime: Runtime) -> None:
    token = visitor.csrf_token("/contact")
    post_form(visitor, filled(token, message="<b>bold</b> & <script>x()</script>"))
    with runtime.unit() as work:
        subject = work.session.scalars(select(Subject)).one()
        held = vault.read_personal_data(work, subject, purpose="respond_to_queries", actor="t")
    assert held["communications.message"] == "<b>bold</b> & <script>x()</script>"


@pytest.mark.parametrize(
    ("case", "status"),
    [
        ("unknown_field", 400),
        ("repeated_field", 400),
        ("control_characters", 400),
        ("nul", 400),
        ("invalid_utf8", 400),
        ("over_field_length", 400),
        ("oversized_body", 413),
        ("wrong_content_type", 415),
        ("missing_csrf", 403),
        ("wrong_csrf", 403),
        ("odd_checkbox_value", 400),
    ],
)
def test_refused_submissions_store_nothing(
    visitor: AppClient, runtime: Runtime, outbox: Path, case: str, status: int
) -> None:
    token = visitor.csrf_token("/contact")
    before = stored_counts(runtime)
    fields = filled(token)
    headers = dict(FORM_HEADERS)
    body: bytes
    if case == "unknown_field":
        body = urlencode({**fields, "is_admin": "1"}).encode()
    elif case == "repeated_field":
        body = urlencode(fields).encode() + b"&email=other%40example.org"
    elif case == "control_characters":
        body = urlencode({**fields, "first_name": "Zeb\r\nBcc: victim@example.org"}).encode()
    elif case == "nul":
        body = urlencode({**fields, "message": "hello\x00world"}).encode()
    elif case == "invalid_utf8":
        body = urlencode(fields).encode().replace(b"first_name=Zebedee", b"first_name=Z%FF%FE")
    elif case == "over_field_length":
        body = urlencode({**fields, "first_name": "Z" * 101}).encode()
    elif case == "oversized_body":
        body = urlencode({**fields, "message": "x" * 70_000}).encode()
    elif case == "wrong_content_type":
        body = json.dumps(fields).encode()
        headers["Content-Type"] = "application/json"
    elif case == "missing_csrf":
        body = urlencode({k: v for k, v in fields.items() if k != "csrf_token"}).encode()
    elif case == "wrong_csrf":
        body = urlencode({**fields, "csrf_token": "0" * 64}).encode()
    else:
        body = urlencode({**fields, "marketing_email": "on"}).encode()
    response = visitor.post("/contact", content=body, headers=headers)
    assert response.status_code == status
    for private in (FIRST_NAME, LAST_NAME, "victim@example.org", "Quillfeather"):
        assert private not in response.text, "errors never echo what was sent"
    assert stored_counts(runtime) == before
    assert outbox_messages(outbox) == []


def test_a_filled_honeypot_pretends_success_and_stores_nothing(
    visitor: AppClient, runtime: Runtime, outbox: Path
) -> None:
    token = visitor.csrf_token("/contact")
    before = stored_counts(runtime)
    response = post_form(visitor, filled(token, website="https://spam.example"))
    assert response.status_code == 303
    assert response.headers["location"] == "/contact/thanks"
    assert stored_counts(runtime) == before
    assert outbox_messages(outbox) == []


def test_a_network_is_limited_to_ten_submissions_in_ten_minutes(
    visitor: AppClient, runtime: Runtime, app: FastAPI
) -> None:
    token = visitor.csrf_token("/contact")
    statuses = [post_form(visitor, filled(token, website="bot")).status_code for _ in range(11)]
    assert statuses == [303] * 10 + [429]
    neighbour = AppClient(app, address=("203.0.113.200", 50001))
    token = neighbour.csrf_token("/contact")
    assert post_form(neighbour, filled(token)).status_code == 429
    elsewhere = AppClient(app, address=("198.51.100.9", 50002))
    token = elsewhere.csrf_token("/contact")
    assert post_form(elsewhere, filled(token)).status_code == 303


def test_special_category_text_is_warned_about_before_anything_is_stored(
    visitor: AppClient, runtime: Runtime
) -> None:
    token = visitor.csrf_token("/contact")
    before = stored_counts(runtime)
    first = post_form(visitor, filled(token, message=SPECIAL_MESSAGE))
    assert first.status_code == 200
    html = first.text
    assert "This looks like it may contain health information about a person" in html
    assert 'name="confirmed_special" id="confirmed_special" value="1"' in html
    assert "Sarah has diabetes" in html, "the message is kept for editing"
    assert stored_counts(runtime) == before
    second = post_form(visitor, filled(token, message=SPECIAL_MESSAGE, confirmed_special="1"))
    assert second.status_code == 303
    with runtime.unit(write=False) as work:
        enquiry = work.session.scalars(select(Enquiry)).one()
    assert enquiry.handling == "redacted"


def test_reject_mode_shows_the_refusal_inline(runtime: Runtime, outbox: Path) -> None:
    visitor = AppClient(build_app(with_mode(runtime, "reject"), outbox))
    token = visitor.csrf_token("/contact")
    before = stored_counts(runtime)
    response = post_form(visitor, filled(token, message=SPECIAL_MESSAGE, confirmed_special="1"))
    assert response.status_code == 422
    assert "Article 9" in response.text
    assert stored_counts(runtime) == before


def test_the_screening_endpoint_answers_json_behind_csrf(visitor: AppClient) -> None:
    token = visitor.csrf_token("/contact")
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    flagged = visitor.post(
        "/contact/screen",
        content=json.dumps({"message": SPECIAL_MESSAGE}),
        headers={**headers, "X-CSRF-Token": token},
    )
    assert flagged.status_code == 200
    assert flagged.json()["flagged"] is True
    assert flagged.json()["warning"].startswith("This looks like it may contain health")
    clean = visitor.post(
        "/contact/screen",
        content=json.dumps({"message": MESSAGE}),
        headers={**headers, "X-CSRF-Token": token},
    )
    assert clean.json() == {"flagged": False, "warning": None}
    refused = visitor.post(
        "/contact/screen", content=json.dumps({"message": MESSAGE}), headers=headers
    )
    assert refused.status_code == 403
    extra = visitor.post(
        "/contact/screen",
        content=json.dumps({"message": MESSAGE, "email": EMAIL}),
        headers={**headers, "X-CSRF-Token": token},
    )
    assert extra.status_code == 400


def test_consent_record_download_needs_its_token(visitor: AppClient, runtime: Runtime) -> None:
    token = visitor.csrf_token("/contact")
    post_form(visitor, filled(token, marketing_email="yes"))
    with runtime.unit(write=False) as work:
        enquiry = work.session.scalars(select(Enquiry)).one()
        (record_id,) = enquiry.consent_record_ids
        link_token = consent_record_token(work, record_id)
    response = visitor.get(f"/consent-records/{record_id}?token={link_token}")
    assert response.status_code == 200
    record = response.json()
    assert record["record_id"] == record_id
    assert record["notice"]["wording"] == WORDINGS["email"]
    assert "attachment" in response.headers["content-disposition"]
    assert response.headers["cache-control"] == "no-store"
    assert FIRST_NAME not in response.text
    assert "zebedee" not in response.text.lower()
    wrong = visitor.get(f"/consent-records/{record_id}?token={'0' * 64}")
    assert wrong.status_code == 404
    assert visitor.get(f"/consent-records/{record_id}").status_code == 404
    assert visitor.get("/consent-records/not-a-uuid?token=x").status_code == 404
