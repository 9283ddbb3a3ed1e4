"""`charter compliance`: the compliance report and the record of processing.

``charter compliance report`` exits 1 when any check fails, so it can gate a deployment
or a cron job; ``--format json`` prints ``{"passed", "checks": [...]}``. ``ropa_command``
is also registered as the top-level ``charter ropa`` (Art. 30).
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import typer
from rich.table import Table

from charter.command import cli_actor, cli_runtime, console, reports_errors
from charter.compliance import ropa, service
from charter.compliance.report import render_html

app = typer.Typer(
    help="The compliance report and the record of processing (Art. 5(2), Art. 30).",
    no_args_is_help=True,
)


class ReportFormat(StrEnum):
    TEXT = "text"
    JSON = "json"
    HTML = "html"


class RopaFormat(StrEnum):
    CSV = "csv"
    HTML = "html"


def _write(text: str, output: Path | None) -> None:
    if output is None:
        typer.echo(text, nl=not text.endswith("\n"))
    else:
        output.write_text(text, encoding="utf-8")


@app.command("report")
@reports_errors
def report_command(
    output_format: ReportFormat = typer.Option(ReportFormat.TEXT, "--format", help="Output."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write to this file."),
) -> None:
    """Check the live data against every promise of the policy; exit 1 if any fails."""
    with cli_runtime() as runtime:
        with runtime.unit() as work:
            report = service.run_report(work, actor=cli_actor())
            generated_at = work.now()
        policy = runtime.policy
    if output_format is ReportFormat.JSON:
        _write(report.model_dump_json(indent=2) + "\n", output)
    elif output_format is ReportFormat.HTML:
        _write(render_html(report, policy=policy, generated_at=generated_at), output)
    else:
        table = Table(title="Compliance report")
        for header in ("check", "result", "count", "evidence"):
            table.add_column(header, overflow="fold")
        for check in report.checks:
            table.add_row(
                check.id,
                "pass" if check.passed else "FAIL",
                str(check.count),
                "\n".join(check.evidence),
                style=None if check.passed else "red",
            )
        console.print(table)
    if not report.passed:
        raise typer.Exit(1)


@reports_errors
def ropa_command(
    output_format: RopaFormat = typer.Option(RopaFormat.CSV, "--format", help="csv or html."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write to this file."),
) -> None:
    """The record of processing activities (Art. 30), from the policy and the register."""
    with cli_runtime() as runtime, runtime.unit(write=False) as work:
        rows = ropa.record_of_processing(work)
    if output_format is RopaFormat.HTML:
        _write(ropa.ropa_html(rows, policy=runtime.policy), output)
    else:
        _write(ropa.ropa_csv(rows), output)


app.command("ropa")(ropa_command)
