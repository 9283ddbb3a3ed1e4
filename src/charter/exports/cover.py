"""``cover.html``: the supplementary information a person is entitled to with a copy of
their data (UK GDPR Art. 15(1)(a)-(h), 15(2)), in clear and plain language (Art. 12(1)).

Everything is generated from the policy in force and the package itself: per category
held, the purposes and their lawful basis, the retention period and its criteria, and the
source of each record; the recipients the data was actually disclosed to (not every
recipient the policy allows: Art. 15(1)(c) asks for those it "has been or will be"
disclosed to) with any transfer safeguard (Art. 15(2)); automated decision-making
(Art. 15(1)(h)); the rights, the right to complain to the ICO and our own complaints
route (Art. 15(1)(e)-(f), DPA 2018 s.164A).

The page is autoescaped (Jinja2) and self-contained: inline CSS, no scripts, no external
resources, so it opens offline from the zip.

Bank account numbers are masked to their last four characters here: the cover is the
page most likely to be printed or left open on a screen, and it only needs to show which
account we hold. ``data.json`` and the CSVs carry the full value, because the person is
entitled to the data itself (Art. 15(3)).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from charter.exports.schemas import AccessPackage, CategoryOut, PackageKind, ValueOut
from charter.policy.countries import country_name, is_uk
from charter.policy.document import (
    LAWFUL_BASIS_LABELS,
    ROLE_LABELS,
    TRANSFER_LABELS,
    category_name,
)
from charter.policy.render import template_environment
from charter.policy.schemas import Policy, Recipient

#: ``category.field`` values shown only by their last four characters on the cover.
MASKED_FIELDS = frozenset({"financial.bank_account"})
ICO_COMPLAINTS = (
    "You have the right to complain to the Information Commissioner's Office (ICO), the UK "
    "regulator for data protection: ico.org.uk/make-a-complaint, telephone 0303 123 1113, "
    "or Information Commissioner's Office, Wycliffe House, Water Lane, Wilmslow, "
    "Cheshire SK9 5AF (UK GDPR Art. 77)."
)
NO_AUTOMATED_DECISIONS = (
    "We do not make decisions about you based solely on automated processing, including "
    "profiling, that have legal or similarly significant effects on you (UK GDPR Art. 22)."
)


@dataclass(frozen=True)
class PurposeLine:
    name: str
    basis: str
    legitimate_interest: str | None


@dataclass(frozen=True)
class RetentionLine:
    period: str
    criteria: str


@dataclass(frozen=True)
class RecordLine:
    label: str
    value: str
    source: str
    collected_at: str
    collection_point: str
    status: str
    retain_until: str


@dataclass(frozen=True)
class CategorySection:
    name: str
    description: str
    purposes: list[PurposeLine]
    retention: list[RetentionLine]
    sources: list[str]
    records: list[RecordLine]


@dataclass(frozen=True)
class RecipientLine:
    name: str
    role: str
    country: str
    categories: str
    disclosed_at: str
    safeguard: str


def mask_account(value: str) -> str:
    """``•••• 5678``: only the last four letters or digits of an account number."""
    characters = [character for character in value if character.isalnum()]
    if len(characters) <= 4:
        return "••••"
    return "•••• " + "".join(characters[-4:])


def render_cover(policy: Policy, package: AccessPackage) -> str:
    template = template_environment().get_template("exports/cover.html")
    organisation = policy.organisation
    return template.render(
        package=package,
        portability=package.kind is PackageKind.PORTABILITY,
        organisation=organisation,
        controller=package.controller,
        generated_at=_when(package.generated_at),
        categories=[_category_section(policy, category) for category in package.categories],
        recipients=_recipients(policy, package),
        declared_recipients=_declared_recipients(policy),
        automated=(
            policy.automated_decisions.statement
            if policy.automated_decisions is not None
            else NO_AUTOMATED_DECISIONS
        ),
        consents=[
            {
                "when": _when(event.occurred_at),
                "purpose": next(
                    (p.name for p in policy.purposes if p.id == event.purpose), event.purpose
                ),
                "channel": event.channel,
                "action": event.action,
                "wording": event.wording,
                "version": event.policy_version,
            }
            for event in package.consents
        ],
        correspondence=[
            {
                "when": _when(item.received_at),
                "subject_line": item.subject_line or "(removed)",
            }
            for item in package.correspondence
        ],
        enquiries=[
            {"reference": item.reference, "when": _when(item.created_at)}
            for item in package.enquiries
        ],
        left_out=package.left_out,
        rights=policy.rights,
        complaints=policy.complaints,
        ico_complaints=ICO_COMPLAINTS,
    )


def _category_section(policy: Policy, category: CategoryOut) -> CategorySection:
    purpose_ids = sorted({purpose for value in category.values for purpose in value.purposes})
    declared = {purpose.id: purpose for purpose in policy.purposes}
    purposes = [
        PurposeLine(
            name=declared[purpose_id].name,
            basis=LAWFUL_BASIS_LABELS[declared[purpose_id].lawful_basis],
            legitimate_interest=declared[purpose_id].legitimate_interest,
        )
        if purpose_id in declared
        else PurposeLine(name=purpose_id, basis="no longer in our policy", legitimate_interest=None)
        for purpose_id in purpose_ids
    ]
    retention = sorted(
        {RetentionLine(v.retention_period, v.retention_criteria) for v in category.values},
        key=lambda line: (line.period, line.criteria),
    )
    return CategorySection(
        name=category.name,
        description=category.description,
        purposes=purposes,
        retention=retention,
        sources=sorted({value.source for value in category.values}),
        records=[_record(category, value) for value in category.values],
    )


def _record(category: CategoryOut, value: ValueOut) -> RecordLine:
    shown = value.value
    if f"{category.id}.{value.field}" in MASKED_FIELDS:
        shown = mask_account(shown)
    return RecordLine(
        label=value.label,
        value=shown,
        source=value.source,
        collected_at=_when(value.collected_at),
        collection_point=value.collection_point_name,
        status="current" if value.current else "replaced " + _when(value.replaced_at),
        retain_until=_when(value.retain_until) if value.retain_until else value.retention_period,
    )


def _recipients(policy: Policy, package: AccessPackage) -> list[RecipientLine]:
    """One line per disclosure in the register (Art. 15(1)(c)), with the safeguard of any
    transfer outside the UK (Art. 15(2)); a recipient since removed from the policy is
    still listed, by its id."""
    declared = {recipient.id: recipient for recipient in policy.recipients}
    lines = []
    for disclosure in package.disclosures:
        recipient = declared.get(disclosure.recipient)
        lines.append(
            RecipientLine(
                name=recipient.name if recipient else disclosure.recipient,
                role=ROLE_LABELS[recipient.role] if recipient else "no longer in our policy",
                country=country_name(recipient.country) if recipient else "",
                categories=", ".join(category_name(policy, c) for c in disclosure.categories),
                disclosed_at=_when(disclosure.disclosed_at),
                safeguard=_safeguard(recipient) if recipient else "",
            )
        )
    return lines


def _declared_recipients(policy: Policy) -> list[RecipientLine]:
    """Every recipient the policy allows, whether or not this person's data went to it
    yet: Art. 15(1)(c) covers recipients the data "will be" disclosed to as well."""
    return [
        RecipientLine(
            name=recipient.name,
            role=ROLE_LABELS[recipient.role],
            country=country_name(recipient.country),
            categories=", ".join(category_name(policy, c) for c in recipient.categories),
            disclosed_at="",
            safeguard=_safeguard(recipient),
        )
        for recipient in policy.recipients
    ]


def _safeguard(recipient: Recipient) -> str:
    """The Chapter V safeguard as the person reads it, with its reference or, for an
    Art. 49 exception, its reason."""
    transfer = recipient.transfer
    if is_uk(recipient.country):
        return "None needed: the recipient is in the UK"
    if transfer is None:
        return "None recorded"
    safeguard = TRANSFER_LABELS[transfer.mechanism]
    detail = transfer.derogation_reason or transfer.reference
    return f"{safeguard}: {' '.join(detail.split())}" if detail else safeguard


def _when(moment: datetime | None) -> str:
    """``2026-11-25 09:00 UTC`` (all stored times are UTC); empty for no time."""
    return "" if moment is None else moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
