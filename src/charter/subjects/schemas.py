"""What the subjects feature hands out: one line of a person's timeline, and the overview
the console page shows around it.

Nothing here carries a personal value unless ``TimelineEntry.value`` was asked for by a
privacy officer (and read through the purpose gate); references, field names, codes,
dates and amounts from the accounting rows are what staff see by default (Art. 5(1)(c)).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from charter.consent.models import ConsentState
from charter.rights.models import SubjectRequest


class Source(StrEnum):
    """Which feature an entry comes from."""

    VAULT = "vault"
    CONSENT = "consent"
    ENQUIRY = "enquiry"
    CORRESPONDENCE = "correspondence"
    REQUEST = "request"
    ORDER = "order"
    ERASURE = "erasure"
    LIFECYCLE = "lifecycle"
    DISCLOSURE = "disclosure"
    MESSAGE = "message"
    ENGAGEMENT = "engagement"


@dataclass(frozen=True)
class TimelineEntry:
    """One thing that happened to the person.

    ``title`` and ``detail`` name fields, codes and references, never a value; ``link``
    is a console page about the same record (no personal data in it); ``value`` is the
    collected value itself, only when a privacy officer asked to see values.
    """

    at: datetime
    source: Source
    title: str
    detail: str = ""
    reference: str | None = None
    link: str | None = None
    value: str | None = None


@dataclass(frozen=True)
class RequestSummary:
    reference: str
    kind: str
    status: str
    due_on: date | None

    @classmethod
    def of(cls, request: SubjectRequest) -> RequestSummary:
        return cls(request.reference, request.kind, request.status, request.due_on)


@dataclass(frozen=True)
class ConsentSummary:
    purpose: str
    channel: str
    given: bool
    needs_renewal: bool
    since: datetime

    @classmethod
    def of(cls, state: ConsentState) -> ConsentSummary:
        return cls(state.purpose, state.channel, state.given, state.needs_renewal, state.changed_at)


@dataclass(frozen=True)
class SubjectOverview:
    """The console's page about one person, opened for ``purpose``."""

    ref: str
    purpose: str
    created_at: datetime
    restricted_at: datetime | None
    restriction_reason: str | None
    erased_at: datetime | None
    values_shown: bool
    timeline: list[TimelineEntry]
    consents: list[ConsentSummary] = field(default_factory=list)
    open_requests: list[RequestSummary] = field(default_factory=list)
    orders: int = 0
