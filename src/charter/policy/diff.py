"""What changed between two versions of the policy, and whose consent must be asked again.

A consent covers what people were told when they gave it (Art. 4(11) "specific,
informed"; Art. 7). When a new version widens a consent-based purpose (more categories
of data, more channels, new recipients or a new country for them), the old consents do
not cover the wider scope and must be renewed. Rewording alone is not material.

``diff_policies`` lists the material changes; ``draft_change_log`` turns them into a
change-log entry to edit; ``purposes_needing_renewal`` is what the consent feature uses
to mark stored consents as needing renewal.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from enum import StrEnum

from charter.errors import CategoryNotAllowed
from charter.policy.countries import country_name, is_uk
from charter.policy.document import (
    LAWFUL_BASIS_LABELS,
    TRANSFER_LABELS,
    category_name,
    field_label,
    point_name,
    purpose_name,
    retention_period_label,
)
from charter.policy.schemas import ChangeLogEntry, LawfulBasis, Policy, RetentionRule


class ChangeKind(StrEnum):
    PURPOSE_ADDED = "purpose_added"
    PURPOSE_REMOVED = "purpose_removed"
    LAWFUL_BASIS_CHANGED = "lawful_basis_changed"
    CATEGORIES_WIDENED = "categories_widened"
    CATEGORIES_NARROWED = "categories_narrowed"
    CHANNELS_WIDENED = "channels_widened"
    CHANNELS_NARROWED = "channels_narrowed"
    CATEGORY_ADDED = "category_added"
    FIELD_ADDED = "field_added"
    RECIPIENT_ADDED = "recipient_added"
    RECIPIENT_REMOVED = "recipient_removed"
    RECIPIENT_WIDENED = "recipient_widened"
    TRANSFER_ADDED = "transfer_added"
    TRANSFER_MECHANISM_CHANGED = "transfer_mechanism_changed"
    RETENTION_SHORTER = "retention_shorter"
    RETENTION_LONGER = "retention_longer"
    RETENTION_CHANGED = "retention_changed"
    COLLECTION_POINT_ADDED = "collection_point_added"
    COLLECTION_POINT_REMOVED = "collection_point_removed"
    FIELDS_COLLECTED_ADDED = "fields_collected_added"
    COOKIE_ADDED = "cookie_added"
    COOKIE_REMOVED = "cookie_removed"
    COOKIE_CONSENT_CHANGED = "cookie_consent_changed"
    RIGHT_ADDED = "right_added"
    RIGHT_REMOVED = "right_removed"


@dataclass(frozen=True)
class Change:
    """One material change. ``widens`` names the purposes whose scope it widens."""

    kind: ChangeKind
    subject: str
    description: str
    widens: frozenset[str] = frozenset()


@dataclass(frozen=True)
class PolicyDiff:
    old: Policy
    new: Policy
    changes: tuple[Change, ...]
    reworded_sections: tuple[str, ...] = field(default=())

    def of_kind(self, kind: ChangeKind) -> list[Change]:
        return [c for c in self.changes if c.kind is kind]


def diff_policies(old: Policy, new: Policy) -> PolicyDiff:
    """The material changes from ``old`` to ``new``, purposes first."""
    changes = [
        *_purpose_changes(old, new),
        *_category_changes(old, new),
        *_recipient_changes(old, new),
        *_retention_changes(old, new),
        *_collection_changes(old, new),
        *_cookie_changes(old, new),
        *_right_changes(old, new),
    ]
    old_sections = {s.id: s for s in old.sections}
    reworded = tuple(
        s.id
        for s in new.sections
        if s.id not in old_sections
        or (s.title, s.paragraphs, s.closing)
        != (old_sections[s.id].title, old_sections[s.id].paragraphs, old_sections[s.id].closing)
    )
    return PolicyDiff(old, new, tuple(changes), reworded)


def purposes_needing_renewal(diff: PolicyDiff) -> set[str]:
    """Consent-based purposes (in both versions) whose scope the new version widens: their
    stored consents no longer cover what the purpose does (Art. 4(11), Art. 7(1))."""
    old_consent = {p.id for p in diff.old.purposes if p.lawful_basis is LawfulBasis.CONSENT}
    new_consent = {p.id for p in diff.new.purposes if p.lawful_basis is LawfulBasis.CONSENT}
    widened = {purpose for change in diff.changes for purpose in change.widens}
    return widened & old_consent & new_consent


def draft_change_log(diff: PolicyDiff) -> ChangeLogEntry:
    """A change-log entry for the new version listing every material change, to edit
    before publishing (Art. 12(1): tell people what changed)."""
    summary = f"Changes since version {diff.old.version}."
    if not diff.changes:
        summary = f"Wording changes since version {diff.old.version}; no material change."
    return ChangeLogEntry(
        version=diff.new.version,
        date=diff.new.effective_date,
        summary=summary,
        changes=[c.description for c in diff.changes],
    )


def _purpose_changes(old: Policy, new: Policy) -> list[Change]:
    before = {p.id: p for p in old.purposes}
    after = {p.id: p for p in new.purposes}
    changes: list[Change] = []
    for purpose_id, purpose in after.items():
        previous = before.get(purpose_id)
        if previous is None:
            basis = LAWFUL_BASIS_LABELS[purpose.lawful_basis]
            description = f"New purpose: {purpose.name} ({basis})."
            changes.append(Change(ChangeKind.PURPOSE_ADDED, purpose_id, description))
            continue
        if previous.lawful_basis is not purpose.lawful_basis:
            description = (
                f"{purpose.name}: lawful basis changed from "
                f"{LAWFUL_BASIS_LABELS[previous.lawful_basis]} to "
                f"{LAWFUL_BASIS_LABELS[purpose.lawful_basis]}."
            )
            changes.append(Change(ChangeKind.LAWFUL_BASIS_CHANGED, purpose_id, description))
        changes += _set_change(
            purpose_id,
            name=purpose.name,
            what="data",
            added=[
                category_name(new, c) for c in purpose.categories if c not in previous.categories
            ],
            removed=[
                category_name(old, c) for c in previous.categories if c not in purpose.categories
            ],
            kinds=(ChangeKind.CATEGORIES_WIDENED, ChangeKind.CATEGORIES_NARROWED),
        )
        changes += _set_change(
            purpose_id,
            name=purpose.name,
            what="channels",
            added=[c.value for c in purpose.channels if c not in previous.channels],
            removed=[c.value for c in previous.channels if c not in purpose.channels],
            kinds=(ChangeKind.CHANNELS_WIDENED, ChangeKind.CHANNELS_NARROWED),
        )
    for purpose_id, purpose in before.items():
        if purpose_id not in after:
            description = f"Purpose removed: {purpose.name}."
            changes.append(Change(ChangeKind.PURPOSE_REMOVED, purpose_id, description))
    return changes


def _set_change(
    purpose_id: str,
    *,
    name: str,
    what: str,
    added: list[str],
    removed: list[str],
    kinds: tuple[ChangeKind, ChangeKind],
) -> list[Change]:
    changes: list[Change] = []
    if added:
        description = f"{name} now also uses {what}: {', '.join(added)}."
        changes.append(Change(kinds[0], purpose_id, description, frozenset({purpose_id})))
    if removed:
        description = f"{name} no longer uses {what}: {', '.join(removed)}."
        changes.append(Change(kinds[1], purpose_id, description))
    return changes


def _category_changes(old: Policy, new: Policy) -> list[Change]:
    """New categories, and new fields in a category, which widen every purpose using it."""
    before = {c.id: c for c in old.categories}
    changes: list[Change] = []
    for category in new.categories:
        previous = before.get(category.id)
        if previous is None:
            description = f"New category of data: {category.name}."
            changes.append(Change(ChangeKind.CATEGORY_ADDED, category.id, description))
            continue
        known = {f.id for f in previous.fields}
        added = [f.label for f in category.fields if f.id not in known]
        if added:
            users = frozenset(p.id for p in new.purposes if category.id in p.categories)
            description = f"{category.name} now includes: {', '.join(added)}."
            changes.append(Change(ChangeKind.FIELD_ADDED, category.id, description, users))
    return changes


def _recipient_changes(old: Policy, new: Policy) -> list[Change]:
    before = {r.id: r for r in old.recipients}
    after = {r.id for r in new.recipients}
    changes: list[Change] = []
    for recipient in new.recipients:
        previous = before.get(recipient.id)
        where = country_name(recipient.country)
        if previous is None:
            description = f"New recipient: {recipient.name} ({where})."
            widens = frozenset(recipient.purposes)
            changes.append(Change(ChangeKind.RECIPIENT_ADDED, recipient.id, description, widens))
            continue
        new_purposes = [p for p in recipient.purposes if p not in previous.purposes]
        new_categories = [c for c in recipient.categories if c not in previous.categories]
        if new_purposes or new_categories:
            added = [purpose_name(new, p) for p in new_purposes]
            added += [category_name(new, c) for c in new_categories]
            description = f"{recipient.name} now also receives data for: {', '.join(added)}."
            # New categories widen only the purposes that use them: a processor that now
            # also carries correspondence does not change what marketing consent covers.
            widens = frozenset(new_purposes) | frozenset(
                purpose_id
                for purpose_id in recipient.purposes
                if _uses_any(new, purpose_id, new_categories)
            )
            changes.append(Change(ChangeKind.RECIPIENT_WIDENED, recipient.id, description, widens))
        moved = previous.country.upper() != recipient.country.upper()
        if moved and not is_uk(recipient.country):
            description = f"{recipient.name} now processes data in {where}."
            widens = frozenset(recipient.purposes)
            changes.append(Change(ChangeKind.TRANSFER_ADDED, recipient.id, description, widens))
        elif (
            not moved
            and previous.transfer is not None
            and recipient.transfer is not None
            and previous.transfer.mechanism is not recipient.transfer.mechanism
        ):
            description = (
                f"Transfers to {recipient.name} ({where}) now rely on "
                f"{TRANSFER_LABELS[recipient.transfer.mechanism]} instead of "
                f"{TRANSFER_LABELS[previous.transfer.mechanism]}."
            )
            changes.append(Change(ChangeKind.TRANSFER_MECHANISM_CHANGED, recipient.id, description))
    for recipient_id, recipient in before.items():
        if recipient_id not in after:
            description = f"Recipient removed: {recipient.name}."
            changes.append(Change(ChangeKind.RECIPIENT_REMOVED, recipient_id, description))
    return changes


def _uses_any(policy: Policy, purpose_id: str, categories: list[str]) -> bool:
    declared = {p.id: p for p in policy.purposes}.get(purpose_id)
    return declared is not None and any(c in declared.categories for c in categories)


def _resolve(policy: Policy, category: str, point: str | None) -> RetentionRule | None:
    try:
        return policy.retention_rule(category, point)
    except CategoryNotAllowed:
        return None


def _days(rule: RetentionRule) -> int | None:
    """Approximate length in days, or None for "no fixed period" (longest of all)."""
    if not rule.has_period() and not rule.ends_by_event():
        return None
    return rule.years * 366 + rule.months * 31 + rule.days


def _compare(old: RetentionRule, new: RetentionRule) -> ChangeKind | None:
    if (old.trigger, old.years, old.months, old.days) == (
        new.trigger,
        new.years,
        new.months,
        new.days,
    ):
        return None
    before, after = _days(old), _days(new)
    if before is None and after is not None:
        return ChangeKind.RETENTION_SHORTER
    if after is None and before is not None:
        return ChangeKind.RETENTION_LONGER
    if old.trigger is new.trigger and before is not None and after is not None:
        return ChangeKind.RETENTION_SHORTER if after < before else ChangeKind.RETENTION_LONGER
    return ChangeKind.RETENTION_CHANGED


@dataclass
class _RetentionGroup:
    kind: ChangeKind
    before: RetentionRule
    after: RetentionRule
    categories: list[str] = field(default_factory=list)
    where: list[str] = field(default_factory=list)


def _retention_changes(old: Policy, new: Policy) -> list[Change]:
    """Compares the rule that applies to each category wherever it is collected, so a
    policy that splits one rule into several is compared fairly (Art. 13(2)(a))."""
    points: dict[str, set[str | None]] = defaultdict(lambda: {None})
    for policy in (old, new):
        for collection_point in policy.collection_points:
            for reference in collection_point.fields:
                points[reference.partition(".")[0]].add(collection_point.id)
    groups: dict[tuple[str, str], _RetentionGroup] = {}
    for category in new.categories:
        for point in sorted(points[category.id], key=lambda p: p or ""):
            before, after = _resolve(old, category.id, point), _resolve(new, category.id, point)
            if before is None or after is None:
                continue
            kind = _compare(before, after)
            if kind is None:
                continue
            group = groups.setdefault((before.id, after.id), _RetentionGroup(kind, before, after))
            if category.name not in group.categories:
                group.categories.append(category.name)
            name = point_name(new, point) if point else None
            if name and name not in group.where:
                group.where.append(name)
    changes: list[Change] = []
    for group in groups.values():
        scope = ", ".join(group.categories)
        if group.where:
            scope += f" (from: {', '.join(group.where)})"
        description = (
            f"Retention of {scope}: {retention_period_label(group.after)} "
            f"(was: {retention_period_label(group.before)})."
        )
        changes.append(Change(group.kind, group.after.id, description))
    return changes


def _collection_changes(old: Policy, new: Policy) -> list[Change]:
    before = {p.id: p for p in old.collection_points}
    after = {p.id for p in new.collection_points}
    changes: list[Change] = []
    for point in new.collection_points:
        previous = before.get(point.id)
        if previous is None:
            description = f"New place we collect data: {point.name}."
            changes.append(Change(ChangeKind.COLLECTION_POINT_ADDED, point.id, description))
            continue
        added = [f for f in point.fields if f not in previous.fields]
        if added:
            labels = ", ".join(field_label(new, f) for f in added)
            description = f"{point.name} now also collects: {labels}."
            changes.append(Change(ChangeKind.FIELDS_COLLECTED_ADDED, point.id, description))
    for point_id, point in before.items():
        if point_id not in after:
            description = f"We no longer collect data through: {point.name}."
            changes.append(Change(ChangeKind.COLLECTION_POINT_REMOVED, point_id, description))
    return changes


def _cookie_changes(old: Policy, new: Policy) -> list[Change]:
    """New and removed cookies, and cookies whose consent changed (PECR reg. 6); a new
    cookie set under a consent widens that consent's purpose."""
    before = {c.name: c for c in old.cookies}
    after = {c.name for c in new.cookies}
    changes: list[Change] = []
    for cookie in new.cookies:
        previous = before.get(cookie.name)
        if previous is None:
            gated = frozenset({cookie.consent_purpose}) if cookie.consent_purpose else frozenset()
            description = f"New cookie: {cookie.name} ({cookie.provider})."
            changes.append(Change(ChangeKind.COOKIE_ADDED, cookie.name, description, gated))
        elif previous.consent_purpose != cookie.consent_purpose:
            if cookie.consent_purpose:
                description = f"{cookie.name} cookies are now set only with your consent."
            else:
                description = f"{cookie.name} cookies no longer ask for your consent."
            changes.append(Change(ChangeKind.COOKIE_CONSENT_CHANGED, cookie.name, description))
    changes += [
        Change(ChangeKind.COOKIE_REMOVED, name, f"Cookie removed: {name}.")
        for name in before
        if name not in after
    ]
    return changes


def _right_changes(old: Policy, new: Policy) -> list[Change]:
    before = {r.id for r in old.rights}
    after = {r.id for r in new.rights}
    changes = [
        Change(ChangeKind.RIGHT_ADDED, r.id, f"New right explained: {r.name} ({r.article}).")
        for r in new.rights
        if r.id not in before
    ]
    changes += [
        Change(ChangeKind.RIGHT_REMOVED, r.id, f"Right no longer listed: {r.name}.")
        for r in old.rights
        if r.id not in after
    ]
    return changes
