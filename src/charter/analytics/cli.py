"""`charter stats`: the cookieless statistics for staff, and the end-of-day job.

``show`` prints aggregates only (there is nothing else to print). ``close-days`` deletes
the salt and visitor hashes of every finished day; run it from cron shortly after
midnight UTC so a quiet night never leaves yesterday's salt in the database.
"""

from __future__ import annotations

from datetime import timedelta

import typer
from rich.table import Table

from charter.analytics.schemas import StatisticsSummary
from charter.analytics.service import close_finished_days, statistics_summary
from charter.command import cli_unit, console, reports_errors

app = typer.Typer(help="Cookieless website statistics (daily aggregates).", no_args_is_help=True)


@app.command("show")
@reports_errors
def show_command(
    days: int = typer.Option(30, "--days", min=1, max=3660, help="How many days back."),
    top: int = typer.Option(10, "--top", min=1, help="Rows per ranking."),
) -> None:
    """Page views and visitors per day, then the top pages, referrers and browsers."""
    with cli_unit(write=False) as work:
        until = work.now().date()
        summary = statistics_summary(work, since=until - timedelta(days=days - 1), until=until)
    print_summary(summary, top=top)


@app.command("close-days")
@reports_errors
def close_days_command() -> None:
    """Delete the salts and visitor hashes of every day before today (UTC)."""
    with cli_unit(write=True) as work:
        closed = close_finished_days(work)
    console.print(f"Closed {closed} finished day(s): their salts and visitor hashes are gone.")


def print_summary(summary: StatisticsSummary, *, top: int) -> None:
    console.print(
        f"From {summary.since.isoformat()} to {summary.until.isoformat()} (UTC days): "
        f"{summary.page_views} page views, {summary.visitor_days} visitor-days "
        "(a visitor seen on two days counts twice)."
    )
    days = Table("day", "page views", "visitors", title="Per day")
    for day in summary.days:
        days.add_row(day.day.isoformat(), str(day.page_views), str(day.visitors))
    console.print(days if summary.days else "No page views in this period.")
    for title, header, unit, rows in (
        ("Pages", "page", "page views", summary.pages),
        ("Referring sites", "domain", "page views", summary.referrers),
        ("Browsers", "browser", "visitors", summary.browsers),
    ):
        if rows:
            table = Table(header, unit, title=title)
            for value, count in rows[:top]:
                table.add_row(value, str(count))
            console.print(table)
