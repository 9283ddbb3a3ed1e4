"""The manifest every backup carries: what it holds and what restoring it needs."""

from __future__ import annotations

from datetime import datetime
from typing import Final, Literal

from pydantic import BaseModel, Field

MANIFEST_FORMAT: Final = "charter-backup/1"


class Manifest(BaseModel):
    """Facts read inside the backup's own snapshot, so they describe exactly what it holds.

    It names keys only by their public fingerprints: a backup never holds key material,
    so a stolen backup reveals nothing without the separately kept key ring (Art. 32).
    """

    format: Literal["charter-backup/1"] = MANIFEST_FORMAT
    created_at: datetime
    charter_version: str
    backend: Literal["sqlite", "postgresql"]
    schema_revision: str | None = Field(description="Alembic revision of the database.")
    database_file: str = Field(description="The tar member holding the database.")
    database_sha256: str
    key_fingerprints: dict[str, str] = Field(
        description="Fingerprints of the master, index and audit keys of the installation."
    )
    master_key_ids: list[str] = Field(
        description="Data-key masters the backup's data keys are wrapped under: the key "
        "ring must hold each of them to restore it."
    )
    journal_position: int = Field(
        ge=0, description="Tombstone-journal entries recorded before the backup was taken."
    )
    audit_head_seq: int = Field(ge=0)
    audit_head_hash: str


class RestoreReport(BaseModel):
    """What a restore did, for the operator and the audit log (no personal data)."""

    manifest: Manifest
    previous_audit_head_seq: int | None
    journal_entries: int
    erased_again: list[str]
    audit_intact: bool
    audit_checked: int
    audit_problem: str | None = None
