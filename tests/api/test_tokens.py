"""API tokens: created once, stored only as a keyed hash, listed, revoked, audited;
through the service and through `charter api token` (Typer's CliRunner), on both backends."""

from __future__ import annotations

import hmac
import re
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from charter.api.models import ApiToken
from charter.api.schemas import Scope
from charter.api.service import (
    Unauthenticated,
    authenticate,
    create_token,
    list_tokens,
    revoke_token,
    token_hash,
)
from charter.audit.models import AuditEntry
from charter.cli import app
from charter.crypto import derive_key, keyed_digest
from charter.errors import Conflict, InvalidInput, NotFound
from charter.installation.service import open_runtime
from charter.runtime import Runtime
from charter.settings import Settings
from tests.consent.factories import ACTOR

TOKEN = re.compile(r"^chr_[A-Za-z0-9_-]{43}$")
runner = CliRunner()


def test_a_token_is_returned_once_and_only_its_keyed_hash_is_stored(api: Runtime) -> None:
    with api.unit() as work:
        token, view = create_token(
            work, name="crm", scopes=[Scope.CONSENTS_READ, Scope.CONSENTS_READ], actor=ACTOR
        )
        row = work.session.scalars(select(ApiToken)).one()
        key = derive_key(work.keyring.master, b"charter api tokens v1")
        assert hmac.compare_digest(row.token_hash, keyed_digest(key, token.encode()).hex())
        stored = " ".join(str(value) for value in vars(row).values())
    assert TOKEN.fullmatch(token)
    assert token not in stored
    assert token[4:] not in stored
    assert view.scopes == [Scope.CONSENTS_READ]
    assert row.scopes == ["consents:read"]


def test_tokens_are_listed_revoked_and_audited(api: Runtime) -> None:
    with api.unit() as work:
        token, _ = create_token(work, name="crm", scopes=list(Scope), actor=ACTOR)
        assert authenticate(work, token).actor == "api:crm"
        revoke_token(work, name="crm", actor=ACTOR)
        [view] = list_tokens(work)
        assert view.revoked_at is not None
        assert view.last_used_at is not None
        with pytest.raises(Unauthenticated):
            authenticate(work, token)
        actions = list(work.session.scalars(select(AuditEntry.action)))
    assert {"api_token.created", "api_token.revoked"} <= set(actions)


@pytest.mark.parametrize("name", ["", "Has Space", "x" * 65, "ünï", "-lead"])
def test_a_token_name_must_be_a_short_label(api: Runtime, name: str) -> None:
    with api.unit() as work, pytest.raises(InvalidInput):
        create_token(work, name=name, scopes=[Scope.CONSENTS_READ], actor=ACTOR)


def test_names_are_unique_and_revoking_twice_or_unknown_is_refused(api: Runtime) -> None:
    with api.unit() as work:
        create_token(work, name="crm", scopes=[Scope.CONSENTS_READ], actor=ACTOR)
        with pytest.raises(Conflict):
            create_token(work, name="crm", scopes=[Scope.CONSENTS_READ], actor=ACTOR)
        with pytest.raises(InvalidInput):
            create_token(work, name="none", scopes=[], actor=ACTOR)
        revoke_token(work, name="crm", actor=ACTOR)
        with pytest.raises(Conflict):
            revoke_token(work, name="crm", actor=ACTOR)
        with pytest.raises(NotFound):
            revoke_token(work, name="nobody", actor=ACTOR)


@pytest.mark.parametrize("presented", [None, "", "chr_short", "Bearer x", "chr_" + "A" * 43])
def test_malformed_or_unknown_tokens_are_unauthenticated(
    api: Runtime, presented: str | None
) -> None:
    with api.unit() as work, pytest.raises(Unauthenticated):
        authenticate(work, presented)


# CLI -------------------------------------------------------------------------------------


@pytest.fixture
def installation(tmp_path: Path, fresh_database_url: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("CHARTER_KEYRING", "CHARTER_POLICY", "CHARTER_NOW"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CHARTER_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CHARTER_DATABASE_URL", fresh_database_url)
    open_runtime(Settings()).close()
    return tmp_path / "data"


def test_the_cli_creates_lists_and_revokes_tokens(installation: Path) -> None:
    created = runner.invoke(
        app,
        ["api", "token", "create", "crm", "--scope", "consents:read", "--scope", "requests:write"],
    )
    assert created.exit_code == 0, created.output
    [token] = [line for line in created.output.splitlines() if line.startswith("chr_")]
    assert TOKEN.fullmatch(token)

    listed = runner.invoke(app, ["api", "token", "list"])
    assert listed.exit_code == 0, listed.output
    assert "crm  active" in listed.output
    assert "consents:read requests:write" in listed.output
    assert token not in listed.output

    assert runner.invoke(app, ["api", "token", "revoke", "crm"]).exit_code == 0
    assert "crm  revoked" in runner.invoke(app, ["api", "token", "list"]).output
    again = runner.invoke(app, ["api", "token", "revoke", "crm"])
    assert again.exit_code == 1
    assert "already revoked" in again.output

    runtime = open_runtime(Settings(), create_keys=False)
    try:
        with runtime.unit(write=False) as work:
            row = work.session.scalars(select(ApiToken)).one()
            assert row.token_hash == token_hash(work, token)
            actions = list(work.session.scalars(select(AuditEntry.action)))
    finally:
        runtime.close()
    assert actions.count("api_token.created") == 1
    assert actions.count("api_token.revoked") == 1


def test_the_cli_refuses_an_unknown_scope(installation: Path) -> None:
    result = runner.invoke(app, ["api", "token", "create", "crm", "--scope", "everything"])
    assert result.exit_code != 0
