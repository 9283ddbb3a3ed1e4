"""Rights test factories: a subject and a request brought to any status through advance()."""

from __future__ import annotations

from charter.rights import service
from charter.rights.models import RequestKind, RequestStatus, SubjectRequest
from charter.rights.workflow import advance
from charter.runtime import Work
from charter.vault import service as vault
from charter.vault.models import Subject

ACTOR = "staff:test"

S = RequestStatus

#: The facts a step into each status needs, so every allowed step can succeed.
STEP_FACTS: dict[RequestStatus, dict[str, object]] = {
    S.VERIFIED: {"method": "staff_on_file"},
    S.EXTENDED: {"reason": "Many years of records to search"},
    S.REFUSED: {"reason": "Manifestly unfounded"},
    S.CANCELLED: {"reason": "Withdrawn by the person"},
    S.COMPLETED: {"outcome": "Copy sent"},
}

#: The shortest path from ``received`` to each status.
PATHS: dict[RequestStatus, tuple[RequestStatus, ...]] = {
    S.RECEIVED: (),
    S.AWAITING_VERIFICATION: (S.AWAITING_VERIFICATION,),
    S.VERIFIED: (S.VERIFIED,),
    S.IN_PROGRESS: (S.VERIFIED, S.IN_PROGRESS),
    S.EXTENDED: (S.VERIFIED, S.EXTENDED),
    S.COMPLETED: (S.VERIFIED, S.COMPLETED),
    S.REFUSED: (S.REFUSED,),
    S.CANCELLED: (S.CANCELLED,),
}


def new_subject(work: Work) -> Subject:
    return vault.create_subject(work, actor=ACTOR)


def step(work: Work, request: SubjectRequest, to: RequestStatus) -> SubjectRequest:
    facts = dict(STEP_FACTS.get(to, {}))
    reason = facts.pop("reason", None)
    assert reason is None or isinstance(reason, str)
    return advance(work, request, to, actor=ACTOR, reason=reason, **facts)


def request_in(
    work: Work,
    status: RequestStatus,
    *,
    subject: Subject | None = None,
    kind: RequestKind = RequestKind.ACCESS,
) -> SubjectRequest:
    request = service.receive_request(
        work,
        kind=kind.value,
        received_via="email",
        actor=ACTOR,
        subject=subject or new_subject(work),
    )
    for status_on_path in PATHS[status]:
        step(work, request, status_on_path)
    assert request.status == status.value
    return request
