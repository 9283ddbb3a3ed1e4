"""Vault test factories: a small policy whose rules the tests rely on, and subjects.

The shipped policy may change wording and periods at any time; these tests pin the rules
they check (periods, purposes, a special-category field) here instead.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import select

from charter.policy.schemas import Organisation, Policy
from charter.runtime import Work
from charter.vault import service
from charter.vault.models import Subject

ACTOR = "staff:test"


class MovableClock(Protocol):
    """What tests use of the ``clock`` fixture (``TestClock`` in tests/conftest.py)."""

    def __call__(self) -> datetime: ...

    def advance(self, **delta: float) -> datetime: ...

    def set(self, moment: datetime) -> None: ...


class OrganisationWithYearEnd(Organisation):
    """Stands in for the schema field the policy will gain (``financial_year_end``)."""

    financial_year_end: str = "03-31"


def _field(field_id: str, **extra: Any) -> dict[str, Any]:
    return {"id": field_id, "label": field_id.replace("_", " ").title(), **extra}


def policy_document(**overrides: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "policy_id": "vault-test",
        "title": "Vault test policy",
        "version": "1.0",
        "effective_date": "2026-01-01",
        "organisation": {"name": "Test Ltd"},
        "categories": [
            {
                "id": "contact",
                "name": "Contact details",
                "description": "How to reach you",
                "fields": [
                    _field("name"),
                    _field("email", identifier="email"),
                    _field("phone", identifier="phone"),
                ],
            },
            {
                "id": "enquiry",
                "name": "Enquiries",
                "description": "What you asked",
                "fields": [_field("message")],
            },
            {
                "id": "financial",
                "name": "Financial data",
                "description": "How you pay",
                "fields": [_field("bank_account"), _field("sort_code")],
            },
            {
                "id": "health",
                "name": "Health",
                "description": "Never collected",
                "fields": [_field("condition", special_category=True)],
            },
        ],
        "special_categories": {"statement": "We do not collect special category data."},
        "collection_points": [
            {
                "id": "contact_form",
                "name": "Contact form",
                "description": "Website form",
                "fields": [
                    "contact.name",
                    "contact.email",
                    "contact.phone",
                    "enquiry.message",
                    "health.condition",
                ],
                "purposes": ["enquiry_response", "newsletter"],
            },
            {
                "id": "billing",
                "name": "Billing",
                "description": "Direct debit mandate",
                "fields": ["contact.name", "contact.email", "financial.bank_account"],
                "purposes": ["invoicing"],
            },
            {
                "id": "staff_entry",
                "name": "Staff entry",
                "description": "Entered by staff; any declared purpose",
                "fields": ["contact.email", "contact.phone", "financial.sort_code"],
            },
        ],
        "purposes": [
            {
                "id": "enquiry_response",
                "name": "Answering enquiries",
                "description": "Replying to you",
                "lawful_basis": "legitimate_interests",
                "categories": ["contact", "enquiry"],
            },
            {
                "id": "newsletter",
                "name": "Newsletter",
                "description": "News by email",
                "lawful_basis": "consent",
                "categories": ["contact"],
                "marketing": True,
            },
            {
                "id": "invoicing",
                "name": "Invoicing",
                "description": "Billing you",
                "lawful_basis": "contract",
                "categories": ["contact", "financial"],
            },
            {
                "id": "legal_claims",
                "name": "Legal claims",
                "description": "Defending claims",
                "lawful_basis": "legitimate_interests",
                "categories": ["contact", "enquiry", "financial"],
                "permitted_under_restriction": True,
            },
        ],
        "retention": [
            {
                "id": "contact_two_years",
                "categories": ["contact"],
                "trigger": "since_last_contact",
                "years": 2,
                "criteria": "Two years after you last contacted us",
                "legal_reference": "Legitimate interests",
            },
            {
                "id": "billing_contact",
                "categories": ["contact"],
                "collection_points": ["billing"],
                "trigger": "until_account_closed",
                "criteria": "Until the account is closed",
                "legal_reference": "Contract",
            },
            {
                "id": "enquiries",
                "categories": ["enquiry"],
                "trigger": "since_collection",
                "years": 1,
                "months": 6,
                "criteria": "Eighteen months",
                "legal_reference": "Legitimate interests",
            },
            {
                "id": "accounts",
                "categories": ["financial"],
                "trigger": "since_end_of_financial_year",
                "years": 6,
                "criteria": "Six years after the financial year",
                "legal_reference": "HMRC",
            },
        ],
        "rights": [
            {"id": "access", "name": "Access", "article": "15", "description": "A copy"},
        ],
        "change_log": [{"version": "1.0", "date": "2026-01-01", "summary": "First"}],
    }
    document.update(overrides)
    return document


def make_policy(*, financial_year_end: str | None = None) -> Policy:
    policy = Policy.model_validate(policy_document())
    if financial_year_end is None:
        return policy
    organisation = OrganisationWithYearEnd(
        name=policy.organisation.name, financial_year_end=financial_year_end
    )
    return policy.model_copy(update={"organisation": organisation})


def new_subject(work: Work, **values: str) -> Subject:
    """A subject with contact-form values (keys written ``category__field``)."""
    subject = service.create_subject(work, actor=ACTOR)
    if values:
        service.store_personal_data(
            work,
            subject,
            collection_point="contact_form",
            values={key.replace("__", "."): value for key, value in values.items()},
            source="website",
            actor=ACTOR,
        )
    return subject


def subject_by_ref(work: Work, ref: str) -> Subject:
    return work.session.scalars(select(Subject).where(Subject.ref == ref)).one()
