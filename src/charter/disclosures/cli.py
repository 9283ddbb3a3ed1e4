"""`charter disclosures`: record disclosures, read the register, connect recipients, deliver
Art. 19 notices.

People are named by their pseudonymous reference; nothing printed is a personal value.
Every change goes through ``disclosures.service`` / ``disclosures.delivery`` and is audited
there. A webhook's shared secret is printed once by ``connect`` and never again.
"""

from __future__ import annotations

import typer

from charter.command import cli_actor, cli_runtime, console, reports_errors
from charter.disclosures import delivery, service
from charter.disclosures.service import safeguard_label

app = typer.Typer(
    help="The register of disclosures and transfers, and notices to recipients.",
    no_args_is_help=True,
)


@app.command("record")
@reports_errors
def record_command(
    subject_ref: str = typer.Argument(..., help="The person's reference."),
    recipient: str = typer.Option(..., "--recipient", help="Recipient id from the policy."),
    purpose: str = typer.Option(..., "--purpose", help="Purpose id declared for the recipient."),
    category: list[str] = typer.Option(..., "--category", help="Category disclosed (repeat)."),
    reference: str = typer.Option(
        ..., "--reference", help="What the recipient knows it by, e.g. an order number."
    ),
) -> None:
    """Record a disclosure of SUBJECT_REF's data, if the policy allows it."""
    with cli_runtime() as runtime, runtime.unit() as work:
        subject = service.subject_by_ref(work, subject_ref)
        row = service.record_disclosure(
            work,
            subject,
            recipient=recipient,
            purpose=purpose,
            categories=category,
            reference=reference,
            actor=cli_actor(),
        )
        safeguard = safeguard_label(row.transfer_mechanism, row.transfer_detail)
    console.print(f"Recorded disclosure {row.id} to {row.recipient} ({row.country}).")
    if safeguard:
        console.print(f"Transfer safeguard: {safeguard}")


@app.command("list")
@reports_errors
def list_command(
    subject: str | None = typer.Option(None, "--subject", help="Only this person's reference."),
    recipient: str | None = typer.Option(None, "--recipient", help="Only this recipient."),
) -> None:
    """The register, newest first."""
    with cli_runtime() as runtime, runtime.unit(write=False) as work:
        who = service.subject_by_ref(work, subject) if subject else None
        rows = service.list_disclosures(work, subject=who, recipient=recipient)
    if not rows:
        console.print("No disclosures recorded.")
    for row, ref in rows:
        safeguard = safeguard_label(row.transfer_mechanism, row.transfer_detail)
        lines = [
            f"#{row.id} {row.disclosed_at:%Y-%m-%d %H:%M} person {ref} -> {row.recipient} "
            f"({row.country})",
            f"    purpose {row.purpose} ({row.lawful_basis}); categories "
            f"{', '.join(row.categories)}; reference {row.reference!r}; by {row.actor}",
        ]
        if safeguard:
            lines.append(f"    safeguard: {safeguard}")
        for line in lines:
            console.print(line, soft_wrap=True, highlight=False, markup=False)


@app.command("notices")
@reports_errors
def notices_command(
    recipient: str | None = typer.Option(None, "--recipient", help="Only this recipient."),
) -> None:
    """Art. 19 notices and their delivery status, newest first."""
    with cli_runtime() as runtime, runtime.unit(write=False) as work:
        rows = service.list_notices(work, recipient=recipient)
    if not rows:
        console.print("No notices queued.")
    for notice, ref in rows:
        line = (
            f"{notice.idempotency_key} {notice.created_at:%Y-%m-%d %H:%M} {notice.event} "
            f"-> {notice.recipient} person {ref}: {notice.status}, {notice.attempts} attempt(s)"
        )
        if notice.last_error:
            line += f", last error {notice.last_error}"
        console.print(line, soft_wrap=True, highlight=False, markup=False)


@app.command("deliver")
@reports_errors
def deliver_command() -> None:
    """Deliver the notices that are due now (the job does this every five minutes)."""
    with cli_runtime() as runtime:
        count = delivery.deliver_due_notices(runtime)
    console.print(f"Delivered {count} notice(s).")


@app.command("connect")
@reports_errors
def connect_command(
    recipient: str = typer.Argument(..., help="Recipient id from the policy."),
    webhook: str | None = typer.Option(None, "--webhook", help="https:// URL taking notices."),
    email: str | None = typer.Option(None, "--email", help="Business address taking notices."),
) -> None:
    """Set where RECIPIENT takes Art. 19 notices. A webhook gets a new shared secret,
    printed once: give it to the recipient to check our signatures."""
    with cli_runtime() as runtime, runtime.unit() as work:
        secret = delivery.connect_recipient(
            work, recipient, webhook=webhook, email=email, actor=cli_actor()
        )
    if secret is None:
        console.print(f"{recipient} now takes notices by email.")
        return
    console.print(f"{recipient} now takes notices by webhook.")
    console.print("Shared secret (shown once; give it to the recipient securely):")
    console.print(secret, soft_wrap=True, highlight=False)
