"""`charter keys rotate` on SQLite and PostgreSQL: every data key re-wrapped, values still
readable, the old master retired, an interrupted rotation finished by a rerun, and a
server still holding the old ring serving throughout."""

from __future__ import annotations

import stat
from dataclasses import replace as copy_runtime

import pytest
from sqlalchemy import select

from charter.audit.models import AuditEntry
from charter.erasure.mentions import RIGHTS_PURPOSE
from charter.errors import KeyringError
from charter.keyring import Keyring, read_keyring_file, write_keyring_file
from charter.keys.service import keys_by_master, rotate_master_key
from charter.runtime import Runtime
from charter.vault import service as vault
from charter.vault.models import DataKey, Subject

ACTOR = "cli:test"
PEOPLE = 5


@pytest.fixture
def ring_file(runtime: Runtime, keyring: Keyring) -> Keyring:
    write_keyring_file(runtime.settings.keyring_path, keyring)
    return keyring


def populate(runtime: Runtime, count: int = PEOPLE) -> dict[str, str]:
    """``count`` people with an email each; returns ref -> email."""
    people: dict[str, str] = {}
    with runtime.unit() as work:
        for number in range(count):
            email = f"rotation.person{number}@example.org"
            subject, _ = vault.get_or_create_subject(work, email=email, actor=ACTOR)
            vault.store_personal_data(
                work,
                subject,
                collection_point="contact_form",
                values={"contact.email": email, "identity.first_name": f"Person{number}"},
                source="test",
                actor=ACTOR,
            )
            people[subject.ref] = email
    return people


def read_emails(runtime: Runtime) -> dict[str, str]:
    found: dict[str, str] = {}
    with runtime.unit() as work:
        for subject in work.session.scalars(select(Subject)).all():
            for item in vault.read_personal_values(
                work, subject, purpose=RIGHTS_PURPOSE, actor=ACTOR, categories=["contact"]
            ):
                found[subject.ref] = item.value
    return found


def key_actions(runtime: Runtime) -> list[str]:
    with runtime.unit(write=False) as work:
        query = select(AuditEntry.action).where(AuditEntry.action.startswith("keys."))
        return list(work.session.scalars(query.order_by(AuditEntry.seq)))


def test_rotation_rewraps_every_key_and_retires_the_old_master(
    runtime: Runtime, ring_file: Keyring
) -> None:
    people = populate(runtime)
    old_id = ring_file.wrapping_key_id

    report = rotate_master_key(runtime, actor=ACTOR, batch_size=2)

    assert report.finished
    assert not report.resumed
    assert report.rewrapped == PEOPLE
    assert report.retired == [old_id]
    on_disk = read_keyring_file(runtime.settings.keyring_path)
    assert on_disk is not None
    assert on_disk.wrapping_key_id == report.new_key_id != old_id
    assert list(on_disk.wrapping_keys()) == [report.new_key_id]
    assert on_disk.fingerprints() == ring_file.fingerprints()  # the root keys stay
    assert stat.S_IMODE(runtime.settings.keyring_path.stat().st_mode) == 0o600
    with runtime.unit(write=False) as work:
        assert keys_by_master(work) == {report.new_key_id: PEOPLE}
    assert read_emails(runtime) == people
    assert key_actions(runtime) == ["keys.rotation_started", "keys.rotation_finished"]


def test_an_interrupted_rotation_finishes_on_a_rerun_while_serving(
    runtime: Runtime, ring_file: Keyring
) -> None:
    people = populate(runtime)
    # A server started before the rotation keeps its ring in memory.
    serving = copy_runtime(runtime)
    assert serving.keyring is ring_file

    first = rotate_master_key(runtime, actor=ACTOR, batch_size=2, max_batches=1)
    assert not first.finished
    assert first.rewrapped == 2
    assert first.remaining == PEOPLE - 2
    mid = read_keyring_file(runtime.settings.keyring_path)
    assert mid is not None
    assert mid.rotating
    with runtime.unit(write=False) as work:
        assert sorted(keys_by_master(work).values()) == [2, PEOPLE - 2]

    # The old server reads keys under both masters and wraps new ones under the new one.
    assert read_emails(serving) == people
    with serving.unit() as work:
        newcomer = vault.create_subject(work, actor=ACTOR)
        stored = work.session.get(DataKey, newcomer.id)
        assert stored is not None
        assert stored.master_key_id == first.new_key_id

    second = rotate_master_key(runtime, actor=ACTOR, batch_size=2)
    assert second.resumed
    assert second.finished
    assert second.new_key_id == first.new_key_id
    assert second.rewrapped == PEOPLE - 2
    assert second.retired == [ring_file.wrapping_key_id]
    with runtime.unit(write=False) as work:
        assert keys_by_master(work) == {first.new_key_id: PEOPLE + 1}
    assert read_emails(serving) == people
    assert read_emails(runtime) == people
    assert key_actions(runtime) == [
        "keys.rotation_started",
        "keys.rotation_resumed",
        "keys.rotation_finished",
    ]


def test_a_second_rotation_retires_the_first_new_master(
    runtime: Runtime, ring_file: Keyring
) -> None:
    people = populate(runtime, 2)
    first = rotate_master_key(runtime, actor=ACTOR)
    second = rotate_master_key(runtime, actor=ACTOR)
    assert second.retired == [first.new_key_id]
    assert list(runtime.keyring.wrapping_keys()) == [second.new_key_id]
    assert read_emails(runtime) == people
    assert ring_file.wrapping_key_id not in runtime.keyring.wrapping_keys()


def test_a_key_ring_from_the_environment_cannot_be_rotated(
    runtime: Runtime, keyring: Keyring
) -> None:
    from pydantic import SecretStr

    settings = runtime.settings.model_copy(update={"keyring": SecretStr(keyring.to_json())})
    with pytest.raises(KeyringError, match="CHARTER_KEYRING"):
        rotate_master_key(copy_runtime(runtime, settings=settings), actor=ACTOR)
