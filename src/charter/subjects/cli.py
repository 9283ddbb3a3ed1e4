"""`charter subjects` commands."""

from __future__ import annotations

import typer

app = typer.Typer(
    help="One person's timeline across every feature, for staff and operators.",
    no_args_is_help=True,
)
