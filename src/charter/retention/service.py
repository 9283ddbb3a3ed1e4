"""The retention sweep: delete (or anonymise) what is due, on time, once.

Art. 5(1)(e) storage limitation: personal data is kept no longer than the policy says
(Art. 13(2)(a)). The rules:

* **Due means ``retain_until <= now``**: a value is kept up to the instant before its
  deadline and deleted from it on. Deadlines that depend on events (consent withdrawn)
  or on business dates (accounting records) are worked out by ``deadlines.py`` and
  written to ``retain_until`` at the start of each sweep, so the console, the erasure
  plan and the access package show the same date the sweep acts on.
* **Held people are skipped, and counted** (``holds.py``): an open access request
  (DPA 2018 s.173), an open complaint, or a legal hold (Art. 17(3)(e)).
* **What goes with a value, and the key** (``removal.py``): its blind index and the rows
  that exist only because of it (correspondence, enquiry, accounting record); a rule
  whose ``action`` is ``anonymise`` keeps those rows, emptied of personal data. A person
  left with nothing loses their data key (``vault.destroy_data_key``, Art. 17).
* **Batched, resumable, idempotent**: each batch is its own unit of work that re-selects
  what is due, deletes it and adds its counts to the :class:`SweepRun` row in the same
  transaction. A crash loses at most the batch in flight (rolled back whole); the next
  run resumes the unfinished row, so its report counts every deletion exactly once and
  nothing can be deleted twice.
* **Audited per person, without personal data**: rule ids, field names and record ids.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select, text, update

from charter.audit import service as audit
from charter.erasure.service import is_statutory_rule
from charter.errors import InvalidInput
from charter.retention.deadlines import deadline_changes, order_groups
from charter.retention.holds import held_subject_ids
from charter.retention.models import SweepRun
from charter.retention.removal import (
    Batch,
    audit_and_shred,
    delete_values,
    no_other_data,
    prune_enquiries,
    remove_orders,
)
from charter.runtime import Runtime, Work
from charter.vault.models import PersonalValue, Subject

SWEEP_ACTOR = "system:retention"
DEFAULT_BATCH_SIZE = 500
MAX_BATCH_SIZE = 100_000
MAX_DAYS = 3660
ANONYMISE_ACTIONS = frozenset({"anonymise", "anonymize"})
#: PostgreSQL advisory lock serialising sweep batches across processes ("RETN").
SWEEP_LOCK_ID = 0x5245544E
Progress = Callable[[int, int], None]


@dataclass
class RuleCount:
    """One retention rule's line of a plan or report (values, except ``records``)."""

    rule: str
    action: str = "delete"
    statutory: bool = False
    due: int = 0
    held: int = 0
    deleted: int = 0
    anonymised: int = 0
    records: int = 0


@dataclass
class SweepPlan:
    as_of: datetime
    rules: list[RuleCount]
    keys_to_destroy: int

    @property
    def due(self) -> int:
        return sum(item.due for item in self.rules)

    @property
    def held(self) -> int:
        return sum(item.held for item in self.rules)


@dataclass
class SweepReport:
    run_id: int | None
    dry_run: bool
    resumed: bool
    started_at: datetime
    finished_at: datetime | None
    batches: int
    keys_destroyed: int
    rules: list[RuleCount] = field(default_factory=list)

    @property
    def removed(self) -> int:
        """Values deleted or anonymised (for a dry run: that would be)."""
        return sum(item.deleted + item.anonymised for item in self.rules)

    @property
    def held(self) -> int:
        return sum(item.held for item in self.rules)


@dataclass(frozen=True)
class Expiry:
    """One value's deadline: ids only."""

    value_id: int
    subject_id: int
    rule: str
    deadline: datetime
    order_id: int | None = None


@dataclass(frozen=True)
class Expiring:
    """How many values of one rule go on one day (``held``: of people held now)."""

    rule: str
    on: date
    values: int
    held: int


# What is due --------------------------------------------------------------------------------


def _schedule(work: Work, until: datetime) -> list[Expiry]:
    """Every value whose deadline, as worked out now, is at or before ``until``."""
    groups = order_groups(work)
    changes = deadline_changes(work, groups)
    in_groups = {value_id for group in groups for value_id in group.value_ids}
    rows = work.session.execute(
        select(
            PersonalValue.id,
            PersonalValue.subject_id,
            PersonalValue.retention_rule,
            PersonalValue.retain_until,
        ).where(PersonalValue.retain_until <= until)
    ).all()
    found: dict[int, Expiry] = {}
    for value_id, subject_id, rule, stored in rows:
        if stored is not None and value_id not in in_groups and value_id not in changes:
            found[value_id] = Expiry(value_id, subject_id, rule, stored)
    changed = [
        value_id
        for value_id, deadline in changes.items()
        if value_id not in in_groups and deadline is not None and deadline <= until
    ]
    for start in range(0, len(changed), 500):
        for value_id, subject_id, rule in work.session.execute(
            select(PersonalValue.id, PersonalValue.subject_id, PersonalValue.retention_rule).where(
                PersonalValue.id.in_(changed[start : start + 500])
            )
        ):
            deadline = changes[value_id]
            assert deadline is not None
            found[value_id] = Expiry(value_id, subject_id, rule, deadline)
    for group in groups:
        if group.deadline is None or group.deadline > until:
            continue
        for value_id in group.value_ids:
            found[value_id] = Expiry(
                value_id, group.subject_id, group.rule.id, group.deadline, group.order_id
            )
    return sorted(found.values(), key=lambda item: (item.deadline, item.value_id))


def _rule_lines(work: Work, extra: Iterable[str] = ()) -> dict[str, RuleCount]:
    lines = {
        rule.id: RuleCount(
            rule=rule.id,
            action="anonymise" if rule.action in ANONYMISE_ACTIONS else "delete",
            statutory=is_statutory_rule(rule),
        )
        for rule in work.policy.retention
    }
    for rule_id in extra:
        lines.setdefault(rule_id, RuleCount(rule=rule_id))
    return lines


def _held(work: Work) -> set[int]:
    return set(work.session.scalars(held_subject_ids()))


def plan_sweep(work: Work) -> SweepPlan:
    """What a sweep run now would do, per rule: values due, and how many of them are
    held. Changes nothing."""
    now = work.now()
    due = _schedule(work, now)
    held = _held(work)
    lines = _rule_lines(work, (item.rule for item in due))
    touched: dict[int, int] = defaultdict(int)
    for item in due:
        line = lines[item.rule]
        if item.subject_id in held:
            line.held += 1
        else:
            line.due += 1
            touched[item.subject_id] += 1
    emptied = 0
    for subject_id, count in touched.items():
        left = work.session.scalar(
            select(func.count(PersonalValue.id)).where(PersonalValue.subject_id == subject_id)
        )
        subject = work.session.get(Subject, subject_id)
        if left == count and subject is not None and no_other_data(work, subject):
            emptied += 1
    return SweepPlan(as_of=now, rules=list(lines.values()), keys_to_destroy=emptied)


def expiring(work: Work, *, days: int) -> list[Expiring]:
    """What goes in the next ``days`` days (and anything overdue), per rule and day."""
    if not 0 <= days <= MAX_DAYS:
        raise InvalidInput(f"Give a number of days from 0 to {MAX_DAYS}.")
    now = work.now()
    held = _held(work)
    counts: dict[tuple[str, date], list[int]] = defaultdict(lambda: [0, 0])
    for item in _schedule(work, now + timedelta(days=days)):
        entry = counts[(item.rule, max(item.deadline, now).date())]
        entry[0] += 1
        entry[1] += item.subject_id in held
    return [
        Expiring(rule=rule, on=on, values=values, held=held_count)
        for (rule, on), (values, held_count) in sorted(counts.items(), key=lambda kv: kv[0][::-1])
    ]


def last_sweep(work: Work) -> SweepReport | None:
    run = work.session.scalars(select(SweepRun).order_by(SweepRun.id.desc()).limit(1)).first()
    return None if run is None else _report(work, run, resumed=run.attempts > 1)


# Running ------------------------------------------------------------------------------------


def run_sweep(
    runtime: Runtime,
    *,
    dry_run: bool = False,
    batch_size: int = DEFAULT_BATCH_SIZE,
    progress: Progress | None = None,
    actor: str = SWEEP_ACTOR,
) -> SweepReport:
    """Delete what is due, batch by batch, each batch in its own unit of work.

    ``progress(done, total)`` is called after each committed batch (``total`` is what
    was due when the sweep started). A dry run opens one read-only unit and reports what
    would go. An unfinished run left by a crash is resumed, not restarted.
    """
    if not 1 <= batch_size <= MAX_BATCH_SIZE:
        raise InvalidInput(f"The batch size must be between 1 and {MAX_BATCH_SIZE}.")
    if dry_run:
        with runtime.unit(write=False) as work:
            plan = plan_sweep(work)
        for line in plan.rules:
            line.deleted, line.anonymised = (
                (0, line.due) if line.action == "anonymise" else (line.due, 0)
            )
        return SweepReport(
            run_id=None,
            dry_run=True,
            resumed=False,
            started_at=plan.as_of,
            finished_at=plan.as_of,
            batches=0,
            keys_destroyed=plan.keys_to_destroy,
            rules=plan.rules,
        )
    with runtime.unit() as work:
        run, resumed = _open_run(work, actor=actor)
        _settle_deadlines(work)
        run_id, total = run.id, plan_sweep(work).due
    done = 0
    if progress is not None:
        progress(done, total)
    while True:
        with runtime.unit() as work:
            acted, removed = _sweep_batch(work, run_id, batch_size=batch_size, actor=actor)
        if not acted:
            break
        done += removed
        if progress is not None:
            progress(done, max(total, done))
    with runtime.unit() as work:
        return _finish(work, run_id, resumed=resumed, actor=actor)


def _serialise(work: Work) -> None:
    """One sweep batch at a time across processes (a server's scheduler and a command),
    so each batch selects what is due only after the previous one committed. SQLite's
    write lock (``BEGIN IMMEDIATE``) does this already."""
    if work.session.get_bind().dialect.name == "postgresql":
        work.session.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": SWEEP_LOCK_ID})


def _open_run(work: Work, *, actor: str) -> tuple[SweepRun, bool]:
    _serialise(work)
    unfinished = work.session.scalars(
        select(SweepRun)
        .where(SweepRun.finished_at.is_(None))
        .order_by(SweepRun.id)
        .limit(1)
        .with_for_update()
    ).first()
    if unfinished is not None:
        unfinished.attempts += 1
        audit.record(
            work,
            actor=actor,
            action="retention.sweep_resumed",
            detail={"sweep_id": unfinished.id, "batches_done": unfinished.batches},
        )
        return unfinished, True
    run = SweepRun(started_at=work.now(), actor=actor, batches=0, attempts=1, keys_destroyed=0)
    run.counts = {}
    work.session.add(run)
    work.session.flush()
    audit.record(work, actor=actor, action="retention.sweep_started", detail={"sweep_id": run.id})
    return run, False


def _settle_deadlines(work: Work) -> int:
    """Write the worked-out deadlines (``deadlines.py``) to ``retain_until``."""
    by_deadline: dict[datetime | None, list[int]] = defaultdict(list)
    for value_id, deadline in deadline_changes(work).items():
        by_deadline[deadline].append(value_id)
    for deadline, ids in by_deadline.items():
        for start in range(0, len(ids), 500):
            work.session.execute(
                update(PersonalValue)
                .where(PersonalValue.id.in_(ids[start : start + 500]))
                .values(retain_until=deadline)
            )
    return sum(len(ids) for ids in by_deadline.values())


def _sweep_batch(work: Work, run_id: int, *, batch_size: int, actor: str) -> tuple[bool, int]:
    """One unit of work: delete up to ``batch_size`` due items (order records first);
    returns whether anything was due, and how many values went."""
    _serialise(work)
    run = work.session.get(SweepRun, run_id, with_for_update=True)
    if run is None or run.finished_at is not None:
        return False, 0
    now = work.now()
    held = _held(work)
    actions = {line.rule: line.action for line in _rule_lines(work).values()}
    batch = Batch()
    groups = [
        group
        for group in order_groups(work)
        if group.deadline is not None
        and group.deadline <= now
        and group.subject_id not in held
        and (group.value_ids or actions.get(group.rule.id, "delete") == "delete")
    ][:batch_size]
    if groups:
        remove_orders(work, groups, batch, actions)
    else:
        rows = work.session.execute(
            select(
                PersonalValue.id,
                PersonalValue.subject_id,
                PersonalValue.retention_rule,
                PersonalValue.category,
                PersonalValue.field,
            )
            .where(PersonalValue.retain_until <= now)
            .where(PersonalValue.subject_id.not_in(held_subject_ids()))
            .order_by(PersonalValue.retain_until, PersonalValue.id)
            .limit(batch_size)
        ).all()
        for value_id, subject_id, rule, category, field_id in rows:
            batch.rules[value_id] = rule
            batch.fields[value_id] = f"{category}.{field_id}"
            batch.owners[value_id] = subject_id
        delete_values(work, list(batch.rules))
    if not batch.rules and not groups:
        return False, 0
    prune_enquiries(work, batch, actions)
    shredded = audit_and_shred(work, batch, run_id=run_id, actor=actor)
    _add_counts(run, batch, actions, shredded=shredded)
    return True, len(batch.rules)


def _add_counts(run: SweepRun, batch: Batch, actions: dict[str, str], *, shredded: int) -> None:
    counts: dict[str, dict[str, int]] = {
        rule: dict(values) for rule, values in (run.counts or {}).items()
    }
    for rule in batch.rules.values():
        line = counts.setdefault(rule, {})
        key = "anonymised" if actions.get(rule, "delete") == "anonymise" else "deleted"
        line[key] = line.get(key, 0) + 1
    for rule, records in batch.record_rules.items():
        line = counts.setdefault(rule, {})
        line["records"] = line.get("records", 0) + records
    run.counts = counts  # a new dict, so the JSON column is written
    run.batches += 1
    run.keys_destroyed += shredded


def _finish(work: Work, run_id: int, *, resumed: bool, actor: str) -> SweepReport:
    _serialise(work)
    run = work.session.get(SweepRun, run_id, with_for_update=True)
    assert run is not None
    if run.finished_at is None:
        plan = plan_sweep(work)
        counts: dict[str, dict[str, Any]] = {
            rule: dict(values) for rule, values in (run.counts or {}).items()
        }
        for line in plan.rules:
            if line.held:
                counts.setdefault(line.rule, {})["held"] = line.held
        run.counts = counts
        run.finished_at = work.now()
        work.session.flush()
        audit.record(
            work,
            actor=actor,
            action="retention.sweep_finished",
            detail={
                "sweep_id": run.id,
                "batches": run.batches,
                "keys_destroyed": run.keys_destroyed,
                "counts": counts,
            },
        )
    return _report(work, run, resumed=resumed)


def _report(work: Work, run: SweepRun, *, resumed: bool) -> SweepReport:
    counts: dict[str, dict[str, int]] = run.counts or {}
    lines = _rule_lines(work, counts)
    for rule, values in counts.items():
        line = lines[rule]
        line.deleted = int(values.get("deleted", 0))
        line.anonymised = int(values.get("anonymised", 0))
        line.held = int(values.get("held", 0))
        line.records = int(values.get("records", 0))
    return SweepReport(
        run_id=run.id,
        dry_run=False,
        resumed=resumed,
        started_at=run.started_at,
        finished_at=run.finished_at,
        batches=run.batches,
        keys_destroyed=run.keys_destroyed,
        rules=list(lines.values()),
    )
