"""Server-side staff sessions and the console's role guard.

A session lives in the database (``staff_sessions``), not in the cookie. The browser holds
only a random 256-bit token in the ``charter_staff`` cookie (HttpOnly, SameSite=Strict,
Secure over HTTPS, path ``/admin``); the row's id is a keyed hash of it, so the table
cannot be replayed as logins. A session ends after 30 minutes idle or 12 hours in all,
at logout (the row is deleted), or when the account is disabled. Signing in always mints
a new token and drops any session the browser presented, so a token planted before
sign-in is never adopted (session fixation). These are the Art. 32(1)(b) measures
keeping the console to the people acting under the controller's authority (Art. 29).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import timedelta

from fastapi import Request, Response
from sqlalchemy import delete, select

from charter.audit import service as audit
from charter.crypto import derive_key, keyed_digest
from charter.errors import CharterError
from charter.runtime import Runtime, Work
from charter.staff.models import StaffSession, StaffUser
from charter.staff.schemas import Role, SignedIn

STAFF_COOKIE = "charter_staff"
COOKIE_PATH = "/admin"
TOKEN_BYTES = 32
IDLE_TIMEOUT = timedelta(minutes=30)
ABSOLUTE_TIMEOUT = timedelta(hours=12)
LOGIN_PATH = "/admin/login"


class LoginRequired(CharterError):
    """No valid staff session: the console redirects to the sign-in page."""

    status_code = 401
    default_message = "Please sign in to the staff console."


class StaffForbidden(CharterError):
    """Signed in, but the role does not reach this page (least privilege, Art. 32(4))."""

    status_code = 403
    default_message = "Your role does not give you access to this page."


def session_id_for(work: Work, token: str) -> str:
    """The row id of a token: HMAC under a sub-key of the master key (hex)."""
    key = derive_key(work.keyring.master, b"charter staff session v1")
    return keyed_digest(key, token.encode()).hex()


def _valid_token(token: str | None) -> bool:
    return token is not None and 20 <= len(token) <= 64 and token.isascii()


def start_session(
    work: Work, user: StaffUser, *, network: str, replacing: str | None = None
) -> str:
    """A new session for ``user``; returns the token for the cookie. Any session the
    browser presented (``replacing``) and this account's expired sessions are deleted."""
    now = work.now()
    if _valid_token(replacing):
        work.session.execute(
            delete(StaffSession).where(StaffSession.id == session_id_for(work, str(replacing)))
        )
    work.session.execute(
        delete(StaffSession).where(
            StaffSession.staff_id == user.id,
            (StaffSession.last_seen_at <= now - IDLE_TIMEOUT)
            | (StaffSession.created_at <= now - ABSOLUTE_TIMEOUT),
        )
    )
    token = secrets.token_urlsafe(TOKEN_BYTES)
    work.session.add(
        StaffSession(
            id=session_id_for(work, token),
            staff_id=user.id,
            created_at=now,
            last_seen_at=now,
            network=network[:64],
        )
    )
    work.session.flush()
    return token


def resume_session(work: Work, token: str | None) -> SignedIn | None:
    """The signed-in staff member behind ``token``, touching ``last_seen_at``; an expired
    session, or one of a disabled account, is deleted and gives ``None``."""
    if not _valid_token(token):
        return None
    row = work.session.get(StaffSession, session_id_for(work, str(token)))
    if row is None:
        return None
    now = work.now()
    user = work.session.get(StaffUser, row.staff_id)
    expired = row.last_seen_at + IDLE_TIMEOUT <= now or row.created_at + ABSOLUTE_TIMEOUT <= now
    if expired or user is None or not user.active:
        work.session.delete(row)
        work.session.flush()
        return None
    row.last_seen_at = now
    return SignedIn(staff_id=user.id, role=Role(user.role), session_id=row.id)


def end_session(work: Work, token: str | None) -> bool:
    """Sign out: delete the session row (the token is then worthless)."""
    if not _valid_token(token):
        return False
    row = work.session.get(StaffSession, session_id_for(work, str(token)))
    if row is None:
        return False
    work.session.delete(row)
    work.session.flush()
    audit.record(work, actor=f"staff:{row.staff_id}", action="staff.logout")
    return True


def end_all_sessions(work: Work, staff_id: int) -> int:
    rows = work.session.scalars(select(StaffSession).where(StaffSession.staff_id == staff_id))
    ended = 0
    for row in rows.all():
        work.session.delete(row)
        ended += 1
    work.session.flush()
    return ended


def set_staff_cookie(request: Request, response: Response, token: str) -> None:
    response.set_cookie(
        STAFF_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path=COOKIE_PATH,
    )


def clear_staff_cookie(request: Request, response: Response) -> None:
    response.delete_cookie(
        STAFF_COOKIE,
        path=COOKIE_PATH,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )


def require_role(*roles: Role) -> Callable[[Request], SignedIn]:
    """A FastAPI dependency: the signed-in staff member if their role is one of ``roles``.

    Raises :class:`LoginRequired` without a live session and :class:`StaffForbidden` for
    another role; the console's route class turns them into a redirect and a 403 page.
    """
    allowed = frozenset(roles)

    def guard(request: Request) -> SignedIn:
        runtime: Runtime = request.app.state.runtime
        with runtime.unit() as work:
            signed_in = resume_session(work, request.cookies.get(STAFF_COOKIE))
        if signed_in is None:
            raise LoginRequired
        request.state.staff = signed_in
        if signed_in.role not in allowed:
            raise StaffForbidden
        return signed_in

    return guard
