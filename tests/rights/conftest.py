"""Rights fixtures: a real email sender (the local outbox) and what it wrote."""

from __future__ import annotations

from pathlib import Path

import pytest

from charter.mail.outbox import OutboxSender
from charter.runtime import Runtime


@pytest.fixture
def outbox(tmp_path: Path) -> Path:
    return tmp_path / "outbox"


@pytest.fixture
def sender(runtime: Runtime, outbox: Path) -> OutboxSender:
    return OutboxSender(outbox, runtime.settings.mail_from)
