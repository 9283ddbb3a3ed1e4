"""Consent test factories: a small policy pinning the consent rules the tests rely on.

The shipped policy may change its wording and purposes at any time; these tests need a
consent purpose with per-channel marketing consent, one without channels, one on another
lawful basis and one permitted under restriction, each asked for at known points with
known wording.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from charter.consent.models import ANY_CHANNEL
from charter.policy.schemas import Policy
from charter.runtime import Work
from charter.vault import service as vault
from charter.vault.models import Subject

ACTOR = "staff:test"
EMAIL_WORDING = "Yes, send me news and offers from Test Ltd by email."
CHANNELS_WORDING = "Yes, Test Ltd may send me offers by email, phone call or text message."
REVIEWS_WORDING = "Yes, Test Ltd may publish my review with my first name."
WEB = {"method": "web_form", "ip": "203.0.113.77", "user_agent_family": "Firefox"}

#: (purpose, channel) pairs a person can consent to, and where with which words.
CONSENTABLE = (
    ("marketing", "email"),
    ("marketing", "phone"),
    ("marketing", "text"),
    ("reviews", ANY_CHANNEL),
)
ASKED_AT = {
    ("marketing", "email"): ("newsletter_signup", EMAIL_WORDING),
    ("marketing", "phone"): ("contact_form", CHANNELS_WORDING),
    ("marketing", "text"): ("contact_form", CHANNELS_WORDING),
    ("reviews", ANY_CHANNEL): ("contact_form", REVIEWS_WORDING),
}


def _field(field_id: str, **extra: Any) -> dict[str, Any]:
    return {"id": field_id, "label": field_id.replace("_", " ").title(), **extra}


def policy_document(**overrides: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "policy_id": "consent-test",
        "title": "Consent test policy",
        "version": "2.0",
        "effective_date": "2026-01-01",
        "organisation": {
            "name": "Test Ltd",
            "legal_name": "Test Limited",
            "address": "1 Test Street, Bristol",
            "privacy_contact": "privacy@test.example",
            "ico_registration": "ZA000000",
        },
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
                "id": "review",
                "name": "Reviews",
                "description": "What you said about us",
                "fields": [_field("text")],
            },
        ],
        "special_categories": {"statement": "We do not collect special category data."},
        "collection_points": [
            {
                "id": "newsletter_signup",
                "name": "Newsletter sign-up",
                "description": "Website form",
                "fields": ["contact.email"],
                "purposes": ["marketing"],
                "consents": [
                    {"purpose": "marketing", "channels": ["email"], "wording": EMAIL_WORDING}
                ],
            },
            {
                "id": "contact_form",
                "name": "Contact form",
                "description": "Website form",
                "fields": ["contact.name", "contact.email", "contact.phone", "review.text"],
                "purposes": ["service", "marketing", "reviews"],
                "consents": [
                    {
                        "purpose": "marketing",
                        "channels": ["email", "phone", "text"],
                        "wording": CHANNELS_WORDING,
                    },
                    {"purpose": "reviews", "wording": REVIEWS_WORDING},
                ],
            },
            {
                "id": "billing",
                "name": "Billing",
                "description": "Asks for no consent",
                "fields": ["contact.name"],
                "purposes": ["service"],
            },
        ],
        "purposes": [
            {
                "id": "marketing",
                "name": "Marketing",
                "description": "News and offers",
                "lawful_basis": "consent",
                "categories": ["contact"],
                "channels": ["email", "phone", "text"],
                "marketing": True,
            },
            {
                "id": "reviews",
                "name": "Publishing reviews",
                "description": "Your review on our website",
                "lawful_basis": "consent",
                "categories": ["contact", "review"],
            },
            {
                "id": "service",
                "name": "Providing the service",
                "description": "What you asked us to do",
                "lawful_basis": "contract",
                "categories": ["contact"],
            },
            {
                "id": "legal_claims",
                "name": "Legal claims",
                "description": "Defending claims",
                "lawful_basis": "legitimate_interests",
                "legitimate_interest": "Defending legal claims",
                "categories": ["contact"],
                "permitted_under_restriction": True,
            },
        ],
        "recipients": [
            {
                "id": "mailer",
                "name": "Mailer Ltd",
                "role": "processor",
                "description": "Sends our emails",
                "purposes": ["marketing"],
                "categories": ["contact"],
                "country": "GB",
            }
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
                "id": "newsletter",
                "categories": ["contact"],
                "collection_points": ["newsletter_signup"],
                "trigger": "until_consent_withdrawn",
                "criteria": "Until you unsubscribe",
                "legal_reference": "Consent",
            },
            {
                "id": "reviews",
                "categories": ["review"],
                "trigger": "since_collection",
                "years": 1,
                "months": 6,
                "criteria": "Eighteen months",
                "legal_reference": "Consent",
            },
        ],
        "rights": [
            {"id": "withdraw", "name": "Withdraw consent", "article": "7(3)", "description": "x"}
        ],
        "change_log": [{"version": "2.0", "date": "2026-01-01", "summary": "Marketing"}],
    }
    document.update(overrides)
    return document


def make_policy(**overrides: Any) -> Policy:
    return Policy.model_validate(policy_document(**overrides))


def new_subject(work: Work) -> Subject:
    return vault.create_subject(work, actor=ACTOR)


def subject_by_ref(work: Work, ref: str) -> Subject:
    return work.session.scalars(select(Subject).where(Subject.ref == ref)).one()
