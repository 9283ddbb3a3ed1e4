"""The policy as a format-neutral document: what every rendering of it shows.

Art. 12(1) wants the information "concise, transparent, intelligible and easily
accessible", and Art. 13 lists what it must contain. Building the page from the
declarations means the tables people read (categories, purposes and lawful bases, cookies,
recipients and transfers, retention periods, rights) cannot drift from what is enforced.

``build_document`` turns a policy into sections of paragraphs, lists, tables and facts in
the policy's order; ``render.py`` writes it as text or Markdown and the templates in
``templates/policy/`` as HTML.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import ClassVar

from charter.policy.countries import country_name, is_uk
from charter.policy.schemas import (
    Declaration,
    LawfulBasis,
    Policy,
    RecipientRole,
    RetentionRule,
    RetentionTrigger,
    Section,
    TransferMechanism,
)

LAWFUL_BASIS_LABELS = {
    LawfulBasis.CONSENT: "Consent (Art. 6(1)(a))",
    LawfulBasis.CONTRACT: "Contract (Art. 6(1)(b))",
    LawfulBasis.LEGAL_OBLIGATION: "Legal obligation (Art. 6(1)(c))",
    LawfulBasis.VITAL_INTERESTS: "Vital interests (Art. 6(1)(d))",
    LawfulBasis.PUBLIC_TASK: "Public task (Art. 6(1)(e))",
    LawfulBasis.LEGITIMATE_INTERESTS: "Legitimate interests (Art. 6(1)(f))",
}

TRANSFER_LABELS = {
    TransferMechanism.ADEQUACY: "UK adequacy regulations",
    TransferMechanism.UK_IDTA: "International Data Transfer Agreement (IDTA)",
    TransferMechanism.UK_ADDENDUM: "UK Addendum to the EU standard contractual clauses",
    TransferMechanism.BCR: "Binding corporate rules",
    TransferMechanism.ART49_DEROGATION: "Exception for specific situations (Art. 49)",
}

ROLE_LABELS = {
    RecipientRole.PROCESSOR: "Service provider acting for us",
    RecipientRole.THIRD_PARTY: "Third party",
}

_TRIGGER_PHRASES = {
    RetentionTrigger.SINCE_COLLECTION: "from when we collect it",
    RetentionTrigger.SINCE_LAST_CONTACT: "from our last contact with you",
    RetentionTrigger.SINCE_END_OF_FINANCIAL_YEAR: "from the end of the financial year",
    RetentionTrigger.UNTIL_CONSENT_WITHDRAWN: "Until you withdraw your consent",
    RetentionTrigger.UNTIL_ACCOUNT_CLOSED: "Until you close your account",
}


# The format-neutral document ---------------------------------------------------------

#: A table cell: one line of text, or several shown as a list.
Cell = str | tuple[str, ...]


@dataclass(frozen=True)
class Paragraph:
    kind: ClassVar[str] = "paragraph"
    text: str


@dataclass(frozen=True)
class BulletList:
    kind: ClassVar[str] = "list"
    items: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    """A table whose first column heads each row (rendered ``<th scope="row">``)."""

    kind: ClassVar[str] = "table"
    caption: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]


@dataclass(frozen=True)
class Facts:
    """Labelled statements, such as contact details (an HTML description list)."""

    kind: ClassVar[str] = "facts"
    caption: str
    items: tuple[tuple[str, str], ...]


Block = Paragraph | BulletList | Table | Facts


@dataclass(frozen=True)
class DocumentSection:
    id: str
    title: str
    level: int
    blocks: tuple[Block, ...]
    subsections: tuple[DocumentSection, ...] = ()

    @property
    def anchor(self) -> str:
        return f"policy-{self.id}"


@dataclass(frozen=True)
class PolicyDocument:
    title: str
    organisation: str
    version: str
    effective_date: date
    sections: tuple[DocumentSection, ...] = field(default=())

    @property
    def effective_label(self) -> str:
        return date_label(self.effective_date)

    def headings(self) -> list[str]:
        """Every section title in reading order (topics and their sub-headings)."""
        return [s.title for top in self.sections for s in (top, *top.subsections)]


def date_label(value: date) -> str:
    return f"{value.day} {value:%B %Y}"


# Building the document -----------------------------------------------------------------


def build_document(policy: Policy) -> PolicyDocument:
    """The policy's sections in order, each with its prose and its generated tables.

    Declarations that no section places are added in a closing section, so nothing the
    system enforces is ever left off the page."""
    placed = {d for s in policy.sections for d in s.declarations}
    flat = [_build_section(policy, s) for s in policy.sections]
    leftovers = [block for d in Declaration if d not in placed for block in _declaration(policy, d)]
    if leftovers:
        flat.append(
            DocumentSection("more_details", "More about how we use your data", 2, tuple(leftovers))
        )
    return PolicyDocument(
        title=policy.title,
        organisation=policy.organisation.name,
        version=policy.version,
        effective_date=policy.effective_date,
        sections=_nest(flat),
    )


def _nest(flat: list[DocumentSection]) -> tuple[DocumentSection, ...]:
    """Attach each level-3 section to the topic before it (heading hierarchy, WCAG 1.3.1)."""
    top: list[DocumentSection] = []
    for section in flat:
        if section.level == 3 and top:
            parent = top[-1]
            top[-1] = DocumentSection(
                parent.id,
                parent.title,
                parent.level,
                parent.blocks,
                (*parent.subsections, section),
            )
        else:
            top.append(section)
    return tuple(top)


def _build_section(policy: Policy, section: Section) -> DocumentSection:
    blocks = [*_prose(section.paragraphs)]
    blocks += [block for d in section.declarations for block in _declaration(policy, d)]
    blocks += _prose(section.closing)
    return DocumentSection(section.id, section.title, section.level, tuple(blocks))


def _prose(paragraphs: list[str]) -> list[Block]:
    """Plain paragraphs; a paragraph whose lines all start with "- " is a list."""
    blocks: list[Block] = []
    for text in paragraphs:
        lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
        if lines and all(line.startswith("- ") for line in lines):
            blocks.append(BulletList(tuple(line[2:].strip() for line in lines)))
        else:
            blocks.append(Paragraph(" ".join(lines)))
    return blocks


def _declaration(policy: Policy, declaration: Declaration) -> list[Block]:
    return _BUILDERS[declaration](policy)


def _categories(policy: Policy) -> list[Block]:
    rows = tuple(
        (c.name, c.description, tuple(f.label for f in c.fields)) for c in policy.categories
    )
    columns = ("Category", "Description", "Fields")
    return [Table("The personal data we hold", columns, rows)] if rows else []


def _special_categories(policy: Policy) -> list[Block]:
    return [Paragraph(policy.special_categories.statement)]


def field_label(policy: Policy, reference: str) -> str:
    """The label of a ``category.field`` reference; the reference itself when unknown."""
    category_id, _, field_id = reference.partition(".")
    for category in policy.categories:
        for data_field in category.fields:
            if category.id == category_id and data_field.id == field_id:
                return data_field.label
    return reference


def purpose_name(policy: Policy, purpose_id: str) -> str:
    return next((p.name for p in policy.purposes if p.id == purpose_id), purpose_id)


def category_name(policy: Policy, category_id: str) -> str:
    return next((c.name for c in policy.categories if c.id == category_id), category_id)


def point_name(policy: Policy, point_id: str) -> str:
    return next((p.name for p in policy.collection_points if p.id == point_id), point_id)


def _collection_points(policy: Policy) -> list[Block]:
    rows: list[tuple[Cell, ...]] = []
    for point in policy.collection_points:
        consents = tuple(
            purpose_name(policy, c.purpose)
            + (f" by {_join([ch.value for ch in c.channels])}" if c.channels else "")
            for c in point.consents
        )
        rows.append(
            (
                point.name,
                tuple(field_label(policy, f) for f in point.fields) or "Nothing but your choice",
                tuple(purpose_name(policy, p) for p in point.purposes),
                consents or "None",
            )
        )
    columns = ("Where", "What we collect", "Used for", "Consent we ask for")
    return [Table("Where we collect your data", columns, tuple(rows))] if rows else []


def _purposes(policy: Policy) -> list[Block]:
    rows: list[tuple[Cell, ...]] = []
    for purpose in policy.purposes:
        basis: list[str] = [LAWFUL_BASIS_LABELS[purpose.lawful_basis]]
        if purpose.legitimate_interest:
            basis.append(f"Our interest: {purpose.legitimate_interest.strip()}")
        if purpose.channels:
            basis.append(f"Channels: {_join([c.value for c in purpose.channels])}")
        data = tuple(category_name(policy, c) for c in purpose.categories)
        rows.append((purpose.name, purpose.description, tuple(basis), data))
    columns = ("Purpose", "What we do", "Lawful basis", "Data used")
    return [Table("What we use your data for", columns, tuple(rows))] if rows else []


def _automated_decisions(policy: Policy) -> list[Block]:
    decisions = policy.automated_decisions
    return [Paragraph(decisions.statement)] if decisions else []


def _cookies(policy: Policy) -> list[Block]:
    rows: list[tuple[Cell, ...]] = []
    for cookie in policy.cookies:
        if cookie.strictly_necessary:
            kind = "Strictly necessary"
        elif cookie.consent_purpose:
            kind = f"{cookie.category.capitalize()}: only with your consent"
        else:
            kind = cookie.category.capitalize()
        rows.append((cookie.name, cookie.provider, cookie.purpose, kind, cookie.lifetime))
    columns = ("Cookie", "Set by", "Purpose", "Type", "Lasts")
    return [Table("Cookies we use", columns, tuple(rows))] if rows else []


def _recipients(policy: Policy) -> list[Block]:
    rows = tuple(
        (
            r.name,
            ROLE_LABELS[r.role],
            r.description,
            tuple(purpose_name(policy, p) for p in r.purposes),
            tuple(category_name(policy, c) for c in r.categories),
            country_name(r.country),
        )
        for r in policy.recipients
    )
    columns = ("Recipient", "Role", "What they do", "Purposes", "Data", "Country")
    return [Table("Who receives your data", columns, rows)] if rows else []


def _transfers(policy: Policy) -> list[Block]:
    rows: list[tuple[Cell, ...]] = []
    for recipient in policy.recipients:
        if is_uk(recipient.country):
            continue
        transfer = recipient.transfer
        if transfer is None:
            safeguard, details = "None stated", ""
        else:
            safeguard = TRANSFER_LABELS[transfer.mechanism]
            if transfer.mechanism is TransferMechanism.ART49_DEROGATION:
                details = (transfer.derogation_reason or transfer.reference or "").strip()
            else:
                details = (transfer.reference or transfer.derogation_reason or "").strip()
        rows.append((recipient.name, country_name(recipient.country), safeguard, details))
    if not rows:
        return [Paragraph("We do not transfer your personal data outside the UK.")]
    columns = ("Recipient", "Country", "Safeguard", "Details")
    return [Table("Transfers outside the UK", columns, tuple(rows))]


def retention_period_label(rule: RetentionRule) -> str:
    """How long, in words: "6 years from the end of the financial year"."""
    parts = [
        f"{n} {unit}{'' if n == 1 else 's'}"
        for n, unit in ((rule.years, "year"), (rule.months, "month"), (rule.days, "day"))
        if n
    ]
    length = _join(parts)
    phrase = _TRIGGER_PHRASES[rule.trigger]
    if rule.ends_by_event():
        return f"{phrase}, then {length}" if length else phrase
    if not length:
        return "No fixed period"
    return f"{length} {phrase}"


def _retention(policy: Policy) -> list[Block]:
    rows: list[tuple[Cell, ...]] = []
    for rule in policy.retention:
        data = _join([category_name(policy, c) for c in rule.categories])
        if rule.collection_points:
            names = [point_name(policy, cp) for cp in rule.collection_points]
            data += f" (from: {_join(names)})"
        period = retention_period_label(rule)
        rows.append((data, period, rule.criteria.strip(), rule.legal_reference.strip()))
    columns = ("Data", "How long", "Why", "Legal reference")
    return [Table("How long we keep your data", columns, tuple(rows))] if rows else []


def _rights(policy: Policy) -> list[Block]:
    rows = tuple((r.name, r.description, f"UK GDPR {r.article}") for r in policy.rights)
    columns = ("Right", "What it means", "Law")
    return [Table("Your rights", columns, rows)] if rows else []


def _complaints(policy: Policy) -> list[Block]:
    complaints = policy.complaints
    if complaints is None:
        return []
    days = complaints.acknowledge_within_days
    items = (
        ("How to complain to us", complaints.route.strip()),
        ("Acknowledgement", f"We acknowledge every complaint within {days} days."),
        ("What happens next", complaints.outcome.strip()),
    )
    return [Facts("Complaining to us", items)]


def _contact(policy: Policy) -> list[Block]:
    org = policy.organisation
    candidates = (
        ("Email", org.email),
        ("Telephone", org.phone),
        ("Post", org.address),
        ("Website", org.website),
        ("Privacy contact", org.privacy_contact),
        ("ICO registration number", org.ico_registration),
    )
    items = tuple((label, value) for label, value in candidates if value)
    return [Facts(f"Contact {org.name}", items)] if items else []


def _change_log(policy: Policy) -> list[Block]:
    rows: list[tuple[Cell, ...]] = [
        (f"Version {e.version}", date_label(e.date), (e.summary, *e.changes))
        for e in policy.change_log
    ]
    return [Table("Change log", ("Version", "Date", "Changes"), tuple(rows))] if rows else []


_BUILDERS: dict[Declaration, Callable[[Policy], list[Block]]] = {
    Declaration.CATEGORIES: _categories,
    Declaration.SPECIAL_CATEGORIES: _special_categories,
    Declaration.COLLECTION_POINTS: _collection_points,
    Declaration.PURPOSES: _purposes,
    Declaration.AUTOMATED_DECISIONS: _automated_decisions,
    Declaration.COOKIES: _cookies,
    Declaration.RECIPIENTS: _recipients,
    Declaration.TRANSFERS: _transfers,
    Declaration.RETENTION: _retention,
    Declaration.RIGHTS: _rights,
    Declaration.COMPLAINTS: _complaints,
    Declaration.CONTACT: _contact,
    Declaration.CHANGE_LOG: _change_log,
}


def _join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]
