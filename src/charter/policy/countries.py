"""Where a recipient is, seen from a UK controller (UK GDPR Chapter V).

Any disclosure to a recipient outside the UK is a restricted transfer and needs a
mechanism. The UK has adequacy regulations (DPA 2018 s.17A; the EEA states, Gibraltar and
the EU institutions were carried over by Sch. 21) for the countries below, so for them
"adequacy" is the mechanism. The list is kept for checks and labels only; the ICO's list
of adequacy regulations is the authority, so a mismatch is reported as a warning.
"""

from __future__ import annotations

UNITED_KINGDOM = "GB"

EEA: dict[str, str] = {
    "AT": "Austria",
    "BE": "Belgium",
    "BG": "Bulgaria",
    "HR": "Croatia",
    "CY": "Cyprus",
    "CZ": "Czechia",
    "DK": "Denmark",
    "EE": "Estonia",
    "FI": "Finland",
    "FR": "France",
    "DE": "Germany",
    "GR": "Greece",
    "HU": "Hungary",
    "IE": "Ireland",
    "IT": "Italy",
    "LV": "Latvia",
    "LT": "Lithuania",
    "LU": "Luxembourg",
    "MT": "Malta",
    "NL": "Netherlands",
    "PL": "Poland",
    "PT": "Portugal",
    "RO": "Romania",
    "SK": "Slovakia",
    "SI": "Slovenia",
    "ES": "Spain",
    "SE": "Sweden",
    "IS": "Iceland",
    "LI": "Liechtenstein",
    "NO": "Norway",
}

#: Other countries with UK adequacy regulations.
ADEQUATE: dict[str, str] = {
    "AD": "Andorra",
    "AR": "Argentina",
    "CA": "Canada",
    "CH": "Switzerland",
    "FO": "Faroe Islands",
    "GG": "Guernsey",
    "GI": "Gibraltar",
    "IL": "Israel",
    "IM": "Isle of Man",
    "JE": "Jersey",
    "JP": "Japan",
    "KR": "Republic of Korea",
    "NZ": "New Zealand",
    "US": "United States",
    "UY": "Uruguay",
}

#: Adequacy that covers only some recipients, so the policy must say which scheme applies:
#: US (UK Extension to the EU-US Data Privacy Framework, certified organisations only),
#: Canada (commercial organisations under PIPEDA), Japan (private sector under APPI).
PARTIAL_ADEQUACY = frozenset({"US", "CA", "JP"})

_NAMES = {UNITED_KINGDOM: "United Kingdom", **EEA, **ADEQUATE}


def is_uk(country: str) -> bool:
    return country.upper() == UNITED_KINGDOM


def has_uk_adequacy(country: str) -> bool:
    code = country.upper()
    return code in EEA or code in ADEQUATE


def country_name(country: str) -> str:
    """A readable name for an ISO 3166-1 alpha-2 code; the code itself when unknown."""
    return _NAMES.get(country.upper(), country.upper())
