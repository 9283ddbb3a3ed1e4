"""Customer account use cases: register, verify, sign in, reset, and the account page.

Security of processing (UK GDPR Art. 32(1)(b)) and no account enumeration:

* **Registering** answers the same whatever the address: a new address, or one whose
  account is not yet verified, gets a verification link; an address that already has
  an account gets "someone tried to register with your address" instead. The Argon2id
  hash is computed on every path so the timing matches too.
* **Nothing is stored as account data until the mailbox owner verifies.** The chosen
  password hash and the name (sealed) wait on the single-use link; following it stores
  name and email in the vault at collection point ``customer_account`` and makes the
  password usable. So nobody can take over or rename a person by registering their
  address. Login data (``technical.login_data``): the hash stays in
  ``customer_accounts`` (irreversible), and the vault records *that* login data exists,
  so it appears in access exports (Art. 15) and follows the account's retention rule.
* **Signing in** reuses the staff console's Argon2id profile, dummy verification for
  unknown addresses and lockout (5 failures, 15 minutes), with one message for every
  failure. Unverified accounts and erased subjects cannot sign in.
* **Links** are 256-bit tokens of which only a keyed hash is stored, single-use, and
  expire by ``work.now()``. A password reset ends every session.
* **Audit** names ``customer:<id>`` and never a personal value (Art. 5(2)).
"""

from __future__ import annotations

import json
import re
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update

from charter.accounts.auth import actor_for, end_all_sessions
from charter.accounts.models import AccountLink, CustomerAccount
from charter.audit import service as audit
from charter.crypto import derive_key, keyed_digest, open_sealed, seal
from charter.errors import InvalidInput, NotFound
from charter.mail.message import OutgoingEmail
from charter.mail.sender import EmailSender
from charter.runtime import Work
from charter.staff import service as staff_credentials
from charter.vault import service as vault
from charter.vault.identifiers import normalise_email
from charter.vault.models import Subject

COLLECTION_POINT = "customer_account"
#: The purpose the account page reads the customer's own details for.
ACCOUNT_PURPOSE = "administer_website"
VERIFY_TTL = timedelta(hours=48)
RESET_TTL = timedelta(hours=1)
VERIFY = "verify"
RESET = "reset"
#: What the vault holds for ``technical.login_data``: that it exists, not the secret.
LOGIN_DATA_RECORD = "Email address and password; the password is kept only as an Argon2id hash."
MIN_PASSWORD_CHARS = staff_credentials.MIN_PASSWORD_CHARS
MAX_PASSWORD_CHARS = staff_credentials.MAX_PASSWORD_CHARS
MAX_EMAIL_CHARS = staff_credentials.MAX_EMAIL_CHARS

_TOKEN = re.compile(r"^[A-Za-z0-9_-]{43}$")
_LINK_LABEL = b"charter:customer-account-link:v1\x1f"


class AccountLinkNotValid(NotFound):
    default_message = (
        "This link is not valid any more: it has been used or has expired. You can ask "
        "for a new one."
    )


# Keys, indexes and links -------------------------------------------------------------------


def email_index(work: Work, email: str) -> str:
    """Keyed blind index of a normalised address, under the accounts' own sub-key."""
    key = derive_key(work.keyring.index, b"charter customer account email index v1")
    return keyed_digest(key, normalise_email(email).encode()).hex()


def _pending_key(work: Work) -> bytes:
    return derive_key(work.keyring.master, b"charter customer account pending v1")


def _digest(work: Work, token: str) -> bytes:
    return keyed_digest(work.keyring.web_secret, _LINK_LABEL + token.encode())


def _new_link(
    work: Work, account: CustomerAccount, kind: str, ttl: timedelta
) -> tuple[str, AccountLink]:
    token = secrets.token_urlsafe(32)
    now = work.now()
    link = AccountLink(
        account_id=account.id,
        kind=kind,
        token_digest=_digest(work, token),
        created_at=now,
        expires_at=now + ttl,
    )
    work.session.add(link)
    return token, link


def _open_link(work: Work, token: str, kind: str) -> tuple[AccountLink, CustomerAccount]:
    """A live link of ``kind``: unused and unexpired, else :class:`AccountLinkNotValid`."""
    if not _TOKEN.match(token):
        raise AccountLinkNotValid
    link = work.session.scalars(
        select(AccountLink).where(AccountLink.token_digest == _digest(work, token))
    ).first()
    if link is None or link.kind != kind or link.used_at is not None:
        raise AccountLinkNotValid
    if link.expires_at <= work.now():
        raise AccountLinkNotValid
    account = work.session.get(CustomerAccount, link.account_id)
    if account is None:
        raise AccountLinkNotValid
    return link, account


def check_link(work: Work, token: str, kind: str) -> None:
    """Raise unless ``token`` is a live link of ``kind`` (for the page before the form)."""
    _open_link(work, token, kind)


def _retire_links(work: Work, account: CustomerAccount, kind: str, now: datetime) -> None:
    work.session.execute(
        update(AccountLink)
        .where(
            AccountLink.account_id == account.id,
            AccountLink.kind == kind,
            AccountLink.used_at.is_(None),
        )
        .values(used_at=now)
    )


def _url(work: Work, path: str) -> str:
    return f"{work.settings.base_url.rstrip('/')}{path}"


def find_account(work: Work, email: str) -> CustomerAccount | None:
    return work.session.scalars(
        select(CustomerAccount).where(CustomerAccount.email_index == email_index(work, email))
    ).first()


# Registering ------------------------------------------------------------------------------


def register(
    work: Work,
    *,
    email: str,
    password: str,
    first_name: str,
    last_name: str,
    sender: EmailSender,
    actor: str,
) -> None:
    """Register, or act as if registering: callers show one reply whatever happened.

    Raises ``InvalidInput`` only for what the form itself can tell (a short password,
    something that is not an email address), which reveals nothing about anyone.
    """
    staff_credentials.check_password(password)
    normalised = normalise_email(email)
    password_hash = staff_credentials.PASSWORD_HASHER.hash(password)
    account = find_account(work, normalised)
    organisation = work.policy.organisation.name
    if account is not None and account.verified_at is not None:
        audit.record(
            work, actor=actor, action="account.register_existing", detail={"account_id": account.id}
        )
        sender.send(
            OutgoingEmail(
                to=normalised,
                subject=f"Someone tried to register with your address at {organisation}",
                text=(
                    f"Someone tried to create an account on the {organisation} website with "
                    "this email address, which already has an account. Nothing has changed.\n\n"
                    "If it was you, sign in instead; if you have forgotten your password, "
                    f"reset it here:\n\n{_url(work, '/account/reset')}\n\n"
                    "If it was not you, you need do nothing.\n"
                ),
            )
        )
        return
    if account is None:
        subject, _ = vault.get_or_create_subject(work, email=normalised, actor=actor)
        account = CustomerAccount(
            subject_id=subject.id,
            email_index=email_index(work, normalised),
            failed_attempts=0,
            created_at=work.now(),
        )
        work.session.add(account)
        work.session.flush()
    token, link = _new_link(work, account, VERIFY, VERIFY_TTL)
    link.password_hash = password_hash
    work.session.flush()
    pending = {
        "first_name": first_name.strip(),
        "last_name": last_name.strip(),
        "email": normalised,
    }
    link.pending_sealed = seal(_pending_key(work), json.dumps(pending).encode(), _pending_aad(link))
    audit.record(work, actor=actor, action="account.registered", detail={"account_id": account.id})
    hours = int(VERIFY_TTL.total_seconds() // 3600)
    sender.send(
        OutgoingEmail(
            to=normalised,
            subject=f"Confirm your email address for your {organisation} account",
            text=(
                f"Someone, hopefully you, created an account on the {organisation} website "
                "with this email address. To confirm it and finish, open this link and "
                f"press Confirm:\n\n{_url(work, f'/account/verify/{token}')}\n\n"
                f"The link works once and expires in {hours} hours. If it was not you, "
                "ignore this email: nothing is kept about you unless the link is used.\n"
            ),
        )
    )


def _pending_aad(link: AccountLink) -> bytes:
    return f"charter-account:pending:{link.id}".encode()


def verify_email(work: Work, token: str) -> CustomerAccount:
    """Follow a verification link: the account becomes usable and its data is stored.

    Name, email and the fact of login data go to the vault at ``customer_account`` now
    that the mailbox owner asked for the account (Art. 5(1)(a), 5(1)(d) accuracy).
    """
    link, account = _open_link(work, token, VERIFY)
    subject = work.session.get(Subject, account.subject_id)
    if subject is None or link.password_hash is None or link.pending_sealed is None:
        raise AccountLinkNotValid
    now = work.now()
    pending = json.loads(open_sealed(_pending_key(work), link.pending_sealed, _pending_aad(link)))
    actor = actor_for(account)
    vault.store_personal_data(
        work,
        subject,
        collection_point=COLLECTION_POINT,
        values={
            "identity.first_name": str(pending["first_name"]),
            "identity.last_name": str(pending["last_name"]),
            "contact.email": str(pending["email"]),
            "technical.login_data": LOGIN_DATA_RECORD,
        },
        source="data_subject",
        actor=actor,
    )
    account.password_hash = link.password_hash
    account.verified_at = now
    _retire_links(work, account, VERIFY, now)
    work.session.execute(
        update(AccountLink)
        .where(AccountLink.account_id == account.id, AccountLink.kind == VERIFY)
        .values(password_hash=None, pending_sealed=None)
    )
    audit.record(work, actor=actor, action="account.verified", subject_ref=subject.ref)
    return account


# Signing in and resetting -------------------------------------------------------------------


def authenticate(work: Work, *, email: str, password: str) -> CustomerAccount | None:
    """The account these credentials open, or ``None`` for every kind of failure.

    Unknown addresses, unverified accounts and erased subjects cost one dummy Argon2
    verification, like a real one. Five wrong passwords lock the account for 15 minutes
    (the staff console's rule); a locked account fails even with the right password.
    """
    try:
        account = find_account(work, email)
    except InvalidInput:
        account = None
    subject = None if account is None else work.session.get(Subject, account.subject_id)
    if account is None or account.password_hash is None or subject is None or subject.erased_at:
        staff_credentials.verify_dummy_password(password)
        audit.record(work, actor="public:account_login", action="account.login_failed")
        return None
    now = work.now()
    password_ok = staff_credentials.verify_password(account.password_hash, password)
    if account.locked_until is not None and account.locked_until > now:
        audit.record(
            work,
            actor="public:account_login",
            action="account.login_failed",
            detail={"account_id": account.id, "reason": "locked"},
        )
        return None
    if not password_ok:
        account.failed_attempts += 1
        detail: dict[str, object] = {"account_id": account.id, "reason": "credentials"}
        if account.failed_attempts >= staff_credentials.MAX_FAILED_ATTEMPTS:
            account.failed_attempts = 0
            account.locked_until = now + staff_credentials.LOCKOUT
            detail["locked_until"] = account.locked_until.isoformat()
        audit.record(
            work, actor="public:account_login", action="account.login_failed", detail=detail
        )
        return None
    if staff_credentials.PASSWORD_HASHER.check_needs_rehash(account.password_hash):
        account.password_hash = staff_credentials.PASSWORD_HASHER.hash(password)
    account.failed_attempts = 0
    account.locked_until = None
    account.last_login_at = now
    audit.record(work, actor=actor_for(account), action="account.login")
    return account


def request_reset(work: Work, *, email: str, sender: EmailSender, actor: str) -> None:
    """Email a reset link if ``email`` has a verified account; the caller replies the
    same either way. The link goes only to the address on file: the typed address
    matched its blind index, so it is that address."""
    normalised = normalise_email(email)
    account = find_account(work, normalised)
    if account is None or account.verified_at is None:
        audit.record(work, actor=actor, action="account.reset_requested", detail={"matched": False})
        return
    token, _link = _new_link(work, account, RESET, RESET_TTL)
    work.session.flush()
    audit.record(
        work,
        actor=actor,
        action="account.reset_requested",
        detail={"matched": True, "account_id": account.id},
    )
    minutes = int(RESET_TTL.total_seconds() // 60)
    organisation = work.policy.organisation.name
    sender.send(
        OutgoingEmail(
            to=normalised,
            subject=f"Reset your {organisation} account password",
            text=(
                "Someone asked to reset the password of your account. To choose a new "
                f"password, open this link:\n\n{_url(work, f'/account/reset/{token}')}\n\n"
                f"The link works once and expires in {minutes} minutes. If it was not you, "
                "ignore this email: your password has not changed.\n"
            ),
        )
    )


def reset_password(work: Work, token: str, *, password: str) -> CustomerAccount:
    """Set a new password through a reset link; ends every session and the lockout."""
    staff_credentials.check_password(password)
    link, account = _open_link(work, token, RESET)
    now = work.now()
    link.used_at = now
    _retire_links(work, account, RESET, now)
    account.password_hash = staff_credentials.PASSWORD_HASHER.hash(password)
    account.failed_attempts = 0
    account.locked_until = None
    ended = end_all_sessions(work, account)
    audit.record(
        work,
        actor=actor_for(account),
        action="account.password_reset",
        detail={"account_id": account.id, "sessions_ended": ended},
    )
    return account
