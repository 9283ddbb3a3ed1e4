"""Running periodic jobs when they are due, once at a time across processes.

:func:`run_due_jobs` is what the in-process scheduler and ``charter jobs run`` call. For
each job it first *claims* it in its own short write unit (the job row's ``started_at``
moves to now only if the job is due and no live run holds it), then runs it, then records
the result. A run that crashed leaves a stale claim that expires after :data:`LEASE`, so
the next process picks the job up again; jobs are written to be idempotent, so running
one again after a crash does nothing twice.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from charter.jobs.models import JobRun
from charter.jobs.schedule import PERIODIC_JOBS, PeriodicJob
from charter.runtime import Runtime

log = logging.getLogger(__name__)

#: How long a claimed run may take before another process may take the job over.
LEASE = timedelta(hours=1)


@dataclass(frozen=True)
class JobResult:
    name: str
    ran: bool
    count: int = 0
    error: str | None = None


def _claim(runtime: Runtime, job: PeriodicJob, *, force: bool) -> bool:
    with runtime.unit() as work:
        now = work.now()
        row = work.session.get(JobRun, job.name, with_for_update=True)
        if row is None:
            row = JobRun(name=job.name, runs=0)
            work.session.add(row)
        elif not force and not _due(row, job, now):
            return False
        row.started_at = now
        row.finished_at = None
        return True


def _due(row: JobRun, job: PeriodicJob, now: datetime) -> bool:
    if row.started_at is None:
        return True
    if row.finished_at is None:  # running elsewhere, or crashed: wait for the lease
        return row.started_at + LEASE <= now
    return row.started_at + job.every <= now


def _finish(runtime: Runtime, job: PeriodicJob, *, count: int, error: str | None) -> None:
    with runtime.unit() as work:
        row = work.session.get(JobRun, job.name)
        if row is None:  # pragma: no cover - claimed above
            return
        row.finished_at = work.now()
        row.last_count = count
        row.last_error = error
        row.runs += 1


def run_job(runtime: Runtime, job: PeriodicJob, *, force: bool = False) -> JobResult:
    """Run ``job`` if it is due (or ``force``); a failure is recorded and logged, not raised
    (one broken job must not stop the others)."""
    if not _claim(runtime, job, force=force):
        return JobResult(job.name, ran=False)
    try:
        count = job.run(runtime)
    except Exception as exc:  # record any failure, keep the scheduler alive
        error = type(exc).__name__
        log.exception("Periodic job %s failed (%s)", job.name, error)
        _finish(runtime, job, count=0, error=error)
        return JobResult(job.name, ran=True, error=error)
    _finish(runtime, job, count=count, error=None)
    return JobResult(job.name, ran=True, count=count)


def run_due_jobs(runtime: Runtime, *, force: bool = False) -> list[JobResult]:
    return [run_job(runtime, job, force=force) for job in PERIODIC_JOBS]


def job_rows(runtime: Runtime) -> dict[str, JobRun]:
    with runtime.unit(write=False) as work:
        rows = work.session.query(JobRun).all()
        work.session.expunge_all()
    return {row.name: row for row in rows}


class Scheduler:
    """A daemon thread in ``charter serve`` that runs due jobs every ``interval`` seconds."""

    def __init__(self, runtime: Runtime, *, interval: float) -> None:
        self.runtime = runtime
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="charter-scheduler", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                run_due_jobs(self.runtime)
            except Exception:  # a database hiccup must not kill the thread
                log.exception("The scheduler could not run the periodic jobs")
