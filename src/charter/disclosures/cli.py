"""`charter disclosures` commands."""

from __future__ import annotations

import typer

app = typer.Typer(
    help="The register of disclosures and transfers, and notices to recipients.",
    no_args_is_help=True,
)
