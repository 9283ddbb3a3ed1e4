"""`charter mail`: receive correspondence by SMTP, or import saved emails.

Output names files and counts only: never a sender, a subject or a line of a message
(Art. 5(1)(f)). ``import`` ends with status 1 when any message could not be recorded,
so a script notices; refusals under the special-category rule (Art. 9) are outcomes,
not failures.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.markup import escape

from charter.command import cli_actor, cli_runtime, console, error_console, reports_errors
from charter.errors import CharterError
from charter.mail.schemas import Disposition
from charter.settings import Settings

if TYPE_CHECKING:
    from charter.mail.importer import ImportOutcome

#: Kept here (not imported from ``inbound``) so `charter --help` loads no mail machinery.
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8025

app = typer.Typer(help="Correspondence by email: receive and import.", no_args_is_help=True)


@app.command("serve")
@reports_errors
def serve_command(
    host: str = typer.Option(DEFAULT_HOST, help="Address to listen on (keep it private)."),
    port: int = typer.Option(DEFAULT_PORT, min=1, max=65535, help="Port to listen on."),
) -> None:
    """Listen for SMTP deliveries and record each message as correspondence."""
    from charter.installation.service import open_runtime
    from charter.mail.inbound import correspondence_listener
    from charter.mail.service import check_correspondence_declared

    settings = Settings()
    logging.basicConfig(level=settings.log_level, format="%(levelname)s %(name)s: %(message)s")
    runtime = open_runtime(settings)
    listener = None
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    try:
        check_correspondence_declared(runtime.policy)
        listener = correspondence_listener(runtime, host=host, port=port)
        try:
            listener.start()
        except OSError as exc:
            raise CharterError(f"Cannot listen on {host}:{port}: {exc.strerror}.") from exc
        console.print(
            f"Recording correspondence sent to smtp://{host}:{port} "
            f"(special-category mode: {settings.special_category_mode}). Ctrl-C stops."
        )
        while not stopped.wait(0.5):
            pass
    except KeyboardInterrupt:
        console.print("Stopped.")
    finally:
        if listener is not None:
            listener.stop(no_assert=True)
        runtime.close()


@app.command("import")
@reports_errors
def import_command(
    files: list[Path] = typer.Argument(..., help=".eml files (one message) or mbox files."),
) -> None:
    """Record every message in the given files as correspondence (duplicates are skipped)."""
    from charter.mail.importer import import_paths
    from charter.mail.service import check_correspondence_declared

    with cli_runtime(record=True, create_keys=True) as runtime:
        check_correspondence_declared(runtime.policy)
        outcomes = import_paths(runtime, files, actor=cli_actor())
    for outcome in outcomes:
        if outcome.error is not None:
            error_console.print(
                f"[red]Not recorded:[/] {escape(outcome.source)}: {escape(outcome.error)}",
                markup=True,
                highlight=False,
                soft_wrap=True,
            )
    typer.echo(summary(outcomes, files=len(files)))
    if any(outcome.error is not None for outcome in outcomes):
        raise typer.Exit(1)


def summary(outcomes: list[ImportOutcome], *, files: int) -> str:
    """One line: how many messages, and what happened to them."""
    counts = Counter(
        outcome.result.disposition.value for outcome in outcomes if outcome.result is not None
    )
    failed = sum(outcome.error is not None for outcome in outcomes)
    parts = ", ".join(f"{counts[item.value]} {item.value}" for item in Disposition)
    return f"Processed {len(outcomes)} message(s) from {files} file(s): {parts}; {failed} failed."
