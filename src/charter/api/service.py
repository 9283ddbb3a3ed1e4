"""API token use cases: create, list, revoke, authenticate.

A token is ``chr_`` and 256 random bits (URL-safe base64); only its keyed hash is
stored, under ``derive_key(master, b"charter api tokens v1")``, so a leaked database
holds no usable credential and the hash cannot be brute-forced without the key ring
(Art. 32(1)(a)). Creating and revoking a token are audited (Art. 5(2)); every use is
audited by the service it reaches, under the actor ``api:<token name>``.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import select

from charter.api.models import ApiToken
from charter.api.schemas import TOKEN_NAME_PATTERN, Scope, TokenView
from charter.audit import service as audit
from charter.crypto import derive_key, keyed_digest
from charter.errors import CharterError, Conflict, InvalidInput, NotFound
from charter.runtime import Work
from charter.vault.models import Subject

TOKEN_PREFIX = "chr_"  # noqa: S105 - a prefix, not a secret
TOKEN_BYTES = 32
TOKEN_KEY_LABEL = b"charter api tokens v1"
#: A token is ``chr_`` and 43 URL-safe base64 characters; anything else is not looked up.
_TOKEN_SHAPE = re.compile(r"chr_[A-Za-z0-9_-]{43}")
_NAME_SHAPE = re.compile(TOKEN_NAME_PATTERN)


class Unauthenticated(CharterError):
    """No token, or one that is unknown or revoked; answered with ``WWW-Authenticate``."""

    status_code = 401
    default_message = "A valid API token is required."


class ScopeMissing(CharterError):
    status_code = 403
    default_message = "This API token does not have the scope this needs."


@dataclass(frozen=True)
class ApiCaller:
    """Who is calling: the token's name (the audit actor) and what it may do."""

    name: str
    scopes: frozenset[Scope]

    @property
    def actor(self) -> str:
        return f"api:{self.name}"


def token_hash(work: Work, token: str) -> str:
    return keyed_digest(derive_key(work.keyring.master, TOKEN_KEY_LABEL), token.encode()).hex()


def _view(row: ApiToken) -> TokenView:
    return TokenView(
        name=row.name,
        scopes=[Scope(scope) for scope in row.scopes],
        created_at=row.created_at,
        last_used_at=row.last_used_at,
        revoked_at=row.revoked_at,
    )


def create_token(
    work: Work, *, name: str, scopes: Collection[Scope], actor: str
) -> tuple[str, TokenView]:
    """A new token for the system ``name``; the token is returned here and nowhere else."""
    if not _NAME_SHAPE.fullmatch(name):
        raise InvalidInput("A token name is 1-64 lower-case letters, digits, '.', '_' or '-'.")
    if not scopes:
        raise InvalidInput("Give the token at least one scope.")
    if work.session.scalar(select(ApiToken.id).where(ApiToken.name == name)) is not None:
        raise Conflict("A token with that name already exists.")
    token = TOKEN_PREFIX + secrets.token_urlsafe(TOKEN_BYTES)
    granted = sorted({Scope(scope).value for scope in scopes})
    row = ApiToken(
        name=name, token_hash=token_hash(work, token), scopes=granted, created_at=work.now()
    )
    work.session.add(row)
    work.session.flush()
    audit.record(
        work, actor=actor, action="api_token.created", detail={"name": name, "scopes": granted}
    )
    return token, _view(row)


def list_tokens(work: Work) -> list[TokenView]:
    return [_view(row) for row in work.session.scalars(select(ApiToken).order_by(ApiToken.name))]


def revoke_token(work: Work, *, name: str, actor: str) -> TokenView:
    """Stop a token working at once; the row stays, so its past use can be explained."""
    row = work.session.scalars(select(ApiToken).where(ApiToken.name == name)).first()
    if row is None:
        raise NotFound("No API token has that name.")
    if row.revoked_at is not None:
        raise Conflict("That API token is already revoked.")
    row.revoked_at = work.now()
    work.session.flush()
    audit.record(work, actor=actor, action="api_token.revoked", detail={"name": name})
    return _view(row)


def authenticate(work: Work, token: str | None) -> ApiCaller:
    """The caller a bearer token stands for, noting when it was last used."""
    if token is None or not _TOKEN_SHAPE.fullmatch(token):
        raise Unauthenticated
    row = work.session.scalars(
        select(ApiToken).where(ApiToken.token_hash == token_hash(work, token))
    ).first()
    if row is None or row.revoked_at is not None:
        raise Unauthenticated
    row.last_used_at = work.now()
    return ApiCaller(name=row.name, scopes=frozenset(Scope(scope) for scope in row.scopes))


def subject_by_ref(work: Work, ref: str) -> Subject:
    """The subject with this pseudonymous reference; the API never takes an identifier."""
    subject = work.session.scalars(select(Subject).where(Subject.ref == ref)).first()
    if subject is None:
        raise NotFound("No person has that reference.")
    return subject
