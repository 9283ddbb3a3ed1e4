"""`charter api token`: issue, list and revoke the tokens other systems use on /api/v1.

Granting a system access is a deliberate act by someone with shell access (Art. 32(4)),
audited under their operating-system account (Art. 5(2)). The token is printed once and
only its keyed hash is kept, so a lost token is revoked and replaced, never recovered.
"""

from __future__ import annotations

import typer

from charter.api.schemas import Scope
from charter.api.service import create_token, list_tokens, revoke_token
from charter.command import cli_actor, cli_unit, console, reports_errors

app = typer.Typer(help="The JSON API for the firm's other systems.", no_args_is_help=True)
token_app = typer.Typer(help="API tokens: create, list, revoke.", no_args_is_help=True)
app.add_typer(token_app, name="token")


@token_app.command("create")
@reports_errors
def create_command(
    name: str = typer.Argument(..., help="The system this token is for, e.g. 'crm'."),
    scopes: list[Scope] = typer.Option(..., "--scope", help="Repeat for each scope granted."),
) -> None:
    """Create a token for NAME with the given scopes and print it once."""
    with cli_unit(write=True) as work:
        token, view = create_token(work, name=name, scopes=scopes, actor=cli_actor())
    console.print(f"Created API token '{view.name}' ({', '.join(view.scopes)}).")
    console.print("Store it now: it is shown only once and cannot be recovered.")
    print(token)  # plain, unwrapped, so it can be piped


@token_app.command("list")
@reports_errors
def list_command() -> None:
    """Every token: name, scopes, created, last used, revoked (never the token)."""
    with cli_unit(write=False) as work:
        tokens = list_tokens(work)
    if not tokens:
        console.print("No API tokens yet. Create one with `charter api token create`.")
        return
    for view in tokens:
        state = "revoked" if view.revoked_at else "active"
        used = f"{view.last_used_at:%Y-%m-%d %H:%M}" if view.last_used_at else "never"
        console.print(
            f"{view.name}  {state}  created {view.created_at:%Y-%m-%d}  last used {used}  "
            f"scopes {' '.join(view.scopes)}",
            markup=False,
            soft_wrap=True,  # one line per token, however narrow the terminal
        )


@token_app.command("revoke")
@reports_errors
def revoke_command(name: str = typer.Argument(..., help="The token's name.")) -> None:
    """Stop the token NAME working at once."""
    with cli_unit(write=True) as work:
        revoke_token(work, name=name, actor=cli_actor())
    console.print(f"Revoked API token '{name}'.", markup=False)
