"""Rectification (UK GDPR Art. 16) and telling recipients about it (Art. 19).

A verified person asks for a correction; staff look at what is held (an audited read
under ``rights_requests``), enter the corrected value of one declared field, and it
replaces the current value exactly as a new collection would
(``vault.service.store_personal_data``: the old value stays as rectification history
until its own retention ends, its blind index goes). The value is checked as the
collection point checks it (email addresses with ``email-validator``, phone numbers with
``phonenumbers``), so a correction cannot store what the form would have refused.

Art. 19 then requires every recipient the data was disclosed to to be told of the
rectification, unless impossible or disproportionate: :func:`queue_art19_notices` asks
the disclosure register to queue one notice per recipient that received the person's
data (``disclosures.service.notify_recipients``); the notices carry no value.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from charter.audit import service as audit
from charter.disclosures.service import notify_recipients
from charter.errors import Conflict, InvalidInput, UndeclaredField
from charter.rights.models import RequestKind, RequestStatus, SubjectRequest
from charter.rights.notices import RIGHTS_PURPOSE
from charter.runtime import Work
from charter.vault import service as vault
from charter.vault.identifiers import normalise_identifier
from charter.vault.models import PersonalValue, Subject

#: Recorded as the source of a corrected value (Art. 14(2)(f), Art. 15(1)(g)).
RECTIFICATION_SOURCE = "data_subject"
MAX_VALUE = 500


@dataclass(frozen=True)
class Rectified:
    """What a correction did: the field, and the recipients told under Art. 19."""

    field: str
    recipients_notified: list[str]


def _check_request(request: SubjectRequest) -> None:
    if request.kind != RequestKind.RECTIFICATION.value:
        raise Conflict("This is not a rectification request.")
    if RequestStatus(request.status) not in (RequestStatus.VERIFIED, RequestStatus.IN_PROGRESS):
        raise Conflict("Verify the request before correcting anything.")


def _subject(work: Work, request: SubjectRequest) -> Subject:
    subject = None if request.subject_id is None else work.session.get(Subject, request.subject_id)
    if subject is None:
        raise Conflict("This request is not matched to a person yet.")
    return subject


def rectifiable_fields(work: Work) -> list[str]:
    """Every ``category.field`` the policy declares that some collection point gathers."""
    return sorted({ref for point in work.policy.collection_points for ref in point.fields})


def current_values(work: Work, request: SubjectRequest, *, actor: str) -> dict[str, str]:
    """What is held now, for staff to compare with the correction asked for (audited read
    under ``rights_requests``, Art. 5(2))."""
    _check_request(request)
    return vault.read_personal_data(
        work, _subject(work, request), purpose=RIGHTS_PURPOSE, actor=actor
    )


def check_value(work: Work, field: str, value: str) -> str:
    """The corrected value as the collection point would accept it; never echoes it."""
    if field not in rectifiable_fields(work):
        raise UndeclaredField("Choose a field the privacy policy declares.")
    category, name = field.split(".")
    declared = work.policy.category(category).field(name)
    cleaned = value.strip()
    if not cleaned:
        raise InvalidInput("Give the corrected value.")
    if len(cleaned) > MAX_VALUE or not all(char.isprintable() or char == "\n" for char in cleaned):
        raise InvalidInput(f"The value must be up to {MAX_VALUE} printable characters.")
    if declared.identifier is not None:
        return normalise_identifier(declared.identifier, cleaned)
    return cleaned


def _collection_point(work: Work, subject: Subject, field: str) -> str:
    """Where the value being corrected was collected (so its purposes and retention carry
    over), else the first point that collects the field."""
    category, name = field.split(".")
    held = work.session.scalars(
        select(PersonalValue.collection_point)
        .where(
            PersonalValue.subject_id == subject.id,
            PersonalValue.category == category,
            PersonalValue.field == name,
            PersonalValue.replaced_at.is_(None),
        )
        .order_by(PersonalValue.id.desc())
    ).first()
    points = [point.id for point in work.policy.collection_points if field in point.fields]
    if held in points:
        return str(held)
    if not points:  # pragma: no cover - rectifiable_fields checked it
        raise UndeclaredField
    return points[0]


def rectify(
    work: Work, request: SubjectRequest, *, field: str, value: str, actor: str
) -> Rectified:
    """Art. 16: replace ``field`` with the corrected ``value``, then Art. 19: queue a notice
    to every recipient that received the person's data. Audited without the value."""
    _check_request(request)
    subject = _subject(work, request)
    corrected = check_value(work, field, value)
    point = _collection_point(work, subject, field)
    vault.store_personal_data(
        work,
        subject,
        collection_point=point,
        values={field: corrected},
        source=RECTIFICATION_SOURCE,
        actor=actor,
    )
    notified = queue_art19_notices(work, subject, request_reference=request.reference, actor=actor)
    audit.record(
        work,
        actor=actor,
        action="rectification.applied",
        subject_ref=subject.ref,
        purpose=RIGHTS_PURPOSE,
        detail={
            "reference": request.reference,
            "field": field,
            "collection_point": point,
            "recipients_notified": notified,
        },
    )
    return Rectified(field=field, recipients_notified=notified)


def queue_art19_notices(
    work: Work, subject: Subject, *, request_reference: str | None, actor: str
) -> list[str]:
    """Art. 19: one rectification notice per recipient that received the data (from the
    disclosure register); returns the recipient ids."""
    notices = notify_recipients(
        work, subject, event="rectification", request_reference=request_reference, actor=actor
    )
    return sorted({notice.recipient for notice in notices})
