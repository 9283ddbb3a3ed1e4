"""The audit chain: intact when untouched, broken at the first altered entry otherwise."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from charter.audit import service as audit
from charter.audit.anchor import anchor_path, read_anchor
from charter.audit.models import AuditEntry
from charter.runtime import Runtime, Work

COLUMNS = ("seq", "at", "actor", "action", "subject_ref", "purpose", "detail", "prev_hash", "hash")


def write_entries(work: Work, count: int) -> None:
    for number in range(count):
        audit.record(
            work,
            actor=f"staff:{number % 3}",
            action="personal_data.read",
            subject_ref=f"{number:032x}",
            purpose="respond_to_enquiries",
            detail={"fields": ["contact.email"], "n": number},
        )


def drop_append_only_guard(work: Work) -> None:
    """An attacker with SQL access can drop the triggers; the chain must still catch them."""
    if work.session.get_bind().dialect.name == "sqlite":
        work.session.execute(text("DROP TRIGGER audit_entries_no_update"))
        work.session.execute(text("DROP TRIGGER audit_entries_no_delete"))
    else:
        work.session.execute(text("DROP TRIGGER audit_entries_append_only ON audit_entries"))


def verify_now(runtime: Runtime, work: Work) -> audit.Verification:
    anchor = read_anchor(anchor_path(runtime.settings.data_dir))
    return audit.verify(work.session, runtime.keyring.audit, anchor=anchor)


def test_untouched_chain_verifies(runtime: Runtime) -> None:
    with runtime.unit() as work:
        write_entries(work, 25)
    with runtime.unit(write=False) as work:
        result = verify_now(runtime, work)
    assert result.intact
    assert result.checked == 25


def test_each_entry_commits_to_its_predecessor(runtime: Runtime) -> None:
    with runtime.unit() as work:
        write_entries(work, 3)
        entries = list(work.session.query(AuditEntry).order_by(AuditEntry.seq))
    assert entries[0].prev_hash == audit.GENESIS_HASH
    assert entries[1].prev_hash == entries[0].hash
    assert entries[2].prev_hash == entries[1].hash


def test_the_database_refuses_update_and_delete(runtime: Runtime) -> None:
    with runtime.unit() as work:
        write_entries(work, 2)
    for statement in (
        "UPDATE audit_entries SET actor = 'x' WHERE seq = 1",
        "DELETE FROM audit_entries WHERE seq = 1",
    ):
        with pytest.raises(Exception, match="append-only"), runtime.unit() as work:
            work.session.execute(text(statement))


TAMPERING: list[tuple[str, str, Any]] = [
    ("seq", "UPDATE audit_entries SET seq = 1000 WHERE seq = 4", 4),
    ("at", "UPDATE audit_entries SET at = :at WHERE seq = 4", 4),
    ("actor", "UPDATE audit_entries SET actor = 'staff:9' WHERE seq = 4", 4),
    ("action", "UPDATE audit_entries SET action = 'nothing' WHERE seq = 4", 4),
    ("subject_ref", "UPDATE audit_entries SET subject_ref = NULL WHERE seq = 4", 4),
    ("purpose", "UPDATE audit_entries SET purpose = 'marketing' WHERE seq = 4", 4),
    ("detail", "UPDATE audit_entries SET detail = '{}' WHERE seq = 4", 4),
    ("prev_hash", "UPDATE audit_entries SET prev_hash = :fake WHERE seq = 4", 4),
    ("hash", "UPDATE audit_entries SET hash = :fake WHERE seq = 4", 4),
    ("deleted middle entry", "DELETE FROM audit_entries WHERE seq = 4", 4),
    ("deleted last entry", "DELETE FROM audit_entries WHERE seq = 6", 6),
]


@pytest.mark.parametrize(("what", "statement", "broken"), TAMPERING, ids=[t[0] for t in TAMPERING])
def test_tampering_in_sql_breaks_verification(
    runtime: Runtime, what: str, statement: str, broken: int
) -> None:
    with runtime.unit() as work:
        write_entries(work, 6)
    with runtime.unit() as work:
        drop_append_only_guard(work)
        work.session.execute(text(statement), {"at": "2030-01-01 00:00:00", "fake": "f" * 64})
    with runtime.unit(write=False) as work:
        result = verify_now(runtime, work)
    assert not result.intact, what
    assert result.first_broken_seq == broken, result.reason


def test_reordering_entries_breaks_verification(runtime: Runtime) -> None:
    with runtime.unit() as work:
        write_entries(work, 5)
    with runtime.unit() as work:
        drop_append_only_guard(work)
        work.session.execute(text("UPDATE audit_entries SET seq = 100 WHERE seq = 2"))
        work.session.execute(text("UPDATE audit_entries SET seq = 2 WHERE seq = 3"))
        work.session.execute(text("UPDATE audit_entries SET seq = 3 WHERE seq = 100"))
    with runtime.unit(write=False) as work:
        result = verify_now(runtime, work)
    assert not result.intact
    assert result.first_broken_seq == 2


def test_recomputing_hashes_without_the_audit_key_is_caught(runtime: Runtime) -> None:
    """Someone who edits an entry and recomputes an unkeyed SHA-256 chain still fails."""
    import hashlib

    with runtime.unit() as work:
        write_entries(work, 3)
    with runtime.unit() as work:
        drop_append_only_guard(work)
        forged = hashlib.sha256(b"forged").hexdigest()
        work.session.execute(
            text("UPDATE audit_entries SET actor = 'staff:0', hash = :h WHERE seq = 3"),
            {"h": forged},
        )
    with runtime.unit(write=False) as work:
        assert verify_now(runtime, work).first_broken_seq == 3


def test_anchor_moves_forward_only(runtime: Runtime) -> None:
    with runtime.unit() as work:
        write_entries(work, 3)
    anchor = read_anchor(anchor_path(runtime.settings.data_dir))
    assert anchor is not None
    assert anchor[0] == 3
    from charter.audit.anchor import advance_anchor

    advance_anchor(anchor_path(runtime.settings.data_dir), 2, "0" * 64)
    assert read_anchor(anchor_path(runtime.settings.data_dir)) == anchor


def test_control_characters_in_actor_are_refused(runtime: Runtime) -> None:
    from charter.errors import InvalidInput

    with pytest.raises(InvalidInput), runtime.unit() as work:
        audit.record(work, actor="staff\x1fx", action="personal_data.read")


entry_strategy = st.fixed_dictionaries(
    {
        "actor": st.text(st.characters(categories=("L", "N")), min_size=1, max_size=20),
        "action": st.sampled_from(["consent.given", "personal_data.read", "request.advanced"]),
        "subject_ref": st.one_of(st.none(), st.text("0123456789abcdef", min_size=32, max_size=32)),
        "purpose": st.one_of(st.none(), st.sampled_from(["marketing", "legal_obligations"])),
        "detail": st.dictionaries(
            st.text(max_size=8), st.one_of(st.integers(), st.text(max_size=20)), max_size=4
        ),
    }
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    entries=st.lists(entry_strategy, min_size=1, max_size=15),
    data=st.data(),
)
def test_property_any_single_column_change_is_located(
    runtime: Runtime, entries: list[dict[str, Any]], data: st.DataObject
) -> None:
    """For any chain and any single altered column of any entry, verify names that entry."""
    with runtime.unit() as work:
        existing = work.session.query(AuditEntry).count()
        for entry in entries:
            audit.record(work, **entry)
        stored = [
            Snapshot.of(row) for row in work.session.query(AuditEntry).order_by(AuditEntry.seq)
        ]
    assert audit.verify_rows(
        runtime.keyring.audit, [r.values() for r in stored], anchor=None
    ).intact
    index = existing + data.draw(st.integers(min_value=0, max_value=len(entries) - 1))
    column = data.draw(st.sampled_from(COLUMNS[1:]))
    altered = list(stored)
    altered[index] = stored[index].changed(column)
    victim = stored[index]
    broken = audit.verify_rows(runtime.keyring.audit, [r.values() for r in altered], anchor=None)
    assert not broken.intact
    assert broken.first_broken_seq == victim.seq


class Snapshot:
    """A detached copy of an entry's columns, alterable without touching the database."""

    def __init__(self, **values: Any) -> None:
        self.__dict__.update(values)

    @classmethod
    def of(cls, row: AuditEntry) -> Snapshot:
        return cls(**{name: getattr(row, name) for name in COLUMNS})

    def values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in COLUMNS)

    def changed(self, column: str) -> Snapshot:
        from datetime import timedelta

        values = dict(self.__dict__)
        current = values[column]
        if column == "at":
            values[column] = current + timedelta(microseconds=1)
        elif column in ("prev_hash", "hash"):
            values[column] = ("0" if current[0] != "0" else "1") + current[1:]
        elif current is None:
            values[column] = "x"
        else:
            values[column] = current + "x"
        return Snapshot(**values)
