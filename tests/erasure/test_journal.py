"""The tombstone journal: every erasure also written, fsync'd and 0600, outside the
database, holding only pseudonymous refs, keyed digests and times — and enough for a
restored database that lost the tombstone to erase the person again (Art. 17)."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from sqlalchemy import select

from charter.erasure.journal import (
    JournalUnreadable,
    journal_length,
    journal_path,
    read_entries,
)
from charter.erasure.models import ErasureTombstone
from charter.erasure.service import erase_subject, restore_tombstones
from charter.runtime import Runtime
from charter.vault import service as vault
from charter.vault.models import DataKey

from .factories import ACTOR, EMAIL, PLANTED, enquire, subject_by_ref


def test_every_erasure_is_journaled_without_personal_data(runtime: Runtime, tmp_path: Path) -> None:
    ref = enquire(runtime, tmp_path / "outbox")
    path = journal_path(runtime.settings.data_dir)
    assert journal_length(path) == 0
    with runtime.unit() as work:
        erase_subject(work, subject_by_ref(work, ref), actor=ACTOR)
        tombstone = work.session.scalars(select(ErasureTombstone)).one()
    assert journal_length(path) == 1
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = path.read_text(encoding="ascii")
    for planted in (*PLANTED, EMAIL):
        assert planted.lower() not in text.lower()
    [entry] = read_entries(path)
    assert entry.subject_ref == ref
    assert entry.erased_at == tombstone.erased_at
    assert entry.identifier_digests == tombstone.identifier_digests
    assert entry.outcome == tombstone.outcome == "shredded"


class Interrupted(Exception):
    """Raised inside a unit of work to roll it back."""


def erase_then_fail(runtime: Runtime, ref: str) -> None:
    with runtime.unit() as work:
        erase_subject(work, subject_by_ref(work, ref), actor=ACTOR)
        raise Interrupted


def test_a_database_that_lacks_the_tombstone_erases_again_from_the_journal(
    runtime: Runtime, tmp_path: Path
) -> None:
    """The journal is written ahead of the commit: an erasure whose transaction never
    committed (as with a database restored from before it) is still carried out."""
    ref = enquire(runtime, tmp_path / "outbox")
    with pytest.raises(Interrupted):
        erase_then_fail(runtime, ref)
    with runtime.unit() as work:
        assert work.session.scalars(select(ErasureTombstone)).first() is None
        assert vault.find_subject(work, email=EMAIL) is not None
        entries = read_entries(journal_path(runtime.settings.data_dir))
        assert [entry.subject_ref for entry in entries] == [ref]
        assert restore_tombstones(work, entries, actor=ACTOR) == [ref]
    with runtime.unit() as work:
        subject = subject_by_ref(work, ref)
        assert work.session.get(DataKey, subject.id) is None
        assert vault.find_subject(work, email=EMAIL) is None
        assert work.session.scalars(select(ErasureTombstone.subject_ref)).all() == [ref]
        assert restore_tombstones(work, entries, actor=ACTOR) == []  # idempotent


def test_a_torn_last_line_is_ignored_and_other_damage_refused(tmp_path: Path) -> None:
    path = tmp_path / "tombstones.jsonl"
    good = (
        '{"erased_at":"2026-11-25T09:00:00+00:00","identifier_digests":[],'
        '"outcome":"shredded","subject_ref":"ab12"}\n'
    )
    path.write_text(good + '{"erased_at":"2026-', encoding="ascii")
    assert [entry.subject_ref for entry in read_entries(path)] == ["ab12"]
    assert journal_length(path) == 1
    path.write_text("not json\n" + good, encoding="ascii")
    with pytest.raises(JournalUnreadable):
        read_entries(path)
