"""`charter audit`: verify the chain and read the log (no personal data is ever shown)."""

from __future__ import annotations

import typer
from rich.table import Table
from sqlalchemy import select

from charter.audit.anchor import anchor_path, read_anchor
from charter.audit.models import AuditEntry
from charter.audit.service import verify
from charter.command import cli_runtime, console, error_console, reports_errors

app = typer.Typer(help="Verify and read the tamper-evident audit log.", no_args_is_help=True)


@app.command("verify")
@reports_errors
def verify_command() -> None:
    """Exit 0 when every entry verifies; 1 naming the first broken entry otherwise."""
    with cli_runtime() as runtime, runtime.unit(write=False) as work:
        anchor = read_anchor(anchor_path(runtime.settings.data_dir))
        result = verify(work.session, runtime.keyring.audit, anchor=anchor)
    if result.intact:
        console.print(f"Audit log intact: {result.checked} entries verified.")
        return
    error_console.print(
        f"[bold red]Audit log BROKEN[/] at entry {result.first_broken_seq}: {result.reason} "
        f"({result.checked} entries before it verified)."
    )
    raise typer.Exit(1)


@app.command("log")
@reports_errors
def log_command(
    subject: str | None = typer.Option(None, help="Only entries about this subject reference."),
    limit: int = typer.Option(50, min=1, max=10_000, help="How many of the latest entries."),
) -> None:
    """Show the latest entries (actor, action, pseudonymous subject, purpose)."""
    with cli_runtime() as runtime, runtime.unit(write=False) as work:
        query = select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(limit)
        if subject:
            query = query.where(AuditEntry.subject_ref == subject)
        entries = list(work.session.scalars(query))
    table = Table()
    for column in ("seq", "at", "actor", "action", "subject", "purpose"):
        table.add_column(column, no_wrap=column in ("action", "at"))
    for entry in reversed(entries):
        table.add_row(
            str(entry.seq),
            entry.at.isoformat(timespec="seconds"),
            entry.actor,
            entry.action,
            entry.subject_ref or "",
            entry.purpose or "",
        )
    console.print(table)
