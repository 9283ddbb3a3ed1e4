"""The purpose gate: which categories of a subject's data a purpose may use.

Every use of personal data names a purpose from the policy in force, and may touch only
the categories that purpose declares (UK GDPR Art. 5(1)(b) purpose limitation, Art. 25(2)
data protection by default). While processing is restricted only purposes the policy
marks ``permitted_under_restriction`` (storage, legal claims) may proceed (Art. 18(2)).
Once a subject's data key is destroyed nothing may be processed at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

from charter.errors import CategoryNotAllowed, ProcessingRestricted
from charter.policy.schemas import Policy
from charter.vault.keys import DataErased
from charter.vault.models import Subject


class RestrictionGround(StrEnum):
    """Art. 18(1): the only four cases in which a person can have processing restricted."""

    ACCURACY_CONTESTED = "accuracy_contested"  # (a) while accuracy is checked
    UNLAWFUL_PROCESSING = "unlawful_processing"  # (b) restriction asked instead of erasure
    LEGAL_CLAIMS = "legal_claims"  # (c) no longer needed by us, needed by them for claims
    OBJECTION_PENDING = "objection_pending"  # (d) Art. 21(1) objection being weighed


def permitted_categories(
    policy: Policy, subject: Subject, *, purpose: str, categories: Sequence[str] | None
) -> list[str]:
    """The categories ``purpose`` may use for ``subject``, or the refusal.

    ``categories=None`` means "everything this purpose may use", never "everything".
    Checks run in a fixed order so a caller learns the most basic problem first:
    undeclared purpose, then disallowed category, then erasure, then restriction.
    """
    declared = policy.purpose(purpose)
    wanted = list(dict.fromkeys(declared.categories if categories is None else categories))
    for category in wanted:
        if category not in declared.categories:
            raise CategoryNotAllowed(
                f"The purpose '{declared.id}' may not use the category '{category}'."
            )
    if subject.erased_at is not None:
        raise DataErased
    if subject.restricted_at is not None and not declared.permitted_under_restriction:
        raise ProcessingRestricted
    return wanted
