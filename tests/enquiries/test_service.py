"""``submit_enquiry`` on SQLite and PostgreSQL: storage, consents, screening, emails."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from charter.audit.models import AuditEntry
from charter.consent.decisions import decide
from charter.consent.models import ConsentEvent
from charter.enquiries.models import Enquiry
from charter.enquiries.receipts import check_consent_record_token, consent_record_token
from charter.enquiries.schemas import EnquiryReceipt, Handling
from charter.enquiries.service import (
    SpecialCategoryRejected,
    SpecialCategoryWarning,
    screen_message,
    submit_enquiry,
)
from charter.errors import NotFound, PolicyRefusal
from charter.mail.message import OutgoingEmail
from charter.mail.outbox import OutboxSender
from charter.mail.sender import MailNotSent
from charter.policy.schemas import Channel
from charter.runtime import Runtime
from charter.vault import service as vault
from charter.vault.models import PersonalValue, Subject
from tests.web.asgi import body_text, outbox_messages

from .factories import (
    ACTOR,
    E164_PHONE,
    EMAIL,
    EVIDENCE,
    FIRST_NAME,
    LAST_NAME,
    MESSAGE,
    NORMALISED_EMAIL,
    PLANTED,
    SPECIAL_MESSAGE,
    TITLE,
    WORDINGS,
    enquiry_form,
    stored_counts,
    with_mode,
)

ALL_CHANNELS = ("email", "phone", "text")


def submit(runtime: Runtime, sender: OutboxSender, **overrides: object) -> EnquiryReceipt:
    with runtime.unit() as work:
        return submit_enquiry(
            work, enquiry_form(**overrides), evidence=EVIDENCE, actor=ACTOR, sender=sender
        )


def subject_of(runtime: Runtime, receipt: EnquiryReceipt) -> Subject:
    with runtime.unit(write=False) as work:
        return work.session.scalars(select(Subject).where(Subject.ref == receipt.subject_ref)).one()


def test_every_field_is_stored_encrypted_for_a_new_subject(
    runtime: Runtime, sender: OutboxSender
) -> None:
    receipt = submit(runtime, sender)
    assert receipt.subject_created
    assert receipt.handling is Handling.CLEAN
    subject = subject_of(runtime, receipt)
    with runtime.unit() as work:
        rows = work.session.scalars(select(PersonalValue)).all()
        held = vault.read_personal_data(work, subject, purpose="respond_to_queries", actor=ACTOR)
        enquiry = work.session.scalars(select(Enquiry)).one()
    assert held == {
        "identity.title": TITLE,
        "identity.first_name": FIRST_NAME,
        "identity.last_name": LAST_NAME,
        "contact.email": NORMALISED_EMAIL,
        "contact.phone": E164_PHONE,
        "communications.message": MESSAGE,
    }
    assert {row.collection_point for row in rows} == {"contact_form"}
    assert {tuple(row.purposes) for row in rows} == {("respond_to_queries",)}
    for row in rows:
        for planted in PLANTED:
            assert planted.encode() not in row.ciphertext
    assert re.fullmatch(r"ENQ-[A-HJ-NP-TV-Z2-9]{10}", enquiry.reference)
    assert enquiry.reference == receipt.reference
    assert sorted(enquiry.value_ids) == sorted(row.id for row in rows)
    assert enquiry.subject_id == subject.id
    assert enquiry.handling == "clean"
    assert enquiry.categories == []


def test_the_same_email_finds_the_same_subject(runtime: Runtime, sender: OutboxSender) -> None:
    first = submit(runtime, sender)
    second = submit(runtime, sender, email=EMAIL.upper(), message="A second question.")
    assert not second.subject_created
    assert second.subject_ref == first.subject_ref
    assert second.reference != first.reference


def test_no_opt_in_means_no_consent(runtime: Runtime, sender: OutboxSender) -> None:
    receipt = submit(runtime, sender)
    subject = subject_of(runtime, receipt)
    with runtime.unit(write=False) as work:
        assert work.session.scalars(select(ConsentEvent)).all() == []
        for channel in ALL_CHANNELS:
            assert not decide(work, subject.id, "marketing", channel).allowed
    assert receipt.consent_record_ids == []


@pytest.mark.parametrize(
    "ticked", [("email",), ("phone",), ("text",), ("email", "text"), ALL_CHANNELS]
)
def test_each_ticked_channel_is_one_consent_with_its_exact_wording(
    runtime: Runtime, sender: OutboxSender, ticked: tuple[str, ...]
) -> None:
    receipt = submit(runtime, sender, marketing=ticked)
    subject = subject_of(runtime, receipt)
    with runtime.unit(write=False) as work:
        events = work.session.scalars(select(ConsentEvent).order_by(ConsentEvent.id)).all()
        allowed = {
            channel: decide(work, subject.id, "marketing", channel).allowed
            for channel in ALL_CHANNELS
        }
        rows = work.session.scalars(select(PersonalValue)).all()
    assert [event.channel for event in events] == list(ticked)
    for event in events:
        assert event.action == "given"
        assert event.purpose == "marketing"
        assert event.collection_point == "contact_form"
        assert event.wording == WORDINGS[event.channel]
        assert event.policy_version == runtime.policy.version
        assert event.evidence["ip_prefix"] == "203.0.113.0/24"
    assert allowed == {channel: channel in ticked for channel in ALL_CHANNELS}
    assert receipt.consent_record_ids == [event.record_id for event in events]
    contact_rows = [row for row in rows if row.category in ("identity", "contact")]
    # Art. 13(1)(c): details are held for marketing only when the person opted in.
    expected = ["respond_to_queries", "marketing"] if ticked else ["respond_to_queries"]
    assert contact_rows
    assert all(sorted(row.purposes) == sorted(expected) for row in contact_rows)


def test_emails_the_person_their_consent_records_and_the_firm_only_a_link(
    runtime: Runtime, sender: OutboxSender, outbox: Path
) -> None:
    receipt = submit(runtime, sender, marketing=("email", "phone"))
    staff, person = outbox_messages(outbox)
    assert staff["To"] == runtime.settings.staff_notification_email
    staff_text = body_text(staff)
    assert f"/admin/enquiries/{receipt.reference}" in staff_text
    for planted in (*PLANTED, "diabetes", "marketing"):
        assert planted.lower() not in staff_text.lower()
        assert planted.lower() not in str(staff["Subject"]).lower()

    assert person["To"] == NORMALISED_EMAIL
    text = body_text(person)
    assert receipt.reference in text
    for record_id in receipt.consent_record_ids:
        with runtime.unit(write=False) as work:
            token = consent_record_token(work, record_id)
        assert f"/consent-records/{record_id}?token={token}" in text
    summaries = [json.loads(block) for block in re.findall(r"\n(\{\n.*?\n\})", text, re.S)]
    assert [item["channel"] for item in summaries] == ["email", "phone"]
    assert summaries[0]["wording"] == WORDINGS["email"]
    assert summaries[0]["privacy_policy"]["version"] == runtime.policy.version
    assert summaries[0]["state"] == "given"
    assert "/preferences/" in text
    for private in (FIRST_NAME, LAST_NAME, "jams", E164_PHONE):
        assert private not in text, "the acknowledgement never repeats what was typed"


def test_consent_record_links_need_the_right_token(runtime: Runtime, sender: OutboxSender) -> None:
    receipt = submit(runtime, sender, marketing=("email",))
    (record_id,) = receipt.consent_record_ids
    with runtime.unit(write=False) as work:
        check_consent_record_token(work, record_id, consent_record_token(work, record_id))
        with pytest.raises(NotFound):
            check_consent_record_token(work, record_id, "0" * 64)
        with pytest.raises(NotFound):
            check_consent_record_token(work, record_id, "")


def test_audited_by_reference_without_values(runtime: Runtime, sender: OutboxSender) -> None:
    receipt = submit(runtime, sender, marketing=("text",))
    with runtime.unit(write=False) as work:
        entries = work.session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).all()
    actions = [entry.action for entry in entries]
    assert "enquiry.received" in actions
    assert "consent.given" in actions
    received = next(entry for entry in entries if entry.action == "enquiry.received")
    assert receipt.reference in received.detail
    for entry in entries:
        for planted in PLANTED:
            assert planted not in entry.detail


# Special-category screening ---------------------------------------------------------------


def test_screening_flags_health_information() -> None:
    result = screen_message(SPECIAL_MESSAGE)
    assert result.flagged
    assert result.warning is not None
    assert result.warning.startswith(
        "This looks like it may contain health information about a person — please remove it"
    )
    assert "Sarah" not in result.warning
    assert not screen_message(MESSAGE).flagged


@pytest.mark.parametrize("mode", ["redact", "quarantine", "reject"])
def test_unconfirmed_special_category_text_is_warned_about_and_not_stored(
    runtime: Runtime, sender: OutboxSender, outbox: Path, mode: str
) -> None:
    before = stored_counts(runtime)
    with pytest.raises(SpecialCategoryWarning) as caught:
        submit(with_mode(runtime, mode), sender, message=SPECIAL_MESSAGE)
    assert caught.value.categories == ["health"]
    assert stored_counts(runtime) == before
    assert outbox_messages(outbox) == []


def test_redact_mode_stores_only_the_redacted_message(
    runtime: Runtime, sender: OutboxSender
) -> None:
    receipt = submit(
        with_mode(runtime, "redact"), sender, message=SPECIAL_MESSAGE, confirmed_special=True
    )
    assert receipt.handling is Handling.REDACTED
    assert receipt.categories == ["health"]
    subject = subject_of(runtime, receipt)
    with runtime.unit() as work:
        held = vault.read_personal_data(work, subject, purpose="respond_to_queries", actor=ACTOR)
        enquiry = work.session.scalars(select(Enquiry)).one()
    stored = held["communications.message"]
    assert "Our laptops keep crashing." in stored
    assert "diabetes" not in stored
    assert "Sarah" not in stored
    assert (enquiry.handling, enquiry.categories) == ("redacted", ["health"])


def test_quarantine_mode_stores_the_message_marked_for_review(
    runtime: Runtime, sender: OutboxSender
) -> None:
    receipt = submit(
        with_mode(runtime, "quarantine"), sender, message=SPECIAL_MESSAGE, confirmed_special=True
    )
    assert receipt.handling is Handling.QUARANTINED
    with runtime.unit(write=False) as work:
        enquiry = work.session.scalars(select(Enquiry)).one()
    assert (enquiry.handling, enquiry.categories) == ("quarantined", ["health"])


def test_reject_mode_stores_nothing(runtime: Runtime, sender: OutboxSender, outbox: Path) -> None:
    before = stored_counts(runtime)
    with pytest.raises(SpecialCategoryRejected) as caught:
        submit(
            with_mode(runtime, "reject"), sender, message=SPECIAL_MESSAGE, confirmed_special=True
        )
    assert caught.value.status_code == 422
    assert "Article 9" in caught.value.public_message
    assert stored_counts(runtime) == before
    assert outbox_messages(outbox) == []


# Nothing stored on failure ------------------------------------------------------------------


class RefusingSender:
    """A mail server that is down: every send fails as SMTP failures do."""

    def send(self, message: OutgoingEmail) -> str:
        raise MailNotSent


def test_a_failed_email_leaves_nothing_stored(runtime: Runtime) -> None:
    before = stored_counts(runtime)
    with pytest.raises(MailNotSent), runtime.unit() as work:
        submit_enquiry(
            work,
            enquiry_form(marketing=("email",)),
            evidence=EVIDENCE,
            actor=ACTOR,
            sender=RefusingSender(),
        )
    assert stored_counts(runtime) == before


def test_a_channel_the_form_does_not_offer_is_refused(
    runtime: Runtime, sender: OutboxSender
) -> None:
    policy = runtime.policy
    point = policy.collection_point("contact_form")
    narrowed = point.model_copy(update={"consents": point.consents[:1]})
    points = [narrowed if p.id == "contact_form" else p for p in policy.collection_points]
    limited = dataclasses.replace(
        runtime, policy=policy.model_copy(update={"collection_points": points})
    )
    before = stored_counts(runtime)
    with pytest.raises(PolicyRefusal):
        submit(limited, sender, marketing=(Channel.TEXT.value,))
    assert stored_counts(runtime) == before
