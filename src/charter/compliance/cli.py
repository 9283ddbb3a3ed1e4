"""`charter compliance` commands."""

from __future__ import annotations

import typer

app = typer.Typer(
    help="The compliance report and the record of processing (Art. 5(2), Art. 30).",
    no_args_is_help=True,
)
