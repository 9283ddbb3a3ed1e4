"""Consent records in the ISO/IEC TS 27560:2023 information structure.

UK GDPR Art. 7(1) requires the controller to *demonstrate* consent. A record exported
here answers, in one machine-readable document, everything an auditor or the person
would ask: who consented (by pseudonymous reference only), to whom, for what purpose and
data, kept how long, after reading which notice and which exact words, how, when, what
happened since, and how to withdraw (Art. 7(3)). Its structure follows ISO/IEC TS 27560
(record header, processing information, consent/notice information, event history) as
implemented by the W3C DPV community group's ``dpv-27560`` record profile.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from charter.consent.decisions import ARTICLE_6_POINT
from charter.consent.ledger import fold_events
from charter.consent.models import ANY_CHANNEL, ConsentEvent
from charter.consent.schemas import (
    CollectionMethod,
    ConsentAction,
    ConsentRecord,
    Notice,
    PersonalDataCategory,
    PiiController,
    ProcessingPurpose,
    RecipientInfo,
    RecordEvent,
    RecordTimestamps,
    StoragePeriod,
)
from charter.errors import NotFound, UndeclaredField, UndeclaredPurpose
from charter.policy.schemas import LawfulBasis, Policy, RetentionRule
from charter.runtime import Work
from charter.vault.models import Subject

SCHEMA_VERSION = "charter-consent-record/1"
CONFORMS_TO = "ISO/IEC TS 27560:2023 (dpv-27560 record profile)"
JURISDICTION = "UK"
CONSENT_TYPE = "explicit"
#: Charter gives consent no fixed expiry: it lasts until withdrawn or outrun by a
#: material policy change, which ``mark_renewal_needed`` records.
CONSENT_DURATION = "Until withdrawn, or until a material change to the privacy policy."


def consent_record(work: Work, record_id: str) -> dict[str, Any]:
    """The ISO/IEC TS 27560 record of the consent event ``record_id``, as JSON-ready data.

    The record covers the event's subject x purpose x channel: its whole event history
    and current state, not only the one event. Not audited here: the edge that shows or
    sends it records who looked (the CLI does, as ``consent.viewed``).
    """
    return build_consent_record(work, record_id).model_dump(mode="json")


def build_consent_record(work: Work, record_id: str) -> ConsentRecord:
    """:func:`consent_record` as a model, for callers that render it themselves."""
    session = work.session
    event = session.scalars(select(ConsentEvent).where(ConsentEvent.record_id == record_id)).first()
    if event is None:
        raise NotFound("No consent record has that id.")
    subject = session.get(Subject, event.subject_id)
    if subject is None:  # pragma: no cover - the foreign key forbids it
        raise NotFound("No consent record has that id.")
    history = list(
        session.scalars(
            select(ConsentEvent)
            .where(
                ConsentEvent.subject_id == event.subject_id,
                ConsentEvent.purpose == event.purpose,
                ConsentEvent.channel == event.channel,
            )
            .order_by(ConsentEvent.id)
        )
    )
    state = fold_events(history)
    given = state is not None and state.given
    # The notice and collection are those of the consent this event stands for: the
    # latest "given" event up to it (for a withdrawal, what is being withdrawn).
    shown = next(
        (
            item
            for item in reversed(history)
            if item.id <= event.id and item.action == ConsentAction.GIVEN
        ),
        event,
    )
    policy = work.policy
    organisation = policy.organisation
    contact = organisation.privacy_contact or organisation.email
    base_url = work.settings.base_url.rstrip("/")
    return ConsentRecord(
        schema_version=SCHEMA_VERSION,
        conforms_to=CONFORMS_TO,
        record_id=event.record_id,
        record_timestamps=RecordTimestamps(
            created=history[0].occurred_at, last_updated=history[-1].occurred_at
        ),
        pii_principal_id=subject.ref,
        pii_controllers=[
            PiiController(
                name=organisation.name,
                legal_name=organisation.legal_name,
                contact=contact,
                address=organisation.address,
                ico_registration=organisation.ico_registration,
            )
        ],
        jurisdiction=JURISDICTION,
        purposes=[_processing_purpose(policy, shown)],
        notice=Notice(
            policy_id=policy.policy_id,
            version=shown.policy_version,
            url=f"{base_url}/privacy/versions/{shown.policy_version}",
            wording=shown.wording,
        ),
        consent_type=CONSENT_TYPE,
        state=ConsentAction.GIVEN if given else ConsentAction.WITHDRAWN,
        needs_renewal=state is not None and state.needs_renewal,
        event=_record_event(event),
        events=[_record_event(item) for item in history],
        collection=_collection(policy, shown),
        duration=CONSENT_DURATION,
        expiry=None,
        withdrawal_method=(
            "Withdraw at any time, as easily as consent was given (UK GDPR Art. 7(3)): in "
            f"the privacy centre at {base_url}"
            + (f", or by contacting {contact}" if contact else "")
            + ". Withdrawal does not affect processing that took place before it."
        ),
    )


def _processing_purpose(policy: Policy, event: ConsentEvent) -> ProcessingPurpose:
    """The purpose as the policy in force declares it.

    A purpose since removed from the policy is still named, so old consent stays
    demonstrable; its details are in the notice version the record points at.
    """
    try:
        purpose = policy.purpose(event.purpose)
    except UndeclaredPurpose:
        return ProcessingPurpose(
            purpose_id=event.purpose,
            name=event.purpose,
            description="No longer declared; see the notice this consent was given under.",
            lawful_basis="consent",
            legal_reference=f"UK GDPR {ARTICLE_6_POINT[LawfulBasis.CONSENT]}",
            channel=event.channel,
            marketing=False,
            personal_data=[],
            processing=[],
            storage=[],
            recipients=[],
        )
    categories = [policy.category(category_id) for category_id in purpose.categories]
    processing = ["collect", "store", "use"]
    if event.channel != ANY_CHANNEL:
        processing.append(f"contact by {event.channel}")
    return ProcessingPurpose(
        purpose_id=purpose.id,
        name=purpose.name,
        description=purpose.description,
        lawful_basis=purpose.lawful_basis.value,
        legal_reference=f"UK GDPR {ARTICLE_6_POINT[purpose.lawful_basis]}",
        channel=event.channel,
        marketing=purpose.marketing,
        personal_data=[
            PersonalDataCategory(
                id=category.id, name=category.name, fields=[item.id for item in category.fields]
            )
            for category in categories
        ],
        processing=processing,
        storage=[
            _storage(category.id, policy.retention_rule(category.id, event.collection_point))
            for category in categories
        ],
        recipients=[
            RecipientInfo(name=recipient.name, role=recipient.role.value, country=recipient.country)
            for recipient in policy.recipients
            if purpose.id in recipient.purposes
        ],
    )


def _storage(category_id: str, rule: RetentionRule) -> StoragePeriod:
    return StoragePeriod(
        category=category_id,
        retention_rule=rule.id,
        trigger=rule.trigger.value,
        duration=iso_duration(years=rule.years, months=rule.months, days=rule.days),
        action=rule.action,
        criteria=rule.criteria,
        legal_reference=rule.legal_reference,
    )


def iso_duration(*, years: int, months: int, days: int) -> str:
    """An ISO 8601 duration such as ``P2Y6M``; ``P0D`` when the trigger alone decides."""
    parts = "".join(
        f"{amount}{unit}" for amount, unit in ((years, "Y"), (months, "M"), (days, "D")) if amount
    )
    return f"P{parts or '0D'}"


def _collection(policy: Policy, event: ConsentEvent) -> CollectionMethod:
    try:
        name: str | None = policy.collection_point(event.collection_point).name
    except UndeclaredField:
        name = None  # a withdrawal route, or a point since removed from the policy
    return CollectionMethod(
        collection_point=event.collection_point,
        collection_point_name=name,
        method=event.evidence.get("method"),
    )


def _record_event(event: ConsentEvent) -> RecordEvent:
    return RecordEvent(
        record_id=event.record_id,
        action=ConsentAction(event.action),
        occurred_at=event.occurred_at,
        policy_version=event.policy_version,
        wording=event.wording,
        collection_point=event.collection_point,
        evidence={str(key): str(value) for key, value in event.evidence.items()},
    )
