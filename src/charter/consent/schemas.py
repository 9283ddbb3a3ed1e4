"""What the consent feature hands out: decisions and ISO/IEC TS 27560 consent records.

``Decision`` is the answer of the hot-path gate (``service.decide``). ``ConsentRecord`` is
the machine-readable consent record of ISO/IEC TS 27560:2023 (consent record information
structure), built so the controller can *demonstrate* a consent (UK GDPR Art. 7(1)) to
the person, to an auditor or to the ICO without anyone reading the database.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict


class Out(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ConsentAction(StrEnum):
    """What one ledger event records.

    ``renewal_needed`` is appended when a material policy change means consent given
    under an earlier version no longer covers what is now done (it must be *informed*,
    Art. 4(11)); keeping it in the ledger, rather than only flagging the projection,
    lets the projection be rebuilt from events alone.
    """

    GIVEN = "given"
    WITHDRAWN = "withdrawn"
    RENEWAL_NEEDED = "renewal_needed"


class DecisionCode(StrEnum):
    """Why ``decide()`` answered as it did; stable for callers, unlike the prose reason."""

    GIVEN = "given"
    OTHER_LAWFUL_BASIS = "other_lawful_basis"
    ERASED = "erased"
    RESTRICTED = "restricted"
    NO_CONSENT = "no_consent"
    WITHDRAWN = "withdrawn"
    NEEDS_RENEWAL = "needs_renewal"
    OBJECTED = "objected"


class Decision(Out):
    """May this subject's data be used for this purpose on this channel, right now?"""

    allowed: bool
    code: DecisionCode
    reason: str


# ISO/IEC TS 27560 consent record ------------------------------------------------------


class RecordTimestamps(Out):
    created: datetime  # the first event of this subject x purpose x channel
    last_updated: datetime  # the latest one


class PiiController(Out):
    name: str
    legal_name: str | None
    contact: str | None
    address: str | None
    ico_registration: str | None


class PersonalDataCategory(Out):
    id: str
    name: str
    fields: list[str]


class StoragePeriod(Out):
    """How long the data used under this consent is kept (Art. 5(1)(e), Art. 13(2)(a))."""

    category: str
    retention_rule: str
    trigger: str
    duration: str  # ISO 8601 duration, e.g. "P2Y"; "P0D" when the trigger alone decides
    action: str
    criteria: str
    legal_reference: str


class RecipientInfo(Out):
    name: str
    role: str
    country: str


class ProcessingPurpose(Out):
    purpose_id: str
    name: str
    description: str
    lawful_basis: str
    legal_reference: str
    channel: str
    marketing: bool
    personal_data: list[PersonalDataCategory]
    processing: list[str]
    storage: list[StoragePeriod]
    recipients: list[RecipientInfo]


class Notice(Out):
    """The privacy notice in force when consent was given, and the exact words shown."""

    policy_id: str
    version: str
    url: str
    wording: str


class CollectionMethod(Out):
    collection_point: str
    collection_point_name: str | None
    method: str | None


class RecordEvent(Out):
    record_id: str
    action: ConsentAction
    occurred_at: datetime
    policy_version: str
    wording: str
    collection_point: str
    evidence: dict[str, str]


class ConsentRecord(Out):
    """One consent record in the ISO/IEC TS 27560:2023 information structure.

    The PII principal is named by the pseudonymous subject reference only: the record is
    meant to be handed around (a receipt to the person, evidence to an auditor) and must
    not itself spread the person's contact details (Art. 5(1)(c) data minimisation).
    """

    schema_version: str
    conforms_to: str
    record_id: str
    record_timestamps: RecordTimestamps
    pii_principal_id: str
    pii_controllers: list[PiiController]
    jurisdiction: str
    purposes: list[ProcessingPurpose]
    notice: Notice
    consent_type: str
    state: ConsentAction
    needs_renewal: bool
    event: RecordEvent
    events: list[RecordEvent]
    collection: CollectionMethod
    duration: str
    expiry: datetime | None
    withdrawal_method: str
