"""Every checker rule on a policy mutated from the clean 1.1 file, with its location."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from charter.policy import checks, transparency
from charter.policy.checks import CHECKS, check_policy
from charter.policy.findings import Finding, Level
from charter.policy.schemas import Policy
from tests.policy.factories import build, item, raw_policy

Data = dict[str, Any]
ERROR, WARNING = Level.ERROR, Level.WARNING


def findings_after(mutate: Callable[[Data], object]) -> list[Finding]:
    data = raw_policy()
    mutate(data)
    return check_policy(build(data))


def keys(findings: list[Finding]) -> set[tuple[Level, str, str]]:
    return {(f.level, f.rule, f.location) for f in findings}


def test_policy_1_1_is_clean(policy_1_1: Policy) -> None:
    assert check_policy(policy_1_1) == []


def test_policy_1_0_has_the_expected_warnings_and_no_errors(policy_1_0: Policy) -> None:
    findings = check_policy(policy_1_0)
    assert all(f.level is WARNING for f in findings)
    assert Counter((f.rule, f.location) for f in findings) == Counter(
        [
            ("cookie-without-consent", "cookies[Google Analytics]"),
            *(
                ("derogation-for-routine-transfer", f"recipients[{r}].transfer.mechanism")
                for r in ("email_provider", "payment_processor", "google_analytics")
            ),
            ("retention-no-period", "retention[as_long_as_necessary]"),
            *(
                ("legitimate-interest-unstated", f"purposes[{p}].legitimate_interest")
                for p in (
                    "respond_to_queries",
                    "administer_website",
                    "communicate",
                    "investigate_complaints",
                    "seek_feedback",
                    "analytics",
                    "fraud_prevention",
                )
            ),
            ("no-portability", "rights"),
            ("no-objection", "rights"),
            ("no-ico-complaint", "rights"),
            ("no-complaints-route", "complaints"),
            ("no-automated-decisions-statement", "automated_decisions"),
            ("transfer-described-as-eea", "sections[transfers].title"),
            ("transfer-described-as-eea", "sections[transfers].paragraphs[0]"),
            ("transfer-by-submission", "sections[transfers].paragraphs[0]"),
            ("changes-not-notified", "sections[changes].paragraphs[0]"),
        ]
    )


def _set(collection: str, key: str, **values: Any) -> Callable[[Data], object]:
    by = "name" if collection == "cookies" else "id"
    return lambda d: item(d, collection, key, by=by).update(values)


def _append(collection: str, key: str, attribute: str, value: Any) -> Callable[[Data], object]:
    return lambda d: item(d, collection, key)[attribute].append(value)


def _add_paragraph(section: str, text: str) -> Callable[[Data], object]:
    return _append("sections", section, "paragraphs", text)


def _marketing_without_phone(d: Data) -> None:
    item(d, "purposes", "marketing")["channels"] = ["email", "text"]


CASES: list[tuple[str, Callable[[Data], object], Level, str, str]] = [
    # Structure
    (
        "purpose uses an undeclared category",
        _append("purposes", "marketing", "categories", "health"),
        ERROR,
        "undeclared-category",
        "purposes[marketing].categories[2]",
    ),
    (
        "recipient receives an undeclared category",
        _append("recipients", "authorities", "categories", "health"),
        ERROR,
        "undeclared-category",
        "recipients[authorities].categories[5]",
    ),
    (
        "retention rule names an undeclared category",
        _append("retention", "technical", "categories", "health"),
        ERROR,
        "undeclared-category",
        "retention[technical].categories[1]",
    ),
    (
        "collection point collects an undeclared field",
        _append("collection_points", "contact_form", "fields", "contact.fax"),
        ERROR,
        "undeclared-field",
        "collection_points[contact_form].fields[6]",
    ),
    (
        "collection point collects from an undeclared category",
        _append("collection_points", "contact_form", "fields", "health.allergies"),
        ERROR,
        "undeclared-field",
        "collection_points[contact_form].fields[6]",
    ),
    (
        "field reference without category",
        _append("collection_points", "contact_form", "fields", "email"),
        ERROR,
        "undeclared-field",
        "collection_points[contact_form].fields[6]",
    ),
    (
        "collection point serves an undeclared purpose",
        _append("collection_points", "orders", "purposes", "profiling"),
        ERROR,
        "undeclared-reference",
        "collection_points[orders].purposes[3]",
    ),
    (
        "consent asked for an undeclared purpose",
        lambda d: item(d, "collection_points", "newsletter")["consents"][0].update(
            purpose="lottery"
        ),
        ERROR,
        "undeclared-reference",
        "collection_points[newsletter].consents[0].purpose",
    ),
    (
        "recipient serves an undeclared purpose",
        _append("recipients", "hosting_provider", "purposes", "profiling"),
        ERROR,
        "undeclared-reference",
        "recipients[hosting_provider].purposes[2]",
    ),
    (
        "retention names an undeclared collection point",
        _append("retention", "enquiries", "collection_points", "webinar"),
        ERROR,
        "undeclared-reference",
        "retention[enquiries].collection_points[2]",
    ),
    (
        "cookie gated by an undeclared purpose",
        _set("cookies", "Google Analytics", consent_purpose="tracking"),
        ERROR,
        "undeclared-reference",
        "cookies[Google Analytics].consent_purpose",
    ),
    (
        "duplicate purpose id",
        lambda d: d["purposes"].append(dict(item(d, "purposes", "marketing"))),
        ERROR,
        "duplicate-id",
        "purposes[13].id",
    ),
    (
        "duplicate field id in a category",
        _append("categories", "identity", "fields", {"id": "title", "label": "Honorific"}),
        ERROR,
        "duplicate-id",
        "categories[identity].fields[3].id",
    ),
    (
        "duplicate cookie name",
        lambda d: d["cookies"].append(dict(d["cookies"][1])),
        ERROR,
        "duplicate-id",
        "cookies[4].name",
    ),
    (
        "version missing from the change log",
        lambda d: d.update(version="1.2"),
        ERROR,
        "change-log-version",
        "change_log",
    ),
    # Consent
    (
        "consent purpose that no collection point asks for",
        _set("collection_points", "cookie_banner", consents=[]),
        ERROR,
        "consent-not-asked",
        "purposes[analytics].lawful_basis",
    ),
    (
        "consent asked on a channel the purpose does not declare",
        _marketing_without_phone,
        ERROR,
        "consent-channel",
        "collection_points[customer_account].consents[0].channels[1]",
    ),
    (
        "consent asked for a purpose on another basis",
        lambda d: item(d, "collection_points", "newsletter")["consents"][0].update(
            purpose="communicate", channels=[]
        ),
        ERROR,
        "consent-for-other-basis",
        "collection_points[newsletter].consents[0].purpose",
    ),
    (
        "cookie gated by a purpose that does not rely on consent",
        _set("cookies", "Google Analytics", consent_purpose="administer_website"),
        ERROR,
        "cookie-consent-purpose",
        "cookies[Google Analytics].consent_purpose",
    ),
    (
        "unknown cookie category",
        _set("cookies", "charter_session", category="tracking"),
        ERROR,
        "cookie-category",
        "cookies[charter_session].category",
    ),
    # Sharing and transfers
    (
        "recipient that buys data",
        _set("recipients", "hosting_provider", sells_data=True),
        ERROR,
        "recipient-sells",
        "recipients[hosting_provider].sells_data",
    ),
    (
        "recipient that markets with our data",
        _set("recipients", "fraud_prevention_agencies", uses_for_own_marketing=True),
        ERROR,
        "recipient-sells",
        "recipients[fraud_prevention_agencies].uses_for_own_marketing",
    ),
    (
        "third party receiving data for marketing",
        _append("recipients", "authorities", "purposes", "marketing"),
        ERROR,
        "recipient-sells",
        "recipients[authorities].purposes[1]",
    ),
    (
        "recipient receives a category none of its purposes uses",
        _append("recipients", "google_analytics", "categories", "contact"),
        ERROR,
        "recipient-category-not-needed",
        "recipients[google_analytics].categories[1]",
    ),
    (
        "transfer outside the UK without a mechanism",
        _set("recipients", "email_provider", transfer=None),
        ERROR,
        "transfer-mechanism",
        "recipients[email_provider].transfer",
    ),
    (
        "EEA recipient without a mechanism (for a UK controller, adequacy)",
        _set("recipients", "hosting_provider", country="IE"),
        ERROR,
        "transfer-mechanism",
        "recipients[hosting_provider].transfer",
    ),
    (
        "Art. 49 exception without its reason",
        _set("recipients", "authorities", country="US", transfer={"mechanism": "art49_derogation"}),
        ERROR,
        "transfer-mechanism",
        "recipients[authorities].transfer.derogation_reason",
    ),
    # Retention and special categories
    (
        "category with no retention rule",
        lambda d: d["categories"].append(
            {
                "id": "preferences",
                "name": "Preferences",
                "description": "What you like.",
                "fields": [{"id": "topics", "label": "Topics"}],
            }
        ),
        ERROR,
        "retention-missing",
        "categories[preferences]",
    ),
    (
        "category collected where no rule covers it",
        _append("collection_points", "contact_form", "fields", "financial.bank_account"),
        ERROR,
        "retention-missing",
        "collection_points[contact_form].fields[6]",
    ),
    (
        "special-category field",
        _append(
            "categories",
            "identity",
            "fields",
            {"id": "ethnicity", "label": "Ethnicity", "special_category": True},
        ),
        ERROR,
        "special-category",
        "categories[identity].fields[ethnicity].special_category",
    ),
    (
        "special-category data collected",
        lambda d: d["special_categories"].update(collected=True),
        ERROR,
        "special-category",
        "special_categories.collected",
    ),
    (
        "criminal-offence data collected",
        lambda d: d["special_categories"].update(criminal_offence_data_collected=True),
        ERROR,
        "special-category",
        "special_categories.criminal_offence_data_collected",
    ),
    # Warnings: what people are told
    (
        "no right to complain to the ICO",
        lambda d: d["rights"].remove(item(d, "rights", "complain")),
        WARNING,
        "no-ico-complaint",
        "rights",
    ),
    (
        "no right to portability",
        lambda d: d["rights"].remove(item(d, "rights", "portability")),
        WARNING,
        "no-portability",
        "rights",
    ),
    (
        "no right to object",
        lambda d: d["rights"].remove(item(d, "rights", "object")),
        WARNING,
        "no-objection",
        "rights",
    ),
    (
        "no internal complaints route",
        lambda d: d.pop("complaints"),
        WARNING,
        "no-complaints-route",
        "complaints",
    ),
    (
        "no automated decision-making statement",
        lambda d: d.pop("automated_decisions"),
        WARNING,
        "no-automated-decisions-statement",
        "automated_decisions",
    ),
    (
        "legitimate interests without the interest",
        _set("purposes", "communicate", legitimate_interest=None),
        WARNING,
        "legitimate-interest-unstated",
        "purposes[communicate].legitimate_interest",
    ),
    (
        "retention without a period",
        _set("retention", "technical", months=0),
        WARNING,
        "retention-no-period",
        "retention[technical]",
    ),
    (
        "retention without criteria",
        _set("retention", "technical", criteria="  "),
        WARNING,
        "retention-no-period",
        "retention[technical].criteria",
    ),
    (
        "transfers described as outside the EEA",
        _add_paragraph("transfers", "Data may go outside the EEA."),
        WARNING,
        "transfer-described-as-eea",
        "sections[transfers].paragraphs[2]",
    ),
    (
        "transfers described as outside of Europe",
        _set("sections", "transfers", title="Transferring your information outside of Europe"),
        WARNING,
        "transfer-described-as-eea",
        "sections[transfers].title",
    ),
    (
        "by submitting you agree to the transfer",
        _set(
            "sections",
            "transfers",
            closing=["By submitting your personal data, you agree to this transfer."],
        ),
        WARNING,
        "transfer-by-submission",
        "sections[transfers].closing[0]",
    ),
    (
        "changes not notified",
        _add_paragraph("changes", "We will not explicitly inform you of these changes."),
        WARNING,
        "changes-not-notified",
        "sections[changes].paragraphs[2]",
    ),
    (
        "Art. 49 exception for a provider used routinely",
        _set(
            "recipients",
            "email_provider",
            transfer={"mechanism": "art49_derogation", "derogation_reason": "Explicit consent."},
        ),
        WARNING,
        "derogation-for-routine-transfer",
        "recipients[email_provider].transfer.mechanism",
    ),
    (
        "adequacy claimed for a country without UK adequacy regulations",
        _set("recipients", "payment_processor", country="BR"),
        WARNING,
        "adequacy-unrecognised",
        "recipients[payment_processor].transfer.mechanism",
    ),
    (
        "partial adequacy without naming the scheme",
        _set("recipients", "payment_processor", transfer={"mechanism": "adequacy"}),
        WARNING,
        "adequacy-unrecognised",
        "recipients[payment_processor].transfer.reference",
    ),
    (
        "cookie that is not strictly necessary, without consent",
        _set("cookies", "Google Analytics", consent_purpose=None),
        WARNING,
        "cookie-without-consent",
        "cookies[Google Analytics]",
    ),
]


@pytest.mark.parametrize(
    ("mutate", "level", "rule", "location"),
    [pytest.param(*case[1:], id=case[0]) for case in CASES],
)
def test_rule_reports_its_finding_and_location(
    mutate: Callable[[Data], object], level: Level, rule: str, location: str
) -> None:
    findings = findings_after(mutate)
    assert (level, rule, location) in keys(findings), findings


def test_every_rule_is_exercised() -> None:
    """Each rule name in the checker's source appears in CASES."""
    rules: set[str] = set()
    for module in (checks, transparency):
        source = Path(str(module.__file__)).read_text(encoding="utf-8")
        rules |= set(re.findall(r'"([a-z]+(?:-[a-z0-9]+)+)"', source))
    assert rules == {case[3] for case in CASES}


@pytest.mark.parametrize(
    "mutate",
    [
        pytest.param(_set("recipients", "hosting_provider", country="gb"), id="lower-case GB"),
        pytest.param(
            _set(
                "recipients",
                "hosting_provider",
                country="IE",
                transfer={"mechanism": "adequacy"},
            ),
            id="EEA country with adequacy",
        ),
        pytest.param(
            _set("retention", "customer_account", years=0), id="until account closed, no period"
        ),
        pytest.param(
            lambda d: item(d, "rights", "complain").update(id="ico", article="Article 77"),
            id="ICO right found by its article",
        ),
        pytest.param(
            _add_paragraph("changes", "We will not tell anyone else your email address."),
            id="'will not tell' that is not about changes",
        ),
    ],
)
def test_lawful_variants_are_not_flagged(mutate: Callable[[Data], object]) -> None:
    assert findings_after(mutate) == []


def test_uk_country_code_gets_a_hint() -> None:
    findings = findings_after(_set("recipients", "hosting_provider", country="UK"))
    assert any("ISO code of the United Kingdom is GB" in f.message for f in findings)


def test_each_check_explains_its_law() -> None:
    for check in CHECKS:
        doc = check.__doc__ or ""
        assert any(word in doc for word in ("Art.", "DPA 2018", "PECR")), check.__name__
