"""What the rights feature hands out: a request's public summary, for pages and the CLI.

It carries no personal data: the reference, the right exercised, the status and the
dates that Art. 12(3) makes the controller answer for.
"""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict

from charter.rights.models import SubjectRequest


class RequestSummary(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    reference: str
    kind: str
    status: str
    received_at: datetime
    received_via: str
    clock_started_on: date | None
    due_on: date | None
    extended: bool
    verification_method: str | None
    closed_at: datetime | None
    overdue: bool

    @classmethod
    def of(cls, request: SubjectRequest, *, overdue: bool) -> RequestSummary:
        return cls(
            reference=request.reference,
            kind=request.kind,
            status=request.status,
            received_at=request.received_at,
            received_via=request.received_via,
            clock_started_on=request.clock_started_on,
            due_on=request.due_on,
            extended=request.extended,
            verification_method=request.verification_method,
            closed_at=request.closed_at,
            overdue=overdue,
        )
