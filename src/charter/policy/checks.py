"""The policy checker: cross-references and legal rules, reported all at once.

An *error* means the system could not enforce the policy as written, or the policy
promises something unlawful; ``load_policy(..., require_valid=True)`` refuses such a
policy. A *warning* is a gap in what people are told (``transparency.py``, mostly UK GDPR
Art. 13) that a person should fix; the policy still runs.

Each check is a small generator whose docstring cites the rule it enforces; ``CHECKS``
lists them in the order their findings are reported.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator

from charter.errors import CategoryNotAllowed
from charter.policy import transparency
from charter.policy.countries import PARTIAL_ADEQUACY, has_uk_adequacy, is_uk
from charter.policy.findings import Finding, error, warning
from charter.policy.schemas import LawfulBasis, Policy, RecipientRole, TransferMechanism

COOKIE_CATEGORIES = frozenset({"necessary", "analytics", "preferences", "marketing"})


def check_policy(policy: Policy) -> list[Finding]:
    """Every finding for ``policy``, errors and warnings, in the order of ``CHECKS``."""
    return [finding for check in CHECKS for finding in check(policy)]


# Structure -----------------------------------------------------------------------------


def duplicate_ids(policy: Policy) -> Iterator[Finding]:
    """Every declaration is referred to by its id, so ids must be unique; otherwise the
    purpose gate (Art. 5(1)(b)) could enforce a different declaration than the one shown."""
    lists: list[tuple[str, list[str]]] = [
        ("categories", [c.id for c in policy.categories]),
        ("collection_points", [c.id for c in policy.collection_points]),
        ("purposes", [p.id for p in policy.purposes]),
        ("recipients", [r.id for r in policy.recipients]),
        ("retention", [r.id for r in policy.retention]),
        ("rights", [r.id for r in policy.rights]),
        ("sections", [s.id for s in policy.sections]),
    ]
    lists += [(f"categories[{c.id}].fields", [f.id for f in c.fields]) for c in policy.categories]
    yield from _duplicates(lists, key="id")
    yield from _duplicates([("cookies", [c.name for c in policy.cookies])], key="name")
    yield from _duplicates([("change_log", [e.version for e in policy.change_log])], "version")


def _duplicates(lists: Iterable[tuple[str, list[str]]], key: str) -> Iterator[Finding]:
    for where, ids in lists:
        counts = Counter(ids)
        for index, item in enumerate(ids):
            if counts[item] > 1 and ids.index(item) != index:
                yield error("duplicate-id", f"{where}[{index}].{key}", f"'{item}' is repeated.")


def undeclared_categories(policy: Policy) -> Iterator[Finding]:
    """A purpose, recipient or retention rule may only name declared categories: Art. 13(1)
    and Art. 30(1)(c) require the categories to be stated, and the gate enforces them."""
    declared = {c.id for c in policy.categories}
    owners = [
        *((f"purposes[{p.id}]", p.categories) for p in policy.purposes),
        *((f"recipients[{r.id}]", r.categories) for r in policy.recipients),
        *((f"retention[{r.id}]", r.categories) for r in policy.retention),
    ]
    for owner, categories in owners:
        for index, category in enumerate(categories):
            if category not in declared:
                yield error(
                    "undeclared-category",
                    f"{owner}.categories[{index}]",
                    f"The category '{category}' is not declared under categories.",
                )


def undeclared_fields(policy: Policy) -> Iterator[Finding]:
    """A collection point may only collect declared fields (Art. 5(1)(c) data minimisation;
    Art. 13(1) says what is collected). References read ``category.field``."""
    for point in policy.collection_points:
        for index, reference in enumerate(point.fields):
            location = f"collection_points[{point.id}].fields[{index}]"
            category_id, dot, field_id = reference.partition(".")
            if not dot:
                yield error("undeclared-field", location, f"'{reference}' is not category.field.")
                continue
            category = next((c for c in policy.categories if c.id == category_id), None)
            if category is None:
                message = f"'{reference}': the category '{category_id}' is not declared."
                yield error("undeclared-field", location, message)
            elif all(f.id != field_id for f in category.fields):
                message = f"'{reference}': the category '{category_id}' has no field '{field_id}'."
                yield error("undeclared-field", location, message)


def undeclared_references(policy: Policy) -> Iterator[Finding]:
    """References to purposes and collection points must resolve, or the system would
    collect, share or keep data for something the policy never told people (Art. 5(1)(a))."""
    purposes = {p.id for p in policy.purposes}
    points = {c.id for c in policy.collection_points}
    refs: list[tuple[str, str | None, set[str], str]] = []
    for point in policy.collection_points:
        where = f"collection_points[{point.id}]"
        refs += [
            (f"{where}.purposes[{i}]", p, purposes, "purpose") for i, p in enumerate(point.purposes)
        ]
        refs += [
            (f"{where}.consents[{i}].purpose", c.purpose, purposes, "purpose")
            for i, c in enumerate(point.consents)
        ]
    for recipient in policy.recipients:
        where = f"recipients[{recipient.id}].purposes"
        refs += [
            (f"{where}[{i}]", p, purposes, "purpose") for i, p in enumerate(recipient.purposes)
        ]
    for rule in policy.retention:
        where = f"retention[{rule.id}].collection_points"
        refs += [
            (f"{where}[{i}]", p, points, "collection point")
            for i, p in enumerate(rule.collection_points)
        ]
    refs += [
        (f"cookies[{c.name}].consent_purpose", c.consent_purpose, purposes, "purpose")
        for c in policy.cookies
    ]
    for location, ref, declared, kind in refs:
        if ref is not None and ref not in declared:
            yield error("undeclared-reference", location, f"The {kind} '{ref}' is not declared.")


def change_log_version(policy: Policy) -> Iterator[Finding]:
    """Each version needs its change-log entry, so people can see what changed and when
    (Art. 12(1) transparency; the published record of versions, Art. 5(2))."""
    if policy.change_entry() is None:
        yield error(
            "change-log-version",
            "change_log",
            f"There is no change-log entry for version {policy.version}.",
        )


# Consent -----------------------------------------------------------------------------


def consent_is_asked(policy: Policy) -> Iterator[Finding]:
    """A purpose based on consent needs a collection point that asks for it, with its
    wording, or the controller cannot demonstrate consent (Art. 6(1)(a), Art. 7(1)-(2))."""
    asked = {c.purpose for point in policy.collection_points for c in point.consents}
    for purpose in policy.purposes:
        if purpose.lawful_basis is LawfulBasis.CONSENT and purpose.id not in asked:
            yield error(
                "consent-not-asked",
                f"purposes[{purpose.id}].lawful_basis",
                "This purpose relies on consent but no collection point asks for it.",
            )


def consent_requests(policy: Policy) -> Iterator[Finding]:
    """Consent may only be asked for a purpose that relies on it (asking for consent while
    relying on another basis misleads people, Art. 5(1)(a)), and only for the channels
    declared on the purpose (PECR regs 21-22: consent is given channel by channel)."""
    by_id = {p.id: p for p in policy.purposes}
    for point in policy.collection_points:
        for index, request in enumerate(point.consents):
            where = f"collection_points[{point.id}].consents[{index}]"
            purpose = by_id.get(request.purpose)
            if purpose is None:
                continue
            if purpose.lawful_basis is not LawfulBasis.CONSENT:
                basis = purpose.lawful_basis.value.replace("_", " ")
                yield error(
                    "consent-for-other-basis",
                    f"{where}.purpose",
                    f"'{purpose.id}' relies on {basis}, not consent; do not ask for consent.",
                )
            for position, channel in enumerate(request.channels):
                if channel not in purpose.channels:
                    yield error(
                        "consent-channel",
                        f"{where}.channels[{position}]",
                        f"The channel '{channel.value}' is not declared on '{purpose.id}'.",
                    )


def cookies(policy: Policy) -> Iterator[Finding]:
    """PECR reg. 6: storing or reading anything on a device needs consent unless it is
    strictly necessary (or falls under another Sch. A1 exception, which Charter does not
    model); the consent is gathered for a purpose that relies on consent."""
    by_id = {p.id: p for p in policy.purposes}
    for cookie in policy.cookies:
        where = f"cookies[{cookie.name}]"
        if cookie.category not in COOKIE_CATEGORIES:
            allowed = ", ".join(sorted(COOKIE_CATEGORIES))
            yield error("cookie-category", f"{where}.category", f"Use one of: {allowed}.")
        if cookie.strictly_necessary:
            continue
        purpose = by_id.get(cookie.consent_purpose or "")
        if cookie.consent_purpose is None:
            yield warning(
                "cookie-without-consent",
                where,
                "This cookie is not strictly necessary, so it needs consent (PECR reg. 6): "
                "set consent_purpose to the purpose whose consent allows it.",
            )
        elif purpose is not None and purpose.lawful_basis is not LawfulBasis.CONSENT:
            yield error(
                "cookie-consent-purpose",
                f"{where}.consent_purpose",
                f"'{purpose.id}' does not rely on consent, so it cannot gate this cookie.",
            )


# Sharing and transfers ---------------------------------------------------------------


def recipients_never_sell(policy: Policy) -> Iterator[Finding]:
    """The policy promises "we will never sell or share your data with any third party for
    marketing purposes"; a recipient that buys data or markets with it breaks that promise
    (Art. 5(1)(a) fairness, Art. 21(2)-(3) marketing)."""
    marketing = {p.id for p in policy.purposes if p.marketing}
    for recipient in policy.recipients:
        where = f"recipients[{recipient.id}]"
        if recipient.sells_data:
            yield error("recipient-sells", f"{where}.sells_data", "We never sell personal data.")
        if recipient.uses_for_own_marketing:
            yield error(
                "recipient-sells",
                f"{where}.uses_for_own_marketing",
                "We never let others use personal data for their own marketing.",
            )
        if recipient.role is RecipientRole.THIRD_PARTY:
            for index, purpose in enumerate(recipient.purposes):
                if purpose in marketing:
                    yield error(
                        "recipient-sells",
                        f"{where}.purposes[{index}]",
                        f"A third party may not receive data for marketing ('{purpose}').",
                    )


def recipients_need_their_categories(policy: Policy) -> Iterator[Finding]:
    """A recipient receives only categories that one of its purposes uses (Art. 5(1)(c)
    data minimisation; "we disclose only the personal information that is necessary")."""
    by_id = {p.id: p for p in policy.purposes}
    for recipient in policy.recipients:
        known = [by_id[p] for p in recipient.purposes if p in by_id]
        if len(known) != len(recipient.purposes):
            continue  # reported by undeclared_references
        needed = {c for p in known for c in p.categories}
        for index, category in enumerate(recipient.categories):
            if category not in needed:
                yield error(
                    "recipient-category-not-needed",
                    f"recipients[{recipient.id}].categories[{index}]",
                    f"None of this recipient's purposes uses the category '{category}'.",
                )


def transfers(policy: Policy) -> Iterator[Finding]:
    """UK GDPR Chapter V: for a UK controller every recipient outside the UK is a
    restricted transfer needing adequacy regulations (DPA 2018 s.17A; the EEA is covered),
    an Art. 46 safeguard (IDTA, UK Addendum, BCRs), or an Art. 49 exception with its reason."""
    for recipient in policy.recipients:
        if is_uk(recipient.country):
            continue
        where = f"recipients[{recipient.id}]"
        country = recipient.country.upper()
        transfer = recipient.transfer
        if transfer is None:
            hint = " (the ISO code of the United Kingdom is GB)" if country == "UK" else ""
            yield error(
                "transfer-mechanism",
                f"{where}.transfer",
                f"{country} is outside the UK{hint}: declare the transfer mechanism "
                "(adequacy, uk_idta, uk_addendum, binding_corporate_rules, art49_derogation).",
            )
            continue
        mechanism = transfer.mechanism
        if mechanism is TransferMechanism.ART49_DEROGATION and not transfer.derogation_reason:
            yield error(
                "transfer-mechanism",
                f"{where}.transfer.derogation_reason",
                "An Art. 49 exception must state which one applies and why.",
            )
        if mechanism is TransferMechanism.ART49_DEROGATION and (
            recipient.role is RecipientRole.PROCESSOR
        ):
            yield warning(
                "derogation-for-routine-transfer",
                f"{where}.transfer.mechanism",
                "Art. 49 exceptions suit occasional transfers, not a provider used routinely: "
                "use adequacy or an Art. 46 safeguard (IDTA or UK Addendum).",
            )
        if mechanism is TransferMechanism.ADEQUACY and not has_uk_adequacy(country):
            yield warning(
                "adequacy-unrecognised",
                f"{where}.transfer.mechanism",
                f"Charter knows of no UK adequacy regulations for {country}; check the ICO list.",
            )
        elif (
            mechanism is TransferMechanism.ADEQUACY
            and country in PARTIAL_ADEQUACY
            and not transfer.reference
        ):
            yield warning(
                "adequacy-unrecognised",
                f"{where}.transfer.reference",
                f"UK adequacy for {country} covers only some organisations: name the scheme.",
            )


# Retention ---------------------------------------------------------------------------


def retention_covers_everything(policy: Policy) -> Iterator[Finding]:
    """Art. 5(1)(e) storage limitation and Art. 13(2)(a): every category, wherever it is
    collected, needs a retention rule, or nothing would ever delete it."""
    covered = {c for rule in policy.retention for c in rule.categories}
    for category in policy.categories:
        if category.id not in covered:
            yield error(
                "retention-missing",
                f"categories[{category.id}]",
                "No retention rule covers this category.",
            )
    for point in policy.collection_points:
        reported: set[str] = set()
        for index, reference in enumerate(point.fields):
            category_id = reference.partition(".")[0]
            if category_id in reported or category_id not in covered:
                continue
            try:
                policy.retention_rule(category_id, point.id)
            except CategoryNotAllowed:
                reported.add(category_id)
                yield error(
                    "retention-missing",
                    f"collection_points[{point.id}].fields[{index}]",
                    f"No retention rule covers '{category_id}' data collected here.",
                )


# Special categories ------------------------------------------------------------------


def no_special_categories(policy: Policy) -> Iterator[Finding]:
    """Charter supports no special-category (Art. 9) or criminal-offence (Art. 10) data:
    those need an Art. 9(2) condition and, under DPA 2018 Sch. 1, an appropriate policy
    document, which this policy format cannot express."""
    stance = policy.special_categories
    if stance.collected:
        yield error(
            "special-category",
            "special_categories.collected",
            "Special-category data is not supported.",
        )
    if stance.criminal_offence_data_collected:
        yield error(
            "special-category",
            "special_categories.criminal_offence_data_collected",
            "Criminal-offence data is not supported.",
        )
    for category in policy.categories:
        for data_field in category.fields:
            if data_field.special_category:
                yield error(
                    "special-category",
                    f"categories[{category.id}].fields[{data_field.id}].special_category",
                    "Special-category data is not supported.",
                )


CHECKS: tuple[Callable[[Policy], Iterator[Finding]], ...] = (
    duplicate_ids,
    undeclared_categories,
    undeclared_fields,
    undeclared_references,
    change_log_version,
    no_special_categories,
    consent_is_asked,
    consent_requests,
    cookies,
    recipients_never_sell,
    recipients_need_their_categories,
    transfers,
    retention_covers_everything,
    transparency.retention_is_stated,
    transparency.legitimate_interests_stated,
    transparency.rights_listed,
    transparency.complaints_route,
    transparency.automated_decisions_stated,
    transparency.section_wording,
)
