"""Server-side customer sessions: the ``charter_account`` cookie and its database row.

The same measures as the staff console's sessions, through the shared store in
``web.sessions``: the browser holds only a random 256-bit token (HttpOnly,
SameSite=Lax so the link in our emails lands signed in, Secure over HTTPS, path
``/account``); the row's id is a keyed hash of it under the accounts' own sub-key. A
session ends after 30 minutes idle or 12 hours in all, at logout (the row is deleted),
on a password reset, or when the subject is erased. Signing in always mints a new token
and drops the one presented (session fixation). UK GDPR Art. 32(1)(b): only the
customer reaches their own account, and the session alone decides whose it is.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request, Response

from charter.accounts.models import AccountSession, CustomerAccount
from charter.audit import service as audit
from charter.errors import CharterError
from charter.runtime import Work
from charter.vault.models import Subject
from charter.web.csrf import rotate_session_id
from charter.web.sessions import SessionStore

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


STORE = SessionStore(AccountSession, owner="account_id", key_label=b"charter customer session v1")


def session_id_for(work: Work, token: str) -> str:
    return STORE.row_id(work, token)


def start_session(
    work: Work, account: CustomerAccount, *, network: str, replacing: str | None = None
) -> str:
    """A new session for ``account``; returns the cookie's token."""
    return STORE.start(work, account.id, network=network, replacing=replacing)


def resume_session(work: Work, token: str | None) -> SignedInCustomer | None:
    """The customer behind ``token``; a session whose subject was erased is deleted and
    gives ``None``."""
    row = STORE.live_row(work, token)
    if row is None:
        return None
    account = work.session.get(CustomerAccount, row.account_id)
    subject = None if account is None else work.session.get(Subject, account.subject_id)
    if account is None or subject is None or subject.erased_at is not None:
        STORE.drop(work, row)
        return None
    return SignedInCustomer(account=account, subject=subject)


def end_session(work: Work, token: str | None) -> bool:
    """Sign out: delete the row, so the token is worthless even if copied."""
    row = STORE.end(work, token)
    if row is None:
        return False
    audit.record(work, actor=f"customer:{row.account_id}", action="account.logout")
    return True


def end_all_sessions(work: Work, account: CustomerAccount) -> int:
    """End every session of ``account`` (after a password reset)."""
    return STORE.end_all(work, account.id)


def set_account_cookie(request: Request, response: Response, token: str) -> None:
    """Set the session cookie at sign-in, and renew the CSRF session id with it."""
    rotate_session_id(request)
    response.set_cookie(
        ACCOUNT_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path=COOKIE_PATH,
    )


def clear_account_cookie(request: Request, response: Response) -> None:
    """Drop the session cookie; on a redirect (sign-out, an ended session) renew the CSRF
    session id too. A page with a form keeps it: its token was made for the current id."""
    if 300 <= response.status_code < 400:
        rotate_session_id(request)
    response.delete_cookie(
        ACCOUNT_COOKIE,
        path=COOKIE_PATH,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )
