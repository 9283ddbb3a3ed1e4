"""`charter breaches` commands."""

from __future__ import annotations

import typer

app = typer.Typer(help="The personal-data breach register (Art. 33-34).", no_args_is_help=True)
