"""`charter campaign`: write, preview and send marketing campaigns from the terminal.

Every command goes through the same service functions as the staff console, so every
recipient passes the outbound gate and every decision is recorded and audited there.
Nothing printed here names a person: campaigns are shown by id and counts by reason.
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from charter.campaigns import service
from charter.campaigns.schemas import MAX_TEXT
from charter.command import cli_actor, cli_runtime, console, reports_errors
from charter.errors import InvalidInput

app = typer.Typer(
    help="The outbound-communications gate and marketing campaigns (PECR regs 21-22, Art. 21(3)).",
    no_args_is_help=True,
)


def _read(path: Path | None, label: str) -> str | None:
    if path is None:
        return None
    try:
        content = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        raise InvalidInput(f"The {label} file cannot be read as UTF-8 text.") from None
    if len(content) > MAX_TEXT:
        raise InvalidInput(f"The {label} file is longer than {MAX_TEXT} characters.")
    return content


def _reasons(counts: dict[str, int]) -> str:
    return ", ".join(f"{reason} {count}" for reason, count in sorted(counts.items())) or "none"


@app.command("create")
@reports_errors
def create_command(
    *,
    title: str = typer.Option(..., "--title", help="Internal name of the campaign."),
    subject_line: str = typer.Option(..., "--subject", help="Email subject line."),
    text_file: Path = typer.Option(..., "--text-file", help="The plain-text body (UTF-8)."),
    html_file: Path | None = typer.Option(None, "--html-file", help="An HTML body (email)."),
    channel: str = typer.Option("email", "--channel", help="email, text or phone."),
    purpose: str = typer.Option("marketing", "--purpose", help="A declared marketing purpose."),
) -> None:
    """Create a draft campaign; prints its id."""
    text = _read(text_file, "text") or ""
    html = _read(html_file, "HTML")
    with cli_runtime() as runtime, runtime.unit() as work:
        campaign = service.create_campaign(
            work,
            title=title,
            purpose=purpose,
            channel=channel,
            subject_line=subject_line,
            text=text,
            html=html,
            actor=cli_actor(),
        )
        campaign_id = campaign.id
    console.print(f"Created campaign {campaign_id} (draft).")


@app.command("send")
@reports_errors
def send_command(
    campaign_id: int = typer.Argument(..., help="The campaign's id (see `charter campaign list`)."),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Only count who would get it, by reason; record and send nothing."
    ),
) -> None:
    """Send a campaign to everyone the outbound gate allows (or, with --dry-run, count them)."""
    actor = cli_actor()
    with cli_runtime() as runtime:
        if dry_run:
            with runtime.unit() as work:
                preview = service.preview_audience(work, campaign_id, actor=actor)
            console.print(f"Campaign {campaign_id} (dry run): nothing recorded, nothing sent.")
            console.print(f"eligible: {preview.eligible}")
            console.print(f"refused: {preview.refused_total} ({_reasons(preview.refused)})")
            return
        report = service.send_campaign(runtime, campaign_id, actor=actor)
    console.print(f"Campaign {campaign_id}: {report.status}.")
    console.print(f"eligible: {report.eligible}")
    console.print(f"refused: {sum(report.refused.values())} ({_reasons(report.refused)})")
    console.print(f"sent now: {report.sent}, failed: {report.failed}, pending: {report.pending}")


@app.command("list")
@reports_errors
def list_command() -> None:
    """Every campaign, newest first, with its counts."""
    with cli_runtime() as runtime, runtime.unit(write=False) as work:
        campaigns = service.list_campaigns(work)
        table = Table()
        for header in ("id", "title", "channel", "status", "eligible", "sent", "failed", "refused"):
            table.add_column(header, overflow="fold")
        for campaign in campaigns:
            table.add_row(
                str(campaign.id),
                campaign.title,
                campaign.channel,
                campaign.status,
                str(campaign.eligible_count),
                str(campaign.sent_count),
                str(campaign.failed_count),
                str(campaign.refused_count),
            )
    console.print(table if campaigns else "No campaigns.")


@app.command("calls")
@reports_errors
def calls_command(
    campaign_id: int = typer.Argument(..., help="A phone campaign's id."),
) -> None:
    """The call list of a phone campaign: who may be called now, and their numbers."""
    with cli_runtime() as runtime, runtime.unit() as work:
        entries = service.call_list(work, campaign_id, actor=cli_actor())
    table = Table()
    for header in ("message", "person", "phone"):
        table.add_column(header, overflow="fold")
    for entry in entries:
        table.add_row(str(entry.message_id), entry.subject_ref, entry.phone)
    console.print(table if entries else "Nobody to call.")
