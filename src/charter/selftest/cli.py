"""`charter selftest`: check a running installation against known attacks.

``spoofing`` runs the request-spoofing cases of :mod:`charter.selftest.service` (Pavur &
Knerr, "GDPArrrrr", Black Hat USA 2019) against a site over HTTP, so a firm can check its
own deployment after any change. It needs a test customer on file under a reserved
domain; it never completes a request and never mails or texts a real person. Exit status
1 when any case fails.
"""

from __future__ import annotations

import httpx
import typer
from rich.markup import escape
from rich.table import Table

from charter.command import console, reports_errors

app = typer.Typer(help="Check a running installation against known attacks.", no_args_is_help=True)


@app.callback()
def selftest() -> None:
    """Check a running installation against known attacks."""


@app.command("spoofing")
@reports_errors
def spoofing_command(
    *,
    base_url: str = typer.Option(..., "--base-url", help="The site, e.g. https://example.com."),
    known_email: str = typer.Option(
        ...,
        "--known-email",
        help="A test customer's address on file, under a reserved domain (example.com, .invalid).",
    ),
    known_phone: str | None = typer.Option(
        None,
        "--known-phone",
        help="That customer's phone on file (an Ofcom drama number, 020 7946 0xxx).",
    ),
    samples: int = typer.Option(5, min=1, max=50, help="Known/unknown pairs for the timing."),
    patience: float = typer.Option(
        660.0, min=0, help="Longest wait, in seconds, when the site rate-limits the test."
    ),
    case: list[str] = typer.Option(
        [], "--case", help="Run only this case (repeatable); default: all."
    ),
    timeout: float = typer.Option(30.0, min=1, help="Seconds to wait for each answer."),
) -> None:
    """Request spoofing (DSAR abuse): look-alike addresses, a new address to send to,
    code guessing, replayed links, token entropy, identical replies for known and
    unknown people."""
    from charter.selftest.service import Target, check_target, run_spoofing

    target = check_target(
        Target(
            known_email=known_email,
            known_phone=known_phone,
            samples=samples,
            patience=patience,
        )
    )

    def make_client() -> httpx.Client:
        return httpx.Client(base_url=base_url.rstrip("/"), timeout=timeout)

    results = run_spoofing(make_client, target, names=case or None)
    table = Table("case", "result", "detail")
    for result in results:
        verdict = "[green]PASS[/]" if result.passed else "[bold red]FAIL[/]"
        table.add_row(result.name, verdict, escape(result.detail))
    console.print(table)
    failed = sum(not result.passed for result in results)
    console.print(f"{len(results) - failed} passed, {failed} failed.")
    if failed:
        raise typer.Exit(1)
