"""`charter breach`: log, list and show breaches, and record the decisions (Art. 33-34).

Breaches are named by their reference (``BR-XXXXXX``); the people affected appear only as
a count and pseudonymous refs. Every change goes through ``breaches.service`` and is
audited there.
"""

from __future__ import annotations

from datetime import UTC, datetime

import typer
from rich.table import Table

from charter.breaches import service
from charter.command import cli_actor, cli_runtime, console, reports_errors
from charter.errors import InvalidInput

app = typer.Typer(help="The personal-data breach register (Art. 33-34).", no_args_is_help=True)


def _moment(text: str) -> datetime:
    """An ISO date-time; without a zone it is read as UTC."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"'{text}' is not a date-time: use YYYY-MM-DDTHH:MM.") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@app.command("log")
@reports_errors
def log_command(
    *,
    aware_at: str = typer.Option(..., "--aware-at", help="When we became aware (ISO, UTC)."),
    description: str = typer.Option(..., "--description", help="What happened (no personal data)."),
    categories: list[str] = typer.Option(..., "--category", help="A category affected (repeat)."),
    period_from: str = typer.Option(..., "--from", help="Start of the breach period (ISO)."),
    period_to: str = typer.Option(..., "--to", help="End of the breach period (ISO)."),
    consequences: str = typer.Option(..., "--consequences", help="Likely consequences."),
    measures: str = typer.Option(..., "--measures", help="Measures taken or proposed."),
    risk: str = typer.Option(..., "--risk", help="unlikely | risk | high"),
) -> None:
    """Log a breach; the 72-hour clock runs from --aware-at (Art. 33(1))."""
    with cli_runtime() as runtime, runtime.unit() as work:
        breach = service.log_breach(
            work,
            aware_at=_moment(aware_at),
            description=description,
            categories=categories,
            period_from=_moment(period_from),
            period_to=_moment(period_to),
            likely_consequences=consequences,
            measures=measures,
            risk_level=risk,
            actor=cli_actor(),
        )
        clock = service.notification_clock(work, breach)
        reference = breach.reference
    console.print(f"Breach {reference} logged. ICO deadline {clock.deadline:%Y-%m-%d %H:%M} UTC.")


@app.command("list")
@reports_errors
def list_command() -> None:
    """Every breach, newest first, with its 72-hour clock."""
    with cli_runtime() as runtime, runtime.unit(write=False) as work:
        rows = [(b, service.notification_clock(work, b)) for b in service.list_breaches(work)]
    table = Table()
    for header in ("reference", "aware (UTC)", "risk", "categories", "ICO clock", "told people"):
        table.add_column(header, overflow="fold")
    for breach, clock in rows:
        told = {None: "undecided", True: "yes", False: "no"}[breach.subjects_notified]
        table.add_row(
            breach.reference,
            f"{breach.aware_at:%Y-%m-%d %H:%M}",
            breach.risk_level,
            ", ".join(breach.categories),
            clock.label(),
            told,
            style="red" if clock.overdue else None,
        )
    console.print(table if rows else "No breaches recorded.")


@app.command("show")
@reports_errors
def show_command(
    reference: str = typer.Argument(..., help="The breach reference."),
    draft: bool = typer.Option(False, "--draft", help="Print the ICO notification draft."),
) -> None:
    """One breach: its clock, who may be affected, and optionally the ICO draft."""
    with cli_runtime() as runtime, runtime.unit(write=False) as work:
        breach = service.find_breach(work, reference)
        clock = service.notification_clock(work, breach)
        affected = service.affected_subjects(
            work,
            categories=list(breach.categories),
            period_from=breach.period_from,
            period_to=breach.period_to,
        )
        text = service.notification_draft(work, breach) if draft else None
    console.print(f"[bold]{breach.reference}[/] ({breach.risk_level} risk)")
    console.print(f"Aware at {breach.aware_at:%Y-%m-%d %H:%M} UTC; ICO: {clock.label()}")
    console.print(f"People possibly affected: {affected.count}")
    if text is not None:
        typer.echo(text)


@app.command("notified")
@reports_errors
def notified_command(
    reference: str = typer.Argument(..., help="The breach reference."),
    at: str = typer.Option(..., "--at", help="When the ICO was notified (ISO, UTC)."),
    ico_reference: str | None = typer.Option(None, "--ico-reference", help="ICO case number."),
) -> None:
    """Record the ICO notification (Art. 33(1)); this stops the clock."""
    with cli_runtime() as runtime, runtime.unit() as work:
        breach = service.find_breach(work, reference)
        service.record_ico_notification(
            work, breach, notified_at=_moment(at), ico_reference=ico_reference, actor=cli_actor()
        )
    console.print(f"ICO notification of {reference} recorded.")


@app.command("decide")
@reports_errors
def decide_command(
    reference: str = typer.Argument(..., help="The breach reference."),
    notify: bool = typer.Option(..., "--notify/--no-notify", help="Tell the people affected?"),
    reason: str = typer.Option(..., "--reason", help="Why (an Art. 34(3) ground if not)."),
) -> None:
    """Record whether the people affected are told (Art. 34)."""
    with cli_runtime() as runtime, runtime.unit() as work:
        breach = service.find_breach(work, reference)
        service.decide_subject_notification(
            work, breach, notify=notify, reason=reason, actor=cli_actor()
        )
    console.print(f"Decision for {reference} recorded.")
