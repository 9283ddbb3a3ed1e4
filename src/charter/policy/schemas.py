"""The privacy policy as data: Pydantic models of the policy file.

The policy file is the single source of truth. The public policy page is rendered from
it, and the running system refuses any purpose, category, field, recipient or transfer it
does not declare (UK GDPR Art. 5(1)(b) purpose limitation, Art. 13 transparency).

Structural validation lives here (types, value shapes); cross-references, unique ids and
legal checks live in ``checks.py`` so they can be reported all at once with their
locations. ``loader.py`` reads a file into these models; ``policy.schema.json`` (shipped
next to the policies) is generated from them for editors.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from charter.errors import CategoryNotAllowed, UndeclaredField, UndeclaredPurpose


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LawfulBasis(StrEnum):
    """Art. 6(1) UK GDPR."""

    CONSENT = "consent"
    CONTRACT = "contract"
    LEGAL_OBLIGATION = "legal_obligation"
    VITAL_INTERESTS = "vital_interests"
    PUBLIC_TASK = "public_task"
    LEGITIMATE_INTERESTS = "legitimate_interests"


class Channel(StrEnum):
    """Marketing channels a person can consent to separately (PECR regs 21-22)."""

    EMAIL = "email"
    PHONE = "phone"
    TEXT = "text"


class IdentifierKind(StrEnum):
    """Fields that get a blind index so a subject can be found by them."""

    EMAIL = "email"
    PHONE = "phone"


class RetentionTrigger(StrEnum):
    """The event a retention period runs from (Art. 13(2)(a): the period or its criteria)."""

    SINCE_COLLECTION = "since_collection"
    SINCE_LAST_CONTACT = "since_last_contact"
    SINCE_END_OF_FINANCIAL_YEAR = "since_end_of_financial_year"
    UNTIL_CONSENT_WITHDRAWN = "until_consent_withdrawn"
    UNTIL_ACCOUNT_CLOSED = "until_account_closed"


class RecipientRole(StrEnum):
    """Art. 28 processors act on our instructions; third parties decide for themselves."""

    PROCESSOR = "processor"
    THIRD_PARTY = "third_party"


class TransferMechanism(StrEnum):
    """Chapter V UK GDPR: how a restricted transfer is made lawful."""

    ADEQUACY = "adequacy"  # s.17A DPA 2018 adequacy regulations
    UK_IDTA = "uk_idta"  # International Data Transfer Agreement
    UK_ADDENDUM = "uk_addendum"  # UK Addendum to the EU SCCs
    BCR = "binding_corporate_rules"
    ART49_DEROGATION = "art49_derogation"


class Organisation(Strict):
    name: str
    legal_name: str | None = None
    address: str | None = None
    email: str | None = None
    phone: str | None = None
    website: str | None = None
    ico_registration: str | None = None
    privacy_contact: str | None = None
    financial_year_end: str | None = Field(
        default=None,
        pattern=r"^(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$",
        description="MM-DD the financial year ends; retention 'since_end_of_financial_year' "
        "counts from it (unset: the vault's default, 03-31)",
    )


class DataField(Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: str
    encrypted: bool = True
    identifier: IdentifierKind | None = None
    special_category: bool = False


class Category(Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    description: str
    fields: list[DataField]

    def field(self, field_id: str) -> DataField:
        for item in self.fields:
            if item.id == field_id:
                return item
        raise UndeclaredField(f"Category '{self.id}' declares no field '{field_id}'.")


class ConsentRequest(Strict):
    """A consent a collection point asks for, with the exact wording shown (Art. 7(2))."""

    purpose: str
    channels: list[Channel] = []
    wording: str


class CollectionPoint(Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    description: str
    fields: list[str] = Field(description="'category.field' references collected here")
    purposes: list[str] = []
    consents: list[ConsentRequest] = []


class Purpose(Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    description: str
    lawful_basis: LawfulBasis
    legitimate_interest: str | None = None
    categories: list[str]
    channels: list[Channel] = []
    marketing: bool = False
    permitted_under_restriction: bool = Field(
        default=False,
        description="Art. 18(2): storage and legal claims may continue under restriction.",
    )


class Cookie(Strict):
    name: str
    provider: str
    purpose: str
    category: str = Field(description="necessary | analytics | preferences | marketing")
    strictly_necessary: bool
    lifetime: str
    consent_purpose: str | None = Field(
        default=None,
        description="Purpose whose consent gates this cookie (PECR reg. 6); "
        "required unless strictly necessary.",
    )


class Transfer(Strict):
    mechanism: TransferMechanism
    reference: str | None = None
    derogation_reason: str | None = None


class Recipient(Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    role: RecipientRole
    description: str
    purposes: list[str]
    categories: list[str]
    country: str = Field(min_length=2, max_length=2, description="ISO 3166-1 alpha-2")
    transfer: Transfer | None = None
    sells_data: bool = False
    uses_for_own_marketing: bool = False


class RetentionRule(Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    categories: list[str]
    collection_points: list[str] = []
    trigger: RetentionTrigger
    years: int = 0
    months: int = 0
    days: int = 0
    action: str = "delete"
    criteria: str
    legal_reference: str

    def has_period(self) -> bool:
        """Whether the rule states a length of time. A rule without one and with a
        trigger that is not itself an end (consent withdrawn, account closed) is only
        criteria, e.g. "as long as necessary": reviewed by a person, never auto-deleted."""
        return bool(self.years or self.months or self.days)

    def ends_by_event(self) -> bool:
        """Whether the data goes when an event happens (plus any period after it)."""
        return self.trigger in (
            RetentionTrigger.UNTIL_CONSENT_WITHDRAWN,
            RetentionTrigger.UNTIL_ACCOUNT_CLOSED,
        )


class Right(Strict):
    id: str
    name: str
    article: str
    description: str


class SpecialCategoryStance(Strict):
    collected: bool = False
    criminal_offence_data_collected: bool = False
    statement: str


class ChangeLogEntry(Strict):
    version: str
    date: date
    summary: str
    changes: list[str] = []


class Declaration(StrEnum):
    """A table or statement generated from the structured declarations, placed in a
    section so the page shows exactly what the system enforces (Art. 13, Art. 12(1))."""

    CATEGORIES = "categories"
    SPECIAL_CATEGORIES = "special_categories"
    COLLECTION_POINTS = "collection_points"
    PURPOSES = "purposes"
    AUTOMATED_DECISIONS = "automated_decisions"
    COOKIES = "cookies"
    RECIPIENTS = "recipients"
    TRANSFERS = "transfers"
    RETENTION = "retention"
    RIGHTS = "rights"
    COMPLAINTS = "complaints"
    CONTACT = "contact"
    CHANGE_LOG = "change_log"


class Section(Strict):
    """A titled block of prose from the policy text, rendered in its original order.

    A paragraph whose lines all start with ``- `` is a bulleted list. The section shows
    its ``paragraphs``, then the generated ``declarations``, then its ``closing``.
    """

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: str
    paragraphs: list[str] = []
    level: int = Field(default=2, ge=2, le=3, description="2: a topic; 3: a sub-heading")
    declarations: list[Declaration] = []
    closing: list[str] = Field(default=[], description="Paragraphs after the declarations")


class Complaints(Strict):
    """How to complain to us. DPA 2018 s.164A (inserted by the Data (Use and Access) Act
    2025 s.103, in force 19 June 2026): controllers must facilitate complaints, e.g. with a
    form that can be completed electronically, and acknowledge them within 30 days."""

    route: str = Field(description="How to complain to us, e.g. the form and the address")
    acknowledge_within_days: int = Field(default=30, ge=1, le=30)
    outcome: str = Field(
        default="We will look into your complaint without undue delay, keep you informed "
        "of progress, and tell you the outcome.",
        description="What happens next (s.164A(4)-(5))",
    )


class AutomatedDecisions(Strict):
    """Art. 13(2)(f): whether decisions with legal or similarly significant effects are
    made by automated means alone (Art. 22), and if so the logic and consequences."""

    used: bool = False
    statement: str


class Policy(Strict):
    """One version of the privacy policy: what is collected, why, on what basis, who
    receives it, how long it is kept and what rights people have (Art. 13-14, Art. 30)."""

    policy_id: str
    title: str
    version: str
    effective_date: date
    organisation: Organisation
    sections: list[Section] = []
    categories: list[Category]
    special_categories: SpecialCategoryStance
    collection_points: list[CollectionPoint]
    purposes: list[Purpose]
    cookies: list[Cookie] = []
    recipients: list[Recipient] = []
    retention: list[RetentionRule]
    rights: list[Right]
    complaints: Complaints | None = None
    automated_decisions: AutomatedDecisions | None = None
    change_log: list[ChangeLogEntry]
    history: list[str] = Field(
        default=[], description="Files (relative to this one) holding earlier versions"
    )

    # Lookups used by the purpose gate, the vault and the ledger -------------------------

    def purpose(self, purpose_id: str) -> Purpose:
        for item in self.purposes:
            if item.id == purpose_id:
                return item
        raise UndeclaredPurpose(f"The purpose '{purpose_id}' is not declared in the policy.")

    def category(self, category_id: str) -> Category:
        for item in self.categories:
            if item.id == category_id:
                return item
        raise CategoryNotAllowed(f"The category '{category_id}' is not declared in the policy.")

    def collection_point(self, point_id: str) -> CollectionPoint:
        for item in self.collection_points:
            if item.id == point_id:
                return item
        raise UndeclaredField(f"The collection point '{point_id}' is not declared.")

    def recipient(self, recipient_id: str) -> Recipient:
        for item in self.recipients:
            if item.id == recipient_id:
                return item
        raise UndeclaredField(f"The recipient '{recipient_id}' is not declared.")

    def change_entry(self) -> ChangeLogEntry | None:
        """This version's own change-log entry, if it has one."""
        for entry in self.change_log:
            if entry.version == self.version:
                return entry
        return None

    def retention_rule(self, category_id: str, collection_point: str | None) -> RetentionRule:
        """The most specific rule for a category (collected at a point, if given)."""
        general: RetentionRule | None = None
        for rule in self.retention:
            if category_id not in rule.categories:
                continue
            if collection_point and collection_point in rule.collection_points:
                return rule
            if not rule.collection_points and general is None:
                general = rule
        if general is None:
            raise CategoryNotAllowed(f"No retention rule covers the category '{category_id}'.")
        return general
