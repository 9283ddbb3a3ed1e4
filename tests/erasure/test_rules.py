"""The keep-or-erase rules and the redaction of identifiers, without a database."""

from __future__ import annotations

import pytest

from charter.erasure.mentions import REDACTION_MARKER, redact_identifiers
from charter.erasure.service import in_accounting_record, is_statutory_rule
from charter.policy.loader import load_policy
from charter.policy.schemas import IdentifierKind, RetentionRule, RetentionTrigger
from charter.settings import shipped_policy_path


@pytest.mark.parametrize(
    ("trigger", "reference", "statutory"),
    [
        ("since_end_of_financial_year", "Accounts", True),
        ("since_collection", "Companies Act 2006 s.388", True),
        ("since_collection", "HMRC record keeping", True),
        ("since_last_contact", "UK GDPR Article 5(1)(e) (storage limitation).", False),
        ("until_consent_withdrawn", "PECR regulation 22.", False),
    ],
)
def test_statutory_rules(trigger: str, reference: str, statutory: bool) -> None:
    rule = RetentionRule(
        id="r",
        categories=["contact"],
        trigger=RetentionTrigger(trigger),
        years=1,
        criteria="c",
        legal_reference=reference,
    )
    assert is_statutory_rule(rule) is statutory


def test_the_shipped_policy_keeps_only_orders_and_payments() -> None:
    policy = load_policy(shipped_policy_path())
    assert [rule.id for rule in policy.retention if is_statutory_rule(rule)] == [
        "orders_and_payments"
    ]


@pytest.mark.parametrize(
    ("category", "field", "kept"),
    [
        ("transaction", "payments", True),
        ("financial", "bank_account", True),
        ("identity", "last_name", True),
        ("contact", "billing_address", True),
        ("identity", "title", False),
        ("contact", "email", False),
        ("contact", "phone", False),
        ("contact", "delivery_address", False),
        ("communications", "message", False),
    ],
)
def test_the_accounting_record_is_minimal(category: str, field: str, kept: bool) -> None:
    assert in_accounting_record(category, field) is kept


def test_redaction_finds_identifiers_as_written() -> None:
    text = "Ask Jane.Doe@Example.com or ring 0117 496 0123; cc bob@example.com."
    redacted, count = redact_identifiers(
        text,
        [(IdentifierKind.EMAIL, "jane.doe@example.com"), (IdentifierKind.PHONE, "+441174960123")],
    )
    assert count == 2
    assert redacted == f"Ask {REDACTION_MARKER} or ring {REDACTION_MARKER}; cc bob@example.com."
