"""What screening reports: flagged passages and the identifiers found in a text.

Special-category findings name a *passage* (the sentence that reveals it), because that
whole passage is what must not be kept (UK GDPR Art. 9(1), Art. 10). Identifier findings
name the exact value, because the caller may need to pseudonymise or store it separately
(Art. 4(1): an identifier is what makes the rest of the message personal data).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

SpecialCategory = Literal[
    "racial_ethnic_origin",
    "political_opinions",
    "religious_beliefs",
    "trade_union",
    "genetic",
    "biometric",
    "health",
    "sex_life_orientation",
    "criminal_offences",
]

PiiType = Literal[
    "person_name",
    "email",
    "phone",
    "postal_address",
    "postcode",
    "iban",
    "uk_sort_code_account",
    "payment_card",
    "ip_address",
    "date_of_birth",
    "ni_number",
]

SPECIAL_CATEGORIES: tuple[SpecialCategory, ...] = get_args(SpecialCategory)
PII_TYPES: tuple[PiiType, ...] = get_args(PiiType)

#: How a redaction marker names each category to a reader ("[removed: health information]").
CATEGORY_LABELS: dict[SpecialCategory, str] = {
    "racial_ethnic_origin": "racial or ethnic origin",
    "political_opinions": "political opinions",
    "religious_beliefs": "religious or philosophical beliefs",
    "trade_union": "trade union membership",
    "genetic": "genetic data",
    "biometric": "biometric data",
    "health": "health information",
    "sex_life_orientation": "sex life or sexual orientation",
    "criminal_offences": "criminal offence information",
}


@dataclass(frozen=True, slots=True)
class SpecialFinding:
    """A passage, ``text[start:end]``, revealing ``category`` about an identifiable person."""

    category: SpecialCategory
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class PiiFinding:
    """An identifier; ``value == text[start:end]`` always holds."""

    type: PiiType
    value: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Screening:
    """The result of screening one text.

    ``truncated`` says that only the first ``service.MAX_SCREENED_CHARS`` characters were
    screened (a bound against pathological input); the rest is unknown and
    ``redact_special`` drops it rather than keep something unscreened.
    """

    special: list[SpecialFinding]
    pii: list[PiiFinding]
    truncated: bool = False

    @property
    def flagged(self) -> bool:
        """True if the text reveals any special-category or criminal-offence data."""
        return bool(self.special)

    @property
    def categories(self) -> list[SpecialCategory]:
        return sorted({finding.category for finding in self.special})
