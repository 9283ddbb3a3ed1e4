"""What the disclosures feature hands out: register summaries, notices and delivery results.

None of these carries a personal value: subjects appear by pseudonymous reference, and a
notice's body (``NoticeBody``) is what a recipient is sent, fixed when it was queued.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

#: The version of the notice body a recipient receives; bump it on any breaking change.
NOTICE_SCHEMA = "charter.recipient-notice/1"


@dataclass(frozen=True)
class RecipientDisclosed:
    """One recipient a person's data actually went to (Art. 15(1)(c)), from the register:
    what went, why, when first and last, where, and under which safeguard (Art. 15(2))."""

    recipient: str
    name: str
    role: str
    categories: list[str]
    purposes: list[str]
    first_disclosed_at: datetime
    last_disclosed_at: datetime
    disclosures: int
    country: str
    safeguard: str | None


class NoticeDisclosure(BaseModel):
    """A disclosure the notice is about, as the recipient knows it: the reference it got
    with the data, the categories it got, and when."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    reference: str
    categories: list[str]
    disclosed_at: datetime


class NoticeBody(BaseModel):
    """The JSON a recipient receives (webhook body; the email says the same in words).

    Modelled on OpenDSR requests: an id to act on once (``idempotency_key``), the kind of
    request, a status the recipient reports back (pending, in_progress, completed).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    schema_: str = Field(default=NOTICE_SCHEMA, alias="schema")
    idempotency_key: str
    event: Literal["rectification", "erasure", "restriction", "restriction_lifted"]
    article: str
    requested_action: str
    controller: str
    recipient: str
    subject_ref: str = Field(description="Our pseudonym of the person, for this recipient")
    disclosures: list[NoticeDisclosure]
    request_reference: str | None
    submitted_time: datetime


@dataclass(frozen=True)
class DeliveryResult:
    """What one attempt achieved. ``error`` is a short code (``http_500``, ``timeout``,
    ``no_endpoint``), never a response body or an address; ``retry`` says whether trying
    again later may help."""

    delivered: bool
    http_status: int | None = None
    remote_status: str | None = None
    error: str | None = None
    retry: bool = True
