"""`charter retention`: run the sweep, see what expires next, hold and release people.

Nothing printed is a personal value: rule ids, counts, dates and pseudonymous refs.
A sweep of more than one batch shows a progress bar; a sweep that was killed is resumed
by the next ``charter retention run`` (see ``service.run_sweep``).
"""

from __future__ import annotations

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from charter.command import cli_actor, cli_runtime, console, reports_errors
from charter.retention import holds as holds_service
from charter.retention.models import HoldReason
from charter.retention.service import (
    DEFAULT_BATCH_SIZE,
    SweepReport,
    expiring,
    run_sweep,
)

app = typer.Typer(
    help="Retention that deletes on time: the sweep, legal holds, what expires next.",
    no_args_is_help=True,
)


def print_report(report: SweepReport) -> None:
    title = "Retention sweep (dry run: nothing changed)" if report.dry_run else "Retention sweep"
    table = Table(title=title, caption="* a statutory record-keeping rule (Art. 17(3)(b))")
    verb = "would delete" if report.dry_run else "deleted"
    table.add_column("rule", no_wrap=True)
    table.add_column("action")
    for header in (verb, "anonymised", "held", "records"):
        table.add_column(header, justify="right")
    for line in report.rules:
        action = f"{line.action}{'*' if line.statutory else ''}"
        table.add_row(
            line.rule,
            action,
            str(line.deleted),
            str(line.anonymised),
            str(line.held),
            str(line.records),
        )
    console.print(table)
    keys = "would be destroyed" if report.dry_run else "destroyed"
    console.print(f"Data keys {keys}: {report.keys_destroyed}")
    if report.resumed:
        console.print(f"Resumed sweep {report.run_id} after an interrupted run.")
    if report.run_id is not None:
        console.print(f"Sweep {report.run_id}: {report.batches} batch(es).")


@app.command("run")
@reports_errors
def run_command(
    dry_run: bool = typer.Option(False, "--dry-run", help="Show what would go; change nothing."),
    batch_size: int = typer.Option(
        DEFAULT_BATCH_SIZE, "--batch-size", help="Values deleted per transaction."
    ),
) -> None:
    """Delete (or anonymise) every value past its retention deadline, except held ones."""
    with cli_runtime() as runtime:
        if dry_run:
            report = run_sweep(runtime, dry_run=True, batch_size=batch_size, actor=cli_actor())
        else:
            with Progress(
                TextColumn("Sweeping"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=console,
                transient=True,
            ) as bar:
                task = bar.add_task("sweep", total=None)

                def show(done: int, total: int) -> None:
                    if total > batch_size:
                        bar.update(task, completed=done, total=total)
                    if done and not console.is_terminal:
                        console.print(f"progress: {done}/{total}")

                report = run_sweep(runtime, batch_size=batch_size, progress=show, actor=cli_actor())
    print_report(report)


@app.command("next")
@reports_errors
def next_command(
    days: int = typer.Option(30, "--days", help="How many days ahead to look."),
) -> None:
    """What expires in the next DAYS days (and anything overdue), per rule and date."""
    with cli_runtime() as runtime, runtime.unit(write=False) as work:
        rows = expiring(work, days=days)
    if not rows:
        console.print(f"Nothing expires in the next {days} days.")
        return
    table = Table(title=f"Expiring in the next {days} days")
    for header in ("date", "rule", "values", "held"):
        table.add_column(header, justify="right" if header in ("values", "held") else "left")
    for row in sorted(rows, key=lambda item: (item.on, item.rule)):
        table.add_row(row.on.isoformat(), row.rule, str(row.values), str(row.held))
    console.print(table)


@app.command("hold")
@reports_errors
def hold_command(
    subject_ref: str = typer.Argument(..., help="The person's reference."),
    reason: str = typer.Option(
        ..., "--reason", help=f"One of: {', '.join(item.value for item in HoldReason)}."
    ),
) -> None:
    """Hold SUBJECT_REF's data from retention deletion (Art. 17(3)(e))."""
    with cli_runtime() as runtime, runtime.unit() as work:
        subject = holds_service.find_subject(work, subject_ref)
        hold = holds_service.place_hold(work, subject, reason=reason, actor=cli_actor())
        ref, code = subject.ref, hold.reason
    console.print(f"Held {ref} ({code}). Release it with `charter retention release {ref}`.")


@app.command("release")
@reports_errors
def release_command(
    subject_ref: str = typer.Argument(..., help="The person's reference."),
) -> None:
    """Lift SUBJECT_REF's legal holds; their data then goes when it is due."""
    with cli_runtime() as runtime, runtime.unit() as work:
        subject = holds_service.find_subject(work, subject_ref)
        count = holds_service.lift_holds(work, subject, actor=cli_actor())
        left = holds_service.holds(work, subject)
        ref = subject.ref
    console.print(f"Lifted {count} hold(s) on {ref}.")
    for reason in left:
        console.print(f"[yellow]Still held:[/] {reason}")
