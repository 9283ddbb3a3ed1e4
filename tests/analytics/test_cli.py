"""`charter stats` through Typer's CliRunner, on a real SQLite installation."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from charter.analytics.models import StatsSalt
from charter.analytics.schemas import PageView
from charter.analytics.service import record_page_view
from charter.cli import app
from charter.installation.service import open_runtime
from charter.settings import Settings

from .factories import with_statistics

runner = CliRunner()


@pytest.fixture
def installation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    for name in ("CHARTER_DATABASE_URL", "CHARTER_KEYRING", "CHARTER_POLICY", "CHARTER_NOW"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CHARTER_DATA_DIR", str(tmp_path / "data"))
    settings = Settings()
    open_runtime(settings).close()  # a real installation: schema and key ring
    return settings


def record(settings: Settings, *views: PageView) -> None:
    opened = open_runtime(settings)
    runtime = dataclasses.replace(opened, policy=with_statistics(opened.policy))
    try:
        with runtime.unit() as work:
            for view in views:
                record_page_view(work, view)
    finally:
        runtime.close()


def page(path: str, network: str = "203.0.113.0/24") -> PageView:
    return PageView(path=path, network=network, browser="Firefox", major="128")


def test_show_prints_aggregates(installation: Settings) -> None:
    record(installation, page("/"), page("/privacy"), page("/", "198.51.100.0/24"))
    result = runner.invoke(app, ["stats", "show", "--days", "30"])
    assert result.exit_code == 0, result.output
    assert "3 page views, 2 visitor-days" in result.output
    assert "/privacy" in result.output
    assert "Firefox" in result.output
    assert "203.0.113" not in result.output


def test_show_with_nothing_counted(installation: Settings) -> None:
    result = runner.invoke(app, ["stats", "show"])
    assert result.exit_code == 0, result.output
    assert "No page views in this period." in result.output


def test_close_days_keeps_todays_salt(installation: Settings) -> None:
    record(installation, page("/"))
    result = runner.invoke(app, ["stats", "close-days"])
    assert result.exit_code == 0, result.output
    assert "Closed 0 finished day(s)" in result.output
    runtime = open_runtime(installation)
    try:
        with runtime.unit(write=False) as work:
            assert len(work.session.scalars(select(StatsSalt)).all()) == 1
    finally:
        runtime.close()
