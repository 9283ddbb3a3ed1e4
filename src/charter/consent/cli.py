"""`charter consent`: show a person's consents, their history, and ISO/IEC TS 27560 records.

Subjects are named by their pseudonymous reference, never by email, so nothing typed
here or printed here identifies anyone on its own. Looking at someone's consents is
itself processing of their data, so every command records a ``consent.viewed`` audit
entry (Art. 5(2) accountability) before it prints anything: the reading happens in a
read-only unit of work, the audit entry in a short writing one.
"""

from __future__ import annotations

import json
from typing import Any

import typer
from rich.table import Table
from sqlalchemy import select

from charter.audit import service as audit
from charter.command import cli_actor, cli_runtime, console, reports_errors
from charter.consent.decisions import decide
from charter.consent.models import ConsentState
from charter.consent.records import consent_record
from charter.consent.service import consent_history, consent_states
from charter.errors import NotFound
from charter.runtime import Runtime, Work
from charter.vault.models import Subject

app = typer.Typer(help="Show and export what people consented to.", no_args_is_help=True)


def _subject(work: Work, ref: str) -> Subject:
    subject = work.session.scalars(select(Subject).where(Subject.ref == ref)).first()
    if subject is None:
        raise NotFound("No person has that reference.")
    return subject


def _table(*headers: str) -> Table:
    """Columns fold rather than cut: ids and dates must stay whole to be used."""
    table = Table()
    for header in headers:
        table.add_column(header, overflow="fold")
    return table


def _record_view(
    runtime: Runtime, *, subject_ref: str, purpose: str | None = None, detail: dict[str, Any]
) -> None:
    with runtime.unit() as work:
        audit.record(
            work,
            actor=cli_actor(),
            action="consent.viewed",
            subject_ref=subject_ref,
            purpose=purpose,
            detail=detail,
        )


@app.command("show")
@reports_errors
def show_command(subject_ref: str = typer.Argument(..., help="The person's reference.")) -> None:
    """Current consent per purpose and channel, and what it allows now."""
    with cli_runtime() as runtime:
        # Rows are rendered inside the read-only unit: its rollback expires ORM objects.
        with runtime.unit(write=False) as work:
            subject = _subject(work, subject_ref)
            rows = [_state_row(work, subject, state) for state in consent_states(work, subject)]
        _record_view(runtime, subject_ref=subject_ref, detail={"view": "states"})
    table = _table("purpose", "channel", "state", "policy", "since (UTC)", "renewal", "allowed now")
    for row in rows:
        table.add_row(*row)
    console.print(table if rows else "No consent recorded for this person.")


def _state_row(work: Work, subject: Subject, state: ConsentState) -> tuple[str, ...]:
    decision = decide(work, subject.id, state.purpose, state.channel)
    return (
        state.purpose,
        state.channel,
        "given" if state.given else "withdrawn",
        state.policy_version,
        f"{state.changed_at:%Y-%m-%d %H:%M}",
        "needed" if state.needs_renewal else "",
        f"{'yes' if decision.allowed else 'no'}: {decision.reason}",
    )


@app.command("log")
@reports_errors
def log_command(subject_ref: str = typer.Argument(..., help="The person's reference.")) -> None:
    """Every consent event of the person, oldest first (Art. 7(1))."""
    with cli_runtime() as runtime:
        with runtime.unit(write=False) as work:
            rows = [
                (
                    f"{event.occurred_at:%Y-%m-%d %H:%M}",
                    event.action,
                    event.purpose,
                    event.channel,
                    event.policy_version,
                    event.collection_point,
                    str(event.evidence.get("method", "")),
                    event.record_id,
                )
                for event in consent_history(work, _subject(work, subject_ref))
            ]
        _record_view(runtime, subject_ref=subject_ref, detail={"view": "events"})
    table = _table("at (UTC)", "action", "purpose", "channel", "policy", "where", "how", "record")
    for row in rows:
        table.add_row(*row)
    console.print(table if rows else "No consent events for this person.")


@app.command("export")
@reports_errors
def export_command(
    record_id: str = typer.Argument(..., help="A consent event's record id."),
) -> None:
    """Print the ISO/IEC TS 27560 consent record as JSON."""
    with cli_runtime() as runtime:
        with runtime.unit(write=False) as work:
            record = consent_record(work, record_id)
        _record_view(
            runtime,
            subject_ref=record["pii_principal_id"],
            purpose=record["purposes"][0]["purpose_id"],
            detail={"view": "record", "record_id": record["record_id"]},
        )
    typer.echo(json.dumps(record, indent=2, ensure_ascii=False))
