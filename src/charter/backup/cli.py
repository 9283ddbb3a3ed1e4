"""`charter backup` commands."""

from __future__ import annotations

import typer

app = typer.Typer(
    help="Backups that never hold keys and restores that keep erasures erased.",
    no_args_is_help=True,
)
