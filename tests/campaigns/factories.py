"""Campaign test data: people with contact details and per-channel consents, and the
ways a person can come to be refused marketing."""

from __future__ import annotations

from sqlalchemy import select

from charter.campaigns import service
from charter.campaigns.models import Campaign, DeliveryAttempt, SentMessage
from charter.consent.models import ConsentState
from charter.consent.service import give_consent, withdraw_consent
from charter.newsletter.preferences import suppress, suppression_digest
from charter.rights import service as rights
from charter.rights.models import RequestKind
from charter.runtime import Runtime, Work
from charter.vault import service as vault
from charter.vault.models import Subject

ACTOR = "staff:test"
EVIDENCE = {"method": "web_form"}
WORDING = {
    "email": "Email me news and offers about AJP IT Services' products and services.",
    "phone": "Phone me about AJP IT Services' products and services.",
    "text": "Text me news and offers about AJP IT Services' products and services.",
}
TEXT = "Our winter offer: a free laptop health check with every repair."


def person(
    work: Work, email: str, *, phone: str | None = None, channels: tuple[str, ...] = ("email",)
) -> Subject:
    """Someone who used the contact form, consenting to marketing on ``channels``."""
    subject, _ = vault.get_or_create_subject(work, email=email, actor=ACTOR)
    values = {"contact.email": email} | ({"contact.phone": phone} if phone else {})
    vault.store_personal_data(
        work,
        subject,
        collection_point="contact_form",
        values=values,
        source="contact form",
        actor=ACTOR,
    )
    for channel in channels:
        give_consent(
            work,
            subject,
            purpose="marketing",
            channel=channel,
            collection_point="contact_form",
            wording=WORDING[channel],
            evidence=EVIDENCE,
            actor=ACTOR,
        )
    return subject


def withdraw(work: Work, subject: Subject, channel: str = "email") -> None:
    withdraw_consent(work, subject, purpose="marketing", channel=channel, actor=ACTOR, evidence={})


def restrict(work: Work, subject: Subject) -> None:
    vault.restrict_processing(work, subject, reason="accuracy_contested", actor=ACTOR)


def erase(work: Work, subject: Subject) -> None:
    """Crypto-shred only: the consent record still says given, so the gate alone must
    stop it."""
    vault.destroy_data_key(work, subject, actor=ACTOR)


def suppress_address(work: Work, email: str) -> None:
    suppress(work, suppression_digest(work, email), route="test")


def object_to_marketing(work: Work, subject: Subject) -> None:
    rights.receive_request(
        work, kind=RequestKind.OBJECTION.value, received_via="email", actor=ACTOR, subject=subject
    )


def campaign(runtime: Runtime, *, channel: str = "email", html: str | None = None) -> int:
    with runtime.unit() as work:
        return service.create_campaign(
            work,
            title=f"Winter {channel}",
            purpose="marketing",
            channel=channel,
            subject_line="Winter offer",
            text=TEXT,
            html=html,
            actor=ACTOR,
        ).id


def messages(runtime: Runtime, campaign_id: int) -> dict[int, SentMessage]:
    """The campaign's outbox rows by subject id."""
    with runtime.unit(write=False) as work:
        rows = service.campaign_messages(work, campaign_id)
    return {row.subject_id: row for row in rows if row.subject_id is not None}


def attempts(runtime: Runtime, message_id: int) -> list[DeliveryAttempt]:
    with runtime.unit(write=False) as work:
        query = select(DeliveryAttempt).where(DeliveryAttempt.message_id == message_id)
        return list(work.session.scalars(query.order_by(DeliveryAttempt.attempt)))


def consent_event_of(runtime: Runtime, subject_id: int, channel: str) -> int | None:
    with runtime.unit(write=False) as work:
        state = work.session.get(ConsentState, (subject_id, "marketing", channel))
        return state.event_id if state is not None else None


def campaign_row(runtime: Runtime, campaign_id: int) -> Campaign:
    with runtime.unit(write=False) as work:
        found = work.session.get(Campaign, campaign_id)
        assert found is not None
        return found
