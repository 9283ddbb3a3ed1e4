"""Periodic jobs: run when due, once at a time, failures recorded, on both databases."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from charter.cli import app
from charter.installation.service import open_runtime
from charter.jobs import schedule
from charter.jobs.models import JobRun
from charter.jobs.schedule import PeriodicJob, job_named
from charter.jobs.service import LEASE, run_due_jobs, run_job
from charter.runtime import Runtime
from charter.settings import Settings
from tests.conftest import TestClock as Clock

runner = CliRunner()


class Counter:
    """A job that counts its runs (and can be told to fail)."""

    def __init__(self, *, fail: bool = False) -> None:
        self.runs = 0
        self.fail = fail

    def __call__(self, runtime: Runtime) -> int:
        self.runs += 1
        if self.fail:
            raise RuntimeError("boom")
        return 7


@pytest.fixture
def jobs(monkeypatch: pytest.MonkeyPatch) -> tuple[Counter, Counter]:
    good, bad = Counter(), Counter(fail=True)
    monkeypatch.setattr(
        schedule,
        "PERIODIC_JOBS",
        [
            PeriodicJob("test.good", timedelta(hours=1), good, "counts"),
            PeriodicJob("test.bad", timedelta(hours=1), bad, "fails"),
        ],
    )
    monkeypatch.setattr("charter.jobs.service.PERIODIC_JOBS", schedule.PERIODIC_JOBS)
    return good, bad


def _row(runtime: Runtime, name: str) -> JobRun:
    with runtime.unit(write=False) as work:
        row = work.session.get(JobRun, name)
        assert row is not None
        return row


def test_due_jobs_run_once_per_period(
    runtime: Runtime, clock: Clock, jobs: tuple[Counter, Counter]
) -> None:
    good, bad = jobs
    first = run_due_jobs(runtime)
    assert [(r.name, r.ran, r.count, r.error) for r in first] == [
        ("test.good", True, 7, None),
        ("test.bad", True, 0, "RuntimeError"),
    ]
    assert run_due_jobs(runtime)[0].ran is False  # not due again yet
    clock.advance(minutes=59)
    assert run_due_jobs(runtime)[0].ran is False
    clock.advance(minutes=1)
    assert run_due_jobs(runtime)[0].ran is True
    assert good.runs == 2
    assert bad.runs == 2  # a failing job is retried at its next period, others unaffected
    row = _row(runtime, "test.bad")
    assert row.last_error == "RuntimeError"
    assert row.runs == 2


def test_force_runs_a_job_that_is_not_due(runtime: Runtime, jobs: tuple[Counter, Counter]) -> None:
    good, _ = jobs
    job = schedule.PERIODIC_JOBS[0]
    assert run_job(runtime, job).ran
    assert not run_job(runtime, job).ran
    assert run_job(runtime, job, force=True).ran
    assert good.runs == 2


def test_a_claimed_run_is_not_started_twice_until_its_lease_expires(
    runtime: Runtime, clock: Clock
) -> None:
    counter = Counter()
    job = PeriodicJob("test.frequent", timedelta(minutes=1), counter, "every minute")
    with runtime.unit() as work:  # another process claimed the job and then died
        work.session.add(JobRun(name=job.name, started_at=clock(), runs=0))
    clock.advance(minutes=10)  # well past the period, but the claim is still live
    assert not run_job(runtime, job).ran
    clock.advance(seconds=LEASE.total_seconds())
    assert run_job(runtime, job).ran
    assert counter.runs == 1


def test_unknown_job_name_is_a_clear_error() -> None:
    with pytest.raises(Exception, match="no periodic job called 'nope'"):
        job_named("nope")


def test_shipped_jobs_run_from_the_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("CHARTER_DATABASE_URL", "CHARTER_KEYRING", "CHARTER_POLICY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CHARTER_DATA_DIR", str(tmp_path / "data"))
    open_runtime(Settings()).close()  # a new installation: key ring and schema
    result = runner.invoke(app, ["jobs", "run"])
    assert result.exit_code == 0, result.output
    for job in schedule.PERIODIC_JOBS:
        assert f"{job.name}: done" in result.output
    again = runner.invoke(app, ["jobs", "run"])
    assert again.exit_code == 0, again.output
    assert f"{schedule.PERIODIC_JOBS[0].name}: not due" in again.output
    listed = runner.invoke(app, ["jobs", "list"])
    assert listed.exit_code == 0
    assert schedule.PERIODIC_JOBS[0].name in listed.output
    missing = runner.invoke(app, ["jobs", "run", "nope"])
    assert missing.exit_code == 1
