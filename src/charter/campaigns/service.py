"""Marketing campaigns: write one, see who it would reach, send it exactly once each.

The rules enforced here:

* **Only to people who may get it, when it goes** (PECR regs 21-22, Art. 21(3)): every
  recipient passes the outbound gate (``gate.decide_message``) once when the audience is
  recorded and again just before their message leaves, so consent withdrawn, a
  restriction or an erasure in between stops it.
* **Every decision on record first** (Art. 5(2), Art. 7(1)): the audience is decided and
  written to ``sent_messages`` in one unit of work, one row per person under the key
  ``campaign:<id>:subject:<id>``, and committed *before* anything is sent. A rerun after
  a crash finds those rows and sends the ``pending`` ones; it never records a second.
* **Never twice**: each message is claimed before its provider is called and marked
  after, in units of its own (``delivery.py``); a try a crash cut short is given up,
  not repeated.
* **A way out in every message** (PECR reg. 23, Art. 21(4)): email goes through the
  newsletter's builder (per-recipient one-click unsubscribe link, RFC 8058 headers);
  texts end with how to opt out; phone campaigns only put people on a call list.

Failed tries are retried with growing pauses by the ``campaigns.retry_pending`` job
(:func:`retry_pending`), up to ``delivery.MAX_ATTEMPTS``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from pydantic import ValidationError
from sqlalchemy import func, select

from charter.audit import service as audit
from charter.campaigns.delivery import (
    Senders,
    deliver_message,
    due_message_ids,
    give_up_in_doubt,
    text_opt_out,
)
from charter.campaigns.gate import GATE_ACTOR, checked_purpose, decide_message, record_message
from charter.campaigns.models import Campaign, SentMessage
from charter.campaigns.schemas import AudiencePreview, CampaignDraft, SendReport
from charter.consent.models import ConsentState
from charter.errors import Conflict, InvalidInput, NotFound
from charter.mail.sender import EmailSender
from charter.runtime import Runtime, Work
from charter.sms.sender import MAX_TEXT_LENGTH, TextSender
from charter.vault.models import Subject


class CampaignNotFound(NotFound):
    default_message = "There is no such campaign."


class CampaignAlreadySent(Conflict):
    default_message = "This campaign has been sent already; create a new one to send again."


# Writing a campaign ---------------------------------------------------------------------------


def _draft(**values: object) -> CampaignDraft:
    try:
        return CampaignDraft.model_validate(values)
    except ValidationError as exc:
        names = sorted({str(error["loc"][0]) for error in exc.errors() if error["loc"]})
        raise InvalidInput(
            f"Check these campaign fields: {', '.join(names)} (required, and within their length)."
        ) from None


def create_campaign(
    work: Work,
    *,
    title: str,
    purpose: str,
    channel: str,
    subject_line: str,
    text: str,
    html: str | None = None,
    actor: str,
) -> Campaign:
    """Store a draft campaign after checking it could lawfully be sent at all.

    The purpose must be a declared marketing purpose and the channel one it declares
    (Art. 5(1)(b), Art. 13(1)(c)); a text must fit one message with its opt-out line; an
    HTML body is for email only. The content is the same for everyone, so no personal
    data is stored with it.
    """
    draft = _draft(
        title=title,
        purpose=purpose,
        channel=channel,
        subject_line=subject_line,
        text=text,
        html=html or None,
    )
    declared = checked_purpose(work, kind="marketing", channel=draft.channel, purpose=draft.purpose)
    if draft.channel not in declared.channels:
        raise InvalidInput(
            f"The purpose '{declared.id}' does not declare the channel '{draft.channel}'."
        )
    if draft.html is not None and draft.channel != "email":
        raise InvalidInput("Only an email campaign can have an HTML body.")
    if draft.channel == "text" and len(draft.text) + len(text_opt_out(work)) > MAX_TEXT_LENGTH:
        limit = MAX_TEXT_LENGTH - len(text_opt_out(work))
        raise InvalidInput(f"A text campaign must be at most {limit} characters.")
    campaign = Campaign(
        title=draft.title,
        purpose=draft.purpose,
        channel=draft.channel,
        subject_line=draft.subject_line,
        text=draft.text,
        html=draft.html,
        created_by=actor,
        created_at=work.now(),
        status="draft",
    )
    work.session.add(campaign)
    work.session.flush()
    audit.record(
        work,
        actor=actor,
        action="campaign.created",
        purpose=campaign.purpose,
        detail={"campaign_id": campaign.id, "channel": campaign.channel},
    )
    return campaign


def find_campaign(work: Work, campaign_id: int, *, for_update: bool = False) -> Campaign:
    """The campaign; ``for_update`` locks its row (PostgreSQL) so two sends of one draft
    cannot both record its audience (SQLite's write lock already serialises them)."""
    campaign = work.session.get(Campaign, campaign_id, with_for_update=for_update or None)
    if campaign is None:
        raise CampaignNotFound
    return campaign


def list_campaigns(work: Work) -> list[Campaign]:
    return list(work.session.scalars(select(Campaign).order_by(Campaign.id.desc())))


# The audience ---------------------------------------------------------------------------------


def candidates(work: Work, campaign: Campaign) -> list[Subject]:
    """Everyone with a consent record for the campaign's purpose, on any channel.

    Wider than who may get it (consent given on this channel), on purpose: the gate
    decides each, and the refusals (withdrawn, other channel only, restricted...) are
    recorded too, which is what shows that nobody was mailed without consent.
    """
    ids = select(ConsentState.subject_id).where(ConsentState.purpose == campaign.purpose)
    query = select(Subject).where(Subject.id.in_(ids)).order_by(Subject.id)
    return list(work.session.scalars(query))


def preview_audience(work: Work, campaign_id: int, *, actor: str) -> AudiencePreview:
    """Who the campaign would reach now, by reason; nothing is recorded or sent.

    Checking the suppression list reads each consenting person's address through the
    vault (audited); the preview itself is audited with its counts only.
    """
    campaign = find_campaign(work, campaign_id)
    tally: Counter[str] = Counter()
    eligible = 0
    for subject in candidates(work, campaign):
        decision = decide_message(
            work,
            subject,
            kind="marketing",
            channel=campaign.channel,
            purpose=campaign.purpose,
            actor=actor,
        )
        if decision.allowed:
            eligible += 1
        else:
            tally[decision.reason.value] += 1
    preview = AudiencePreview(campaign_id=campaign.id, eligible=eligible, refused=dict(tally))
    audit.record(
        work,
        actor=actor,
        action="campaign.previewed",
        purpose=campaign.purpose,
        detail={"campaign_id": campaign.id, "eligible": eligible, "refused": dict(tally)},
    )
    return preview


def idempotency_key(campaign_id: int, subject_id: int) -> str:
    return f"campaign:{campaign_id}:subject:{subject_id}"


def record_audience(work: Work, campaign: Campaign, *, actor: str) -> int:
    """Decide and record every candidate of a draft campaign; it becomes ``sending``.

    One unit of work, committed by the caller before any send. Returns the rows added.
    """
    if campaign.status != "draft":
        raise Conflict("This campaign's audience has been recorded already.")
    added = 0
    for subject in candidates(work, campaign):
        _message, decision = record_message(
            work,
            subject,
            kind="marketing",
            channel=campaign.channel,
            purpose=campaign.purpose,
            idempotency_key=idempotency_key(campaign.id, subject.id),
            campaign_id=campaign.id,
            actor=actor,
        )
        added += decision is not None
    campaign.status = "sending"
    campaign.started_at = work.now()
    _refresh_counts(work, campaign)
    audit.record(
        work,
        actor=actor,
        action="campaign.send_started",
        purpose=campaign.purpose,
        detail={
            "campaign_id": campaign.id,
            "eligible": campaign.eligible_count,
            "refused": campaign.refused_count,
        },
    )
    return added


def _reason_counts(work: Work, campaign_id: int) -> tuple[Counter[str], Counter[str]]:
    """(rows by status, refused rows by reason) of one campaign."""
    rows = work.session.execute(
        select(SentMessage.status, SentMessage.decision_reason, func.count())
        .where(SentMessage.campaign_id == campaign_id)
        .group_by(SentMessage.status, SentMessage.decision_reason)
    ).all()
    statuses: Counter[str] = Counter()
    refused: Counter[str] = Counter()
    for status, reason, count in rows:
        statuses[status] += count
        if status == "skipped":
            refused[reason] += count
    return statuses, refused


def _refresh_counts(work: Work, campaign: Campaign) -> Counter[str]:
    statuses, _refused = _reason_counts(work, campaign.id)
    campaign.eligible_count = statuses["pending"] + statuses["sent"] + statuses["failed"]
    campaign.refused_count = statuses["skipped"]
    campaign.sent_count = statuses["sent"]
    campaign.failed_count = statuses["failed"]
    work.session.flush()
    return statuses


def finish_campaign(work: Work, campaign: Campaign, *, actor: str) -> None:
    """Update the counts; with nothing left pending the campaign is ``sent``."""
    statuses = _refresh_counts(work, campaign)
    if campaign.status == "sending" and statuses["pending"] == 0:
        campaign.status = "sent"
        campaign.finished_at = work.now()
        audit.record(
            work,
            actor=actor,
            action="campaign.send_finished",
            purpose=campaign.purpose,
            detail={
                "campaign_id": campaign.id,
                "sent": campaign.sent_count,
                "failed": campaign.failed_count,
                "refused": campaign.refused_count,
            },
        )
        work.session.flush()


def send_campaign(
    runtime: Runtime,
    campaign_id: int,
    *,
    actor: str,
    email_sender: EmailSender | None = None,
    text_sender: TextSender | None = None,
) -> SendReport:
    """Send a campaign to everyone the gate allows, each exactly once.

    A draft first has its audience decided and recorded (committed); a campaign left
    ``sending`` by a crash just has its pending messages sent. Senders default to the
    ones the settings name (``CHARTER_SMTP_URL``, ``CHARTER_SMS_URL`` or the local
    stand-ins). Opens its own units of work, like a job.
    """
    senders = Senders(runtime, email_sender, text_sender)
    with runtime.unit() as work:
        campaign = find_campaign(work, campaign_id, for_update=True)
        if campaign.status == "sent":
            raise CampaignAlreadySent
        recorded = record_audience(work, campaign, actor=actor) if campaign.status == "draft" else 0
    with runtime.unit(write=False) as work:
        due = due_message_ids(work, campaign_id=campaign_id)
    outcomes = Counter(
        deliver_message(runtime, message_id, actor=actor, senders=senders) for message_id in due
    )
    with runtime.unit() as work:
        campaign = find_campaign(work, campaign_id)
        finish_campaign(work, campaign, actor=actor)
        statuses, refused = _reason_counts(work, campaign_id)
        return SendReport(
            campaign_id=campaign_id,
            status=campaign.status,
            recorded=recorded,
            eligible=campaign.eligible_count,
            refused=dict(refused),
            sent=outcomes["sent"],
            failed=outcomes["failed"],
            pending=statuses["pending"],
        )


def retry_pending(
    runtime: Runtime,
    *,
    actor: str = GATE_ACTOR,
    email_sender: EmailSender | None = None,
    text_sender: TextSender | None = None,
) -> int:
    """The periodic job: settle tries lost to a crash, send every due message of every
    campaign (never tried, or its retry is due), and update the campaigns' counts.
    Idempotent: a message already sent, failed or in flight is not touched. Returns the
    messages it tried."""
    senders = Senders(runtime, email_sender, text_sender)
    with runtime.unit() as work:
        give_up_in_doubt(work, actor=actor)
        due = due_message_ids(work)
        touched = set(
            work.session.scalars(
                select(SentMessage.campaign_id).where(SentMessage.id.in_(due)).distinct()
            )
        )
        touched |= set(
            work.session.scalars(select(Campaign.id).where(Campaign.status == "sending"))
        )
    for message_id in due:
        deliver_message(runtime, message_id, actor=actor, senders=senders)
    with runtime.unit() as work:
        for campaign_id in sorted(item for item in touched if item is not None):
            finish_campaign(work, find_campaign(work, campaign_id), actor=actor)
    return len(due)


@dataclass(frozen=True)
class CallListEntry:
    """One person a phone campaign may call now; ``phone`` is for the caller's eyes only."""

    message_id: int
    subject_ref: str
    phone: str = field(repr=False)


def call_list(work: Work, campaign_id: int, *, actor: str) -> list[CallListEntry]:
    """Who staff may call for a phone campaign, with the numbers to call.

    Each person is asked again now (PECR reg. 21: someone who withdrew, objected or was
    restricted since the list was made must not be called). The numbers are read through
    the vault (each read audited) and shown, never stored; viewing the list is audited.
    """
    campaign = find_campaign(work, campaign_id)
    if campaign.channel != "phone":
        raise Conflict("Only a phone campaign has a call list.")
    entries: list[CallListEntry] = []
    for message in campaign_messages(work, campaign_id):
        subject = work.session.get(Subject, message.subject_id) if message.subject_id else None
        if message.status != "sent" or subject is None:
            continue
        decision = decide_message(
            work, subject, kind="marketing", channel="phone", purpose=campaign.purpose, actor=actor
        )
        if decision.allowed and decision.contact is not None:
            entries.append(CallListEntry(message.id, subject.ref, decision.contact))
    audit.record(
        work,
        actor=actor,
        action="campaign.call_list_viewed",
        purpose=campaign.purpose,
        detail={"campaign_id": campaign.id, "entries": len(entries)},
    )
    return entries


def campaign_messages(work: Work, campaign_id: int) -> list[SentMessage]:
    """The outbox rows of one campaign (ids, decisions, statuses: no personal data)."""
    query = select(SentMessage).where(SentMessage.campaign_id == campaign_id)
    return list(work.session.scalars(query.order_by(SentMessage.id)))


def refused_by_reason(work: Work, campaign_id: int) -> dict[str, int]:
    return dict(_reason_counts(work, campaign_id)[1])
