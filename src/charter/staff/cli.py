"""`charter staff`: manage staff accounts from the server's shell.

Accounts are created and disabled here, not in the console, so that granting access is a
deliberate act by someone with shell access (Art. 32(4)). Every command is audited under
the operating-system account that ran it, naming the staff id, never the email address
(Art. 5(2)). Passwords come from a hidden prompt (with confirmation) or standard input.
"""

from __future__ import annotations

import sys

import typer

from charter.command import cli_actor, cli_runtime, cli_unit, console, reports_errors
from charter.staff.schemas import Role
from charter.staff.service import create_staff, disable_staff, enrol_totp, list_staff

app = typer.Typer(help="Staff accounts for the console at /admin.", no_args_is_help=True)


@app.command("add")
@reports_errors
def add_command(
    email: str = typer.Argument(..., help="The staff member's email address (their login)."),
    role: Role = typer.Option(Role.STAFF, "--role", help="admin, privacy_officer or staff."),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read the password from standard input."
    ),
) -> None:
    """Create an active account with ROLE."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    # The first account may come before the first `serve`: a brand-new installation gets
    # its key ring here (never over existing data, see installation.open_runtime).
    with cli_runtime(create_keys=True, record=True) as runtime:
        for note in runtime.notes:
            console.print(f"[bold yellow]{note}[/]")
        with runtime.unit() as work:
            user = create_staff(
                work, email=email, password=password, role=role.value, actor=cli_actor()
            )
            staff_id = user.id
    console.print(f"Created staff account {staff_id} with role {role.value}.")


@app.command("list")
@reports_errors
def list_command() -> None:
    """Every account: id, email, role, status, two-factor, last sign-in (audited)."""
    with cli_unit(write=True) as work:
        accounts = list_staff(work, actor=cli_actor())
    if not accounts:
        console.print("No staff accounts yet. Add one with `charter staff add`.")
        return
    console.print("id  role             status    2FA  last sign-in (UTC)  email")
    for account in accounts:
        status = "disabled" if not account.active else ("locked" if account.locked else "active")
        last = account.last_login_at.strftime("%Y-%m-%d %H:%M") if account.last_login_at else "-"
        console.print(
            f"{account.id:<3} {account.role.value:<16} {status:<9} "
            f"{'yes' if account.totp_enrolled else 'no':<4} {last:<19} {account.email}",
            soft_wrap=True,
            highlight=False,
            markup=False,
        )


@app.command("disable")
@reports_errors
def disable_command(email: str = typer.Argument(..., help="The account's email address.")) -> None:
    """Deactivate an account and sign it out everywhere."""
    with cli_unit(write=True) as work:
        user = disable_staff(work, email, actor=cli_actor())
        staff_id = user.id
    console.print(f"Disabled staff account {staff_id}; its sessions have ended.")


@app.command("role")
@reports_errors
def role_command(
    email: str = typer.Argument(..., help="The account's email address."),
    role: Role = typer.Argument(..., help="admin, privacy_officer or staff."),
) -> None:
    """Give an account another role; its sessions end, so it signs in again under it."""
    from charter.staff.auth import change_role
    from charter.staff.service import get_staff

    with cli_unit(write=True) as work:
        user = get_staff(work, email)
        ended = change_role(work, user, role, actor=cli_actor())
        staff_id = user.id
    console.print(f"Staff account {staff_id} is now {role.value}; {ended} session(s) ended.")


@app.command("totp")
@reports_errors
def totp_command(email: str = typer.Argument(..., help="The account's email address.")) -> None:
    """Enrol (or replace) the account's authenticator: prints the otpauth:// URI once."""
    with cli_unit(write=True) as work:
        uri = enrol_totp(work, email, actor=cli_actor())
    console.print("Add this to the authenticator app now; it is not shown again:")
    console.print(uri, soft_wrap=True, highlight=False, markup=False)
