"""What the API accepts and returns, as Pydantic models so the OpenAPI document is whole.

Inputs are closed: identifiers must look like identifiers (policy ids, pseudonymous refs,
request references), so nothing else reaches the database or the audit log, and unknown
keys are refused (Art. 5(1)(c) data minimisation). Validation errors name fields only,
never the values sent (``app.py``).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from charter.consent.evidence import EvidenceMethod
from charter.consent.schemas import ConsentAction
from charter.rights.models import ReceivedVia, RequestKind

#: A policy identifier (purpose, channel, collection point).
PolicyId = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,63}$")]
#: A subject's pseudonymous reference (``secrets.token_hex(16)``).
SUBJECT_REF_PATTERN = r"^[0-9a-f]{32}$"
SubjectRef = Annotated[str, StringConstraints(pattern=SUBJECT_REF_PATTERN)]
#: A rights request reference such as ``DSR-7KQ2-M9XD`` (case-insensitive).
REQUEST_REF_PATTERN = r"^[A-Za-z0-9-]{1,20}$"
#: A consent record id (a UUID).
RECORD_ID_PATTERN = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
#: A token's name: short, lower-case, printable, safe in an audit actor.
TOKEN_NAME_PATTERN = r"^[a-z0-9][a-z0-9_.-]{0,63}$"  # noqa: S105 - a pattern, not a secret


class Scope(StrEnum):
    """What a token may do; each system gets only the scopes its purpose needs."""

    CONSENTS_READ = "consents:read"
    CONSENTS_WRITE = "consents:write"
    SUBJECTS_READ = "subjects:read"
    REQUESTS_READ = "requests:read"
    REQUESTS_WRITE = "requests:write"


class In(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Out(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ApiError(Out):
    """Every error body: a public message that never contains personal data."""

    error: str


class ConsentStateOut(Out):
    """The current consent of one subject for one purpose and channel (the projection)."""

    purpose: str
    channel: str
    given: bool
    policy_version: str
    changed_at: datetime
    needs_renewal: bool


class SubjectConsents(Out):
    subject: str
    consents: list[ConsentStateOut]


class GiveConsentIn(In):
    """A consent the person gave through another system, with the exact words they saw."""

    purpose: PolicyId
    channel: PolicyId
    collection_point: PolicyId
    wording: Annotated[str, StringConstraints(min_length=1, max_length=2000)]
    method: EvidenceMethod = Field(description="How the person expressed their choice.")


class ConsentEventOut(Out):
    record_id: str
    subject: str
    purpose: str
    channel: str
    action: ConsentAction
    policy_version: str
    occurred_at: datetime
    consequence: str | None = None


class SubjectData(Out):
    """A subject's current values that ``purpose`` may use (``category.field`` keys)."""

    subject: str
    purpose: str
    values: dict[str, str]


class NewRequestIn(In):
    """A rights request logged the moment another system receives it (Art. 12(2))."""

    kind: RequestKind
    received_via: ReceivedVia
    subject: SubjectRef | None = None


class TokenView(Out):
    """A token as listed: never the token itself, which is shown once on creation."""

    name: str
    scopes: list[Scope]
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
