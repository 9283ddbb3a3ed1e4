"""`charter policy`: check, render and compare policy files, and print their schema.

The policy owner edits YAML; these commands tell them, before anything is published,
whether the system can enforce it and what the law still requires (``check``), what
people will read (``render``), and what changed since the last version and whose consent
must be asked again (``diff``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
import yaml
from rich.console import Console
from rich.text import Text

from charter.errors import PolicyInvalid
from charter.policy.checks import check_policy
from charter.policy.diff import diff_policies, draft_change_log, purposes_needing_renewal
from charter.policy.findings import Level
from charter.policy.loader import load_policy, policy_json_schema_text
from charter.policy.render import OutputFormat, render_policy
from charter.policy.schemas import Policy
from charter.settings import Settings

app = typer.Typer(
    help="Check, render and compare privacy policy files.",
    no_args_is_help=True,
)

PolicyFile = Annotated[
    Path | None,
    typer.Argument(help="Policy file (YAML). Default: the policy in force ($CHARTER_POLICY)."),
]


def _console() -> Console:
    # Built per command so it writes to the stdout in force (CliRunner swaps it).
    return Console(soft_wrap=True, highlight=False)


def _load(path: Path | None, console: Console) -> Policy:
    try:
        return load_policy(path if path is not None else Settings().policy)
    except PolicyInvalid as exc:
        console.print(Text("Error: ", style="bold red") + Text(exc.public_message))
        raise typer.Exit(1) from exc


@app.command("check")
def check_command(file: PolicyFile = None) -> None:
    """Exit 0 if the policy can be enforced (warnings printed); 1 with located errors."""
    console = _console()
    policy = _load(file, console)
    findings = check_policy(policy)
    errors = [f for f in findings if f.level is Level.ERROR]
    warnings = [f for f in findings if f.level is Level.WARNING]
    for finding in [*errors, *warnings]:
        style = "bold red" if finding.level is Level.ERROR else "yellow"
        console.print(
            Text(f"{finding.level.value:<8}", style=style)
            + Text(finding.location, style="bold")
            + Text(f": {finding.message} [{finding.rule}]")
        )
    summary = (
        f"{policy.policy_id} version {policy.version}: "
        f"{len(errors)} error(s), {len(warnings)} warning(s)."
    )
    console.print(Text(summary, style="bold red" if errors else "bold green"))
    if errors:
        raise typer.Exit(1)


@app.command("render")
def render_command(
    file: PolicyFile = None,
    output: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="Output format.")
    ] = OutputFormat.TEXT,
) -> None:
    """Print the policy as people will read it."""
    policy = _load(file, _console())
    typer.echo(render_policy(policy, output), nl=False)


@app.command("diff")
def diff_command(
    old: Annotated[Path, typer.Argument(help="The earlier version (YAML).")],
    new: Annotated[Path, typer.Argument(help="The new version (YAML).")],
) -> None:
    """List the material changes, the consents to renew, and a drafted change-log entry."""
    console = _console()
    before, after = _load(old, console), _load(new, console)
    diff = diff_policies(before, after)
    console.print(
        Text(f"Version {before.version} → {after.version}: ", style="bold")
        + Text(f"{len(diff.changes)} material change(s).")
    )
    for change in diff.changes:
        console.print(Text(f"  - {change.description}"))
    if diff.reworded_sections:
        console.print(Text("Reworded sections: " + ", ".join(diff.reworded_sections)))
    renew = sorted(purposes_needing_renewal(diff))
    console.print(
        Text("Consents to renew: ", style="bold")
        + Text(", ".join(renew) if renew else "none (no consent-based purpose widened)")
    )
    entry = draft_change_log(diff).model_dump(mode="python")
    console.print(Text("Drafted change-log entry:", style="bold"))
    console.print(Text(yaml.safe_dump([entry], sort_keys=False, allow_unicode=True, width=88)))


@app.command("schema")
def schema_command() -> None:
    """Print the JSON Schema of policy files (also shipped as policy.schema.json)."""
    typer.echo(policy_json_schema_text(), nl=False)
