"""Enquiry fixtures: the shipped policy (it declares the contact form's fields and opt-ins)
and the local mail sender."""

from __future__ import annotations

from pathlib import Path

import pytest

from charter.mail.outbox import OutboxSender
from charter.settings import Settings


@pytest.fixture
def outbox(tmp_path: Path) -> Path:
    return tmp_path / "outbox"


@pytest.fixture
def sender(outbox: Path, settings: Settings) -> OutboxSender:
    """The local sender implementation: each email becomes an .eml file in ``outbox``."""
    return OutboxSender(outbox, settings.mail_from)
