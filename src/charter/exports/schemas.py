"""The machine-readable access package (``data.json``) as Pydantic models.

This is the "commonly used electronic form" of Art. 15(3) and the "structured, commonly
used and machine-readable format" of Art. 20(1). The published JSON schema
(``access-package.schema.json``, next to this module) is generated from
:class:`AccessPackage` by :func:`json_schema_text`; a test keeps the file up to date, so
whoever receives a package can validate it without reading Charter's code.

Nothing here is stored: a package is built, zipped and handed over.
"""

from __future__ import annotations

import json
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

#: The published schema of ``data.json``; regenerate with :func:`write_json_schema`.
SCHEMA_PATH = Path(__file__).with_name("access-package.schema.json")
FORMAT_VERSION: Literal["1"] = "1"


class Out(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PackageKind(StrEnum):
    ACCESS = "access"  # Art. 15: everything held
    PORTABILITY = "portability"  # Art. 20: what the person provided, on consent or contract


class ValueOut(Out):
    """One stored value with its provenance and deletion date (Art. 15(1)(a), (d), (g))."""

    record_id: int
    field: str
    label: str
    value: str
    current: bool = Field(description="False for a value since replaced (rectification history)")
    replaced_at: datetime | None
    collection_point: str
    collection_point_name: str
    source: str = Field(description="Where the value came from (Art. 15(1)(g))")
    collected_at: datetime
    policy_version: str = Field(description="The policy in force when it was collected")
    purposes: list[str]
    retention_rule: str
    retain_until: datetime | None = Field(
        description="When it will be deleted; null when the period runs until an event"
    )
    retention_period: str
    retention_criteria: str


class CategoryOut(Out):
    id: str
    name: str
    description: str
    values: list[ValueOut]


class ConsentEventOut(Out):
    """One consent given or withdrawn, as recorded (Art. 7(1))."""

    record_id: str
    purpose: str
    channel: str
    action: str = Field(description="given | withdrawn")
    wording: str
    policy_version: str
    collection_point: str
    occurred_at: datetime


class CorrespondenceOut(Out):
    """A message the person sent us. ``subject_line`` or ``message`` is null once its
    retention period has removed it."""

    id: int
    received_at: datetime
    received_via: str
    subject_line: str | None
    message: str | None
    quarantined: bool
    attachment_count: int


class EnquiryOut(Out):
    reference: str
    created_at: datetime


class EngagementOut(Out):
    """A time our staff could see the person's data while delivering a service they
    ordered (Art. 15(1)(a)-(c)): which order, why, what systems, when."""

    order_id: int
    purpose: str
    systems: str
    staff_id: int
    started_at: datetime
    ended_at: datetime | None


class RightsRequestOut(Out):
    """Reserved: the rights-request feature will list the person's requests here."""

    reference: str
    right: str
    received_at: datetime
    status: str


class Disclosure(Out):
    """A disclosure of the person's data to a recipient the policy declares
    (Art. 15(1)(c)), from the disclosure register."""

    recipient: str = Field(description="A recipient id declared in the policy")
    categories: list[str]
    disclosed_at: datetime


class LeftOut(Out):
    """Data held but not included in a portability package, and why (Art. 20(1))."""

    what: str = Field(description="'category.field', 'correspondence' or 'enquiries'")
    count: int
    reason: str


class AccessPackage(Out):
    """``data.json``: everything the package holds, in one document."""

    format_version: Literal["1"] = FORMAT_VERSION
    kind: PackageKind
    subject_ref: str
    generated_at: datetime
    controller: str
    policy_id: str
    policy_version: str
    categories: list[CategoryOut] = Field(description="Only categories held, each value once")
    consents: list[ConsentEventOut]
    correspondence: list[CorrespondenceOut]
    enquiries: list[EnquiryOut]
    disclosures: list[Disclosure] = Field(
        description="Recipients the data was disclosed to, from the disclosure register"
    )
    engagements: list[EngagementOut] = Field(
        default=[], description="Service work during which staff could see the data"
    )
    requests: list[RightsRequestOut] = Field(
        default=[], description="Reserved for the person's rights requests; empty for now"
    )
    left_out: list[LeftOut] = Field(
        default=[], description="Portability only: what was held but not included"
    )


def json_schema_text() -> str:
    """The published JSON schema of ``data.json``, as stored in :data:`SCHEMA_PATH`."""
    schema = AccessPackage.model_json_schema(mode="serialization")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


def write_json_schema() -> None:
    """Regenerate the published schema after changing these models."""
    SCHEMA_PATH.write_text(json_schema_text(), encoding="utf-8")
