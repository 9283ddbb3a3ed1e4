"""`charter retention` commands."""

from __future__ import annotations

import typer

app = typer.Typer(
    help="Retention that deletes on time: the sweep, legal holds, what expires next.",
    no_args_is_help=True,
)
