"""Staff accounts: sealed emails, Argon2id, lockout, uniform failures and TOTP."""

from __future__ import annotations

from datetime import timedelta

import pytest
from argon2 import PasswordHasher, Type
from argon2.profiles import CHEAPEST
from sqlalchemy import select

from charter.errors import InvalidInput
from charter.runtime import Runtime
from charter.staff import service
from charter.staff.models import StaffUser
from charter.staff.service import (
    LOCKOUT,
    MAX_FAILED_ATTEMPTS,
    StaffExists,
    authenticate,
    create_staff,
    staff_email,
)
from tests.conftest import TestClock as Clock

from .factories import CREATOR, PASSWORD, add_staff, add_totp, audit_entries, email_for

pytestmark = pytest.mark.postgres

EMAIL = email_for("staff")


def user_row(runtime: Runtime, staff_id: int) -> StaffUser:
    with runtime.unit(write=False) as work:
        found = work.session.get(StaffUser, staff_id)
        assert found is not None
        return found


def login(runtime: Runtime, email: str = EMAIL, password: str = PASSWORD, code: str = "") -> bool:
    with runtime.unit() as work:
        return authenticate(work, email=email, password=password, code=code) is not None


def test_production_hasher_is_argon2id_rfc9106() -> None:
    hasher = PasswordHasher.from_parameters(service.RFC_9106_LOW_MEMORY)
    assert hasher.type is Type.ID
    assert hasher.memory_cost == 64 * 1024
    assert hasher.time_cost == 3


def test_email_is_sealed_and_indexed_never_plain(runtime: Runtime) -> None:
    staff_id = add_staff(runtime, "staff", email="  Staff@AJP-IT-Services.example ")
    row = user_row(runtime, staff_id)
    assert b"ajp-it-services" not in row.email_sealed.lower()
    assert "staff" not in row.email_index
    assert row.password_hash.startswith("$argon2id$")
    assert PASSWORD not in row.password_hash
    with runtime.unit(write=False) as work:
        assert staff_email(work, row) == EMAIL
    created = audit_entries(runtime, "staff.created")
    assert created[-1].actor == CREATOR
    assert "ajp-it-services" not in created[-1].detail
    assert str(staff_id) in created[-1].detail


def test_duplicate_and_invalid_accounts_refused(runtime: Runtime) -> None:
    add_staff(runtime, "staff")
    with pytest.raises(StaffExists), runtime.unit() as work:
        create_staff(work, email=EMAIL.upper(), password=PASSWORD, role="staff", actor=CREATOR)
    for email, password, role in (
        ("not-an-email", PASSWORD, "staff"),
        ("a@b.example", "short", "staff"),
        ("a@b.example", PASSWORD, "owner"),
    ):
        with pytest.raises(InvalidInput), runtime.unit() as work:
            create_staff(work, email=email, password=password, role=role, actor=CREATOR)


def test_right_password_signs_in_and_resets_counter(runtime: Runtime) -> None:
    staff_id = add_staff(runtime, "staff")
    assert not login(runtime, password="wrong password!")
    assert user_row(runtime, staff_id).failed_attempts == 1
    assert login(runtime)
    row = user_row(runtime, staff_id)
    assert row.failed_attempts == 0
    assert row.last_login_at is not None
    assert audit_entries(runtime, "staff.login")[-1].actor == f"staff:{staff_id}"


def test_lockout_after_five_failures_then_unlocks(runtime: Runtime, clock: Clock) -> None:
    staff_id = add_staff(runtime, "staff")
    for _ in range(MAX_FAILED_ATTEMPTS):
        assert not login(runtime, password="wrong password!")
    row = user_row(runtime, staff_id)
    assert row.locked_until == clock() + LOCKOUT
    assert not login(runtime), "the right password does not open a locked account"
    clock.advance(seconds=LOCKOUT.total_seconds() - 1)
    assert not login(runtime)
    clock.advance(seconds=1)
    assert login(runtime)


def test_unknown_email_runs_argon2_and_fails_alike(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_staff(runtime, "staff")
    calls: list[str] = []
    real = service._verify_password

    def counting(stored: str, password: str) -> bool:
        calls.append(stored)
        return real(stored, password)

    monkeypatch.setattr(service, "_verify_password", counting)
    assert not login(runtime, email="nobody@ajp-it-services.example")
    assert not login(runtime, email="not an email at all")
    assert not login(runtime, password="wrong password!")
    assert len(calls) == 3, "every failure costs one Argon2 verification"
    failures = audit_entries(runtime, "staff.login_failed")
    assert all("nobody" not in entry.detail for entry in failures)


def test_disabled_account_cannot_sign_in(runtime: Runtime) -> None:
    add_staff(runtime, "staff")
    with runtime.unit() as work:
        service.disable_staff(work, EMAIL, actor=CREATOR)
    assert not login(runtime)


def test_rehash_when_parameters_change(runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    staff_id = add_staff(runtime, "staff")
    before = user_row(runtime, staff_id).password_hash
    stronger = PasswordHasher(
        time_cost=CHEAPEST.time_cost + 1,
        memory_cost=CHEAPEST.memory_cost,
        parallelism=CHEAPEST.parallelism,
    )
    monkeypatch.setattr(service, "PASSWORD_HASHER", stronger)
    assert login(runtime)
    after = user_row(runtime, staff_id).password_hash
    assert after != before
    assert not stronger.check_needs_rehash(after)


def test_totp_required_once_enrolled(runtime: Runtime, clock: Clock) -> None:
    staff_id = add_staff(runtime, "staff")
    totp = add_totp(runtime, EMAIL)
    row = user_row(runtime, staff_id)
    assert row.totp_sealed is not None
    assert totp.secret.encode() not in row.totp_sealed
    assert not login(runtime), "no code"
    assert not login(runtime, code="000000" if totp.at(clock()) != "000000" else "111111")
    assert login(runtime, code=totp.at(clock()))
    assert not login(runtime, code=totp.at(clock())), "a used code cannot be replayed"
    clock.advance(seconds=30)
    assert login(runtime, code=totp.at(clock() - timedelta(seconds=0)))
    clock.advance(minutes=5)
    assert not login(runtime, code=totp.at(clock() - timedelta(minutes=2))), "too old"


def test_totp_enrolment_audited_without_secret(runtime: Runtime) -> None:
    staff_id = add_staff(runtime, "staff")
    totp = add_totp(runtime, EMAIL)
    entry = audit_entries(runtime, "staff.totp_enrolled")[-1]
    assert str(staff_id) in entry.detail
    assert totp.secret not in entry.detail


def test_list_staff_opens_emails_and_is_audited(runtime: Runtime) -> None:
    first = add_staff(runtime, "admin")
    second = add_staff(runtime, "staff")
    with runtime.unit() as work:
        accounts = service.list_staff(work, actor="staff:1")
    assert [(a.id, a.email) for a in accounts] == [
        (first, email_for("admin")),
        (second, email_for("staff")),
    ]
    entry = audit_entries(runtime, "staff.listed")[-1]
    assert entry.purpose == service.STAFF_PURPOSE
    assert "@" not in entry.detail
    with runtime.unit(write=False) as work:
        assert work.session.scalars(select(StaffUser)).all()
