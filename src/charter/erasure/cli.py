"""`charter erasure`: plan, carry out and re-apply erasures (UK GDPR Art. 17).

People are named by their pseudonymous reference, never by their details, and nothing
printed here is a personal value: only field names, laws and dates. Looking at a plan is
audited (``erasure.planned``, Art. 5(2)); running one is audited by the service.
"""

from __future__ import annotations

from datetime import datetime

import typer
from rich.table import Table
from sqlalchemy import select

from charter.audit import service as audit
from charter.command import cli_actor, cli_runtime, console, reports_errors
from charter.erasure.schemas import ErasurePlan
from charter.erasure.service import erase_subject, plan_erasure, reapply_tombstones
from charter.errors import InvalidInput, NotFound
from charter.runtime import Work
from charter.vault.models import Subject

app = typer.Typer(help="Erase people's data, keeping only what the law requires.")


def _subject(work: Work, ref: str) -> Subject:
    subject = work.session.scalars(select(Subject).where(Subject.ref == ref)).first()
    if subject is None:
        raise NotFound("No person has that reference.")
    return subject


def _print_plan(plan: ErasurePlan) -> None:
    table = Table(title=f"Erasure plan for {plan.subject_ref}")
    for header in ("field", "collected at", "decision", "until"):
        table.add_column(header, no_wrap=True)
    table.add_column("why", overflow="fold")
    for item in [*plan.kept, *plan.erased]:
        until = f"{item.retain_until:%Y-%m-%d}" if item.retain_until else ""
        why = f"{item.reason} {item.law}" if item.law else item.reason
        decision = "[yellow]keep[/]" if item.keep else "[red]erase[/]"
        table.add_row(item.field, item.collection_point, decision, until, why)
    console.print(table)
    outcome = "restrict what is kept" if plan.kept else "destroy the data key (crypto-shred)"
    console.print(f"Then: {outcome}.")
    for hold in plan.holds:
        console.print(f"[bold red]Held:[/] {hold}")


@app.command("plan")
@reports_errors
def plan_command(
    subject_ref: str = typer.Argument(..., help="The person's reference."),
) -> None:
    """Show what erasing SUBJECT_REF would erase and keep; changes nothing."""
    with cli_runtime() as runtime, runtime.unit() as work:
        plan = plan_erasure(work, _subject(work, subject_ref))
        audit.record(
            work,
            actor=cli_actor(),
            action="erasure.planned",
            subject_ref=plan.subject_ref,
            detail={"kept": len(plan.kept), "erased": len(plan.erased), "held": len(plan.holds)},
        )
    _print_plan(plan)


@app.command("run")
@reports_errors
def run_command(
    subject_ref: str = typer.Argument(..., help="The person's reference."),
    yes: bool = typer.Option(False, "--yes", help="Do not ask for confirmation."),
    request: str | None = typer.Option(
        None, "--request", help="The erasure request's reference (DSR-XXXX-XXXX)."
    ),
) -> None:
    """Erase SUBJECT_REF: keep only statutory records, restricted; else crypto-shred."""
    with cli_runtime() as runtime:
        with runtime.unit(write=False) as work:
            plan = plan_erasure(work, _subject(work, subject_ref))
        _print_plan(plan)
        if not yes and not typer.confirm("Erase this person's data? This cannot be undone."):
            console.print("Nothing was erased.")
            raise typer.Exit(1)
        with runtime.unit() as work:
            receipt = erase_subject(
                work, _subject(work, subject_ref), actor=cli_actor(), request_reference=request
            )
    console.print(f"[green]Erased[/] {receipt.subject_ref} ({receipt.outcome.value}).")
    console.print(receipt.summary_text(), markup=False, highlight=False)


@app.command("reapply")
@reports_errors
def reapply_command(
    since: str | None = typer.Option(
        None, "--since", help="Only tombstones recorded from this ISO date/time (UTC)."
    ),
) -> None:
    """After restoring a backup: erase again everyone erased since the backup was taken."""
    start = None
    if since is not None:
        try:
            start = datetime.fromisoformat(since)
        except ValueError:
            raise InvalidInput(f"'{since}' is not an ISO date or date-time.") from None
    with cli_runtime() as runtime, runtime.unit() as work:
        count = reapply_tombstones(work, since=start, actor=cli_actor())
    console.print(f"Erased again: {count} person(s).")
