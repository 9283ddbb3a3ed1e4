"""Finding a subject through the blind index, however the identifier was typed."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from charter.errors import InvalidInput
from charter.runtime import Runtime
from charter.vault import service
from charter.vault.models import Subject

from .factories import ACTOR, new_subject


@pytest.mark.parametrize(
    "typed",
    ["jane.doe@example.com", "Jane.Doe@Example.com", "  JANE.DOE@EXAMPLE.COM\t"],
)
def test_find_by_email_ignores_case_and_spaces(vault: Runtime, typed: str) -> None:
    with vault.unit() as work:
        subject = new_subject(work, contact__email=" Jane.Doe@example.COM")
        new_subject(work, contact__email="someone.else@example.com")
        assert service.find_subject(work, email=typed) is subject


@pytest.mark.parametrize("typed", ["01179291509", "+44 117 929 1509", "0117-929-1509"])
def test_find_by_phone_in_any_uk_format(vault: Runtime, typed: str) -> None:
    with vault.unit() as work:
        subject = new_subject(work, contact__phone="+44 117 929 1509")
        assert service.find_subject(work, phone=typed) is subject


def test_email_is_tried_before_phone(vault: Runtime) -> None:
    with vault.unit() as work:
        by_email = new_subject(work, contact__email="a@example.com")
        by_phone = new_subject(work, contact__phone="01179291509")
        found = service.find_subject(work, email="a@example.com", phone="01179291509")
        assert found is by_email
        found = service.find_subject(work, email="nobody@example.com", phone="01179291509")
        assert found is by_phone


def test_unknown_identifier_finds_nobody(vault: Runtime) -> None:
    with vault.unit() as work:
        new_subject(work, contact__email="a@example.com")
        assert service.find_subject(work, email="b@example.com") is None
        # An email is never found through the phone index, nor the reverse.
        assert service.find_subject(work, phone="+441179291509") is None


def test_find_needs_an_identifier_and_refuses_a_malformed_one(vault: Runtime) -> None:
    with vault.unit() as work:
        with pytest.raises(InvalidInput):
            service.find_subject(work)
        with pytest.raises(InvalidInput) as caught:
            service.find_subject(work, email="not-an-email")
        assert "not-an-email" not in str(caught.value)


def test_erased_subjects_are_not_found(vault: Runtime) -> None:
    with vault.unit() as work:
        subject = new_subject(work, contact__email="a@example.com")
        service.destroy_data_key(work, subject, actor=ACTOR)
        assert service.find_subject(work, email="a@example.com") is None


def test_get_or_create_subject(vault: Runtime) -> None:
    with vault.unit() as work:
        created, was_created = service.get_or_create_subject(
            work, email="Jane@Example.com", actor=ACTOR
        )
        assert was_created
        service.store_personal_data(
            work, created, collection_point="contact_form",
            values={"contact.email": "Jane@Example.com"}, source="website", actor=ACTOR,
        )  # fmt: skip
        again, was_created = service.get_or_create_subject(
            work, email="jane@example.com ", phone="01179291509", actor=ACTOR
        )
        assert (again, was_created) == (created, False)
        assert len(work.session.scalars(select(Subject)).all()) == 1
