"""`charter subject`: one person's timeline, and finding their reference, from the shell.

People are named by their pseudonymous reference; an email address or phone number to
look someone up by is read from standard input, never from the command line (it would
stay in the shell history and the process list, Art. 32(1)). Every command declares a
purpose and is audited under the operating-system account that ran it, like the console
(Art. 5(1)(b), Art. 5(2)).
"""

from __future__ import annotations

import sys

import typer

from charter.command import cli_actor, cli_unit, console, reports_errors
from charter.errors import InvalidInput
from charter.subjects import service

app = typer.Typer(
    help="One person's timeline across every feature, for staff and operators.",
    no_args_is_help=True,
)

#: The customer-services purpose; a restricted person needs one permitted under
#: restriction instead (``rights_requests`` or ``legal_compliance``).
DEFAULT_PURPOSE = "administer_website"
PURPOSE_HELP = "Why you are opening the record: a purpose declared in the policy."


@app.command("show")
@reports_errors
def show_command(
    subject_ref: str = typer.Argument(..., help="The person's pseudonymous reference."),
    purpose: str = typer.Option(DEFAULT_PURPOSE, "--purpose", help=PURPOSE_HELP),
    show_values: bool = typer.Option(
        False, "--show-values", help="Also print the values this purpose may use (audited)."
    ),
) -> None:
    """Print what happened to the person, oldest first (audited with the purpose)."""
    with cli_unit(write=True) as work:
        subject = service.subject_by_ref(work, subject_ref)
        overview = service.subject_overview(
            work, subject, actor=cli_actor(), purpose=purpose, reveal=show_values
        )
    state = "restricted" if overview.restricted_at else "not restricted"
    if overview.erased_at:
        state += f", erased {overview.erased_at:%Y-%m-%d}"
    console.print(
        f"Person {overview.ref} ({state}); purpose {purpose}; times in UTC",
        soft_wrap=True,
        highlight=False,
    )
    for request in overview.open_requests:
        due = f", due {request.due_on.isoformat()}" if request.due_on else ""
        console.print(
            f"Open request {request.reference}: {request.kind}, {request.status}{due}",
            soft_wrap=True,
            highlight=False,
        )
    if not overview.timeline:
        console.print("Nothing recorded for this person.")
    for entry in overview.timeline:
        line = f"{entry.at:%Y-%m-%d %H:%M}  {entry.title}"
        line += f" ({entry.detail})" if entry.detail else ""
        line += f" [{entry.reference}]" if entry.reference else ""
        line += f" = {entry.value}" if entry.value is not None else ""
        console.print(line, soft_wrap=True, highlight=False, markup=False)


@app.command("find")
@reports_errors
def find_command(
    email_from_stdin: bool = typer.Option(
        False, "--email-from-stdin", help="Read the email address from standard input."
    ),
    phone_from_stdin: bool = typer.Option(
        False, "--phone-from-stdin", help="Read the phone number from standard input."
    ),
    purpose: str = typer.Option(DEFAULT_PURPOSE, "--purpose", help=PURPOSE_HELP),
) -> None:
    """Print the reference of the person holding an email address or phone number."""
    if email_from_stdin == phone_from_stdin:
        raise InvalidInput("Give exactly one of --email-from-stdin or --phone-from-stdin.")
    given = sys.stdin.readline().strip()
    if not given:
        raise InvalidInput("Nothing was given on standard input.")
    with cli_unit(write=True) as work:
        found = service.find_person(
            work,
            email=given if email_from_stdin else None,
            phone=given if phone_from_stdin else None,
            actor=cli_actor(),
            purpose=purpose,
        )
        ref = None if found is None else found.ref
    if ref is None:
        console.print("No current person matches.")
        raise typer.Exit(1)
    typer.echo(ref)
