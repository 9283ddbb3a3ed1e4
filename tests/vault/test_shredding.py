"""Ciphertexts bound to their place, and crypto-shredding by destroying the data key."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from charter.crypto import DecryptionFailed
from charter.errors import CharterError, KeyringError
from charter.keyring import generate_keyring
from charter.runtime import Runtime, Work
from charter.vault import keys, service
from charter.vault.keys import DataErased
from charter.vault.models import BlindIndex, DataKey, PersonalValue, Subject

from .factories import ACTOR, new_subject


def value_row(work: Work, subject: Subject, field: str) -> PersonalValue:
    return work.session.scalars(
        select(PersonalValue).where(
            PersonalValue.subject_id == subject.id, PersonalValue.field == field
        )
    ).one()


def read(work: Work, subject: Subject) -> dict[str, str]:
    return service.read_personal_data(work, subject, purpose="enquiry_response", actor=ACTOR)


def test_tampered_ciphertext_fails_to_decrypt(vault: Runtime) -> None:
    with vault.unit() as work:
        subject = new_subject(work, contact__email="jane@example.com")
        row = value_row(work, subject, "email")
        row.ciphertext = row.ciphertext[:-1] + bytes([row.ciphertext[-1] ^ 1])
        work.session.flush()
        with pytest.raises(DecryptionFailed) as caught:
            read(work, subject)
        assert isinstance(caught.value, CharterError)
        assert "jane" not in str(caught.value)


def test_ciphertext_moved_to_another_subject_fails(vault: Runtime) -> None:
    with vault.unit() as work:
        jane = new_subject(work, contact__email="jane@example.com")
        john = new_subject(work, contact__email="john@example.com")
        value_row(work, john, "email").ciphertext = value_row(work, jane, "email").ciphertext
        work.session.flush()
        with pytest.raises(DecryptionFailed):
            read(work, john)
        assert read(work, jane) == {"contact.email": "jane@example.com"}


def test_ciphertext_moved_to_another_field_fails(vault: Runtime) -> None:
    with vault.unit() as work:
        jane = new_subject(work, contact__email="jane@example.com", contact__name="Jane")
        value_row(work, jane, "name").ciphertext = value_row(work, jane, "email").ciphertext
        work.session.flush()
        with pytest.raises(DecryptionFailed):
            read(work, jane)


def test_a_data_key_moved_to_another_subject_fails(vault: Runtime) -> None:
    with vault.unit() as work:
        jane = new_subject(work, contact__email="jane@example.com")
        ref = new_subject(work, contact__email="john@example.com").ref
    with vault.unit() as work:
        john = work.session.scalars(select(Subject).where(Subject.ref == ref)).one()
        jane_key = work.session.get(DataKey, jane.id)
        john_key = work.session.get(DataKey, john.id)
        assert jane_key is not None
        assert john_key is not None
        john_key.wrapped_key = jane_key.wrapped_key
        work.session.flush()
        with pytest.raises(DecryptionFailed):
            read(work, john)


def test_keys_are_unwrapped_once_per_unit_of_work(vault: Runtime) -> None:
    with vault.unit() as work:
        ref = new_subject(work, contact__email="jane@example.com").ref
    with vault.unit() as work:
        subject = work.session.scalars(select(Subject).where(Subject.ref == ref)).one()
        assert not work.session.info.get("charter.vault.data_keys")
        first = keys.subject_key(work, subject)
        stored = work.session.get(DataKey, subject.id)
        assert stored is not None
        wrapped = stored.wrapped_key
        stored.wrapped_key = b"\x00" * len(wrapped)  # would fail to unwrap
        work.session.flush()
        assert keys.subject_key(work, subject) == first
        stored.wrapped_key = wrapped
    with vault.unit() as work:
        subject = work.session.scalars(select(Subject).where(Subject.ref == ref)).one()
        assert read(work, subject) == {"contact.email": "jane@example.com"}


def test_a_different_master_key_is_refused(vault: Runtime) -> None:
    with vault.unit() as work:
        ref = new_subject(work, contact__email="jane@example.com").ref
    other = Runtime(**{**vault.__dict__, "keyring": generate_keyring()})
    with other.unit() as work:
        subject = work.session.scalars(select(Subject).where(Subject.ref == ref)).one()
        with pytest.raises(KeyringError):
            read(work, subject)


def test_destroyed_key_makes_values_unreadable(vault: Runtime) -> None:
    with vault.unit() as work:
        subject = new_subject(work, contact__email="jane@example.com", contact__phone="01179291509")
        ref = subject.ref
        assert read(work, subject)  # key now cached in this unit
        service.destroy_data_key(work, subject, actor=ACTOR)
        assert subject.erased_at is not None
        with pytest.raises(DataErased):
            read(work, subject)
    with vault.unit() as work:
        subject = work.session.scalars(select(Subject).where(Subject.ref == ref)).one()
        count = work.session.scalar(
            select(func.count()).select_from(DataKey).where(DataKey.subject_id == subject.id)
        )
        assert count == 0
        assert not work.session.scalars(
            select(BlindIndex).where(BlindIndex.subject_id == subject.id)
        ).all()
        assert service.find_subject(work, phone="01179291509") is None
        # Even with the erasure mark removed the ciphertexts stay closed.
        subject.erased_at = None
        with pytest.raises(DataErased) as caught:
            read(work, subject)
        assert caught.value.status_code == 409
        subject.erased_at = work.now()
        with pytest.raises(DataErased):
            service.destroy_data_key(work, subject, actor=ACTOR)
        with pytest.raises(DataErased):
            service.check_purpose(work, subject, purpose="newsletter", categories=["contact"])
        with pytest.raises(DataErased):
            service.restrict_processing(work, subject, reason="legal_claims", actor=ACTOR)
