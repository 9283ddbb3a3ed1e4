"""`charter dsr`: deadlines and the handling of data-subject requests from the terminal.

Requests are named by their public reference (``DSR-XXXX-XXXX``), never by the person's
details, so nothing typed or printed here identifies anyone on its own. Every step goes
through the same service functions as the staff pages and is audited there; looking at
a request is audited too (``dsr.viewed``, Art. 5(2) accountability).
"""

from __future__ import annotations

import sys
from datetime import date

import typer
from rich.table import Table

from charter.audit import service as audit
from charter.command import cli_actor, cli_runtime, console, reports_errors
from charter.errors import InvalidInput
from charter.mail.sender import build_sender
from charter.rights import rectification, service
from charter.rights.deadlines import due_date
from charter.rights.schemas import RequestSummary
from charter.rights.workflow import subject_ref

app = typer.Typer(help="Data-subject requests and their deadlines.", no_args_is_help=True)


def _parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"'{text}' is not a date: use YYYY-MM-DD.") from None


@app.command("due")
@reports_errors
def due_command(
    start: str = typer.Argument(..., help="The day the clock started (YYYY-MM-DD)."),
    extended: bool = typer.Option(False, "--extended", help="Add the two further months."),
) -> None:
    """Print the due date of a request whose clock started on START (Art. 12(3))."""
    typer.echo(due_date(_parse_date(start), extended=extended).isoformat())


def _table(*headers: str) -> Table:
    table = Table()
    for header in headers:
        table.add_column(header, overflow="fold")
    return table


def _day(value: date | None) -> str:
    return value.isoformat() if value else ""


@app.command("list")
@reports_errors
def list_command(
    overdue: bool = typer.Option(False, "--overdue", help="Only requests past their due date."),
) -> None:
    """Open requests, soonest due first; overdue ones in red."""
    with cli_runtime() as runtime, runtime.unit(write=False) as work:
        rows = [
            RequestSummary.of(request, overdue=service.is_request_overdue(work, request))
            for request in service.open_requests(work, overdue_only=overdue)
        ]
    table = _table("reference", "kind", "status", "received (UTC)", "due", "extended")
    for row in rows:
        table.add_row(
            row.reference,
            row.kind,
            row.status,
            f"{row.received_at:%Y-%m-%d %H:%M}",
            _day(row.due_on),
            "yes" if row.extended else "",
            style="red" if row.overdue else None,
        )
    console.print(table if rows else "No open requests.")


@app.command("show")
@reports_errors
def show_command(reference: str = typer.Argument(..., help="The request's reference.")) -> None:
    """One request and every step it went through."""
    with cli_runtime() as runtime:
        with runtime.unit(write=False) as work:
            request = service.find_request(work, reference)
            summary = RequestSummary.of(request, overdue=service.is_request_overdue(work, request))
            steps = [
                (
                    f"{event.at:%Y-%m-%d %H:%M}",
                    event.from_status or "",
                    event.to_status,
                    event.actor,
                    event.note_code or "",
                )
                for event in service.request_history(work, request)
            ]
        with runtime.unit() as work:
            request = service.find_request(work, reference)
            audit.record(
                work,
                actor=cli_actor(),
                action="dsr.viewed",
                subject_ref=subject_ref(work, request),
                detail={"reference": request.reference},
            )
    for label, value in summary.model_dump(mode="json").items():
        console.print(f"[bold]{label}:[/] {'' if value is None else value}")
    table = _table("at (UTC)", "from", "to", "actor", "note")
    for step in steps:
        table.add_row(*step)
    console.print(table)


def _step(reference: str, change: str) -> None:
    console.print(f"{reference}: {change}.")


@app.command("verify")
@reports_errors
def verify_command(
    reference: str = typer.Argument(..., help="The request's reference."),
    method: str = typer.Option(
        "staff_on_file", "--method", help="How identity was checked (staff: staff_on_file)."
    ),
) -> None:
    """Record that identity was verified today: the one-month clock starts."""
    if method != "staff_on_file":
        raise InvalidInput("From the terminal only 'staff_on_file' can be recorded.")
    with cli_runtime() as runtime, runtime.unit() as work:
        request = service.verify_request(
            work, service.find_request(work, reference), method="staff_on_file", actor=cli_actor()
        )
        due = _day(request.due_on)
    _step(reference, f"verified, due {due}")


@app.command("extend")
@reports_errors
def extend_command(
    reference: str = typer.Argument(..., help="The request's reference."),
    reason: str = typer.Option(..., "--reason", help="Why (the person must be told)."),
) -> None:
    """Extend by two further months (Art. 12(3)); only once, within the first month. The
    reasons are emailed to the person's address on file."""
    with cli_runtime() as runtime, runtime.unit() as work:
        request = service.extend_request(
            work,
            service.find_request(work, reference),
            reason=reason,
            actor=cli_actor(),
            sender=build_sender(runtime.settings),
        )
        due = _day(request.due_on)
    _step(reference, f"extended, due {due}")


@app.command("fulfil")
@reports_errors
def fulfil_command(
    reference: str = typer.Argument(..., help="The request's reference."),
    note: str | None = typer.Option(None, "--note", help="What was done (no personal data)."),
) -> None:
    """Close the request as completed."""
    with cli_runtime() as runtime, runtime.unit() as work:
        service.fulfil_request(
            work, service.find_request(work, reference), actor=cli_actor(), outcome_note=note
        )
    _step(reference, "completed")


@app.command("refuse")
@reports_errors
def refuse_command(
    reference: str = typer.Argument(..., help="The request's reference."),
    reason: str = typer.Option(..., "--reason", help="Why (Art. 12(4): the person is told)."),
) -> None:
    """Refuse the request, with the reason the person must be given (Art. 12(4))."""
    with cli_runtime() as runtime, runtime.unit() as work:
        service.refuse_request(
            work, service.find_request(work, reference), reason=reason, actor=cli_actor()
        )
    _step(reference, "refused")


@app.command("rectify")
@reports_errors
def rectify_command(
    reference: str = typer.Argument(..., help="The request's reference."),
    field: str = typer.Option(..., "--field", help="The field to correct: category.field."),
    value_from_stdin: bool = typer.Option(
        False,
        "--value-from-stdin",
        help="Read the corrected value from standard input (never from the command line, "
        "where it would stay in the shell history).",
    ),
) -> None:
    """Correct one field (Art. 16) and queue the Art. 19 notices to recipients."""
    if not value_from_stdin:
        raise InvalidInput(
            "Give the corrected value on standard input with --value-from-stdin, never on "
            "the command line."
        )
    value = sys.stdin.read()
    with cli_runtime() as runtime, runtime.unit() as work:
        done = rectification.rectify(
            work, service.find_request(work, reference), field=field, value=value, actor=cli_actor()
        )
    told = ", ".join(done.recipients_notified) or "none"
    _step(reference, f"{done.field} corrected; Art. 19 notices queued for: {told}")
