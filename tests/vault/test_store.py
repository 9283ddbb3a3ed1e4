"""Storing personal data: envelope encryption, the collection point's declarations,
provenance and retention dates."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, time

import pytest
from sqlalchemy import func, select

from charter.errors import (
    CategoryNotAllowed,
    InvalidInput,
    PolicyRefusal,
    UndeclaredField,
    UndeclaredPurpose,
)
from charter.runtime import Runtime, Work
from charter.vault import service
from charter.vault.keys import DataErased
from charter.vault.models import BlindIndex, DataKey, PersonalValue, Subject

from .factories import ACTOR, MovableClock, make_policy, new_subject, subject_by_ref

EMAIL = "Jane.Doe@Example.com "
PHONE = "0117 929 1509"


def store(
    work: Work,
    subject: Subject,
    point: str = "contact_form",
    *,
    values: dict[str, str],
    purposes: list[str] | None = None,
) -> list[PersonalValue]:
    return service.store_personal_data(
        work,
        subject,
        collection_point=point,
        values=values,
        purposes=purposes,
        source="website",
        actor=ACTOR,
    )


def counts(work: Work) -> tuple[int, ...]:
    return tuple(
        work.session.scalar(select(func.count()).select_from(model)) or 0
        for model in (PersonalValue, BlindIndex)
    )


def test_round_trip(vault: Runtime) -> None:
    with vault.unit() as work:
        subject = new_subject(
            work, contact__name="Jane Doe", contact__email=EMAIL, contact__phone=PHONE,
            enquiry__message="Can you fix my laptop?\nThanks ☺",
        )  # fmt: skip
        ref = subject.ref
    with vault.unit() as work:
        data = service.read_personal_data(
            work, subject_by_ref(work, ref), purpose="enquiry_response", actor=ACTOR
        )
    assert data == {
        "contact.name": "Jane Doe",
        "contact.email": "jane.doe@example.com",
        "contact.phone": "+441179291509",
        "enquiry.message": "Can you fix my laptop?\nThanks ☺",
    }


def test_a_subject_gets_a_wrapped_data_key_and_a_random_ref(vault: Runtime) -> None:
    with vault.unit() as work:
        first, second = (service.create_subject(work, actor=ACTOR) for _ in range(2))
        key = work.session.get(DataKey, first.id)
        assert key is not None
        assert len(first.ref) == 32
        assert first.ref != second.ref
        assert key.master_key_id == vault.keyring.fingerprints()["master"]
        assert len(key.wrapped_key) == 12 + 32 + 16  # nonce, key, tag


def test_values_are_stored_sealed_with_provenance(vault: Runtime, clock: MovableClock) -> None:
    with vault.unit() as work:
        subject = new_subject(work)
        [row] = store(work, subject, values={"contact.email": EMAIL}, purposes=["newsletter"])
        assert b"jane" not in row.ciphertext.lower()
        assert (row.category, row.field, row.collection_point) == (
            "contact",
            "email",
            "contact_form",
        )
        assert row.purposes == ["newsletter"]
        assert row.source == "website"
        assert row.policy_version == "1.0"
        assert row.collected_at == clock()
        assert row.retention_rule == "contact_two_years"
        assert row.replaced_at is None
        [index] = work.session.scalars(select(BlindIndex).where(BlindIndex.value_id == row.id))
        assert (index.kind, index.subject_id) == ("email", subject.id)


def test_each_value_records_only_the_purposes_that_use_its_category(vault: Runtime) -> None:
    with vault.unit() as work:
        rows = store(
            work, new_subject(work), values={"contact.email": EMAIL, "enquiry.message": "Hi"}
        )
        assert {row.field: row.purposes for row in rows} == {
            "email": ["enquiry_response", "newsletter"],
            "message": ["enquiry_response"],
        }


def test_a_value_no_chosen_purpose_uses_is_refused(vault: Runtime) -> None:
    with vault.unit() as work:
        subject = new_subject(work)
        with pytest.raises(CategoryNotAllowed):
            store(work, subject, values={"enquiry.message": "Hi"}, purposes=["newsletter"])


def test_blank_values_are_not_stored(vault: Runtime) -> None:
    with vault.unit() as work:
        rows = store(
            work, new_subject(work), values={"contact.email": EMAIL, "contact.phone": "  "}
        )
        assert [row.field for row in rows] == ["email"]


@pytest.mark.parametrize(
    ("point", "values", "purposes", "error"),
    [
        ("contact_form", {"financial.bank_account": "12345678"}, None, UndeclaredField),
        ("contact_form", {"contact.shoe_size": "9"}, None, UndeclaredField),
        ("contact_form", {"not a field ref": "x"}, None, UndeclaredField),
        ("contact_form", {"health.condition": "asthma"}, None, UndeclaredField),
        ("nowhere", {"contact.email": "a@b.com"}, None, UndeclaredField),
        ("contact_form", {"contact.email": "a@b.com"}, ["profiling"], UndeclaredPurpose),
        ("contact_form", {"contact.email": "a@b.com"}, ["invoicing"], UndeclaredPurpose),
        ("staff_entry", {"contact.email": "a@b.com"}, None, UndeclaredPurpose),
    ],
    ids=["other-point's-field", "unknown-field", "malformed-ref", "special-category",
         "unknown-point", "undeclared-purpose", "purpose-not-for-point", "point-without-purposes"],
)  # fmt: skip
def test_refusals_store_nothing(
    vault: Runtime,
    point: str,
    values: dict[str, str],
    purposes: list[str] | None,
    error: type[PolicyRefusal],
) -> None:
    with vault.unit() as work:
        subject = new_subject(work)
        before = counts(work)
        all_values = {"contact.name": "Jane Doe", **values} if point == "contact_form" else values
        with pytest.raises(error):
            store(work, subject, point, values=all_values, purposes=purposes)
        assert counts(work) == before


def test_a_point_without_listed_purposes_accepts_any_declared_purpose(vault: Runtime) -> None:
    with vault.unit() as work:
        [row] = store(
            work, new_subject(work), "staff_entry",
            values={"financial.sort_code": "12-34-56"}, purposes=["invoicing"],
        )  # fmt: skip
        assert row.purposes == ["invoicing"]


@pytest.mark.parametrize(
    ("field", "bad"), [("contact.email", "jane.doe@"), ("contact.phone", "0117 929")]
)
def test_invalid_identifier_refused_without_echo_and_nothing_stored(
    vault: Runtime, field: str, bad: str
) -> None:
    with vault.unit() as work:
        subject = new_subject(work)
        before = counts(work)
        with pytest.raises(InvalidInput) as caught:
            store(work, subject, values={"contact.name": "Jane", field: bad})
        assert bad not in str(caught.value)
        assert counts(work) == before


def test_source_must_be_a_short_label(vault: Runtime) -> None:
    with vault.unit() as work:
        subject = new_subject(work)
        with pytest.raises(InvalidInput):
            service.store_personal_data(
                work, subject, collection_point="contact_form",
                values={"contact.name": "Jane"}, source="x" * 201, actor=ACTOR,
            )  # fmt: skip


def test_storing_for_an_erased_subject_is_refused(vault: Runtime) -> None:
    with vault.unit() as work:
        subject = new_subject(work)
        service.destroy_data_key(work, subject, actor=ACTOR)
        with pytest.raises(DataErased):
            store(work, subject, values={"contact.name": "Jane"})


def test_a_new_value_replaces_the_current_one_and_keeps_history(
    vault: Runtime, clock: MovableClock
) -> None:
    with vault.unit() as work:
        subject = new_subject(work, contact__email="old@example.com")
        first_at = clock()
        clock.advance(days=3)
        store(work, subject, values={"contact.email": "new@example.com"})
        rows = work.session.scalars(
            select(PersonalValue)
            .where(PersonalValue.subject_id == subject.id)
            .order_by(PersonalValue.id)
        ).all()
        assert [(row.collected_at, row.replaced_at) for row in rows] == [
            (first_at, clock()),
            (clock(), None),
        ]
        assert rows[0].retain_until is not None
        assert service.find_subject(work, email="old@example.com") is None
        assert service.find_subject(work, email="new@example.com") is subject
        history = service.read_personal_data(
            work, subject, purpose="newsletter", actor=ACTOR, include_replaced=True
        )
        assert history == {
            f"contact.email#{rows[0].id}": "old@example.com",
            "contact.email": "new@example.com",
        }


# Retention dates -----------------------------------------------------------------------


def test_retention_since_collection(vault: Runtime, clock: MovableClock) -> None:
    clock.set(datetime(2026, 8, 31, 14, 30, tzinfo=UTC))
    with vault.unit() as work:
        [row] = store(work, new_subject(work), values={"enquiry.message": "Hello"})
    assert row.retain_until == datetime(2028, 2, 29, 14, 30, tzinfo=UTC)


def test_retention_since_end_of_financial_year(vault: Runtime, clock: MovableClock) -> None:
    clock.set(datetime(2026, 2, 15, 11, 0, tzinfo=UTC))
    with vault.unit() as work:
        [row] = store(
            work, new_subject(work), "billing", values={"financial.bank_account": "31926819"}
        )
        work.session.expire(row)
        assert row.retain_until == datetime.combine(
            datetime(2032, 3, 31).date(), time.max, tzinfo=UTC
        )


def test_financial_year_end_is_read_from_the_organisation(
    vault: Runtime, clock: MovableClock
) -> None:
    clock.set(datetime(2026, 2, 15, 11, 0, tzinfo=UTC))
    december = dataclasses.replace(vault, policy=make_policy(financial_year_end="12-31"))
    with december.unit() as work:
        [row] = store(work, new_subject(work), "billing", values={"financial.bank_account": "1"})
    assert row.retain_until is not None
    assert row.retain_until.date() == datetime(2032, 12, 31).date()


def test_event_triggered_retention_has_no_date(vault: Runtime) -> None:
    with vault.unit() as work:
        [row] = store(work, new_subject(work), "billing", values={"contact.email": EMAIL})
    assert (row.retention_rule, row.retain_until) == ("billing_contact", None)


def test_contact_restarts_the_since_last_contact_clock(vault: Runtime, clock: MovableClock) -> None:
    start = clock()
    with vault.unit() as work:
        subject = new_subject(work, contact__email=EMAIL, contact__name="Jane")
        enquiry_rows = store(work, subject, values={"enquiry.message": "First"})
        ref = subject.ref
    clock.advance(days=200)
    with vault.unit() as work:
        subject = subject_by_ref(work, ref)
        store(work, subject, values={"enquiry.message": "Second"})
        rows = {
            (row.field, row.replaced_at is None): row
            for row in work.session.scalars(
                select(PersonalValue).where(PersonalValue.subject_id == subject.id)
            )
        }
    # Contact details (2 years since last contact) move with the new contact ...
    assert rows["email", True].retain_until == clock().replace(year=clock().year + 2)
    assert rows["name", True].retain_until == clock().replace(year=clock().year + 2)
    # ... enquiries (18 months since collection) keep their own date.
    assert rows["message", False].retain_until == enquiry_rows[0].retain_until
    assert enquiry_rows[0].retain_until == datetime(2028, 5, 25, 9, 0, tzinfo=UTC)
    assert start < clock()


def test_replaced_values_keep_their_date_when_contact_restarts_the_clock(
    vault: Runtime, clock: MovableClock
) -> None:
    with vault.unit() as work:
        subject = new_subject(work, contact__email="old@example.com")
        clock.advance(days=10)
        [new] = store(work, subject, values={"contact.email": "new@example.com"})
        clock.advance(days=10)
        store(work, subject, values={"enquiry.message": "Hello"})
        old = work.session.scalars(
            select(PersonalValue).where(
                PersonalValue.subject_id == subject.id, PersonalValue.replaced_at.is_not(None)
            )
        ).one()
    assert old.retain_until == old.collected_at.replace(year=old.collected_at.year + 2)
    assert new.retain_until == clock().replace(year=clock().year + 2)
