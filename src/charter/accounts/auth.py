"""Server-side customer sessions: the ``charter_account`` cookie and its database row.

The same measures as the staff console's sessions (``staff.auth``), whose timeouts and
token size are reused: the browser holds only a random 256-bit token (HttpOnly,
SameSite=Lax so the link in our emails lands signed in, Secure over HTTPS, path
``/account``); the row's id is a keyed hash of it under the accounts' own sub-key. A
session ends after 30 minutes idle or 12 hours in all, at logout (the row is deleted),
on a password reset, or when the subject is erased. Signing in always mints a new token
and drops the one presented (session fixation). UK GDPR Art. 32(1)(b): only the
customer reaches their own account, and the session alone decides whose it is.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from fastapi import Request, Response
from sqlalchemy import delete

from charter.accounts.models import AccountSession, CustomerAccount
from charter.audit import service as audit
from charter.crypto import derive_key, keyed_digest
from charter.errors import CharterError
from charter.runtime import Work
from charter.staff.auth import ABSOLUTE_TIMEOUT, IDLE_TIMEOUT, TOKEN_BYTES
from charter.vault.models import Subject

ACCOUNT_COOKIE = "charter_account"
COOKIE_PATH = "/account"


class AccountLoginRequired(CharterError):
    """No live customer session: the account pages send the visitor to sign in."""

    status_code = 401
    default_message = "Please sign in to your account."


@dataclass(frozen=True)
class SignedInCustomer:
    account: CustomerAccount
    subject: Subject

    @property
    def actor(self) -> str:
        return actor_for(self.account)


def actor_for(account: CustomerAccount) -> str:
    """How the audit trail names a customer: their account id, never their address."""
    return f"customer:{account.id}"


def session_id_for(work: Work, token: str) -> str:
    key = derive_key(work.keyring.master, b"charter customer session v1")
    return keyed_digest(key, token.encode()).hex()


def _valid_token(token: str | None) -> bool:
    return token is not None and 20 <= len(token) <= 64 and token.isascii()


def start_session(
    work: Work, account: CustomerAccount, *, network: str, replacing: str | None = None
) -> str:
    """A new session for ``account``; returns the cookie's token. The session the
    browser presented and this account's expired sessions are deleted."""
    now = work.now()
    if replacing is not None and _valid_token(replacing):
        work.session.execute(
            delete(AccountSession).where(AccountSession.id == session_id_for(work, replacing))
        )
    work.session.execute(
        delete(AccountSession).where(
            AccountSession.account_id == account.id,
            (AccountSession.last_seen_at <= now - IDLE_TIMEOUT)
            | (AccountSession.created_at <= now - ABSOLUTE_TIMEOUT),
        )
    )
    token = secrets.token_urlsafe(TOKEN_BYTES)
    work.session.add(
        AccountSession(
            id=session_id_for(work, token),
            account_id=account.id,
            created_at=now,
            last_seen_at=now,
            network=network[:64],
        )
    )
    work.session.flush()
    return token


def resume_session(work: Work, token: str | None) -> SignedInCustomer | None:
    """The customer behind ``token``, touching ``last_seen_at``; an expired session, or
    one whose subject was erased, is deleted and gives ``None``."""
    if token is None or not _valid_token(token):
        return None
    row = work.session.get(AccountSession, session_id_for(work, token))
    if row is None:
        return None
    now = work.now()
    account = work.session.get(CustomerAccount, row.account_id)
    subject = None if account is None else work.session.get(Subject, account.subject_id)
    expired = row.last_seen_at + IDLE_TIMEOUT <= now or row.created_at + ABSOLUTE_TIMEOUT <= now
    if expired or account is None or subject is None or subject.erased_at is not None:
        work.session.delete(row)
        work.session.flush()
        return None
    row.last_seen_at = now
    return SignedInCustomer(account=account, subject=subject)


def end_session(work: Work, token: str | None) -> bool:
    """Sign out: delete the row, so the token is worthless even if copied."""
    if token is None or not _valid_token(token):
        return False
    row = work.session.get(AccountSession, session_id_for(work, token))
    if row is None:
        return False
    work.session.delete(row)
    work.session.flush()
    audit.record(work, actor=f"customer:{row.account_id}", action="account.logout")
    return True


def end_all_sessions(work: Work, account: CustomerAccount) -> int:
    """End every session of ``account`` (after a password reset)."""
    result = work.session.execute(
        delete(AccountSession).where(AccountSession.account_id == account.id)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def set_account_cookie(request: Request, response: Response, token: str) -> None:
    response.set_cookie(
        ACCOUNT_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path=COOKIE_PATH,
    )


def clear_account_cookie(request: Request, response: Response) -> None:
    response.delete_cookie(
        ACCOUNT_COOKIE,
        path=COOKIE_PATH,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )
