"""The compliance report: the live data checked against every promise of the policy.

Art. 5(2) makes the controller responsible for, and able to *demonstrate*, compliance
with the principles. Each function below checks one promise against what is actually
stored — not against what the code intends — and returns a :class:`CheckResult` with
the number of offending rows and evidence naming them (table, id, pseudonymous ref,
``category.field``; never a value). :func:`run_report` runs them all and records the run
in the audit log. A check reads; it never repairs.

    check                          promise (article)
    retention_deadlines            nothing kept past its deletion date (5(1)(e))
    special_category_quarantine    Art. 9/10 data only in quarantine, for review
    marketing_consent              every marketing message had consent on its channel
                                   when it was sent (PECR regs 21-22, Art. 7)
    request_deadlines              every request answered in time or properly extended
                                   (Art. 12(3))
    disclosures_declared           disclosures only to declared recipients for declared
                                   purposes and categories (Art. 13(1)(e), 5(1)(b))
    transfers_safeguarded          every transfer outside the UK has a safeguard (Ch. V)
    financial_data_encrypted       financial data only sealed in the vault (Art. 32)
    no_plaintext_identifiers       no email or phone in clear anywhere (Art. 32(1)(a))
    audit_chain_intact             the audit log is unaltered (Art. 5(2))
    published_policy_in_force      the published policy is the one enforced (Art. 13)
    service_access_in_engagement   staff reads for provide_services only inside an open
                                   engagement on the client's order (Art. 5(1)(b), 29)
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import select

from charter.audit import service as audit
from charter.audit.anchor import anchor_path, read_anchor
from charter.audit.models import AuditEntry
from charter.campaigns.models import SentMessage
from charter.compliance.scan import FINANCIAL_KINDS, IDENTIFIER_KINDS, forget_scan, scan_database
from charter.compliance.schemas import CheckResult, ComplianceReport
from charter.consent.ledger import fold_events
from charter.consent.models import ConsentEvent
from charter.crypto import DecryptionFailed
from charter.disclosures.models import Disclosure
from charter.engagements.models import Engagement
from charter.enquiries.models import Enquiry
from charter.enquiries.schemas import Handling
from charter.installation.models import PolicyPublication
from charter.mail.models import Correspondence
from charter.policy.loader import canonical_policy
from charter.policy.schemas import TransferMechanism
from charter.retention.models import LegalHold
from charter.rights.deadlines import due_date, extension_allowed, is_overdue, uk_date
from charter.rights.models import CLOSED_STATUSES, RequestEvent, RequestStatus, SubjectRequest
from charter.rights.service import holds_for, is_request_overdue
from charter.runtime import Work
from charter.screening.special import find_special
from charter.vault import keys
from charter.vault.models import PersonalValue, Subject

#: The retention sweep runs periodically: a value is late once this long past its date.
RETENTION_GRACE = timedelta(days=1)
#: Where the UK's own data stays: no restricted transfer (Chapter V) is made.
HOME_COUNTRY = "GB"
SERVICE_PURPOSE = "provide_services"
MARKETING_KIND = "marketing"
SENT = "sent"
STAFF_ACTOR_PREFIX = "staff:"
REPORT_ACTION = "compliance.report_run"


def _ref(refs: dict[int, str], subject_id: int | None) -> str:
    return "none" if subject_id is None else refs.get(subject_id, "unknown")


def _subject_refs(work: Work, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = work.session.execute(select(Subject.id, Subject.ref).where(Subject.id.in_(ids)))
    return {row.id: row.ref for row in rows}


# Storage limitation ------------------------------------------------------------------------


def retention_deadlines(work: Work) -> CheckResult:
    """Art. 5(1)(e): no value is held past its ``retain_until`` (by more than the sweep's
    :data:`RETENTION_GRACE`) unless a hold keeps it: an open access request (DPA 2018
    s.173, ``rights.service.holds_for``) or a legal hold."""
    late = work.now() - RETENTION_GRACE
    rows = work.session.execute(
        select(
            PersonalValue.id,
            PersonalValue.subject_id,
            PersonalValue.category,
            PersonalValue.field,
            PersonalValue.retention_rule,
            PersonalValue.retain_until,
        )
        .where(PersonalValue.retain_until.is_not(None), PersonalValue.retain_until < late)
        .order_by(PersonalValue.id)
    ).all()
    held_legally = set(
        work.session.scalars(select(LegalHold.subject_id).where(LegalHold.lifted_at.is_(None)))
    )
    subjects = {
        s.id: s
        for s in work.session.scalars(
            select(Subject).where(Subject.id.in_({row.subject_id for row in rows}))
        )
    }
    problems = []
    for row in rows:
        subject = subjects.get(row.subject_id)
        if row.subject_id in held_legally or (subject is not None and holds_for(work, subject)):
            continue
        ref = subject.ref if subject else "unknown"
        problems.append(
            f"personal_values #{row.id} ({row.category}.{row.field}, subject {ref}, rule "
            f"{row.retention_rule}) due for deletion {row.retain_until:%Y-%m-%d}"
        )
    return CheckResult.of(
        "retention_deadlines",
        "No personal data is kept past its retention deadline",
        problems,
        checked=f"Every value with a deletion date before {late:%Y-%m-%d %H:%M} UTC, "
        "less those held by an open access request or a legal hold.",
    )


# Special category data ----------------------------------------------------------------------


def _quarantined_value_ids(work: Work) -> set[int]:
    ids: set[int] = set()
    for value_ids in work.session.scalars(
        select(Enquiry.value_ids).where(Enquiry.handling == Handling.QUARANTINED.value)
    ):
        ids.update(value_ids or ())
    for subject_value, body_value in work.session.execute(
        select(Correspondence.subject_value_id, Correspondence.body_value_id).where(
            Correspondence.quarantined.is_(True)
        )
    ):
        ids.update(value for value in (subject_value, body_value) if value is not None)
    return ids


def special_category_quarantine(work: Work) -> CheckResult:
    """Art. 9(1), Art. 10: the policy says no special-category or criminal-offence data
    is collected. Text that reveals it anyway may be held only whole in quarantine, for a
    person to review. Every readable free-text value is opened (with the subject's key,
    in memory only) and screened; a flagged value outside a quarantined enquiry or email
    fails, as does any value of a field the policy marks special-category."""
    special_fields = {
        (category.id, field.id)
        for category in work.policy.categories
        for field in category.fields
        if field.special_category
    }
    free_text = {
        (category.id, field.id)
        for category in work.policy.categories
        for field in category.fields
        if field.identifier is None
    }
    quarantined = _quarantined_value_ids(work)
    subjects = {
        s.id: s for s in work.session.scalars(select(Subject).where(Subject.erased_at.is_(None)))
    }
    problems: list[str] = []
    screened = 0
    rows = work.session.scalars(select(PersonalValue).order_by(PersonalValue.subject_id))
    for row in rows:
        subject = subjects.get(row.subject_id)
        if (row.category, row.field) in special_fields:
            problems.append(
                f"personal_values #{row.id} is special-category field "
                f"{row.category}.{row.field} (subject {subject.ref if subject else 'erased'})"
            )
            continue
        if subject is None or (row.category, row.field) not in free_text:
            continue
        try:
            text = keys.open_value(
                keys.subject_key(work, subject), subject, row.category, row.field, row.ciphertext
            )
        except (DecryptionFailed, keys.DataErased):
            continue
        screened += 1
        if row.id in quarantined:
            continue
        found = find_special(text)
        if found:
            kinds = ", ".join(sorted({finding.category for finding in found}))
            problems.append(
                f"personal_values #{row.id} ({row.category}.{row.field}, subject {subject.ref}) "
                f"reveals {kinds} outside quarantine"
            )
    return CheckResult.of(
        "special_category_quarantine",
        "No special-category data is stored outside quarantine",
        problems,
        checked=f"{screened} free-text values screened; "
        f"{len(quarantined)} quarantined values left for review.",
    )


# Marketing -----------------------------------------------------------------------------------


def marketing_consent(work: Work) -> CheckResult:
    """PECR regs 21-22, Art. 6(1)(a), Art. 7(1): each marketing message sent had, at the
    moment it was sent, consent for its purpose on its channel. Re-derived from the
    consent ledger (events up to ``sent_at``, folded as the projection folds them), not
    from what the sender recorded at the time."""
    messages = work.session.execute(
        select(
            SentMessage.id,
            SentMessage.subject_id,
            SentMessage.purpose,
            SentMessage.channel,
            SentMessage.sent_at,
            SentMessage.decided_at,
        )
        .where(SentMessage.kind == MARKETING_KIND, SentMessage.status == SENT)
        .order_by(SentMessage.id)
    ).all()
    wanted = {row.subject_id for row in messages if row.subject_id is not None}
    events: dict[tuple[int, str, str], list[ConsentEvent]] = defaultdict(list)
    if wanted:
        for event in work.session.scalars(
            select(ConsentEvent)
            .where(ConsentEvent.subject_id.in_(wanted))
            .order_by(ConsentEvent.id)
        ):
            events[(event.subject_id, event.purpose, event.channel)].append(event)
    refs = _subject_refs(work, wanted)
    problems = []
    for row in messages:
        # When the gate last allowed it: the claim, just before the provider was called.
        # ``sent_at`` is when the outcome was recorded, which a withdrawal can precede.
        at = row.decided_at
        why = None
        if row.subject_id is None or row.purpose is None:
            why = "names no person or purpose"
        else:
            history = [
                e for e in events[(row.subject_id, row.purpose, row.channel)] if e.occurred_at <= at
            ]
            state = fold_events(history)
            if state is None or not state.given:
                why = "had no consent in force"
            elif state.needs_renewal:
                why = "rested on a consent needing renewal"
        if why is not None:
            problems.append(
                f"sent_messages #{row.id} ({row.purpose} by {row.channel}, subject "
                f"{_ref(refs, row.subject_id)}, sent {at:%Y-%m-%d %H:%M}) {why}"
            )
    return CheckResult.of(
        "marketing_consent",
        "Every marketing message had consent on its channel when sent",
        problems,
        checked=f"{len(messages)} marketing messages sent, each against the consent ledger.",
    )


# Rights requests ----------------------------------------------------------------------------


def request_deadlines(work: Work) -> CheckResult:
    """Art. 12(3): one month from the clock's start, or three when extended once, with
    reasons, within the first month. Fails for an open request past its due date, one
    answered late, a due date later than the law allows, or an improper extension."""
    requests = list(work.session.scalars(select(SubjectRequest).order_by(SubjectRequest.id)))
    extended_at: dict[int, datetime] = {}
    for request_id, at in work.session.execute(
        select(RequestEvent.request_id, RequestEvent.at).where(
            RequestEvent.to_status == RequestStatus.EXTENDED.value
        )
    ):
        extended_at[request_id] = at
    problems = []
    for request in requests:
        label = f"request {request.reference} ({request.kind})"
        started = request.clock_started_on
        if request.due_on is None or started is None:
            continue
        allowed = due_date(started, extended=request.extended)
        if request.due_on > allowed:
            problems.append(f"{label}: due {request.due_on} is later than the law allows")
        if request.extended:
            extension = extended_at.get(request.id)
            if not (request.extension_reason or "").strip():
                problems.append(f"{label}: extended without a reason")
            if extension is None or not extension_allowed(started, uk_date(extension)):
                problems.append(f"{label}: extended after the first month, or not recorded")
        if is_request_overdue(work, request):
            problems.append(f"{label}: overdue since {request.due_on}")
        elif RequestStatus(request.status) in CLOSED_STATUSES and request.closed_at is not None:
            if RequestStatus(request.status) is RequestStatus.CANCELLED:
                continue
            if is_overdue(min(request.due_on, allowed), uk_date(request.closed_at)):
                problems.append(f"{label}: answered late, after {request.due_on}")
    return CheckResult.of(
        "request_deadlines",
        "Every request answered within its deadline (or extended properly)",
        problems,
        checked=f"{len(requests)} requests checked against Art. 12(3).",
    )


# Disclosures and transfers --------------------------------------------------------------------


def disclosures_declared(work: Work) -> CheckResult:
    """Art. 13(1)(e), Art. 5(1)(b): data goes only to a recipient the policy declares, for
    a purpose that recipient is declared for, and only categories declared for both."""
    recipients = {item.id: item for item in work.policy.recipients}
    purposes = {item.id: item for item in work.policy.purposes}
    rows = work.session.execute(
        select(
            Disclosure.id,
            Disclosure.recipient,
            Disclosure.purpose,
            Disclosure.categories,
            Disclosure.subject_id,
        ).order_by(Disclosure.id)
    ).all()
    problems = []
    for row in rows:
        label = f"disclosures #{row.id}"
        recipient = recipients.get(row.recipient)
        purpose = purposes.get(row.purpose)
        if recipient is None:
            problems.append(f"{label}: recipient '{row.recipient}' is not declared")
            continue
        if purpose is None or row.purpose not in recipient.purposes:
            problems.append(f"{label}: purpose '{row.purpose}' is not declared for {recipient.id}")
            continue
        extra = sorted(
            set(row.categories or ()) - (set(recipient.categories) & set(purpose.categories))
        )
        if extra:
            problems.append(f"{label}: categories {', '.join(extra)} not declared for it")
    return CheckResult.of(
        "disclosures_declared",
        "Every disclosure went to a declared recipient for a declared purpose",
        problems,
        checked=f"{len(rows)} disclosures checked against the policy's recipients.",
    )


def transfers_safeguarded(work: Work) -> CheckResult:
    """UK GDPR Chapter V (Art. 44-46): data sent outside the UK needs a safeguard —
    adequacy regulations, the IDTA, the UK Addendum, BCRs or an Art. 49 derogation — and
    it must be the one the policy declares for that recipient."""
    recipients = {item.id: item for item in work.policy.recipients}
    mechanisms = {item.value for item in TransferMechanism}
    rows = work.session.execute(
        select(
            Disclosure.id, Disclosure.recipient, Disclosure.country, Disclosure.transfer_mechanism
        )
        .where(Disclosure.country != HOME_COUNTRY)
        .order_by(Disclosure.id)
    ).all()
    problems = []
    for row in rows:
        label = f"disclosures #{row.id} to {row.recipient} in {row.country}"
        declared = recipients.get(row.recipient)
        if row.transfer_mechanism is None or row.transfer_mechanism not in mechanisms:
            problems.append(f"{label}: no transfer safeguard")
        elif (
            declared is not None
            and declared.transfer is not None
            and declared.transfer.mechanism.value != row.transfer_mechanism
        ):
            problems.append(f"{label}: safeguard differs from the one declared")
    return CheckResult.of(
        "transfers_safeguarded",
        "Every transfer outside the UK has a safeguard",
        problems,
        checked=f"{len(rows)} transfers outside the UK checked.",
    )


# Security ------------------------------------------------------------------------------------


def financial_data_encrypted(work: Work) -> CheckResult:
    """Art. 32(1)(a): financial data exists only sealed in the vault. Every stored
    financial value must open under its subject's key (AES-GCM authenticates it), and no
    IBAN, sort code and account, or card number may appear in clear in any column."""
    problems = [
        finding.label() for finding in scan_database(work) if finding.kind in FINANCIAL_KINDS
    ]
    financial = {category.id for category in work.policy.categories if category.id == "financial"}
    subjects = {
        s.id: s for s in work.session.scalars(select(Subject).where(Subject.erased_at.is_(None)))
    }
    checked = 0
    for row in work.session.scalars(
        select(PersonalValue).where(PersonalValue.category.in_(financial))
    ):
        subject = subjects.get(row.subject_id)
        if subject is None:
            continue
        checked += 1
        try:
            keys.open_value(
                keys.subject_key(work, subject), subject, row.category, row.field, row.ciphertext
            )
        except (DecryptionFailed, keys.DataErased):
            problems.append(f"personal_values #{row.id} ({row.category}.{row.field}) is not sealed")
    return CheckResult.of(
        "financial_data_encrypted",
        "Financial data is encrypted",
        problems,
        checked=f"{checked} financial values open only under their key; no bank or card "
        "number in clear in any column.",
    )


def no_plaintext_identifiers(work: Work) -> CheckResult:
    """Art. 25(1), Art. 32(1)(a): identifiers live sealed, found only by blind index; no
    email address or phone number of anyone appears in clear in any table."""
    findings = [finding for finding in scan_database(work) if finding.kind in IDENTIFIER_KINDS]
    return CheckResult.of(
        "no_plaintext_identifiers",
        "No plaintext identifiers anywhere in the database",
        [finding.label() for finding in findings],
        checked="Every text, JSON and binary column of every table scanned.",
    )


def audit_chain_intact(work: Work) -> CheckResult:
    """Art. 5(2): the audit log is the evidence of everything else, so its hash chain must
    verify end to end and reach the head recorded beside the key ring."""
    anchor = read_anchor(anchor_path(work.settings.data_dir))
    result = audit.verify(work.session, work.keyring.audit, anchor=anchor)
    problems = [] if result.intact else [f"audit entry {result.first_broken_seq}: {result.reason}"]
    return CheckResult.of(
        "audit_chain_intact",
        "The audit chain is intact",
        problems,
        checked=f"{result.checked} entries verified.",
    )


def published_policy_in_force(work: Work) -> CheckResult:
    """Art. 13, Art. 12(1): what people were shown is what the system enforces. The
    latest published version must be the policy in force, byte for byte (its canonical
    digest), and every publication must still match its own recorded digest."""
    document, digest = canonical_policy(work.policy)
    publications = list(
        work.session.scalars(select(PolicyPublication).order_by(PolicyPublication.id))
    )
    problems = []
    for publication in publications:
        actual = hashlib.sha256(publication.document.encode("utf-8")).hexdigest()
        if actual != publication.sha256:
            problems.append(
                f"policy_publications #{publication.id} (version "
                f"{publication.version}) no longer matches its digest"
            )
    latest = publications[-1] if publications else None
    if latest is None:
        problems.append(f"version {work.policy.version} in force has never been published")
    elif latest.version != work.policy.version:
        problems.append(
            f"latest published version {latest.version} is not version "
            f"{work.policy.version} in force"
        )
    elif latest.sha256 != digest or latest.document != document:
        problems.append(f"published version {latest.version} differs from the policy in force")
    return CheckResult.of(
        "published_policy_in_force",
        "The published policy equals the policy in force",
        problems,
        checked=f"Version {work.policy.version} ({digest[:12]}) against "
        f"{len(publications)} publications.",
    )


# Service delivery -----------------------------------------------------------------------------


def _staff_id(actor: str) -> int | None:
    if not actor.startswith(STAFF_ACTOR_PREFIX):
        return None
    number = actor[len(STAFF_ACTOR_PREFIX) :]
    return int(number) if number.isdigit() else None


def service_access_in_engagement(work: Work) -> CheckResult:
    """Art. 5(1)(b), Art. 29, Art. 32(4): staff see a client's data while delivering a
    service only as that service needs. Every audited read of a subject's data by a staff
    member for ``provide_services`` must fall inside an engagement of that staff member
    on that client, open at the time of the read."""
    reads = work.session.execute(
        select(AuditEntry.seq, AuditEntry.at, AuditEntry.actor, AuditEntry.subject_ref)
        .where(
            AuditEntry.action == "personal_data.read",
            AuditEntry.purpose == SERVICE_PURPOSE,
            AuditEntry.actor.like(f"{STAFF_ACTOR_PREFIX}%"),
        )
        .order_by(AuditEntry.seq)
    ).all()
    refs = {row.subject_ref for row in reads if row.subject_ref}
    ids = (
        dict(
            work.session.execute(select(Subject.ref, Subject.id).where(Subject.ref.in_(refs))).all()
        )
        if refs
        else {}
    )
    spans: dict[tuple[int, int], list[tuple[datetime, datetime | None]]] = defaultdict(list)
    if ids:
        for engagement in work.session.scalars(
            select(Engagement).where(Engagement.subject_id.in_(set(ids.values())))
        ):
            spans[(engagement.subject_id, engagement.staff_id)].append(
                (engagement.started_at, engagement.ended_at)
            )
    problems = []
    checked = 0
    for row in reads:
        staff_id = _staff_id(row.actor)
        subject_id = ids.get(row.subject_ref or "")
        if staff_id is None or subject_id is None:
            continue
        checked += 1
        inside = any(
            start <= row.at and (end is None or row.at <= end)
            for start, end in spans[(subject_id, staff_id)]
        )
        if not inside:
            problems.append(
                f"audit entry {row.seq}: {row.actor} read subject {row.subject_ref} for "
                f"{SERVICE_PURPOSE} at {row.at:%Y-%m-%d %H:%M} outside an open engagement"
            )
    return CheckResult.of(
        "service_access_in_engagement",
        "Service-delivery access happens inside an open engagement",
        problems,
        checked=f"{checked} staff reads for {SERVICE_PURPOSE} checked against engagements.",
    )


# The report ------------------------------------------------------------------------------------

CHECKS: tuple[Callable[[Work], CheckResult], ...] = (
    retention_deadlines,
    special_category_quarantine,
    marketing_consent,
    request_deadlines,
    disclosures_declared,
    transfers_safeguarded,
    financial_data_encrypted,
    no_plaintext_identifiers,
    audit_chain_intact,
    published_policy_in_force,
    service_access_in_engagement,
)


def build_report(work: Work) -> ComplianceReport:
    """Run every check on the live data; reads only."""
    forget_scan(work)
    try:
        results = [check(work) for check in CHECKS]
    finally:
        forget_scan(work)
    return ComplianceReport(passed=all(r.passed for r in results), checks=results)


def run_report(work: Work, *, actor: str) -> ComplianceReport:
    """Build the report and record the run (Art. 5(2)): who ran it, which checks failed
    and how many items each; screening opened stored text in memory, so the run is
    itself an audited use of the data."""
    report = build_report(work)
    audit.record(
        work,
        actor=actor,
        action=REPORT_ACTION,
        detail={
            "passed": report.passed,
            "failed": {check.id: check.count for check in report.checks if not check.passed},
        },
    )
    return report
