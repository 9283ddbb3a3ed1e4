"""Use cases of the breach register (UK GDPR Art. 33-34).

* **Every breach is logged** (Art. 33(5)), with the moment the controller became aware
  of it: the 72-hour clock of Art. 33(1) runs from there, not from the breach itself.
* **The clock is shown** as time left or time overdue until the ICO is notified; a late
  notification must give reasons for the delay (Art. 33(1)).
* **Who is affected** is found on demand: subjects holding values of the breached
  categories during the breach period; only counts and pseudonymous refs are returned.
* **The notification draft** is pre-filled from the policy's organisation details and the
  breach, with the contents Art. 33(3)(a)-(d) requires.
* **Telling the people affected** (Art. 34) is a recorded decision with its reason; a
  high-risk breach left untold needs one of the Art. 34(3) exceptions as that reason.

Descriptions are staff notes about the incident, never the affected people's data; they
are screened for identifiers and kept short. Everything is audited; nothing commits here.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import func, or_, select

from charter.audit import service as audit
from charter.errors import CharterError, Conflict, InvalidInput, NotFound
from charter.runtime import Work
from charter.screening.identifiers import (
    find_emails,
    find_ibans,
    find_payment_cards,
    find_phones,
    find_sort_code_accounts,
)
from charter.vault.models import PersonalValue, Subject

from .models import Breach

#: Art. 33(1): notify the ICO without undue delay and, where feasible, within 72 hours.
NOTIFICATION_WINDOW = timedelta(hours=72)
REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
MAX_DESCRIPTION = 500
MAX_CONSEQUENCES = 500
MAX_MEASURES = 1000
MAX_REASON = 500
MAX_REFS = 1000
ICO_REPORTING_URL = "https://ico.org.uk/for-organisations/report-a-breach/"


class RiskLevel(StrEnum):
    """The risk to people's rights and freedoms (Art. 33(1), Art. 34(1))."""

    UNLIKELY = "unlikely"  # unlikely to result in a risk: record only, no ICO notification
    RISK = "risk"  # a risk: notify the ICO within 72 hours
    HIGH = "high"  # a high risk: notify the ICO and tell the people affected


@dataclass(frozen=True)
class AffectedSubjects:
    """How many people a breach may touch and their pseudonymous refs (first 1000)."""

    count: int
    refs: list[str]


@dataclass(frozen=True)
class Clock:
    """The Art. 33(1) clock: the deadline, and how far before or past it ``now`` is."""

    deadline: datetime
    remaining: timedelta
    notified: bool

    @property
    def overdue(self) -> bool:
        return not self.notified and self.remaining < timedelta(0)

    def label(self) -> str:
        if self.notified:
            return "ICO notified"
        hours, minutes = divmod(int(abs(self.remaining).total_seconds()) // 60, 60)
        span = f"{hours} h {minutes:02d} min"
        return f"overdue by {span}" if self.overdue else f"{span} left"


def _text(value: str, *, limit: int, what: str) -> str:
    """A short printable staff note without any identifier of a person in it."""
    text = " ".join(value.split())
    if not text or len(text) > limit or not text.isprintable():
        raise InvalidInput(f"Give the {what} in up to {limit} characters.")
    finders = (find_emails, find_phones, find_ibans, find_payment_cards, find_sort_code_accounts)
    if any(next(iter(finder(text)), None) is not None for finder in finders):
        raise InvalidInput(
            f"The {what} must not contain an email address, phone, bank or card number: "
            "describe the incident, not the people affected."
        )
    return text


def _categories(work: Work, categories: list[str]) -> list[str]:
    chosen = sorted(set(categories))
    if not chosen:
        raise InvalidInput("Name at least one category of personal data affected.")
    for category in chosen:
        work.policy.category(category)
    return chosen


def _unused_reference(work: Work) -> str:
    while True:
        reference = "BR-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(6))
        if work.session.scalar(select(Breach.id).where(Breach.reference == reference)) is None:
            return reference


def log_breach(
    work: Work,
    *,
    aware_at: datetime,
    description: str,
    categories: list[str],
    period_from: datetime,
    period_to: datetime,
    likely_consequences: str,
    measures: str,
    risk_level: str,
    actor: str,
) -> Breach:
    """Art. 33(5): document the breach, its effects and the remedial action taken."""
    try:
        risk = RiskLevel(risk_level)
    except ValueError:
        levels = ", ".join(level.value for level in RiskLevel)
        raise InvalidInput(f"The risk level must be one of: {levels}.") from None
    now = work.now()
    if aware_at.tzinfo is None or period_from.tzinfo is None or period_to.tzinfo is None:
        raise InvalidInput("Give times with their time zone.")
    if aware_at > now:
        raise InvalidInput("The time of awareness cannot be in the future.")
    if period_from > period_to:
        raise InvalidInput("The breach period must start before it ends.")
    breach = Breach(
        reference=_unused_reference(work),
        reported_at=now,
        aware_at=aware_at,
        description=_text(description, limit=MAX_DESCRIPTION, what="description"),
        categories=_categories(work, categories),
        period_from=period_from,
        period_to=period_to,
        likely_consequences=_text(
            likely_consequences, limit=MAX_CONSEQUENCES, what="likely consequences"
        ),
        measures=_text(measures, limit=MAX_MEASURES, what="measures taken"),
        risk_level=risk.value,
        logged_by=actor,
    )
    work.session.add(breach)
    work.session.flush()
    audit.record(
        work,
        actor=actor,
        action="breach.logged",
        detail={
            "breach": breach.reference,
            "categories": breach.categories,
            "risk_level": risk.value,
            "aware_at": aware_at.isoformat(),
        },
    )
    return breach


def find_breach(work: Work, reference: str) -> Breach:
    found = work.session.scalar(select(Breach).where(Breach.reference == reference.strip()))
    if found is None:
        raise NotFound("There is no breach with that reference.")
    return found


def list_breaches(work: Work) -> list[Breach]:
    """Newest awareness first."""
    return list(work.session.scalars(select(Breach).order_by(Breach.aware_at.desc())))


def notification_clock(work: Work, breach: Breach) -> Clock:
    """Art. 33(1): 72 hours from awareness; stops when the ICO is notified."""
    deadline = breach.aware_at + NOTIFICATION_WINDOW
    until = breach.ico_notified_at or work.now()
    return Clock(
        deadline=deadline, remaining=deadline - until, notified=breach.ico_notified_at is not None
    )


def affected_subjects(
    work: Work, *, categories: list[str], period_from: datetime, period_to: datetime
) -> AffectedSubjects:
    """People who held values of ``categories`` at any time in the period: collected on
    or before its end and not replaced before its start (Art. 33(3)(a), Art. 34)."""
    chosen = _categories(work, categories)
    if period_from > period_to:
        raise InvalidInput("The breach period must start before it ends.")
    query = (
        select(Subject.ref)
        .join(PersonalValue, PersonalValue.subject_id == Subject.id)
        .where(
            PersonalValue.category.in_(chosen),
            PersonalValue.collected_at <= period_to,
            or_(PersonalValue.replaced_at.is_(None), PersonalValue.replaced_at >= period_from),
        )
        .distinct()
        .order_by(Subject.ref)
    )
    refs = list(work.session.scalars(query))
    return AffectedSubjects(count=len(refs), refs=refs[:MAX_REFS])


def record_ico_notification(
    work: Work,
    breach: Breach,
    *,
    notified_at: datetime,
    actor: str,
    ico_reference: str | None = None,
) -> Breach:
    """Record when the ICO was notified (Art. 33(1)); after 72 hours reasons are due."""
    if breach.ico_notified_at is not None:
        raise Conflict("The ICO notification of this breach is already recorded.")
    if notified_at.tzinfo is None or notified_at > work.now() or notified_at < breach.aware_at:
        raise InvalidInput("The notification time must be between awareness and now.")
    if ico_reference is not None:
        ico_reference = ico_reference.strip()
        if not ico_reference or len(ico_reference) > 64 or not ico_reference.isprintable():
            raise InvalidInput("Give the ICO's case reference in up to 64 characters.")
    breach.ico_notified_at = notified_at
    breach.ico_reference = ico_reference
    work.session.flush()
    audit.record(
        work,
        actor=actor,
        action="breach.ico_notified",
        detail={
            "breach": breach.reference,
            "notified_at": notified_at.isoformat(),
            "late": notified_at > breach.aware_at + NOTIFICATION_WINDOW,
        },
    )
    return breach


def decide_subject_notification(
    work: Work, breach: Breach, *, notify: bool, reason: str, actor: str
) -> Breach:
    """Art. 34: record whether the people affected are told, and why.

    A high-risk breach must be communicated unless an Art. 34(3) exception applies; the
    reason must then name it, e.g. "34(3)(a): the data was encrypted".
    """
    text = _text(reason, limit=MAX_REASON, what="reason")
    if not notify and breach.risk_level == RiskLevel.HIGH and "34(3)" not in text:
        raise InvalidInput(
            "A high-risk breach must be communicated to the people affected unless an "
            "Art. 34(3) exception applies: name it in the reason, e.g. '34(3)(a)'."
        )
    breach.subjects_notified = notify
    breach.subjects_decision_reason = text
    breach.subjects_decided_at = work.now()
    breach.subjects_decided_by = actor
    work.session.flush()
    audit.record(
        work,
        actor=actor,
        action="breach.subjects_decision",
        detail={"breach": breach.reference, "notify": notify},
    )
    return breach


def _category_names(work: Work, categories: list[str]) -> str:
    names = []
    for category in categories:
        try:
            names.append(work.policy.category(category).name)
        except CharterError:
            names.append(category)
    return ", ".join(names)


def notification_draft(work: Work, breach: Breach) -> str:
    """A draft of the ICO notification with what Art. 33(3)(a)-(d) requires, filled in
    from the policy and the register; staff check and complete it before sending."""
    organisation = work.policy.organisation
    affected = affected_subjects(
        work,
        categories=list(breach.categories),
        period_from=breach.period_from,
        period_to=breach.period_to,
    )
    clock = notification_clock(work, breach)
    contact = organisation.privacy_contact or organisation.email or "(add a contact)"
    lines = [
        f"Personal data breach notification - {organisation.legal_name or organisation.name}",
        f"Submit at {ICO_REPORTING_URL}",
        "",
        "Organisation",
        f"  Name: {organisation.legal_name or organisation.name}",
        f"  ICO registration: {organisation.ico_registration or '(add the registration number)'}",
        f"  Contact point for more information (Art. 33(3)(b)): {contact}",
        f"  Telephone: {organisation.phone or '(add a telephone number)'}",
        "",
        "The breach (Art. 33(3)(a))",
        f"  Our reference: {breach.reference}",
        f"  What happened: {breach.description}",
        f"  When it happened: {breach.period_from:%d %B %Y %H:%M} to "
        f"{breach.period_to:%d %B %Y %H:%M} UTC",
        f"  When we became aware: {breach.aware_at:%d %B %Y %H:%M} UTC",
        f"  Categories of personal data: {_category_names(work, list(breach.categories))}",
        f"  Approximate number of people concerned: {affected.count}",
        f"  Approximate number of records concerned: {_records(work, breach)}",
        "",
        f"Likely consequences (Art. 33(3)(c)): {breach.likely_consequences}",
        f"Measures taken or proposed (Art. 33(3)(d)): {breach.measures}",
        f"Our assessment of the risk: {breach.risk_level}",
        "",
    ]
    if clock.overdue or (breach.ico_notified_at and clock.remaining < timedelta(0)):
        lines += [
            "Reasons for notifying after 72 hours (Art. 33(1)): (add the reasons for the delay)",
            "",
        ]
    if breach.subjects_notified is None:
        lines.append("People affected (Art. 34): decision not yet recorded.")
    elif breach.subjects_notified:
        lines.append(
            f"People affected (Art. 34): we are telling them. {breach.subjects_decision_reason}"
        )
    else:
        lines.append(
            f"People affected (Art. 34): we are not telling them. {breach.subjects_decision_reason}"
        )
    return "\n".join(lines) + "\n"


def _records(work: Work, breach: Breach) -> int:
    query = select(func.count(PersonalValue.id)).where(
        PersonalValue.category.in_(list(breach.categories)),
        PersonalValue.collected_at <= breach.period_to,
        or_(PersonalValue.replaced_at.is_(None), PersonalValue.replaced_at >= breach.period_from),
    )
    return int(work.session.scalar(query) or 0)
