"""`charter keys`: rotate the data-key master and see which keys wrap the data. Only key
ids (public fingerprints) are ever printed, never key material."""

from __future__ import annotations

import typer

from charter.command import cli_actor, cli_runtime, console, reports_errors
from charter.keys.service import DEFAULT_BATCH, keys_by_master, rotate_master_key

app = typer.Typer(
    help="Key rotation: re-wrapping data keys under a new master key.",
    no_args_is_help=True,
)


@app.command("status")
@reports_errors
def status_command() -> None:
    """Show the key ring's data-key masters and how many data keys each wraps."""
    with cli_runtime() as runtime, runtime.unit(write=False) as work:
        counts = keys_by_master(work)
        ring = runtime.keyring
    for key_id in ring.wrapping_keys():
        role = "current" if key_id == ring.wrapping_key_id else "being retired"
        console.print(f"{key_id}  {role:<14} {counts.pop(key_id, 0)} data key(s)")
    for key_id, count in counts.items():
        console.print(f"[bold red]{key_id}  NOT IN THE KEY RING[/] {count} data key(s)")
    if ring.rotating:
        console.print("A rotation is unfinished: run `charter keys rotate` to finish it.")


@app.command("rotate")
@reports_errors
def rotate_command(
    batch_size: int = typer.Option(
        DEFAULT_BATCH, "--batch-size", min=1, max=100_000, help="Data keys per transaction."
    ),
    max_batches: int | None = typer.Option(
        None, "--max-batches", min=1, help="Stop after this many batches (rerun to go on)."
    ),
) -> None:
    """Re-wrap every data key under a new master key, then retire the old one. Safe while
    the site is serving; resumable. Back up the new key ring afterwards."""
    with cli_runtime() as runtime:
        report = rotate_master_key(
            runtime, actor=cli_actor(), batch_size=batch_size, max_batches=max_batches
        )
    verb = "Resumed" if report.resumed else "Started"
    console.print(f"{verb} rotation to master key {report.new_key_id}.")
    console.print(f"Re-wrapped {report.rewrapped} data key(s).")
    if not report.finished:
        console.print(
            f"[yellow]{report.remaining} data key(s) still under the old master.[/] "
            "Run `charter keys rotate` again to finish."
        )
        return
    retired = ", ".join(report.retired) or "none"
    console.print(f"[green]Rotation finished.[/] Retired master key(s): {retired}.")
    console.print("BACK UP the key ring now: backups made before this rotation need the old ring.")
