"""What a collection point may collect, checked before anything is written.

The policy declares, for each collection point, the fields it gathers and the purposes
it gathers them for; anything else is refused, so the system cannot drift from what the
privacy notice told people (UK GDPR Art. 5(1)(b) purpose limitation, Art. 5(1)(c) data
minimisation, Art. 13(1)(c)). Special-category fields are refused outright (Art. 9).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from charter.errors import CategoryNotAllowed, InvalidInput, UndeclaredField, UndeclaredPurpose
from charter.policy.schemas import CollectionPoint, DataField, Policy, Purpose, RetentionRule
from charter.vault.identifiers import normalise_identifier

MAX_SOURCE_LENGTH = 200
_FIELD_REF = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class PlannedValue:
    """One value that passed every check and is ready to be sealed."""

    category: str
    field: DataField
    plaintext: str
    purposes: list[str]
    rule: RetentionRule


def plan_values(
    policy: Policy,
    collection_point: str,
    values: Mapping[str, str],
    purposes: Sequence[str] | None,
) -> list[PlannedValue]:
    """Check every value against the policy before anything is written.

    Raises :class:`UndeclaredField` for a field the point does not collect or a
    special-category field (Art. 9: this firm collects none), :class:`UndeclaredPurpose`
    for a purpose the policy or the point does not declare, :class:`InvalidInput` for a
    malformed identifier.
    """
    point = policy.collection_point(collection_point)
    chosen = _point_purposes(policy, point, purposes)
    planned: list[PlannedValue] = []
    for ref, value in values.items():
        category, field = _declared_field(policy, point, ref)
        if not isinstance(value, str):
            raise InvalidInput(f"The value of '{ref}' must be text.")
        if not value.strip():
            continue
        planned.append(
            PlannedValue(
                category=category,
                field=field,
                plaintext=normalise_identifier(field.identifier, value)
                if field.identifier is not None
                else value,
                purposes=_value_purposes(chosen, category),
                rule=policy.retention_rule(category, collection_point),
            )
        )
    return planned


def _point_purposes(
    policy: Policy, point: CollectionPoint, purposes: Sequence[str] | None
) -> list[Purpose]:
    wanted = list(dict.fromkeys(point.purposes if purposes is None else purposes))
    if not wanted:
        raise UndeclaredPurpose(f"Name the purposes data from '{point.id}' is collected for.")
    chosen = [policy.purpose(purpose_id) for purpose_id in wanted]
    for purpose in chosen:
        if point.purposes and purpose.id not in point.purposes:
            raise UndeclaredPurpose(
                f"The collection point '{point.id}' does not collect data for '{purpose.id}'."
            )
    return chosen


def _declared_field(policy: Policy, point: CollectionPoint, ref: str) -> tuple[str, DataField]:
    if not _FIELD_REF.match(ref):
        raise UndeclaredField("Fields are named 'category.field'.")
    if ref not in point.fields:
        raise UndeclaredField(f"The collection point '{point.id}' does not collect '{ref}'.")
    category_id, field_id = ref.split(".")
    field = policy.category(category_id).field(field_id)
    if field.special_category:
        raise UndeclaredField(
            f"'{ref}' is special category data (Art. 9), which Charter does not store."
        )
    return category_id, field


def _value_purposes(chosen: list[Purpose], category: str) -> list[str]:
    using = [purpose.id for purpose in chosen if category in purpose.categories]
    if not using:
        raise CategoryNotAllowed(
            f"None of the purposes it is collected for uses the category '{category}'."
        )
    return using


def check_source(source: str) -> None:
    """The source is stored in clear for Art. 30 records, so it must be a short label
    ("privacy_centre", "staff: phone call"), never a pasted message."""
    if not source.strip() or len(source) > MAX_SOURCE_LENGTH or not source.isprintable():
        raise InvalidInput(
            f"The source must be a short label of up to {MAX_SOURCE_LENGTH} characters."
        )
