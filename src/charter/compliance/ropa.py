"""The record of processing activities (UK GDPR Art. 30(1)), generated, never typed.

One row per purpose the policy declares, with what Art. 30(1)(a)-(g) requires: the
controller and its contact details, the purpose and its lawful basis, the categories of
people and of personal data, the recipients (and countries), the transfers outside the
UK with their safeguards, the time limits for erasure, and the security measures. The
policy supplies the declarations; the register supplies what is actually held — how many
values each purpose may use and how many disclosures the register records for it — so the
record shows declarations and practice side by side.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import asdict, dataclass, fields

from sqlalchemy import select

from charter.consent.decisions import basis_label
from charter.disclosures.models import Disclosure
from charter.exports.csvfiles import neutralise_cell
from charter.policy.document import retention_period_label
from charter.policy.render import template_environment
from charter.policy.schemas import Policy, Purpose
from charter.runtime import Work
from charter.vault.models import PersonalValue

#: Art. 30(1)(g): a general description of the technical and organisational measures.
SECURITY_MEASURES = (
    "Personal data sealed with AES-256-GCM under a key per person, wrapped by a master key "
    "kept outside the database; identifiers found only by keyed HMAC blind indexes; "
    "hash-chained audit log of every use; staff access by role with optional second factor; "
    "purpose gate on every read; erasure by destroying the person's key (Art. 32)."
)


@dataclass(frozen=True)
class RopaRow:
    controller: str
    controller_contact: str
    purpose_id: str
    purpose: str
    lawful_basis: str
    legitimate_interest: str
    data_subjects: str
    personal_data: str
    recipients: str
    transfers: str
    retention: str
    security_measures: str
    values_held: int
    disclosures_recorded: int


COLUMNS = tuple(item.name for item in fields(RopaRow))


def _subjects(policy: Policy, purpose: Purpose) -> str:
    points = [p.name for p in policy.collection_points if purpose.id in p.purposes]
    return "; ".join(f"People reached through: {name}" for name in points) or "Customers"


def _retention(policy: Policy, purpose: Purpose) -> str:
    lines = []
    for rule in policy.retention:
        shared = [c for c in rule.categories if c in purpose.categories]
        if shared:
            names = ", ".join(policy.category(c).name for c in shared)
            lines.append(f"{names}: {retention_period_label(rule)}")
    return "; ".join(lines)


def _row(policy: Policy, purpose: Purpose, held: Counter[str], disclosed: Counter[str]) -> RopaRow:
    organisation = policy.organisation
    recipients = [r for r in policy.recipients if purpose.id in r.purposes]
    transfers = [
        f"{r.name} ({r.country}): {r.transfer.mechanism.value}"
        for r in recipients
        if r.transfer is not None
    ]
    contact = ", ".join(
        v for v in (organisation.address, organisation.email, organisation.phone) if v
    )
    return RopaRow(
        controller=organisation.legal_name or organisation.name,
        controller_contact=contact,
        purpose_id=purpose.id,
        purpose=purpose.name,
        lawful_basis=basis_label(purpose.lawful_basis),
        legitimate_interest=purpose.legitimate_interest or "",
        data_subjects=_subjects(policy, purpose),
        personal_data=", ".join(policy.category(c).name for c in purpose.categories),
        recipients="; ".join(f"{r.name} ({r.role.value}, {r.country})" for r in recipients)
        or "None",
        transfers="; ".join(transfers) or "None",
        retention=_retention(policy, purpose),
        security_measures=SECURITY_MEASURES,
        values_held=held[purpose.id],
        disclosures_recorded=disclosed[purpose.id],
    )


def record_of_processing(work: Work) -> list[RopaRow]:
    """Art. 30(1): one row per declared purpose, with the register's counts."""
    held: Counter[str] = Counter()
    for purposes in work.session.scalars(
        select(PersonalValue.purposes).where(PersonalValue.replaced_at.is_(None))
    ):
        held.update(set(purposes or ()))
    disclosed: Counter[str] = Counter(work.session.scalars(select(Disclosure.purpose)))
    return [_row(work.policy, purpose, held, disclosed) for purpose in work.policy.purposes]


def ropa_csv(rows: list[RopaRow]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([neutralise_cell(str(value)) for value in asdict(row).values()])
    return buffer.getvalue()


def ropa_html(rows: list[RopaRow], *, policy: Policy) -> str:
    template = template_environment().get_template("compliance/ropa.html")
    return template.render(
        rows=rows,
        controller=policy.organisation.legal_name or policy.organisation.name,
        policy_version=policy.version,
        security_measures=SECURITY_MEASURES,
    )
