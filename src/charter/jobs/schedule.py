"""The periodic jobs of an installation, each with how often it must run.

A job is a function of the :class:`Runtime` returning how many things it did. It opens
its own units of work, so a long sweep can commit in batches and resume after a crash.
Add a job by appending a :class:`PeriodicJob` to :data:`PERIODIC_JOBS`; ``charter serve``
runs due jobs in the background and ``charter jobs run`` runs them from cron or by hand.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from charter.runtime import Runtime

SYSTEM_ACTOR = "system:scheduler"


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    every: timedelta
    run: Callable[[Runtime], int]
    description: str


def _in_one_unit(step: Callable[..., int], **options: object) -> Callable[[Runtime], int]:
    def run(runtime: Runtime) -> int:
        with runtime.unit() as work:
            return step(work, **options)

    return run


def _purge_expired_signups(runtime: Runtime) -> int:
    from charter.newsletter.jobs import purge_expired_signups

    return _in_one_unit(purge_expired_signups, actor=SYSTEM_ACTOR)(runtime)


def _forget_cookie_choices(runtime: Runtime) -> int:
    from charter.cookies.service import forget_expired_choices

    return _in_one_unit(forget_expired_choices)(runtime)


def _close_statistics_days(runtime: Runtime) -> int:
    from charter.analytics.service import close_finished_days

    return _in_one_unit(close_finished_days)(runtime)


def _retry_campaign_messages(runtime: Runtime) -> int:
    from charter.campaigns.service import retry_pending

    return retry_pending(runtime, actor=SYSTEM_ACTOR)


def _remind_request_deadlines(runtime: Runtime) -> int:
    from charter.rights.jobs import run_deadline_reminders

    return run_deadline_reminders(runtime)


def _deliver_recipient_notices(runtime: Runtime) -> int:
    from charter.disclosures.delivery import deliver_due_notices

    return deliver_due_notices(runtime)


def _sweep_retention(runtime: Runtime) -> int:
    from charter.retention.service import run_sweep

    return run_sweep(runtime, actor=SYSTEM_ACTOR).removed


PERIODIC_JOBS: list[PeriodicJob] = [
    PeriodicJob(
        "newsletter.purge_expired_signups",
        timedelta(hours=1),
        _purge_expired_signups,
        "Delete newsletter sign-ups whose confirmation link expired unconfirmed.",
    ),
    PeriodicJob(
        "cookies.forget_expired_choices",
        timedelta(days=1),
        _forget_cookie_choices,
        "Delete cookie-choice evidence past its retention period.",
    ),
    PeriodicJob(
        "analytics.close_finished_days",
        timedelta(hours=1),
        _close_statistics_days,
        "Destroy each finished day's visitor salt and hashes.",
    ),
    PeriodicJob(
        "campaigns.retry_pending",
        timedelta(minutes=5),
        _retry_campaign_messages,
        "Send recorded campaign messages not yet sent and retry failed ones (never twice).",
    ),
    PeriodicJob(
        "disclosures.deliver_notices",
        timedelta(minutes=5),
        _deliver_recipient_notices,
        "Send queued Art. 19 notices to recipients (webhook or email), retrying with backoff.",
    ),
    PeriodicJob(
        "rights.deadline_reminders",
        timedelta(hours=6),
        _remind_request_deadlines,
        "Email staff the requests due within 7 days or overdue (Art. 12(3)), once each.",
    ),
    PeriodicJob(
        "retention.sweep",
        timedelta(hours=1),
        _sweep_retention,
        "Delete or anonymise personal data past its retention deadline (Art. 5(1)(e)).",
    ),
]


def job_named(name: str) -> PeriodicJob:
    from charter.errors import NotFound

    for job in PERIODIC_JOBS:
        if job.name == name:
            return job
    raise NotFound(f"There is no periodic job called '{name}'. See `charter jobs list`.")
