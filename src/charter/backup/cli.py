"""`charter backup`: make a backup that holds no keys, restore one that keeps erasures
erased. Nothing printed here is personal data: fingerprints, counts and pseudonymous refs."""

from __future__ import annotations

from pathlib import Path

import typer

from charter.backup.schemas import Manifest
from charter.backup.service import create_backup, read_manifest, restore_backup
from charter.command import cli_actor, cli_runtime, console, error_console, reports_errors
from charter.settings import Settings

app = typer.Typer(
    help="Backups that never hold keys and restores that keep erasures erased.",
    no_args_is_help=True,
)


def _describe(manifest: Manifest) -> None:
    console.print(f"  made        {manifest.created_at.isoformat(timespec='seconds')}")
    console.print(f"  database    {manifest.backend} (schema {manifest.schema_revision})")
    needed = ", ".join(manifest.master_key_ids) or "none (no data keys)"
    console.print(f"  master keys {needed}")
    console.print(f"  key ring    master {manifest.key_fingerprints.get('master', '?')}")
    console.print(f"  audit head  entry {manifest.audit_head_seq}")
    console.print(f"  journal     {manifest.journal_position} erasure(s) recorded before it")


@app.command("create")
@reports_errors
def create_command(
    path: Path = typer.Argument(..., help="The backup file to write (must not exist)."),
) -> None:
    """Back up the database to PATH (a tar with a manifest). Keys are NOT included: keep
    the key ring backed up separately. Safe while the site is serving."""
    with cli_runtime() as runtime:
        manifest = create_backup(runtime, path.expanduser(), actor=cli_actor())
    console.print(f"[green]Backup written[/] to {path} (0600).")
    _describe(manifest)
    console.print(
        "It holds no keys: restoring needs the key ring with the master keys above. Keep "
        "the key ring and the tombstone journal (DATA_DIR/tombstones.jsonl) backed up "
        "apart from it: the journal keeps erasures erased when a backup is restored."
    )


@app.command("show")
@reports_errors
def show_command(path: Path = typer.Argument(..., help="A backup file.")) -> None:
    """Show what a backup holds and which keys restoring it needs."""
    _describe(read_manifest(path.expanduser()))


@app.command("restore")
@reports_errors
def restore_command(
    path: Path = typer.Argument(..., help="The backup file to restore."),
    yes: bool = typer.Option(False, "--yes", help="Do not ask for confirmation."),
) -> None:
    """Replace the database with the backup at PATH, then erase again everyone erased
    since it was taken. Stop `charter serve` and `charter jobs run` first."""
    path = path.expanduser()
    manifest = read_manifest(path)
    console.print(f"Restoring {path}:")
    _describe(manifest)
    if not yes and not typer.confirm(
        "This replaces the current database with the backup. Continue?"
    ):
        console.print("Nothing was restored.")
        raise typer.Exit(1)
    report = restore_backup(Settings(), path, actor=cli_actor())
    console.print("[green]Restored.[/]")
    console.print(
        f"Re-applied {report.journal_entries} erasure(s) from the tombstone journal; "
        f"erased again: {', '.join(report.erased_again) or 'nobody'}."
    )
    if report.previous_audit_head_seq is not None:
        lost = max(0, report.previous_audit_head_seq - manifest.audit_head_seq)
        console.print(
            f"Audit log: rolled back to entry {manifest.audit_head_seq} ({lost} later "
            "entries are not in the backup); recorded as backup.restored."
        )
    if not report.audit_intact:
        error_console.print(
            f"[bold red]The restored audit log does not verify[/] ({report.audit_problem})."
        )
        raise typer.Exit(1)
    console.print(f"Audit log intact: {report.audit_checked} entries verified.")
