"""`charter campaigns` commands."""

from __future__ import annotations

import typer

app = typer.Typer(
    help="The outbound-communications gate and marketing campaigns (PECR regs 21-22, Art. 21(3)).",
    no_args_is_help=True,
)
