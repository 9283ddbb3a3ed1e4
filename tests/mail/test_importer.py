"""Importing .eml and mbox files on SQLite and PostgreSQL."""

from __future__ import annotations

import mailbox
from pathlib import Path

from sqlalchemy import select

from charter.mail.importer import import_paths, is_mbox
from charter.mail.schemas import Disposition
from charter.runtime import Runtime
from charter.vault.models import Subject

from .factories import ACTOR, build_email, counts, read


def write_mbox(path: Path, messages: list[bytes]) -> Path:
    box = mailbox.mbox(path, create=True)
    try:
        for raw in messages:
            box.add(raw)
        box.flush()
    finally:
        box.close()
    return path


THREE = [
    build_email(subject="One", body="First message", message_id="<1@example.com>"),
    build_email(
        sender="john@example.org", subject="Two", body="Second", message_id="<2@example.org>"
    ),
    build_email(subject="Three", body="From the start of a line\nThird", message_id="<3@x>"),
]


def test_mbox_with_three_messages(runtime: Runtime, tmp_path: Path) -> None:
    path = write_mbox(tmp_path / "inbox", THREE)  # no extension: found by content
    assert is_mbox(path)
    outcomes = import_paths(runtime, [path], actor=ACTOR)
    assert [outcome.source for outcome in outcomes] == [f"{path} #{n}" for n in (1, 2, 3)]
    assert all(outcome.error is None for outcome in outcomes)
    results = [outcome.result for outcome in outcomes if outcome.result is not None]
    assert [result.disposition for result in results] == [Disposition.STORED] * 3
    jane = results[0].subject_ref
    assert results[2].subject_ref == jane
    assert results[1].subject_ref != jane
    items = read(runtime, jane)
    assert [item.subject_line for item in items] == ["One", "Three"]
    assert items[1].message == "From the start of a line\nThird"
    assert {item.received_via for item in items} == {"mbox"}


def test_eml_files_and_reimport_is_idempotent(runtime: Runtime, tmp_path: Path) -> None:
    eml = tmp_path / "message.eml"
    eml.write_bytes(THREE[0])
    odd = tmp_path / "saved.txt"  # any extension: an .eml starts with a header
    odd.write_bytes(THREE[1])
    assert not is_mbox(eml)
    assert not is_mbox(odd)
    first = import_paths(runtime, [eml, odd], actor=ACTOR)
    assert [o.result.disposition for o in first if o.result] == [Disposition.STORED] * 2
    stored = counts(runtime)
    again = import_paths(runtime, [eml, odd], actor=ACTOR)
    assert [o.result.disposition for o in again if o.result] == [Disposition.DUPLICATE] * 2
    assert counts(runtime) == stored


def test_a_bad_message_fails_alone(runtime: Runtime, tmp_path: Path) -> None:
    path = write_mbox(
        tmp_path / "mixed.mbox", [THREE[0], build_email(sender=None, message_id="<x@y>"), THREE[1]]
    )
    missing = tmp_path / "missing.eml"
    outcomes = import_paths(runtime, [path, missing], actor=ACTOR)
    assert [outcome.error is None for outcome in outcomes] == [True, False, True, False]
    assert outcomes[1].error is not None
    assert "From" in outcomes[1].error
    assert outcomes[3].source == str(missing)
    with runtime.unit(write=False) as work:
        assert len(work.session.scalars(select(Subject)).all()) == 2
