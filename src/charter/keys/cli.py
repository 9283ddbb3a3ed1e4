"""`charter keys` commands."""

from __future__ import annotations

import typer

app = typer.Typer(
    help="Key rotation: re-wrapping data keys under a new master key, re-indexing.",
    no_args_is_help=True,
)
