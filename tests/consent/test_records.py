"""ISO/IEC TS 27560 consent records: every field, from the ledger and the policy."""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING

import pytest

from charter.consent.models import ANY_CHANNEL
from charter.consent.records import consent_record, iso_duration
from charter.consent.schemas import ConsentRecord
from charter.consent.service import give_consent, withdraw_consent
from charter.errors import NotFound
from charter.runtime import Runtime

from .factories import ACTOR, EMAIL_WORDING, REVIEWS_WORDING, WEB, new_subject

if TYPE_CHECKING:
    from tests.conftest import TestClock


def test_record_of_a_given_consent(consent: Runtime, clock: TestClock) -> None:
    with consent.unit() as work:
        subject = new_subject(work)
        event = give_consent(
            work,
            subject,
            purpose="marketing",
            channel="email",
            collection_point="newsletter_signup",
            wording=EMAIL_WORDING,
            evidence=WEB,
            actor=ACTOR,
        )
        record = consent_record(work, event.record_id)
    ConsentRecord.model_validate(record)  # JSON-ready and round-trips
    json.dumps(record)
    assert record["schema_version"] == "charter-consent-record/1"
    assert record["conforms_to"].startswith("ISO/IEC TS 27560")
    assert record["record_id"] == event.record_id
    assert record["pii_principal_id"] == subject.ref
    assert datetime.fromisoformat(record["record_timestamps"]["created"]) == clock.current
    assert record["pii_controllers"] == [
        {
            "name": "Test Ltd",
            "legal_name": "Test Limited",
            "contact": "privacy@test.example",
            "address": "1 Test Street, Bristol",
            "ico_registration": "ZA000000",
        }
    ]
    assert record["jurisdiction"] == "UK"
    [purpose] = record["purposes"]
    assert purpose["purpose_id"] == "marketing"
    assert purpose["lawful_basis"] == "consent"
    assert purpose["legal_reference"] == "UK GDPR Art. 6(1)(a)"
    assert purpose["channel"] == "email"
    assert purpose["marketing"] is True
    assert purpose["personal_data"] == [
        {"id": "contact", "name": "Contact details", "fields": ["name", "email", "phone"]}
    ]
    assert purpose["processing"] == ["collect", "store", "use", "contact by email"]
    # The retention rule specific to the point where consent was collected wins.
    [storage] = purpose["storage"]
    assert storage["retention_rule"] == "newsletter"
    assert storage["trigger"] == "until_consent_withdrawn"
    assert storage["duration"] == "P0D"
    assert purpose["recipients"] == [{"name": "Mailer Ltd", "role": "processor", "country": "GB"}]
    assert record["notice"] == {
        "policy_id": "consent-test",
        "version": "2.0",
        "url": "http://127.0.0.1:8000/privacy/versions/2.0",
        "wording": EMAIL_WORDING,
    }
    assert record["consent_type"] == "explicit"
    assert record["state"] == "given"
    assert record["needs_renewal"] is False
    assert record["collection"] == {
        "collection_point": "newsletter_signup",
        "collection_point_name": "Newsletter sign-up",
        "method": "web_form",
    }
    assert record["event"]["evidence"] == {
        "method": "web_form",
        "ip_prefix": "203.0.113.0/24",
        "user_agent_family": "Firefox",
    }
    assert [item["action"] for item in record["events"]] == ["given"]
    assert record["duration"].startswith("Until withdrawn")
    assert record["expiry"] is None
    assert "Art. 7(3)" in record["withdrawal_method"]
    assert "privacy@test.example" in record["withdrawal_method"]
    assert "203.0.113.77" not in json.dumps(record)


def test_record_after_withdrawal_keeps_the_notice_that_was_consented_to(
    consent: Runtime, clock: TestClock
) -> None:
    with consent.unit() as work:
        subject = new_subject(work)
        given = give_consent(
            work,
            subject,
            purpose="reviews",
            channel=ANY_CHANNEL,
            collection_point="contact_form",
            wording=REVIEWS_WORDING,
            evidence={"method": "email"},
            actor=ACTOR,
        )
        clock.advance(days=10)
        withdrawn = withdraw_consent(
            work, subject, purpose="reviews", channel=ANY_CHANNEL, actor=ACTOR, evidence={}
        ).event
        by_withdrawal = consent_record(work, withdrawn.record_id)
        by_gift = consent_record(work, given.record_id)
    for record in (by_withdrawal, by_gift):
        assert record["state"] == "withdrawn"
        assert record["notice"]["wording"] == REVIEWS_WORDING
        assert record["collection"]["collection_point"] == "contact_form"
        assert [item["action"] for item in record["events"]] == ["given", "withdrawn"]
        stamps = record["record_timestamps"]
        assert stamps["created"] < stamps["last_updated"]
    assert by_withdrawal["event"]["record_id"] == withdrawn.record_id
    assert by_gift["event"]["record_id"] == given.record_id
    storage = {item["category"]: item["duration"] for item in by_gift["purposes"][0]["storage"]}
    assert storage == {"contact": "P2Y", "review": "P1Y6M"}


def test_unknown_record_is_not_found(consent: Runtime) -> None:
    with consent.unit(write=False) as work, pytest.raises(NotFound):
        consent_record(work, "00000000-0000-4000-8000-000000000000")


@pytest.mark.parametrize(
    ("years", "months", "days", "expected"),
    [(0, 0, 0, "P0D"), (2, 0, 0, "P2Y"), (1, 6, 0, "P1Y6M"), (0, 0, 30, "P30D")],
)
def test_iso_duration(years: int, months: int, days: int, expected: str) -> None:
    assert iso_duration(years=years, months=months, days=days) == expected
