"""Deadline reminders to staff (Art. 12(3): one month, or three when extended).

Every six hours :func:`send_deadline_reminders` looks at the open requests and emails the
staff notification address one message listing the requests that have become due
within :data:`DUE_SOON_DAYS` days or overdue since the last run. Each request is
reminded once per threshold and due date (a :class:`RequestReminder` row), so the job is
idempotent: running it again, or after a crash, sends nothing twice. The email carries
only references, kinds and due dates, never anything about the person (Art. 5(1)(f)).
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from charter.audit import service as audit
from charter.mail.message import OutgoingEmail
from charter.mail.sender import EmailSender
from charter.rights.deadlines import uk_date
from charter.rights.models import RequestReminder, SubjectRequest
from charter.rights.service import open_requests
from charter.runtime import Runtime, Work

DUE_SOON_DAYS = 7
DUE_SOON = "due_soon"
OVERDUE = "overdue"


def _threshold(request: SubjectRequest, today_ordinal: int) -> str | None:
    if request.due_on is None:
        return None
    days_left = request.due_on.toordinal() - today_ordinal
    if days_left < 0:
        return OVERDUE
    if days_left <= DUE_SOON_DAYS:
        return DUE_SOON
    return None


def _already_sent(work: Work, request: SubjectRequest, threshold: str) -> bool:
    query = select(RequestReminder.id).where(
        RequestReminder.request_id == request.id,
        RequestReminder.threshold == threshold,
        RequestReminder.due_on == request.due_on,
    )
    return work.session.scalars(query.limit(1)).first() is not None


def send_deadline_reminders(work: Work, *, sender: EmailSender, actor: str) -> int:
    """Remind staff of requests due within a week or overdue; returns how many requests
    the reminder named (0: nothing new, no email)."""
    today = uk_date(work.now())
    due: list[tuple[SubjectRequest, str]] = []
    for request in open_requests(work):
        threshold = _threshold(request, today.toordinal())
        if threshold is not None and not _already_sent(work, request, threshold):
            due.append((request, threshold))
    if not due:
        return 0
    now = work.now()
    for request, threshold in due:
        assert request.due_on is not None  # _threshold returned one
        work.session.add(
            RequestReminder(
                request_id=request.id, threshold=threshold, due_on=request.due_on, sent_at=now
            )
        )
    work.session.flush()
    lines = [
        f"{request.reference}  {request.kind.replace('_', ' ')}  due "
        f"{request.due_on:%a %d %b %Y}{'  OVERDUE' if threshold == OVERDUE else ''}"
        for request, threshold in due
    ]
    base = work.settings.base_url.rstrip("/")
    text = (
        "These data protection requests are due within "
        f"{DUE_SOON_DAYS} days or overdue (UK GDPR Article 12(3)):\n\n"
        + "\n".join(lines)
        + f"\n\nThe queue: {base}/admin/requests\n"
    )
    sender.send(
        OutgoingEmail(
            to=work.settings.staff_notification_email,
            subject=f"{len(due)} data protection request(s) due soon or overdue",
            text=text,
            kind="staff_notification",
        )
    )
    audit.record(
        work,
        actor=actor,
        action="dsr.reminders_sent",
        detail={
            "references": [request.reference for request, _ in due],
            "thresholds": [threshold for _, threshold in due],
        },
    )
    return len(due)


#: How often the job runs (the schedule in ``jobs/schedule.py`` uses it).
EVERY = timedelta(hours=6)
JOB_ACTOR = "system:scheduler"


def run_deadline_reminders(runtime: Runtime) -> int:
    """The periodic job: one unit of work, the installation's email sender."""
    from charter.mail.sender import build_sender

    sender = build_sender(runtime.settings)
    with runtime.unit() as work:
        return send_deadline_reminders(work, sender=sender, actor=JOB_ACTOR)
