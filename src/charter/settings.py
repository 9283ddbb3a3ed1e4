"""Typed settings, read once from ``CHARTER_*`` environment variables.

Every field is documented here and in README.md; nothing else in Charter reads the
environment. Settings are built by the entry point (CLI, server, tests) and passed in.
"""

from __future__ import annotations

import os
from datetime import datetime
from importlib import resources
from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_data_dir() -> Path:
    """Where one installation keeps its database, keys and outbox unless told otherwise."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "charter"


def shipped_policy_path() -> Path:
    """The example policy installed with the package, so `charter` finds it from anywhere."""
    return Path(str(resources.files("charter") / "policies" / "ajp-it-services.yaml"))


class Settings(BaseSettings):
    """Configuration of one Charter installation."""

    model_config = SettingsConfigDict(env_prefix="CHARTER_", extra="ignore")

    data_dir: Path = Field(
        default_factory=default_data_dir,
        description="Folder holding this installation's SQLite database, key ring and outbox.",
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL; default is SQLite (WAL) at DATA_DIR/charter.db. "
        "Use postgresql+psycopg://... for PostgreSQL.",
    )
    policy: Path = Field(
        default_factory=shipped_policy_path,
        description="Path of the policy file in force (YAML). Default: the shipped example.",
    )
    keyring: SecretStr | None = Field(
        default=None,
        description="The key ring as JSON (instead of DATA_DIR/keyring.json), e.g. from a "
        "secrets manager. Never stored in the database.",
    )
    now: datetime | None = Field(
        default=None,
        description="Freeze the clock at this ISO date-time (demos, deadline and retention tests).",
    )
    host: str = Field(default="127.0.0.1", description="Address `charter serve` binds to.")
    port: int = Field(default=8000, ge=1, le=65535, description="Port `charter serve` binds to.")
    base_url: str = Field(
        default="http://127.0.0.1:8000",
        description="Public address of the site, used in links sent by email.",
    )
    log_level: str = Field(default="INFO", description="Python logging level.")
    smtp_url: str | None = Field(
        default=None,
        description="Outbound mail server, e.g. smtp://user:pass@host:587?starttls=1. "
        "Unset: mail goes to the local outbox (DATA_DIR/outbox) instead.",
    )
    mail_from: str = Field(
        default="AJP IT Services <no-reply@ajp-it-services.example>",
        description="From address of every email Charter sends.",
    )
    staff_notification_email: str = Field(
        default="enquiries@ajp-it-services.example",
        description="Where new-enquiry notifications go (they carry only a console link).",
    )
    ga_measurement_id: str | None = Field(
        default=None,
        description="Google Analytics measurement id (G-...); loaded only after opt-in.",
    )
    special_category_mode: str = Field(
        default="redact",
        pattern="^(redact|quarantine|reject)$",
        description="What happens to free text flagged as special-category data (Art. 9/10): "
        "redact the passage, quarantine the message, or reject it.",
    )
    trust_proxy_headers: bool = Field(
        default=False,
        description="Take the client address from X-Forwarded-For (behind a trusted proxy).",
    )

    scheduler: bool = Field(
        default=True,
        description="Run the periodic jobs (retention sweep, purges, reminders, deliveries) "
        "inside `charter serve`. Turn off when a separate `charter jobs run` does it.",
    )
    scheduler_interval_seconds: int = Field(
        default=60,
        ge=1,
        le=86400,
        description="How often `charter serve` looks for periodic jobs that are due.",
    )
    erasure_cooling_off_hours: int = Field(
        default=24,
        ge=0,
        le=720,
        description="How long a verified erasure waits, cancellable by the person, before "
        "it is carried out.",
    )
    allow_private_webhooks: bool = Field(
        default=False,
        description="Let recipient webhooks point at private, loopback or link-local "
        "addresses (and plain http:// on loopback): only for a receiver on the firm's own "
        "network, or tests. Off, such targets are refused (server-side request forgery).",
    )
    sms_url: str | None = Field(
        default=None,
        description="Text-message gateway. Unset: texts are written to DATA_DIR/text-outbox "
        "(a local stand-in behind the same interface), not sent.",
    )

    @field_validator("data_dir", "policy")
    @classmethod
    def _expand(cls, value: Path) -> Path:
        return value.expanduser()

    @property
    def resolved_database_url(self) -> str:
        """The database URL in force: the explicit one, or SQLite inside the data folder."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'charter.db'}"

    @property
    def keyring_path(self) -> Path:
        return self.data_dir / "keyring.json"
