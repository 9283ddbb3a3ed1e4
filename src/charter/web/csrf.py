"""The strictly necessary session cookie and session-bound CSRF tokens.

Before a visitor makes any cookie choice, the only cookie Charter sets is this one
(PECR reg. 6(4): strictly necessary for a service the visitor asked for, e.g. sending a
form). It holds a random 128-bit identifier and nothing else; it is HttpOnly,
SameSite=Lax, and Secure over HTTPS, and it is set only when a page actually needs it
(a page with a form). A form's CSRF token is an HMAC of that identifier under the web
secret, so it is stateless and works across several app processes.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from fastapi import Request, Response
from markupsafe import Markup

from charter.errors import CharterError

SESSION_COOKIE = "charter_session"
CSRF_FIELD = "csrf_token"
_ID_BYTES = 16


class CsrfFailed(CharterError):
    status_code = 403
    default_message = (
        "This form has expired or did not come from our site. Please reload the page and try again."
    )


def _secret(request: Request) -> bytes:
    secret: bytes = request.app.state.runtime.keyring.web_secret
    return secret


def _valid_id(value: str | None) -> bool:
    return (
        value is not None
        and len(value) == _ID_BYTES * 2
        and all(c in "0123456789abcdef" for c in value)
    )


def session_id(request: Request) -> str:
    """The visitor's session id, creating one (to be set as a cookie) if they have none."""
    existing = getattr(request.state, "session_id", None)
    if existing:
        return str(existing)
    cookie = request.cookies.get(SESSION_COOKIE)
    value = cookie if cookie is not None and _valid_id(cookie) else secrets.token_hex(_ID_BYTES)
    request.state.session_id = value
    if value != cookie:
        request.state.new_session_id = value
    return value


def rotate_session_id(request: Request) -> str:
    """A fresh id, and so a fresh CSRF token, for this browser; the middleware sets it as
    the cookie. Called when who the browser is changes (signing in or out), so an id or
    token planted or learnt before sign-in is worthless after it (OWASP: renew session
    identifiers and CSRF tokens at every privilege change). Only for responses that render
    no form, whose token would still be the old id's."""
    value = secrets.token_hex(_ID_BYTES)
    request.state.session_id = value
    request.state.new_session_id = value
    return value


def csrf_token(request: Request) -> str:
    return hmac.new(_secret(request), session_id(request).encode(), hashlib.sha256).hexdigest()


def csrf_input(request: Request) -> Markup:
    """The hidden form field templates include in every form: ``{{ csrf_input(request) }}``."""
    return Markup('<input type="hidden" name="{}" value="{}">').format(
        CSRF_FIELD, csrf_token(request)
    )


def check_csrf(request: Request, submitted: str | None) -> None:
    """Refuse a state-changing request whose token does not match the session cookie."""
    cookie = request.cookies.get(SESSION_COOKIE)
    if not submitted or not _valid_id(cookie):
        raise CsrfFailed
    expected = hmac.new(_secret(request), str(cookie).encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, submitted):
        raise CsrfFailed


def set_session_cookie(request: Request, response: Response) -> None:
    """Called by the middleware after a page was built: set the cookie if one was minted."""
    value = getattr(request.state, "new_session_id", None)
    if value:
        response.set_cookie(
            SESSION_COOKIE,
            value,
            httponly=True,
            samesite="lax",
            secure=request.url.scheme == "https",
            path="/",
        )
