"""`charter engagements` commands."""

from __future__ import annotations

import typer

app = typer.Typer(
    help="Staff access to client data while delivering a service, bounded to an order.",
    no_args_is_help=True,
)
