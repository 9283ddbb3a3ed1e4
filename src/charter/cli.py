"""The `charter` command: one Typer app mounting each feature's sub-app."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import typer

from charter.analytics.cli import app as stats_app
from charter.api.cli import app as api_app
from charter.audit.cli import app as audit_app
from charter.backup.cli import app as backup_app
from charter.breaches.cli import app as breaches_app
from charter.campaigns.cli import app as campaigns_app
from charter.command import console, reports_errors
from charter.compliance.cli import app as compliance_app
from charter.compliance.cli import ropa_command
from charter.consent.cli import app as consent_app
from charter.disclosures.cli import app as disclosures_app
from charter.engagements.cli import app as engagements_app
from charter.erasure.cli import app as erasure_app
from charter.jobs.cli import app as jobs_app
from charter.keys.cli import app as keys_app
from charter.mail.cli import app as mail_app
from charter.policy.cli import app as policy_app
from charter.retention.cli import app as retention_app
from charter.rights.cli import app as dsr_app
from charter.screening.cli import app as screen_app
from charter.selftest.cli import app as selftest_app
from charter.settings import Settings
from charter.staff.cli import app as staff_app
from charter.subjects.cli import app as subjects_app

app = typer.Typer(
    name="charter",
    help="Run a small business's personal data from its privacy policy.",
    no_args_is_help=True,
)
app.add_typer(policy_app, name="policy")
app.add_typer(audit_app, name="audit")
app.add_typer(consent_app, name="consent")
app.add_typer(stats_app, name="stats")
app.add_typer(mail_app, name="mail")
app.add_typer(screen_app, name="screen")
app.add_typer(erasure_app, name="erasure")
app.add_typer(staff_app, name="staff")
app.add_typer(dsr_app, name="dsr")
app.add_typer(api_app, name="api")
app.add_typer(retention_app, name="retention")
app.add_typer(disclosures_app, name="disclosures")
app.add_typer(campaigns_app, name="campaign")
app.add_typer(compliance_app, name="compliance")
app.add_typer(breaches_app, name="breach")
app.add_typer(engagements_app, name="engagement")
app.add_typer(subjects_app, name="subject")
app.add_typer(backup_app, name="backup")
app.add_typer(keys_app, name="keys")
app.add_typer(jobs_app, name="jobs")
app.command("ropa")(ropa_command)
app.add_typer(selftest_app, name="selftest")


@app.callback()
def options(
    data_dir: Path | None = typer.Option(
        None,
        "--data-dir",
        help="Folder of this installation (database, key ring, outbox). "
        "Default: $CHARTER_DATA_DIR or ~/.local/share/charter.",
    ),
) -> None:
    """Global options; --data-dir keeps one installation's files together."""
    if data_dir is not None:
        os.environ["CHARTER_DATA_DIR"] = str(data_dir.expanduser().resolve())


@app.command()
@reports_errors
def serve(
    host: str | None = typer.Option(None, help="Address to bind (default 127.0.0.1)."),
    port: int | None = typer.Option(None, help="Port to bind (default 8000)."),
) -> None:
    """Migrate, create keys for a new installation, record the policy in force, and serve."""
    import uvicorn

    from charter.app import create_app
    from charter.installation.service import open_runtime

    settings = Settings()
    overrides = {k: v for k, v in (("host", host), ("port", port)) if v is not None}
    if overrides:
        settings = settings.model_copy(update=overrides)
    logging.basicConfig(level=settings.log_level, format="%(levelname)s %(name)s: %(message)s")
    runtime = open_runtime(settings)
    for note in runtime.notes:
        console.print(f"[bold yellow]{note}[/]")
    console.print(
        f"Charter serving policy {runtime.policy.policy_id} v{runtime.policy.version} "
        f"from {settings.data_dir} on http://{settings.host}:{settings.port}"
    )
    scheduler = None
    if settings.scheduler:
        from charter.jobs.service import Scheduler

        scheduler = Scheduler(runtime, interval=settings.scheduler_interval_seconds)
        scheduler.start()
    try:
        uvicorn.run(
            create_app(settings, runtime=runtime),
            host=settings.host,
            port=settings.port,
            log_level=settings.log_level.lower(),
            server_header=False,
            access_log=False,  # uvicorn would log full client IPs (personal data)
        )
    finally:
        if scheduler is not None:
            scheduler.stop()
        runtime.close()


@app.command()
@reports_errors
def migrate() -> None:
    """Bring the database to the current schema (serve does this too)."""
    from charter.runtime import database_engine
    from charter.schema import upgrade

    engine = database_engine(Settings())
    try:
        upgrade(engine)
    finally:
        engine.dispose()
    console.print("Database is at the current schema.")


def main() -> None:
    app()
