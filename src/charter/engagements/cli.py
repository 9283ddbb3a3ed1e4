"""`charter engagement`: open, close and list service-delivery engagements.

Clients are named by their pseudonymous reference and staff by their account id, so
nothing typed or printed here identifies anyone on its own. Opening and closing go
through the same service functions as the console pages and are audited there.
"""

from __future__ import annotations

from datetime import datetime

import typer
from rich.table import Table

from charter.command import cli_actor, cli_runtime, console, reports_errors
from charter.engagements import service
from charter.orders.service import find_order, find_subject

app = typer.Typer(
    help="Staff access to client data while delivering a service, bounded to an order.",
    no_args_is_help=True,
)


def _when(moment: datetime | None) -> str:
    return f"{moment:%Y-%m-%d %H:%M}" if moment else ""


@app.command("open")
@reports_errors
def open_command(
    subject_ref: str = typer.Argument(..., help="The client's reference."),
    order_id: int = typer.Option(..., "--order", help="The order being delivered."),
    staff_id: int = typer.Option(..., "--staff", help="The staff account doing the work."),
    systems: str = typer.Option(..., "--systems", help="Systems touched (no personal data)."),
    purpose: str = typer.Option(service.SERVICE_PURPOSE, "--purpose", help="Declared purpose."),
) -> None:
    """Open an engagement: STAFF may see the client's data for ORDER from now on."""
    with cli_runtime() as runtime, runtime.unit() as work:
        subject = find_subject(work, subject_ref)
        engagement = service.open_engagement(
            work,
            subject,
            order=find_order(work, subject, order_id),
            staff_id=staff_id,
            systems=systems,
            purpose=purpose,
            actor=cli_actor(),
        )
        engagement_id = engagement.id
    console.print(f"Engagement {engagement_id} opened.")


@app.command("close")
@reports_errors
def close_command(
    engagement_id: int = typer.Argument(..., help="The engagement to close."),
) -> None:
    """Close an engagement: the access it allowed ends now."""
    with cli_runtime() as runtime, runtime.unit() as work:
        service.close_engagement(
            work, service.find_engagement(work, engagement_id), actor=cli_actor()
        )
    console.print(f"Engagement {engagement_id} closed.")


@app.command("list")
@reports_errors
def list_command(
    open_only: bool = typer.Option(False, "--open", help="Only engagements still open."),
    subject_ref: str | None = typer.Option(None, "--subject", help="Only this client's."),
) -> None:
    """Engagements, newest first."""
    with cli_runtime() as runtime, runtime.unit(write=False) as work:
        subject = find_subject(work, subject_ref) if subject_ref else None
        rows = service.list_engagements(work, open_only=open_only, subject=subject)
        refs = service.subject_refs(work, rows)
    table = Table()
    for header in ("id", "client", "order", "staff", "purpose", "systems", "started", "ended"):
        table.add_column(header, overflow="fold")
    for row in rows:
        table.add_row(
            str(row.id),
            refs.get(row.subject_id, ""),
            str(row.order_id),
            str(row.staff_id),
            row.purpose,
            row.systems,
            _when(row.started_at),
            _when(row.ended_at) or "open",
        )
    console.print(table if rows else "No engagements.")
