"""API test factories: tokens, subjects with data and consent, requests."""

from __future__ import annotations

from sqlalchemy import select

from charter.api.schemas import Scope
from charter.api.service import create_token
from charter.consent.service import give_consent
from charter.runtime import Runtime
from charter.vault import service as vault
from charter.vault.models import Subject
from tests.consent.factories import ACTOR, EMAIL_WORDING

EMAIL = "ada@example.com"


def mint_token(runtime: Runtime, name: str, scopes: list[Scope]) -> str:
    with runtime.unit() as work:
        token, _ = create_token(work, name=name, scopes=scopes, actor=ACTOR)
    return token


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


def subject_with_data(runtime: Runtime, *, consent: bool = True) -> tuple[str, str | None]:
    """A subject holding an email address, with email marketing consent when asked;
    returns the ref and the consent's record id."""
    with runtime.unit() as work:
        subject = vault.create_subject(work, actor=ACTOR)
        vault.store_personal_data(
            work,
            subject,
            collection_point="newsletter_signup",
            values={"contact.email": EMAIL},
            source="data_subject",
            actor=ACTOR,
        )
        record_id = None
        if consent:
            record_id = give_consent(
                work,
                subject,
                purpose="marketing",
                channel="email",
                collection_point="newsletter_signup",
                wording=EMAIL_WORDING,
                evidence={"method": "web_form"},
                actor=ACTOR,
            ).record_id
        return subject.ref, record_id


def restrict(runtime: Runtime, ref: str) -> None:
    with runtime.unit() as work:
        subject = work.session.scalars(select(Subject).where(Subject.ref == ref)).one()
        vault.restrict_processing(work, subject, reason="accuracy_contested", actor=ACTOR)


#: Every /api/v1 operation: method, path (with placeholders), the scope it needs.
OPERATIONS = (
    ("GET", "/api/v1/decisions", Scope.CONSENTS_READ),
    ("GET", "/api/v1/subjects/{ref}/consents", Scope.CONSENTS_READ),
    ("POST", "/api/v1/subjects/{ref}/consents", Scope.CONSENTS_WRITE),
    ("DELETE", "/api/v1/subjects/{ref}/consents/{purpose}/{channel}", Scope.CONSENTS_WRITE),
    ("GET", "/api/v1/consent-records/{record_id}", Scope.CONSENTS_READ),
    ("GET", "/api/v1/subjects/{ref}", Scope.SUBJECTS_READ),
    ("GET", "/api/v1/requests", Scope.REQUESTS_READ),
    ("GET", "/api/v1/requests/{reference}", Scope.REQUESTS_READ),
    ("POST", "/api/v1/requests", Scope.REQUESTS_WRITE),
)
