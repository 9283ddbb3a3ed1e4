from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from charter.policy.diff import (
    ChangeKind,
    PolicyDiff,
    diff_policies,
    draft_change_log,
    purposes_needing_renewal,
)
from charter.policy.schemas import Policy
from tests.policy.factories import build, item, raw_policy

Data = dict[str, Any]


def diff_after(
    mutate: Callable[[Data], object], *, before: Callable[[Data], object] | None = None
) -> PolicyDiff:
    old = raw_policy()
    if before is not None:
        before(old)
    new = raw_policy()
    if before is not None:
        before(new)
    mutate(new)
    return diff_policies(build(old), build(new))


def test_1_0_to_1_1_lists_the_material_changes(policy_1_0: Policy, policy_1_1: Policy) -> None:
    diff = diff_policies(policy_1_0, policy_1_1)
    kinds = Counter(c.kind for c in diff.changes)
    assert kinds == {
        ChangeKind.LAWFUL_BASIS_CHANGED: 1,
        ChangeKind.TRANSFER_MECHANISM_CHANGED: 3,
        ChangeKind.RETENTION_SHORTER: 5,
        ChangeKind.COLLECTION_POINT_ADDED: 2,
        ChangeKind.COOKIE_CONSENT_CHANGED: 1,
        ChangeKind.RIGHT_ADDED: 4,
        ChangeKind.CATEGORY_ADDED: 1,
        ChangeKind.CATEGORIES_WIDENED: 3,
        ChangeKind.FIELDS_COLLECTED_ADDED: 2,
        ChangeKind.PURPOSE_ADDED: 2,
        ChangeKind.RECIPIENT_WIDENED: 1,
        # "Session cookies" is now listed by its real name, beside two more necessary ones.
        ChangeKind.COOKIE_ADDED: 3,
        ChangeKind.COOKIE_REMOVED: 1,
    }
    (basis,) = diff.of_kind(ChangeKind.LAWFUL_BASIS_CHANGED)
    assert basis.subject == "analytics"
    assert "to Consent (Art. 6(1)(a))" in basis.description
    assert {c.subject for c in diff.of_kind(ChangeKind.TRANSFER_MECHANISM_CHANGED)} == {
        "email_provider",
        "payment_processor",
        "google_analytics",
    }
    retention = {c.subject: c.description for c in diff.of_kind(ChangeKind.RETENTION_SHORTER)}
    assert (
        "6 years from the end of the financial year (was: No fixed period)"
        in (retention["orders_and_payments"])
    )
    assert {c.subject for c in diff.of_kind(ChangeKind.RIGHT_ADDED)} == {
        "portability",
        "object",
        "automated_decisions",
        "complain",
    }
    assert "transfers" in diff.reworded_sections


def test_1_0_to_1_1_asks_no_consent_again(policy_1_0: Policy, policy_1_1: Policy) -> None:
    assert purposes_needing_renewal(diff_policies(policy_1_0, policy_1_1)) == set()


def test_drafted_change_log_entry(policy_1_0: Policy, policy_1_1: Policy) -> None:
    entry = draft_change_log(diff_policies(policy_1_0, policy_1_1))
    assert entry.version == "1.1"
    assert entry.date == date(2026, 11, 25)
    assert entry.summary == "Changes since version 1.0."
    assert len(entry.changes) == 29
    assert "Google Analytics cookies are now set only with your consent." in entry.changes


def test_no_change_drafts_a_wording_entry(policy_1_1: Policy) -> None:
    diff = diff_policies(policy_1_1, policy_1_1)
    assert diff.changes == ()
    assert diff.reworded_sections == ()
    assert "no material change" in draft_change_log(diff).summary


def _restrict_marketing_to_email(d: Data) -> None:
    item(d, "purposes", "marketing")["channels"] = ["email"]
    item(d, "collection_points", "customer_account")["consents"][0]["channels"] = ["email"]


RENEWAL_CASES: list[tuple[str, Callable[[Data], object], ChangeKind, set[str]]] = [
    (
        "consent purpose uses a new category",
        lambda d: item(d, "purposes", "marketing")["categories"].append("transaction"),
        ChangeKind.CATEGORIES_WIDENED,
        {"marketing"},
    ),
    (
        "a category used by a consent purpose gains a field",
        lambda d: item(d, "categories", "contact")["fields"].append(
            {"id": "mobile", "label": "Mobile number"}
        ),
        ChangeKind.FIELD_ADDED,
        {"marketing"},
    ),
    (
        "a new recipient for a consent purpose",
        lambda d: d["recipients"].append(
            {
                "id": "sms_gateway",
                "name": "Text message gateway",
                "role": "processor",
                "description": "Sends our text messages.",
                "purposes": ["marketing"],
                "categories": ["contact"],
                "country": "GB",
            }
        ),
        ChangeKind.RECIPIENT_ADDED,
        {"marketing"},
    ),
    (
        "an existing recipient now serves a consent purpose",
        lambda d: item(d, "recipients", "hosting_provider")["purposes"].append("marketing"),
        ChangeKind.RECIPIENT_WIDENED,
        {"marketing"},
    ),
    (
        "a recipient of a consent purpose moves abroad",
        lambda d: item(d, "recipients", "google_analytics").update(
            country="IN", transfer={"mechanism": "uk_idta", "reference": "IDTA"}
        ),
        ChangeKind.TRANSFER_ADDED,
        {"analytics"},
    ),
    (
        "a new cookie under an existing consent",
        lambda d: d["cookies"].append(
            {
                "name": "Hotjar",
                "provider": "Hotjar",
                "purpose": "Heatmaps.",
                "category": "analytics",
                "strictly_necessary": False,
                "lifetime": "1 year",
                "consent_purpose": "analytics",
            }
        ),
        ChangeKind.COOKIE_ADDED,
        {"analytics"},
    ),
    (
        "a non-consent purpose widens",
        lambda d: item(d, "purposes", "communicate")["categories"].append("transaction"),
        ChangeKind.CATEGORIES_WIDENED,
        set(),
    ),
    (
        "a consent purpose narrows",
        lambda d: item(d, "purposes", "marketing")["categories"].remove("identity"),
        ChangeKind.CATEGORIES_NARROWED,
        set(),
    ),
    (
        "a new consent purpose has no consents to renew",
        lambda d: d["purposes"].append(
            {
                "id": "events",
                "name": "Event invitations",
                "description": "Invite you to events.",
                "lawful_basis": "consent",
                "categories": ["contact"],
            }
        ),
        ChangeKind.PURPOSE_ADDED,
        set(),
    ),
]


@pytest.mark.parametrize(
    ("mutate", "kind", "renew"),
    [pytest.param(*case[1:], id=case[0]) for case in RENEWAL_CASES],
)
def test_widening_a_consent_purpose_needs_renewal(
    mutate: Callable[[Data], object], kind: ChangeKind, renew: set[str]
) -> None:
    diff = diff_after(mutate)
    assert diff.of_kind(kind), diff.changes
    assert purposes_needing_renewal(diff) == renew


def test_a_new_channel_needs_renewal() -> None:
    def widen(d: Data) -> None:
        item(d, "purposes", "marketing")["channels"] = ["email", "phone"]

    diff = diff_after(widen, before=_restrict_marketing_to_email)
    (change,) = diff.of_kind(ChangeKind.CHANNELS_WIDENED)
    assert change.description == "Marketing now also uses channels: phone."
    assert purposes_needing_renewal(diff) == {"marketing"}


def test_rewording_a_consent_is_not_material() -> None:
    def reword(d: Data) -> None:
        item(d, "collection_points", "newsletter")["consents"][0]["wording"] = "Newsletter? Yes!"
        item(d, "sections", "marketing")["paragraphs"][0] = "We ask before we market."

    diff = diff_after(reword)
    assert diff.changes == ()
    assert diff.reworded_sections == ("marketing",)
    assert purposes_needing_renewal(diff) == set()


@pytest.mark.parametrize(
    ("values", "kind"),
    [
        ({"years": 3}, ChangeKind.RETENTION_LONGER),
        ({"years": 1}, ChangeKind.RETENTION_SHORTER),
        ({"years": 0, "months": 6}, ChangeKind.RETENTION_SHORTER),
        ({"trigger": "since_collection"}, ChangeKind.RETENTION_CHANGED),
        ({"years": 0}, ChangeKind.RETENTION_LONGER),  # "as long as necessary"
    ],
)
def test_retention_changes(values: dict[str, Any], kind: ChangeKind) -> None:
    diff = diff_after(lambda d: item(d, "retention", "enquiries").update(values))
    (change,) = diff.changes
    assert change.kind is kind
    assert change.subject == "enquiries"
    assert "(from: Contact form on our website, Correspondence)" in change.description


def test_purposes_recipients_points_and_cookies_added_and_removed() -> None:
    def mutate(d: Data) -> None:
        d["purposes"].remove(item(d, "purposes", "seek_feedback"))
        item(d, "collection_points", "customer_account")["purposes"].remove("seek_feedback")
        item(d, "recipients", "email_provider")["purposes"].remove("seek_feedback")
        d["recipients"].remove(item(d, "recipients", "fraud_prevention_agencies"))
        item(d, "collection_points", "contact_form")["fields"].append("contact.billing_address")
        d["collection_points"].remove(item(d, "collection_points", "correspondence"))
        d["cookies"].pop()
        item(d, "recipients", "payment_processor")["transfer"] = {
            "mechanism": "uk_idta",
            "reference": "IDTA",
        }

    kinds = {c.kind: c.description for c in diff_after(mutate).changes}
    assert kinds[ChangeKind.PURPOSE_REMOVED] == "Purpose removed: Feedback."
    assert kinds[ChangeKind.RECIPIENT_REMOVED].startswith("Recipient removed: Fraud prevention")
    assert kinds[ChangeKind.FIELDS_COLLECTED_ADDED] == (
        "Contact form on our website now also collects: Billing address."
    )
    assert kinds[ChangeKind.COLLECTION_POINT_REMOVED].endswith("Correspondence.")
    assert kinds[ChangeKind.COOKIE_REMOVED] == "Cookie removed: charter_stats_optout."
    assert (
        "now rely on International Data Transfer Agreement"
        in (kinds[ChangeKind.TRANSFER_MECHANISM_CHANGED])
    )


def test_a_recipient_receiving_more_renews_only_purposes_using_that_data() -> None:
    def unrelated(d: Data) -> None:
        item(d, "recipients", "email_provider")["categories"].append("financial")

    diff = diff_after(unrelated)
    assert diff.of_kind(ChangeKind.RECIPIENT_WIDENED)
    assert purposes_needing_renewal(diff) == set()

    def without_contact(d: Data) -> None:
        item(d, "recipients", "email_provider")["categories"].remove("contact")

    def with_contact(d: Data) -> None:
        item(d, "recipients", "email_provider")["categories"].append("contact")

    diff = diff_after(with_contact, before=without_contact)
    assert diff.of_kind(ChangeKind.RECIPIENT_WIDENED)
    assert purposes_needing_renewal(diff) == {"marketing"}
