"""Staff accounts: creating, listing and disabling them, TOTP enrolment, and signing in.

Security of processing (Art. 32(1)(b), 32(4)): only people acting under the controller's
authority (Art. 29) may open the console, each with the least privilege their role needs.

* The email address is stored only as a keyed blind index (for login lookup) and sealed
  under a key derived from the master key (``derive_key(master, b"charter staff v1")``);
  the TOTP secret is sealed the same way. Neither is ever written in plain text.
* Passwords are hashed with Argon2id (RFC 9106 low-memory profile) and rehashed when the
  parameters change.
* Signing in fails with one message whatever went wrong, and takes about as long for an
  unknown address (a dummy Argon2 verification) as for a known one, so the form does not
  reveal who has an account. Five failures lock the account for 15 minutes.
* Every change and every sign-in is audited under ``staff:<id>``, never the address
  (Art. 5(2) accountability).

Services never commit; ``authenticate`` returns ``None`` on failure instead of raising so
the caller's unit of work keeps the failure count.
"""

from __future__ import annotations

import functools
import hmac
import secrets
from datetime import datetime, timedelta

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from argon2.profiles import RFC_9106_LOW_MEMORY
from sqlalchemy import select

from charter.audit import service as audit
from charter.crypto import derive_key, keyed_digest, open_sealed, seal
from charter.errors import Conflict, InvalidInput, NotFound
from charter.runtime import Work
from charter.staff.models import StaffUser
from charter.staff.schemas import Role, StaffAccount

PASSWORD_HASHER = PasswordHasher.from_parameters(RFC_9106_LOW_MEMORY)
MIN_PASSWORD_CHARS = 12
MAX_PASSWORD_CHARS = 1024
MAX_EMAIL_CHARS = 254
#: Staff accounts are personal data of staff; the console's account page reads them for this.
STAFF_PURPOSE = "staff_administration"
MAX_FAILED_ATTEMPTS = 5
LOCKOUT = timedelta(minutes=15)
TOTP_ISSUER = "Charter staff console"
#: Accept the previous and next 30-second code too (clock drift between phone and server).
TOTP_WINDOW = 1


class StaffExists(Conflict):
    default_message = "A staff account with that email address already exists."


# Keys and identifiers ------------------------------------------------------------------


def staff_key(work: Work) -> bytes:
    """The key sealing staff emails and TOTP secrets (HKDF from the master key)."""
    return derive_key(work.keyring.master, b"charter staff v1")


def normalise_email(email: str) -> str:
    """Lower-cased and trimmed; refuses what cannot be a staff login address."""
    value = email.strip().lower()
    local, at, domain = value.partition("@")
    if (
        not at
        or not local
        or "." not in domain
        or len(value) > MAX_EMAIL_CHARS
        or not value.isprintable()
        or any(char.isspace() for char in value)
    ):
        raise InvalidInput("Give a staff email address, like name@example.com.")
    return value


def email_index(work: Work, email: str) -> str:
    """Keyed blind index of a normalised staff email (its own sub-key of the index key)."""
    key = derive_key(work.keyring.index, b"charter staff email index v1")
    return keyed_digest(key, normalise_email(email).encode()).hex()


def _email_aad(index: str) -> bytes:
    return b"charter-staff:email:" + index.encode()


def _totp_aad(staff_id: int) -> bytes:
    return b"charter-staff:totp:" + str(staff_id).encode()


def check_password(password: str) -> None:
    """NCSC guidance: length over complexity rules; refuse only the too short or absurd."""
    if not MIN_PASSWORD_CHARS <= len(password) <= MAX_PASSWORD_CHARS:
        raise InvalidInput(
            f"A password must be {MIN_PASSWORD_CHARS} to {MAX_PASSWORD_CHARS} characters long."
        )


@functools.cache
def _dummy_hash() -> str:
    return PASSWORD_HASHER.hash(secrets.token_hex(16))


def _verify_password(stored: str, password: str) -> bool:
    try:
        return PASSWORD_HASHER.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def verify_password(stored: str, password: str) -> bool:
    """Whether ``password`` matches an Argon2 hash; shared with customer accounts."""
    return _verify_password(stored, password)


def verify_dummy_password(password: str) -> None:
    """Spend one Argon2 verification on a throwaway hash, so a sign-in for an unknown
    address takes as long as one for a known address (no account enumeration)."""
    _verify_password(_dummy_hash(), password)


# Accounts ------------------------------------------------------------------------------


def find_staff(work: Work, email: str) -> StaffUser | None:
    return work.session.scalars(
        select(StaffUser).where(StaffUser.email_index == email_index(work, email))
    ).first()


def get_staff(work: Work, email: str) -> StaffUser:
    found = find_staff(work, email)
    if found is None:
        raise NotFound("No staff account has that email address.")
    return found


def create_staff(work: Work, *, email: str, password: str, role: str, actor: str) -> StaffUser:
    """A new active account; the audit entry names its id and role, not the address."""
    try:
        chosen = Role(role)
    except ValueError:
        raise InvalidInput(
            "The role must be one of: " + ", ".join(item.value for item in Role)
        ) from None
    check_password(password)
    normalised = normalise_email(email)
    index = email_index(work, normalised)
    if find_staff(work, normalised) is not None:
        raise StaffExists
    user = StaffUser(
        email_index=index,
        email_sealed=seal(staff_key(work), normalised.encode(), _email_aad(index)),
        password_hash=PASSWORD_HASHER.hash(password),
        role=chosen.value,
        active=True,
        failed_attempts=0,
        created_at=work.now(),
    )
    work.session.add(user)
    work.session.flush()
    audit.record(
        work,
        actor=actor,
        action="staff.created",
        detail={"staff_id": user.id, "role": chosen.value},
    )
    return user


def staff_email(work: Work, user: StaffUser) -> str:
    return open_sealed(staff_key(work), user.email_sealed, _email_aad(user.email_index)).decode()


def account_view(work: Work, user: StaffUser, *, with_email: bool = False) -> StaffAccount:
    now = work.now()
    return StaffAccount(
        id=user.id,
        role=Role(user.role),
        active=user.active,
        totp_enrolled=user.totp_sealed is not None,
        created_at=user.created_at,
        last_login_at=user.last_login_at,
        locked=user.locked_until is not None and user.locked_until > now,
        email=staff_email(work, user) if with_email else None,
    )


def list_staff(work: Work, *, actor: str) -> list[StaffAccount]:
    """Every account with its address opened: an audited read of staff personal data."""
    users = work.session.scalars(select(StaffUser).order_by(StaffUser.id)).all()
    audit.record(
        work,
        actor=actor,
        action="staff.listed",
        purpose=STAFF_PURPOSE,
        detail={"staff_ids": [user.id for user in users]},
    )
    return [account_view(work, user, with_email=True) for user in users]


def disable_staff(work: Work, email: str, *, actor: str) -> StaffUser:
    """Deactivate an account and end its sessions (leavers lose access at once)."""
    from charter.staff.auth import end_all_sessions

    user = get_staff(work, email)
    user.active = False
    ended = end_all_sessions(work, user.id)
    audit.record(
        work,
        actor=actor,
        action="staff.disabled",
        detail={"staff_id": user.id, "sessions_ended": ended},
    )
    return user


def enrol_totp(work: Work, email: str, *, actor: str) -> str:
    """Give the account a new TOTP secret (sealed) and return its ``otpauth://`` URI,
    shown once. Re-enrolling replaces the old secret."""
    user = get_staff(work, email)
    secret = pyotp.random_base32()
    user.totp_sealed = seal(staff_key(work), secret.encode(), _totp_aad(user.id))
    user.totp_last_step = None
    audit.record(work, actor=actor, action="staff.totp_enrolled", detail={"staff_id": user.id})
    return pyotp.TOTP(secret).provisioning_uri(name=f"staff-{user.id}", issuer_name=TOTP_ISSUER)


def totp_secret(work: Work, user: StaffUser) -> str | None:
    if user.totp_sealed is None:
        return None
    return open_sealed(staff_key(work), user.totp_sealed, _totp_aad(user.id)).decode()


def _accept_totp(work: Work, user: StaffUser, code: str) -> bool:
    """A current code (±1 step) not older than the last accepted one (no replay)."""
    secret = totp_secret(work, user)
    if secret is None:
        return True
    code = code.strip().replace(" ", "")
    if not (len(code) == 6 and code.isdigit()):
        return False
    totp = pyotp.TOTP(secret)
    now = work.now()
    for offset in range(-TOTP_WINDOW, TOTP_WINDOW + 1):
        moment = now + timedelta(seconds=offset * totp.interval)
        step = totp.timecode(moment)
        if user.totp_last_step is not None and step <= user.totp_last_step:
            continue
        if hmac.compare_digest(totp.at(moment), code):
            user.totp_last_step = step
            return True
    return False


# Signing in ----------------------------------------------------------------------------


def authenticate(work: Work, *, email: str, password: str, code: str = "") -> StaffUser | None:
    """The account these credentials open, or ``None`` (one outcome for every failure).

    A password is always checked with Argon2, for unknown addresses against a dummy hash,
    so timing does not reveal who has an account. A locked or disabled account fails even
    with the right password; failures are counted and audited under the staff id.
    """
    try:
        user = find_staff(work, email)
    except InvalidInput:
        user = None
    if user is None:
        _verify_password(_dummy_hash(), password)
        audit.record(work, actor="public:staff_login", action="staff.login_failed")
        return None
    now = work.now()
    password_ok = _verify_password(user.password_hash, password)
    locked = user.locked_until is not None and user.locked_until > now
    if locked or not user.active:
        _fail(work, user, now, reason="locked" if locked else "disabled", count=False)
        return None
    if not password_ok or not _accept_totp(work, user, code):
        _fail(work, user, now, reason="credentials", count=True)
        return None
    if PASSWORD_HASHER.check_needs_rehash(user.password_hash):
        user.password_hash = PASSWORD_HASHER.hash(password)
    user.failed_attempts = 0
    user.locked_until = None
    user.last_login_at = now
    audit.record(work, actor=f"staff:{user.id}", action="staff.login")
    return user


def _fail(work: Work, user: StaffUser, now: datetime, *, reason: str, count: bool) -> None:
    detail: dict[str, object] = {"staff_id": user.id, "reason": reason}
    if count:
        user.failed_attempts += 1
        if user.failed_attempts >= MAX_FAILED_ATTEMPTS:
            user.failed_attempts = 0
            user.locked_until = now + LOCKOUT
            detail["locked_until"] = user.locked_until.isoformat()
    audit.record(work, actor="public:staff_login", action="staff.login_failed", detail=detail)


def staff_by_id(work: Work, staff_id: int) -> StaffUser | None:
    return work.session.get(StaffUser, staff_id)
