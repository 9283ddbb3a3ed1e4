"""Server-side staff sessions and the console's role guard.

A session lives in the database (``staff_sessions``), not in the cookie. The browser holds
only a random 256-bit token in the ``charter_staff`` cookie (HttpOnly, SameSite=Strict,
Secure over HTTPS, path ``/admin``); the row's id is a keyed hash of it, so the table
cannot be replayed as logins. A session ends after 30 minutes idle or 12 hours in all,
at logout (the row is deleted), or when the account is disabled or its role changes
(``change_role``). Signing in always mints a new token and drops any session the browser
presented, so a token planted before sign-in is never adopted (session fixation), and
renews the CSRF session id. These are the Art. 32(1)(b) measures
keeping the console to the people acting under the controller's authority (Art. 29).
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Request, Response

from charter.audit import service as audit
from charter.errors import CharterError
from charter.runtime import Runtime, Work
from charter.staff.models import StaffSession, StaffUser
from charter.staff.schemas import Role, SignedIn
from charter.web.csrf import rotate_session_id
from charter.web.sessions import SessionStore

STAFF_COOKIE = "charter_staff"
COOKIE_PATH = "/admin"
LOGIN_PATH = "/admin/login"


class LoginRequired(CharterError):
    """No valid staff session: the console redirects to the sign-in page."""

    status_code = 401
    default_message = "Please sign in to the staff console."


class StaffForbidden(CharterError):
    """Signed in, but the role does not reach this page (least privilege, Art. 32(4))."""

    status_code = 403
    default_message = "Your role does not give you access to this page."


STORE = SessionStore(StaffSession, owner="staff_id", key_label=b"charter staff session v1")


def session_id_for(work: Work, token: str) -> str:
    """The row id of a token: HMAC under a sub-key of the master key (hex)."""
    return STORE.row_id(work, token)


def start_session(
    work: Work, user: StaffUser, *, network: str, replacing: str | None = None
) -> str:
    """A new session for ``user``; returns the token for the cookie."""
    return STORE.start(work, user.id, network=network, replacing=replacing)


def resume_session(work: Work, token: str | None) -> SignedIn | None:
    """The signed-in staff member behind ``token``; a session of a disabled account is
    deleted and gives ``None``."""
    row = STORE.live_row(work, token)
    if row is None:
        return None
    user = work.session.get(StaffUser, row.staff_id)
    if user is None or not user.active:
        STORE.drop(work, row)
        return None
    return SignedIn(staff_id=user.id, role=Role(user.role), session_id=row.id)


def end_session(work: Work, token: str | None) -> bool:
    """Sign out: delete the session row (the token is then worthless)."""
    row = STORE.end(work, token)
    if row is None:
        return False
    audit.record(work, actor=f"staff:{row.staff_id}", action="staff.logout")
    return True


def end_all_sessions(work: Work, staff_id: int) -> int:
    return STORE.end_all(work, staff_id)


def set_staff_cookie(request: Request, response: Response, token: str) -> None:
    """Set the session cookie at sign-in, and renew the CSRF session id with it."""
    rotate_session_id(request)
    response.set_cookie(
        STAFF_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path=COOKIE_PATH,
    )


def clear_staff_cookie(request: Request, response: Response) -> None:
    """Drop the session cookie; on a redirect (sign-out, an ended session) renew the CSRF
    session id too. A page with a form keeps it: its token was made for the current id."""
    if 300 <= response.status_code < 400:
        rotate_session_id(request)
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


def change_role(work: Work, user: StaffUser, role: Role, *, actor: str) -> int:
    """Give ``user`` another role and end every session they hold, so no session outlives
    the privilege it was granted under: a promotion is used only from a fresh sign-in
    (a new session id), and a demotion bites at once (Art. 32(4)). Returns the number of
    sessions ended."""
    previous = user.role
    user.role = Role(role).value
    ended = end_all_sessions(work, user.id)
    audit.record(
        work,
        actor=actor,
        action="staff.role_changed",
        detail={"staff_id": user.id, "from": previous, "to": user.role, "sessions_ended": ended},
    )
    return ended
