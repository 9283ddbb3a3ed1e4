"""Recording received emails on SQLite and PostgreSQL: what is kept, sealed and refused."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from sqlalchemy import select

from charter.audit.models import AuditEntry
from charter.errors import CategoryNotAllowed, InvalidInput, UndeclaredField
from charter.mail.models import Correspondence, CorrespondenceMention
from charter.mail.schemas import Disposition
from charter.mail.service import correspondence_mentioning, rejections_for_sender
from charter.policy.schemas import IdentifierKind
from charter.runtime import Runtime
from charter.screening.service import MAX_SCREENED_CHARS
from charter.vault import service as vault
from charter.vault.identifiers import blind_index
from charter.vault.keys import DataErased
from charter.vault.models import PersonalValue, Subject
from tests.vault.factories import MovableClock

from .conftest import InMode
from .factories import (
    ACTOR,
    HEALTH_PASSAGE,
    HEALTH_TEXT,
    SENDER_EMAIL,
    build_email,
    counts,
    database_dump,
    policy_without_email_fields,
    read,
    record,
)

# Plain messages --------------------------------------------------------------------------


def test_plain_message_is_recorded_for_its_sender_and_readable_under_a_purpose(
    runtime: Runtime,
) -> None:
    result = record(runtime, build_email())
    assert result.disposition is Disposition.STORED
    assert result.subject_created is True
    assert result.categories == []
    [item] = read(runtime, result.subject_ref)
    assert item.subject_line == "Printer on the second floor"
    assert item.message == "Hello, the printer is jammed again. Could someone come on Tuesday?"
    assert item.received_via == "eml"
    assert item.quarantined is False
    with runtime.unit() as work:
        found = vault.find_subject(work, email="JANE.DOE@example.com")
        assert found is not None
        assert found.ref == result.subject_ref
        [row] = work.session.scalars(select(Correspondence)).all()
        assert row.id == result.correspondence_id


def test_text_gets_the_policy_category_purposes_and_retention(runtime: Runtime) -> None:
    result = record(runtime, build_email())
    now = runtime.clock()
    with runtime.unit(write=False) as work:
        values = work.session.scalars(
            select(PersonalValue).where(PersonalValue.category == "communications")
        ).all()
    assert sorted(value.field for value in values) == ["email_body", "email_subject"]
    for value in values:
        assert value.collection_point == "correspondence"
        assert value.retention_rule == "enquiries"
        assert value.purposes == ["respond_to_queries", "communicate", "investigate_complaints"]
        assert value.retain_until is not None
        assert value.retain_until - now >= timedelta(days=730)
    assert result.correspondence_id is not None


def test_nothing_personal_is_in_the_database_in_clear(runtime: Runtime) -> None:
    record(
        runtime,
        build_email(
            subject="Printer on the second floor",
            body="Please ring my colleague on 0117 496 0123 or bob.smith@example.org.",
            message_id="<unique-msgid-4711@example.com>",
        ),
    )
    dump = database_dump(runtime)
    for secret in (
        "printer",
        "colleague",
        "0117 496 0123",
        "+441174960123",
        "bob.smith",
        SENDER_EMAIL,
        "jane",
        "unique-msgid-4711",
    ):
        assert secret not in dump


def test_second_message_joins_the_same_subject_and_both_stay_readable(
    runtime: Runtime, clock: MovableClock
) -> None:
    first = record(runtime, build_email(subject="First", body="One", message_id="<1@example.com>"))
    clock.advance(days=1)
    second = record(
        runtime,
        build_email(
            sender="jane.doe@EXAMPLE.com", subject="Second", body="Two", message_id="<2@x>"
        ),
    )
    assert second.subject_ref == first.subject_ref
    assert second.subject_created is False
    items = read(runtime, first.subject_ref)
    assert [(item.subject_line, item.message) for item in items] == [
        ("First", "One"),
        ("Second", "Two"),
    ]


def test_reading_needs_a_purpose_allowed_the_correspondence_category(runtime: Runtime) -> None:
    result = record(runtime, build_email())
    with pytest.raises(CategoryNotAllowed):
        read(runtime, result.subject_ref, purpose="marketing")
    with pytest.raises(CategoryNotAllowed):
        read(runtime, result.subject_ref, purpose="seek_feedback")
    assert read(runtime, result.subject_ref, purpose="investigate_complaints")


def test_every_step_is_audited(runtime: Runtime) -> None:
    result = record(runtime, build_email())
    read(runtime, result.subject_ref)
    with runtime.unit(write=False) as work:
        actions = work.session.scalars(
            select(AuditEntry.action).where(AuditEntry.subject_ref == result.subject_ref)
        ).all()
    assert actions == [
        "subject.created",
        "personal_data.stored",
        "correspondence.received",
        "personal_data.read",
        "correspondence.read",
    ]


# MIME of every shape ---------------------------------------------------------------------


def test_attachments_are_counted_never_kept(runtime: Runtime) -> None:
    raw = build_email(
        body="Invoice attached.",
        attachment=(b"%PDF-1.4 SECRET-ATTACHMENT-CONTENT", "application/pdf", "invoice.pdf"),
    )
    result = record(runtime, raw)
    assert result.attachment_count == 1
    [item] = read(runtime, result.subject_ref)
    assert item.message == "Invoice attached."
    assert item.attachment_types == ["application/pdf"]
    dump = database_dump(runtime)
    assert "secret-attachment-content" not in dump
    assert "invoice.pdf" not in dump


def test_html_only_message_is_reduced_to_its_text(runtime: Runtime) -> None:
    html = (
        "<html><head><title>T</title><style>p {color: red}</style></head><body>"
        "<p>Hello <b>there</b>,</p><p>the server is down &amp; slow.</p>"
        "<script>alert('x')</script></body></html>"
    )
    result = record(runtime, build_email(body="", html=html))
    [item] = read(runtime, result.subject_ref)
    assert item.message == "Hello there,\n\nthe server is down & slow."


def test_plain_alternative_is_preferred_to_html(runtime: Runtime) -> None:
    result = record(runtime, build_email(body="Plain words", html="<p>HTML words</p>"))
    [item] = read(runtime, result.subject_ref)
    assert item.message == "Plain words"


def test_unknown_and_wrong_charsets_are_decoded_with_replacement(runtime: Runtime) -> None:
    raw = (
        b"From: jane.doe@example.com\r\n"
        b"Subject: =?x-no-such-charset?q?Caf=E9?= =?utf-8?q?na=C3=AFve?=\r\n"
        b"Message-ID: <charset@example.com>\r\n"
        b'Content-Type: text/plain; charset="x-no-such-charset"\r\n'
        b"Content-Transfer-Encoding: 8bit\r\n\r\n"
        b"Caf\xc3\xa9 au lait, and a stray \xff byte.\r\n"
    )
    result = record(runtime, raw)
    [item] = read(runtime, result.subject_ref)
    assert item.message == "Café au lait, and a stray \ufffd byte."
    assert item.subject_line is not None
    assert "naïve" in item.subject_line


def test_lying_charset_never_fails(runtime: Runtime) -> None:
    raw = (
        b"From: jane.doe@example.com\r\nMessage-ID: <ascii@example.com>\r\n"
        b"Content-Type: text/plain; charset=us-ascii\r\n\r\nCaf\xe9 \x00 \xc3\r\n"
    )
    result = record(runtime, raw)
    [item] = read(runtime, result.subject_ref)
    assert item.message is not None
    assert item.message.startswith("Caf\ufffd")


@pytest.mark.parametrize(
    "raw",
    [
        # A multipart whose boundary never appears.
        b"From: jane.doe@example.com\r\nMessage-ID: <m1@x>\r\n"
        b"Content-Type: multipart/mixed; boundary=NEVER\r\n\r\nJust some text.\r\n",
        # A multipart without a boundary parameter.
        b"From: jane.doe@example.com\r\nMessage-ID: <m2@x>\r\n"
        b"Content-Type: multipart/alternative\r\n\r\nJust some text.\r\n",
        # Broken base64 and a bogus transfer encoding.
        b"From: jane.doe@example.com\r\nMessage-ID: <m3@x>\r\n"
        b"Content-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!not*base64\r\n",
        b"From: jane.doe@example.com\r\nMessage-ID: <m4@x>\r\n"
        b"Content-Transfer-Encoding: x-martian\r\n\r\nJust some text.\r\n",
        # Header lines without colons, bare LF line ends, an unterminated nested part.
        b"From: jane.doe@example.com\nMessage-ID: <m5@x>\nthis is not a header\n"
        b"Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nhi\n",
        # A garbage content type.
        b"From: jane.doe@example.com\r\nMessage-ID: <m6@x>\r\n"
        b"Content-Type: ;;;/\r\n\r\nJust some text.\r\n",
    ],
    ids=["no-boundary-line", "no-boundary", "bad-base64", "bad-cte", "broken-headers", "bad-ctype"],
)
def test_malformed_mime_is_recorded_as_far_as_it_can_be_read(runtime: Runtime, raw: bytes) -> None:
    result = record(runtime, raw)
    assert result.disposition is Disposition.STORED
    [item] = read(runtime, result.subject_ref)
    assert item.message is not None


# Refusals --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        build_email(sender=None),
        build_email(sender="not an address"),
        build_email(sender="Jane <jane@>"),
        build_email(sender="jane.doe@example.com, john@example.com"),
        b"From: jane.doe@example.com\r\nFrom: john@example.com\r\n\r\nTwo senders.\r\n",
        b"",
        b"\x00\xff\xfe garbage",
    ],
    ids=["missing", "not-an-address", "no-domain", "two-mailboxes", "two-headers", "empty", "junk"],
)
def test_message_without_one_valid_from_is_refused_and_nothing_stored(
    runtime: Runtime, raw: bytes
) -> None:
    before = counts(runtime)
    with pytest.raises(InvalidInput) as refused:
        record(runtime, raw)
    assert "From" in refused.value.public_message
    assert counts(runtime) == before


def test_huge_headers_and_messages_are_refused(runtime: Runtime) -> None:
    before = counts(runtime)
    huge_header = b"From: jane.doe@example.com\r\nX-Junk: " + b"a" * 70_000 + b"\r\n\r\nbody"
    with pytest.raises(InvalidInput, match="headers are too large"):
        record(runtime, huge_header)
    with pytest.raises(InvalidInput, match="larger than"):
        record(runtime, build_email() + b"x" * (26 * 1024 * 1024))
    assert counts(runtime) == before


def test_long_subject_and_body_are_capped(runtime: Runtime) -> None:
    result = record(runtime, build_email(subject="S" * 5000, body="word " * 100_000))
    assert result.truncated is True
    [item] = read(runtime, result.subject_ref)
    assert item.subject_line is not None
    assert len(item.subject_line) <= 998
    assert item.message is not None
    assert len(item.message) <= MAX_SCREENED_CHARS


def test_a_policy_without_email_fields_refuses_before_storing(runtime: Runtime) -> None:
    before = counts(runtime)
    undeclared = dataclasses.replace(runtime, policy=policy_without_email_fields())
    with pytest.raises(UndeclaredField, match=r"communications\.email_subject"):
        record(undeclared, build_email())
    assert counts(runtime) == before


def test_received_via_must_be_a_short_label(runtime: Runtime) -> None:
    with pytest.raises(InvalidInput):
        record(runtime, build_email(), via="from jane.doe@example.com")


# Special-category data (Art. 9) ------------------------------------------------------------


def test_redact_mode_stores_the_marker_never_the_original(in_mode: InMode) -> None:
    runtime = in_mode("redact")
    result = record(runtime, build_email(subject="Tuesday", body=HEALTH_TEXT))
    assert result.disposition is Disposition.REDACTED
    assert "health" in result.categories
    [item] = read(runtime, result.subject_ref)
    assert item.message is not None
    assert HEALTH_PASSAGE not in item.message
    assert "[removed" in item.message
    assert item.categories == result.categories
    assert "diabetes" not in database_dump(runtime)


def test_quarantine_mode_keeps_the_message_out_of_normal_reads(in_mode: InMode) -> None:
    runtime = in_mode("quarantine")
    result = record(runtime, build_email(subject="Tuesday", body=HEALTH_TEXT))
    assert result.disposition is Disposition.QUARANTINED
    assert read(runtime, result.subject_ref) == []
    [item] = read(runtime, result.subject_ref, include_quarantined=True)
    assert item.quarantined is True
    assert item.message is not None
    assert HEALTH_PASSAGE in item.message
    with runtime.unit(write=False) as work:
        row = work.session.get(Correspondence, result.correspondence_id)
        assert row is not None
        assert row.quarantined
        assert "health" in row.categories


def test_reject_mode_keeps_only_a_pseudonymous_refusal(in_mode: InMode) -> None:
    runtime = in_mode("reject")
    before = counts(runtime)
    result = record(runtime, build_email(subject="Tuesday", body=HEALTH_TEXT))
    assert result.disposition is Disposition.REJECTED
    assert result.correspondence_id is None
    assert result.subject_ref is None
    after = counts(runtime)
    assert after["correspondence_rejections"] == before["correspondence_rejections"] + 1
    assert {k: v for k, v in after.items() if k != "correspondence_rejections"} == {
        k: v for k, v in before.items() if k != "correspondence_rejections"
    }
    with runtime.unit() as work:
        [rejection] = rejections_for_sender(work, email="Jane.Doe@example.com")
        digest = blind_index(work.keyring.index, IdentifierKind.EMAIL, SENDER_EMAIL)
        assert rejection.sender_digest == digest
        assert "health" in rejection.categories
        actions = work.session.scalars(select(AuditEntry.action)).all()
    assert "correspondence.rejected" in actions
    dump = database_dump(runtime)
    assert "diabetes" not in dump
    assert "tuesday" not in dump
    assert again_is_duplicate(runtime, build_email(subject="Tuesday", body=HEALTH_TEXT))


def again_is_duplicate(runtime: Runtime, raw: bytes) -> bool:
    return record(runtime, raw).disposition is Disposition.DUPLICATE


def test_reject_mode_names_a_known_sender_in_the_audit(in_mode: InMode) -> None:
    runtime = in_mode("reject")
    first = record(runtime, build_email(message_id="<ok@x>"))
    record(runtime, build_email(message_id="<health@x>", body=HEALTH_TEXT))
    with runtime.unit(write=False) as work:
        entry = work.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "correspondence.rejected")
        ).one()
    assert entry.subject_ref == first.subject_ref
    assert "diabetes" not in entry.detail


def test_clean_messages_are_stored_whole_in_every_mode(in_mode: InMode) -> None:
    for mode in ("redact", "quarantine", "reject"):
        runtime = in_mode(mode)
        result = record(runtime, build_email(message_id=f"<{mode}@x>"))
        assert result.disposition is Disposition.STORED


# Mentions of other people ------------------------------------------------------------------


def test_identifiers_of_other_people_are_indexed_by_digest_only(runtime: Runtime) -> None:
    body = (
        "Please copy my colleague Bob.Smith@Example.org and ring him on 0117 496 0123.\n"
        "Jane Doe\njane.doe@example.com"
    )
    result = record(runtime, build_email(body=body))
    assert result.mentions == 2
    assert set(result.pii_types) >= {"email", "phone"}
    with runtime.unit() as work:
        by_email = correspondence_mentioning(work, email="bob.smith@example.org", actor=ACTOR)
        by_phone = correspondence_mentioning(work, phone="+44 117 496 0123", actor=ACTOR)
        sender = correspondence_mentioning(work, email=SENDER_EMAIL, actor=ACTOR)
        nobody = correspondence_mentioning(work, email="someone@example.net", actor=ACTOR)
        kinds = sorted(work.session.scalars(select(CorrespondenceMention.kind)).all())
    assert by_email == by_phone == [result.correspondence_id]
    assert sender == []  # the sender's own address is their subject link, not a mention
    assert nobody == []
    assert kinds == ["email", "phone"]


# Duplicates ------------------------------------------------------------------------------


def test_the_same_delivery_twice_is_stored_once(runtime: Runtime) -> None:
    raw = build_email()
    first = record(runtime, raw)
    stored = counts(runtime)
    again = record(runtime, raw, via="smtp")
    assert again.disposition is Disposition.DUPLICATE
    assert again.correspondence_id == first.correspondence_id
    assert again.subject_ref == first.subject_ref
    assert counts(runtime) == stored


def test_duplicates_are_keyed_on_sender_and_message_id(runtime: Runtime) -> None:
    record(runtime, build_email(body="One"))
    assert record(runtime, build_email(body="Edited resend")).disposition is Disposition.DUPLICATE
    other = record(runtime, build_email(sender="john@example.org"))
    assert other.disposition is Disposition.STORED
    assert len(read(runtime, other.subject_ref)) == 1


def test_messages_without_message_id_are_deduplicated_by_content(runtime: Runtime) -> None:
    raw = build_email(message_id=None)
    assert record(runtime, raw).disposition is Disposition.STORED
    assert record(runtime, raw).disposition is Disposition.DUPLICATE
    changed = build_email(message_id=None, body="Something else")
    assert record(runtime, changed).disposition is Disposition.STORED


def test_erased_subject_cannot_be_read(runtime: Runtime) -> None:
    result = record(runtime, build_email())
    with runtime.unit() as work:
        subject = work.session.scalars(
            select(Subject).where(Subject.ref == result.subject_ref)
        ).one()
        vault.destroy_data_key(work, subject, actor=ACTOR)
    with pytest.raises(DataErased):
        read(runtime, result.subject_ref)
    assert record(runtime, build_email(message_id="<new@x>")).subject_created is True
