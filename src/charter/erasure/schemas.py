"""What an erasure decides and what it did: the plan, and the receipt sent to the person.

Art. 12(1) and Art. 19: the person is told, in plain words, what was erased, and for
anything kept, the law that requires it (Art. 17(3)(b)) and the date it will go.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict


class Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class Outcome(StrEnum):
    """``shredded``: nothing kept, data key destroyed; ``restricted``: statutory records
    kept under restriction until their own deletion date."""

    SHREDDED = "shredded"
    RESTRICTED = "restricted"


class ValueDecision(Out):
    """Keep-or-erase for one stored value. ``law`` and ``retain_until`` are set when kept."""

    value_id: int
    field: str
    collection_point: str
    retention_rule: str
    keep: bool
    reason: str
    law: str | None = None
    retain_until: datetime | None = None


class ErasurePlan(Out):
    """The decision for one subject; nothing has changed yet. ``holds`` are the DPA 2018
    s.173 holds that make the erasure wait."""

    subject_ref: str
    decided_at: datetime
    kept: list[ValueDecision]
    erased: list[ValueDecision]
    holds: list[str]

    @property
    def outcome(self) -> Outcome:
        return Outcome.RESTRICTED if self.kept else Outcome.SHREDDED


class KeptRecord(Out):
    """One kept field, the law requiring it and when it will be deleted."""

    field: str
    law: str
    retain_until: datetime | None


class ErasureReceipt(Out):
    """What an erasure did; :meth:`summary_text` is what the person is told (Art. 12, 19)."""

    subject_ref: str
    erased_at: datetime
    request_reference: str | None
    outcome: Outcome
    erased_fields: list[str]
    kept: list[KeptRecord]
    consents_withdrawn: list[str]
    suppressed_addresses: int
    mentions_redacted: int
    tombstone_id: int

    def summary_text(self) -> str:
        lines = ["We have erased your personal data."]
        if self.request_reference:
            lines[0] = f"We have erased your personal data (request {self.request_reference})."
        if self.erased_fields:
            lines += ["", "Erased:", *(f"- {field}" for field in self.erased_fields)]
        if self.kept:
            lines += [
                "",
                "The law requires us to keep the following records. We keep them only for "
                "that reason, use them for nothing else, and delete them on the date shown "
                "(UK GDPR Article 17(3)(b) and Article 18):",
            ]
            for record in self.kept:
                until = record.retain_until.date().isoformat() if record.retain_until else "-"
                lines.append(f"- {record.field}: until {until} ({record.law})")
        if self.consents_withdrawn:
            lines += ["", "Your consents have been withdrawn; we will not contact you for them."]
        if self.suppressed_addresses:
            lines += [
                "",
                "So that we never send you marketing again, we keep a one-way coded form of "
                "your email address on our do-not-contact list; it cannot be turned back "
                "into your address.",
            ]
        if self.mentions_redacted:
            lines += [
                "",
                f"We removed your details from {self.mentions_redacted} message(s) other "
                "people sent us.",
            ]
        return "\n".join(lines)
