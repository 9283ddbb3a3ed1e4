"""Double opt-in, unsubscribe, suppression and channel changes, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from charter.consent.decisions import decide
from charter.consent.models import ConsentEvent
from charter.consent.schemas import DecisionCode
from charter.errors import PolicyRefusal
from charter.mail.message import compose
from charter.mail.outbox import OutboxSender
from charter.newsletter.emails import newsletter_email
from charter.newsletter.jobs import purge_expired_signups
from charter.newsletter.models import NewsletterSignup, PreferenceLink, SuppressedAddress
from charter.newsletter.preferences import (
    LinkNotValid,
    is_suppressed,
    open_preferences,
    set_channel,
    suppression_digest,
    unsubscribe,
)
from charter.newsletter.service import (
    SignupLinkExpired,
    SignupLinkNotValid,
    send_newsletter,
)
from charter.policy.schemas import Channel
from charter.runtime import Runtime
from charter.vault import service as vault
from charter.vault.models import PersonalValue, Subject
from tests.conftest import TestClock as Clock
from tests.web.asgi import body_text, outbox_messages

from .factories import (
    ACTOR,
    EMAIL,
    FIRST_NAME,
    NORMALISED,
    confirm,
    confirmation_token,
    sign_up,
    subscribe,
)

WORDING = "Please send me the AJP IT Services newsletter by email. I can unsubscribe at any time."


def subject_for(runtime: Runtime, email: str = EMAIL) -> Subject:
    with runtime.unit(write=False) as work:
        found = vault.find_subject(work, email=email)
    assert found is not None
    return found


def events(runtime: Runtime) -> list[ConsentEvent]:
    with runtime.unit(write=False) as work:
        return list(work.session.scalars(select(ConsentEvent).order_by(ConsentEvent.id)))


def count(runtime: Runtime, model: type) -> int:
    with runtime.unit(write=False) as work:
        return int(work.session.scalar(select(func.count()).select_from(model)) or 0)


# Sign-up ---------------------------------------------------------------------------------


def test_signup_sends_only_the_confirmation_and_stores_nothing_in_clear(
    runtime: Runtime, sender: OutboxSender, outbox: Path
) -> None:
    assert sign_up(runtime, sender) is True
    messages = outbox_messages(outbox)
    assert len(messages) == 1
    assert messages[0]["To"] == NORMALISED
    assert "/newsletter/confirm/" in body_text(messages[0])
    assert "List-Unsubscribe" not in messages[0]
    with runtime.unit(write=False) as work:
        signup = work.session.scalars(select(NewsletterSignup)).one()
        values = work.session.scalar(select(func.count()).select_from(PersonalValue))
    assert NORMALISED.encode() not in signup.sealed_email
    assert FIRST_NAME.encode() not in (signup.sealed_first_name or b"")
    assert confirmation_token(outbox).encode() not in signup.token_digest
    assert values == 0, "nothing goes into the vault before confirmation"
    assert events(runtime) == []


def test_confirming_gives_consent_stores_the_address_and_sends_the_record(
    runtime: Runtime, sender: OutboxSender, outbox: Path
) -> None:
    confirmation = subscribe(runtime, sender, outbox)
    (event,) = events(runtime)
    assert (event.purpose, event.channel, event.action) == ("marketing", "email", "given")
    assert event.collection_point == "newsletter"
    assert event.wording == WORDING
    assert event.policy_version == runtime.policy.version
    assert event.evidence == {
        "method": "web_form",
        "ip_prefix": "203.0.113.0/24",
        "user_agent_family": "Firefox",
    }
    subject = subject_for(runtime)
    with runtime.unit() as work:
        assert decide(work, subject.id, "marketing", "email").allowed
        held = vault.read_personal_data(work, subject, purpose="marketing", actor=ACTOR)
        points = set(work.session.scalars(select(PersonalValue.collection_point)))
    assert held == {"contact.email": NORMALISED, "identity.first_name": FIRST_NAME}
    assert points == {"newsletter"}
    assert count(runtime, NewsletterSignup) == 0
    welcome = outbox_messages(outbox)[-1]
    text_ = body_text(welcome)
    assert confirmation.record_id in text_
    assert f"/consent-records/{confirmation.record_id}?token=" in text_
    assert f"/unsubscribe/{confirmation.preferences_token}" in text_


def test_confirmation_link_works_once(runtime: Runtime, sender: OutboxSender, outbox: Path) -> None:
    sign_up(runtime, sender)
    token = confirmation_token(outbox)
    confirm(runtime, sender, token)
    with pytest.raises(SignupLinkNotValid):
        confirm(runtime, sender, token)
    assert len(events(runtime)) == 1


def test_confirmation_link_expires_after_48_hours(
    runtime: Runtime, sender: OutboxSender, outbox: Path, clock: Clock
) -> None:
    sign_up(runtime, sender)
    token = confirmation_token(outbox)
    clock.advance(hours=48)
    with pytest.raises(SignupLinkExpired):
        confirm(runtime, sender, token)
    assert events(runtime) == []
    with runtime.unit() as work:
        assert purge_expired_signups(work, actor=ACTOR) == 1
    assert count(runtime, NewsletterSignup) == 0


def test_unexpired_signups_survive_the_purge(
    runtime: Runtime, sender: OutboxSender, clock: Clock
) -> None:
    sign_up(runtime, sender)
    clock.advance(hours=47)
    with runtime.unit() as work:
        assert purge_expired_signups(work, actor=ACTOR) == 0


def test_garbage_tokens_are_not_valid(runtime: Runtime, sender: OutboxSender) -> None:
    for token in ("", "short", "x" * 43, "../../etc/passwd"):
        with pytest.raises(SignupLinkNotValid):
            confirm(runtime, sender, token)


def test_repeated_signups_do_not_flood_the_inbox(
    runtime: Runtime, sender: OutboxSender, outbox: Path, clock: Clock
) -> None:
    assert sign_up(runtime, sender) is True
    first = confirmation_token(outbox)
    assert sign_up(runtime, sender, EMAIL.upper()) is False
    assert len(outbox_messages(outbox)) == 1
    clock.advance(minutes=16)
    assert sign_up(runtime, sender) is True
    second = confirmation_token(outbox)
    assert len(outbox_messages(outbox)) == 2
    with pytest.raises(SignupLinkNotValid):
        confirm(runtime, sender, first)  # replaced by the newer link
    confirm(runtime, sender, second)


def test_nothing_but_the_confirmation_is_sent_before_confirming(
    runtime: Runtime, sender: OutboxSender, outbox: Path
) -> None:
    sign_up(runtime, sender)
    with runtime.unit() as work:
        pending = work.session.get(
            Subject, work.session.scalars(select(NewsletterSignup.subject_id)).one()
        )
        assert pending is not None
        sent = send_newsletter(
            work, pending, title="News", text="Hello", sender=sender, actor=ACTOR
        )
    assert sent is None
    assert len(outbox_messages(outbox)) == 1


def test_confirming_joins_an_existing_subject(
    runtime: Runtime, sender: OutboxSender, outbox: Path
) -> None:
    with runtime.unit() as work:
        existing = vault.create_subject(work, actor=ACTOR)
        vault.store_personal_data(
            work,
            existing,
            collection_point="contact_form",
            values={"contact.email": EMAIL},
            source="test",
            actor=ACTOR,
        )
    confirmation = subscribe(runtime, sender, outbox)
    assert confirmation.subject_ref == existing.ref
    with runtime.unit(write=False) as work:
        emails = work.session.scalars(
            select(PersonalValue).where(
                PersonalValue.subject_id == existing.id, PersonalValue.field == "email"
            )
        ).all()
    assert [row.collection_point for row in emails] == ["contact_form"], "not stored twice"


# Sending ---------------------------------------------------------------------------------


def test_newsletter_email_carries_rfc_8058_headers_and_a_visible_link(
    runtime: Runtime, sender: OutboxSender, outbox: Path
) -> None:
    confirmation = subscribe(runtime, sender, outbox)
    subject = subject_for(runtime)
    with runtime.unit() as work:
        message = newsletter_email(work, subject, to=NORMALISED, title="News", text="Hello")
        rendered = compose(message, mail_from=runtime.settings.mail_from)
    token = confirmation.preferences_token
    base = runtime.settings.base_url
    assert message.kind == "marketing"
    assert rendered["List-Unsubscribe"] == (
        f"<{base}/unsubscribe/{token}>, "
        f"<mailto:privacy@ajp-it-services.example?subject=unsubscribe%20{token}>"
    )
    assert rendered["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert f"{base}/unsubscribe/{token}" in message.text
    assert f"{base}/preferences/{token}" in message.text
    assert NORMALISED not in rendered["List-Unsubscribe"]


def test_send_newsletter_sends_with_consent_and_not_after_unsubscribing(
    runtime: Runtime, sender: OutboxSender, outbox: Path
) -> None:
    confirmation = subscribe(runtime, sender, outbox)
    subject = subject_for(runtime)
    with runtime.unit() as work:
        sent = send_newsletter(work, subject, title="News", text="Hi", sender=sender, actor=ACTOR)
    assert sent is not None
    marketing = outbox_messages(outbox)[-1]
    assert marketing["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    with runtime.unit() as work:
        unsubscribe(
            work,
            confirmation.preferences_token,
            route="one_click_unsubscribe",
            evidence={},
            actor=ACTOR,
        )
    before = len(outbox_messages(outbox))
    with runtime.unit() as work:
        assert (
            send_newsletter(work, subject, title="N", text="x", sender=sender, actor=ACTOR) is None
        )
    assert len(outbox_messages(outbox)) == before


# Unsubscribe and suppression -----------------------------------------------------------------


def test_one_click_unsubscribe_withdraws_and_suppresses_by_hash_only(
    runtime: Runtime, sender: OutboxSender, outbox: Path
) -> None:
    confirmation = subscribe(runtime, sender, outbox)
    with runtime.unit() as work:
        unsubscribe(
            work,
            confirmation.preferences_token,
            route="one_click_unsubscribe",
            evidence={},
            actor=ACTOR,
        )
    subject = subject_for(runtime)
    withdrawn = events(runtime)[-1]
    assert (withdrawn.action, withdrawn.channel) == ("withdrawn", "email")
    assert withdrawn.collection_point == "one_click_unsubscribe"
    with runtime.unit() as work:
        assert decide(work, subject.id, "marketing", "email").code is DecisionCode.WITHDRAWN
        assert is_suppressed(work, EMAIL)
        rows = work.session.scalars(select(SuppressedAddress)).all()
        assert [row.digest for row in rows] == [suppression_digest(work, EMAIL)]
        dumps = [
            bytes(value) if isinstance(value, bytes | memoryview) else str(value).encode()
            for row in work.session.execute(text("SELECT * FROM suppressed_addresses"))
            for value in row
        ]
    assert not any(NORMALISED.encode() in value or b"zebedee" in value for value in dumps)


def test_unsubscribing_twice_records_one_withdrawal(
    runtime: Runtime, sender: OutboxSender, outbox: Path
) -> None:
    confirmation = subscribe(runtime, sender, outbox)
    for _ in range(2):
        with runtime.unit() as work:
            unsubscribe(
                work,
                confirmation.preferences_token,
                route="one_click_unsubscribe",
                evidence={},
                actor=ACTOR,
            )
    assert [event.action for event in events(runtime)] == ["given", "withdrawn"]
    assert count(runtime, SuppressedAddress) == 1


def test_resubscribing_needs_a_new_double_opt_in_which_lifts_the_suppression(
    runtime: Runtime, sender: OutboxSender, outbox: Path, clock: Clock
) -> None:
    confirmation = subscribe(runtime, sender, outbox)
    with runtime.unit() as work:
        unsubscribe(
            work,
            confirmation.preferences_token,
            route="one_click_unsubscribe",
            evidence={},
            actor=ACTOR,
        )
    clock.advance(days=3)
    assert sign_up(runtime, sender) is True, "the confirmation still goes out"
    with runtime.unit(write=False) as work:
        assert is_suppressed(work, EMAIL), "suppressed until the owner confirms"
    confirm(runtime, sender, confirmation_token(outbox))
    subject = subject_for(runtime)
    with runtime.unit(write=False) as work:
        assert not is_suppressed(work, EMAIL)
        assert decide(work, subject.id, "marketing", "email").allowed


def test_an_unknown_preference_token_is_not_valid(runtime: Runtime) -> None:
    with runtime.unit() as work, pytest.raises(LinkNotValid):
        unsubscribe(work, "A" * 43, route="one_click_unsubscribe", evidence={}, actor=ACTOR)


# Channels -------------------------------------------------------------------------------------


def test_channels_change_one_at_a_time(
    runtime: Runtime, sender: OutboxSender, outbox: Path
) -> None:
    confirmation = subscribe(runtime, sender, outbox)
    token = confirmation.preferences_token
    subject = subject_for(runtime)
    with runtime.unit() as work:
        set_channel(work, token, channel="email", allow=False, evidence={}, actor=ACTOR)
        assert not decide(work, subject.id, "marketing", "email").allowed
        assert is_suppressed(work, EMAIL)
    with runtime.unit() as work:
        set_channel(
            work,
            token,
            channel="email",
            allow=True,
            evidence={"method": "web_form"},
            actor=ACTOR,
        )
        assert decide(work, subject.id, "marketing", "email").allowed
        assert not is_suppressed(work, EMAIL)
    given = events(runtime)[-1]
    assert given.collection_point == "marketing_preferences"
    assert given.wording == (
        "Email me news and offers about AJP IT Services' products and services."
    )


def test_phone_and_text_need_a_phone_number_on_file(
    runtime: Runtime, sender: OutboxSender, outbox: Path
) -> None:
    token = subscribe(runtime, sender, outbox).preferences_token
    with runtime.unit(write=False) as work:
        shown = {item.channel: item for item in open_preferences(work, token).channels}
    assert shown[Channel.EMAIL].given
    assert not shown[Channel.PHONE].can_give
    with runtime.unit() as work, pytest.raises(PolicyRefusal):
        set_channel(
            work,
            token,
            channel="phone",
            allow=True,
            evidence={"method": "web_form"},
            actor=ACTOR,
        )
    subject = subject_for(runtime)
    with runtime.unit() as work:
        vault.store_personal_data(
            work,
            work.session.merge(subject),
            collection_point="contact_form",
            values={"contact.phone": "0117 929 1509"},
            source="test",
            actor=ACTOR,
        )
    with runtime.unit() as work:
        set_channel(
            work,
            token,
            channel="text",
            allow=True,
            evidence={"method": "web_form"},
            actor=ACTOR,
        )
        assert decide(work, subject.id, "marketing", "text").allowed
        assert not decide(work, subject.id, "marketing", "phone").allowed
        shown = {item.channel: item for item in open_preferences(work, token).channels}
    assert shown[Channel.TEXT].given
    assert shown[Channel.PHONE].can_give
    assert count(runtime, PreferenceLink) == 1
