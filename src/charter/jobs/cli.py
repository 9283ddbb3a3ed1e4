"""`charter jobs list|run`: the periodic jobs, for cron or an operator."""

from __future__ import annotations

import typer
from rich.table import Column, Table

from charter.command import cli_runtime, console, reports_errors
from charter.jobs.schedule import PERIODIC_JOBS, job_named
from charter.jobs.service import job_rows, run_due_jobs, run_job

app = typer.Typer(help="Periodic jobs: retention, purges, reminders, deliveries.")


@app.command("list")
@reports_errors
def list_command() -> None:
    """Every periodic job, how often it runs, and its last run."""
    with cli_runtime() as runtime:
        rows = job_rows(runtime)
    table = Table("every", "last started", "last count", "last error")
    table.columns.insert(0, Column("job", no_wrap=True))
    for job in PERIODIC_JOBS:
        row = rows.get(job.name)
        started = row.started_at.isoformat(timespec="seconds") if row and row.started_at else "-"
        count = str(row.last_count) if row and row.last_count is not None else "-"
        table.add_row(job.name, str(job.every), started, count, (row and row.last_error) or "")
    console.print(table)


@app.command("run")
@reports_errors
def run_command(
    name: str | None = typer.Argument(None, help="One job to run now, due or not."),
    force: bool = typer.Option(False, "--force", help="Run every job now, due or not."),
) -> None:
    """Run the jobs that are due (from cron), or one named job now."""
    with cli_runtime() as runtime:
        if name is not None:
            results = [run_job(runtime, job_named(name), force=True)]
        else:
            results = run_due_jobs(runtime, force=force)
    failed = False
    for result in results:
        if not result.ran:
            console.print(f"{result.name}: not due")
        elif result.error:
            failed = True
            console.print(f"[red]{result.name}: failed ({result.error})[/]")
        else:
            console.print(f"{result.name}: done ({result.count})")
    if failed:
        raise typer.Exit(1)
