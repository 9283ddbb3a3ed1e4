"""Policies with and without the statistics purpose (the shipped policy does not declare
it yet; counting runs only where it is declared)."""

from __future__ import annotations

from charter.analytics.service import STATISTICS_PURPOSE
from charter.policy.schemas import LawfulBasis, Policy, Purpose

STATISTICS = Purpose(
    id=STATISTICS_PURPOSE,
    name="Website statistics without cookies",
    description="Count visits to our pages without cookies, keeping only daily totals.",
    lawful_basis=LawfulBasis.LEGITIMATE_INTERESTS,
    legitimate_interest="Knowing which pages people use, without identifying anyone.",
    categories=["technical"],
)


def with_statistics(policy: Policy) -> Policy:
    kept = without_statistics(policy)
    return kept.model_copy(update={"purposes": [*kept.purposes, STATISTICS]})


def without_statistics(policy: Policy) -> Policy:
    kept = [p for p in policy.purposes if p.id != STATISTICS_PURPOSE]
    return policy.model_copy(update={"purposes": kept})
