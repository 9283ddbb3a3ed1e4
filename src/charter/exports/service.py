"""Building a person's access package (UK GDPR Art. 15) or portability package (Art. 20).

:func:`build_access_package` is the one use case every entry point (privacy centre, staff
console, CLI, the rights-request workflow) calls. It returns a zip held in memory:

* ``data.json``: everything, machine-readable, valid against the published
  ``access-package.schema.json`` (Art. 15(3) "commonly used electronic form",
  Art. 20(1) "structured, commonly used and machine-readable");
* one CSV per category held, plus ``consents.csv``, ``correspondence.csv`` and
  ``enquiries.csv``, safe to open in a spreadsheet (see ``csvfiles.py``);
* ``cover.html``: the supplementary information of Art. 15(1)(a)-(h) and 15(2) in clear
  and plain language (Art. 12(1)), generated from the policy in force (``cover.py``).

What is enforced here:

* **Read through the purpose gate only**: values are opened by
  ``vault.service.read_personal_values`` for the policy's :data:`RIGHTS_PURPOSE`, which
  must cover every declared category (an access answer must be complete) and be permitted
  under restriction, because a restricted person keeps their right of access
  (Art. 18(2) allows storage; the answer reads nothing for any other use). Replaced
  values are included: they are still held, as rectification history (Art. 16).
* **Portability covers less than access** (Art. 20(1)): only values the person provided
  (or that were observed) and that are used on the basis of consent or a contract; the
  cover says what was left out and why.
* **Erased people get a clear refusal** (``DataErased``): nothing of theirs is readable.
* **Reproducible**: files in a fixed order, zip entries stamped with ``work.now()``, so
  the same state at the same time gives the same bytes.
* **Audited** (Art. 5(2)): ``rights.access_package.built`` with counts, never a value.

Nothing is committed here; the caller owns the unit of work.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

from sqlalchemy import select

from charter.audit import service as audit
from charter.consent.decisions import basis_label
from charter.consent.service import consent_history
from charter.disclosures import service as disclosure_register
from charter.engagements.service import engagements_of
from charter.enquiries.models import Enquiry
from charter.errors import PolicyRefusal, UndeclaredField, UndeclaredPurpose
from charter.exports.cover import render_cover
from charter.exports.csvfiles import package_csv_files
from charter.exports.schemas import (
    AccessPackage,
    CategoryOut,
    ConsentEventOut,
    CorrespondenceOut,
    Disclosure,
    EngagementOut,
    EnquiryOut,
    LeftOut,
    PackageKind,
    ValueOut,
)
from charter.mail import service as mail
from charter.mail.models import Correspondence
from charter.policy.document import point_name, retention_period_label
from charter.policy.schemas import LawfulBasis, Policy, Purpose
from charter.runtime import Work
from charter.vault import service as vault
from charter.vault.models import PersonalValue, Subject
from charter.vault.service import DecryptedValue

#: The purpose, declared in the policy, under which rights requests are answered.
RIGHTS_PURPOSE = "rights_requests"
#: Art. 20(1)(a): portability covers processing based on consent or on a contract.
PORTABLE_BASES = frozenset({LawfulBasis.CONSENT, LawfulBasis.CONTRACT})
#: Sources naming data the person did not provide (Art. 20(1) "provided by" them):
#: obtained from someone else, or worked out by us. Every collection point in use today
#: collects from the person, so no value carries one of these yet.
NOT_PROVIDED_SOURCES = ("third_party:", "derived:", "inferred:")
#: Zip timestamps cannot be earlier than 1980.
_ZIP_EPOCH = datetime(1980, 1, 1, tzinfo=UTC)


def build_access_package(
    work: Work,
    subject: Subject,
    *,
    actor: str,
    portability: bool = False,
    disclosures: Sequence[Disclosure] | None = None,
) -> bytes:
    """The person's package as zip bytes: Art. 15 (everything held), or with
    ``portability`` Art. 20 (what they provided, used on consent or contract).

    ``disclosures`` lists recipients the data actually went to (Art. 15(1)(c)); by default
    (``None``) they are read from the disclosure register, one entry per disclosure.

    Raises :class:`PolicyRefusal` when the policy declares no suitable
    :data:`RIGHTS_PURPOSE`, and ``DataErased`` when the person's key was destroyed.
    """
    package = assemble_package(
        work, subject, actor=actor, portability=portability, disclosures=disclosures
    )
    files = package_csv_files(package)
    files["data.json"] = (package.model_dump_json(indent=2) + "\n").encode("utf-8")
    files["cover.html"] = render_cover(work.policy, package).encode("utf-8")
    audit.record(
        work,
        actor=actor,
        action="rights.access_package.built",
        subject_ref=subject.ref,
        purpose=RIGHTS_PURPOSE,
        detail={
            "kind": package.kind.value,
            "categories": len(package.categories),
            "values": sum(len(category.values) for category in package.categories),
            "consents": len(package.consents),
            "correspondence": len(package.correspondence),
            "enquiries": len(package.enquiries),
            "disclosures": len(package.disclosures),
            "engagements": len(package.engagements),
            "left_out": sum(item.count for item in package.left_out),
            "files": len(files),
        },
    )
    return zip_files(files, moment=work.now())


def assemble_package(
    work: Work,
    subject: Subject,
    *,
    actor: str,
    portability: bool = False,
    disclosures: Sequence[Disclosure] | None = None,
) -> AccessPackage:
    """The package's content (``data.json``), read through the purpose gate.

    Disclosures default to the person's rows in the disclosure register; ones passed in
    must name recipients the policy declares. A register row whose recipient has since
    left the policy is still listed: it happened (Art. 15(1)(c))."""
    policy = work.policy
    purpose = rights_purpose(policy)
    if disclosures is None:
        disclosures = register_disclosures(work, subject)
    else:
        for disclosure in disclosures:
            policy.recipient(disclosure.recipient)
    opened = vault.read_personal_values(
        work, subject, purpose=purpose.id, actor=actor, include_replaced=True
    )
    left_out: list[LeftOut] = []
    if portability:
        opened, left_out = _portable_values(policy, opened)
    correspondence = _correspondence(work, subject, actor=actor)
    enquiries = _enquiries(work, subject)
    if portability:
        correspondence, enquiries, more = _portable_extras(policy, correspondence, enquiries)
        left_out.extend(more)
    return AccessPackage(
        kind=PackageKind.PORTABILITY if portability else PackageKind.ACCESS,
        subject_ref=subject.ref,
        generated_at=work.now(),
        controller=policy.organisation.legal_name or policy.organisation.name,
        policy_id=policy.policy_id,
        policy_version=policy.version,
        categories=_categories(policy, opened),
        consents=[
            ConsentEventOut(
                record_id=event.record_id,
                purpose=event.purpose,
                channel=event.channel,
                action=event.action,
                wording=event.wording,
                policy_version=event.policy_version,
                collection_point=event.collection_point,
                occurred_at=event.occurred_at,
            )
            for event in consent_history(work, subject)
        ],
        correspondence=correspondence,
        enquiries=enquiries,
        disclosures=list(disclosures),
        engagements=[] if portability else _engagements(work, subject),
        left_out=left_out,
    )


def _engagements(work: Work, subject: Subject) -> list[EngagementOut]:
    return [
        EngagementOut(
            order_id=item.order_id,
            purpose=item.purpose,
            systems=item.systems,
            staff_id=item.staff_id,
            started_at=item.started_at,
            ended_at=item.ended_at,
        )
        for item in engagements_of(work, subject)
    ]


def register_disclosures(work: Work, subject: Subject) -> list[Disclosure]:
    """The person's disclosures from the register, oldest first (Art. 15(1)(c))."""
    return [
        Disclosure(
            recipient=row.recipient, categories=list(row.categories), disclosed_at=row.disclosed_at
        )
        for row in disclosure_register.disclosures_of(work, subject)
    ]


def rights_purpose(policy: Policy) -> Purpose:
    """The purpose access packages are read under, refused unless it can give a complete
    answer (every declared category) even to a restricted person (Art. 15, Art. 18(2))."""
    try:
        purpose = policy.purpose(RIGHTS_PURPOSE)
    except UndeclaredPurpose:
        raise PolicyRefusal(
            f"The privacy policy declares no purpose '{RIGHTS_PURPOSE}' for answering "
            "rights requests, so an access package cannot be built."
        ) from None
    missing = [item.id for item in policy.categories if item.id not in purpose.categories]
    if missing:
        raise PolicyRefusal(
            f"The purpose '{RIGHTS_PURPOSE}' does not cover the categories "
            f"{', '.join(missing)}, so an access package would be incomplete."
        )
    if not purpose.permitted_under_restriction:
        raise PolicyRefusal(
            f"The purpose '{RIGHTS_PURPOSE}' must be permitted under restriction: a "
            "restricted person keeps their right of access (Art. 18(2))."
        )
    return purpose


def zip_files(files: Mapping[str, bytes], *, moment: datetime) -> bytes:
    """A zip of ``files`` in name order, every entry stamped ``moment`` (UTC), so the
    same content at the same moment always gives the same bytes."""
    stamp = max(moment.astimezone(UTC), _ZIP_EPOCH)
    date_time = (stamp.year, stamp.month, stamp.day, stamp.hour, stamp.minute, stamp.second)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=date_time)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            info.external_attr = 0o644 << 16
            archive.writestr(info, files[name])
    return buffer.getvalue()


# Content -------------------------------------------------------------------------------------


def _categories(policy: Policy, opened: list[DecryptedValue]) -> list[CategoryOut]:
    """Categories held, in the policy's order, each value (current or replaced) once."""
    return [
        CategoryOut(
            id=category.id,
            name=category.name,
            description=category.description,
            values=[_value(policy, item) for item in opened if item.record.category == category.id],
        )
        for category in policy.categories
        if any(item.record.category == category.id for item in opened)
    ]


def _value(policy: Policy, item: DecryptedValue) -> ValueOut:
    record = item.record
    rule = next((rule for rule in policy.retention if rule.id == record.retention_rule), None)
    return ValueOut(
        record_id=record.id,
        field=record.field,
        label=_field_label(policy, record),
        value=item.value,
        current=record.replaced_at is None,
        replaced_at=record.replaced_at,
        collection_point=record.collection_point,
        collection_point_name=point_name(policy, record.collection_point),
        source=record.source,
        collected_at=record.collected_at,
        policy_version=record.policy_version,
        purposes=list(record.purposes),
        retention_rule=record.retention_rule,
        retain_until=record.retain_until,
        retention_period=retention_period_label(rule) if rule else "As stated when collected",
        retention_criteria=rule.criteria
        if rule
        else f"The rule '{record.retention_rule}' of policy version {record.policy_version}.",
    )


def _field_label(policy: Policy, record: PersonalValue) -> str:
    try:
        return policy.category(record.category).field(record.field).label
    except (UndeclaredField, PolicyRefusal):
        return f"{record.category}.{record.field}"


def _correspondence(work: Work, subject: Subject, *, actor: str) -> list[CorrespondenceOut]:
    """The person's emails, quarantined ones included: they wrote them, and Art. 15 covers
    everything held, special-category passages too (Art. 9 limits our use, not theirs)."""
    held = work.session.scalars(
        select(Correspondence.id).where(Correspondence.subject_id == subject.id).limit(1)
    ).first()
    if held is None:
        return []
    items = mail.correspondence_for_subject(
        work, subject, purpose=RIGHTS_PURPOSE, actor=actor, include_quarantined=True
    )
    return [
        CorrespondenceOut(
            id=item.id,
            received_at=item.received_at,
            received_via=item.received_via,
            subject_line=item.subject_line,
            message=item.message,
            quarantined=item.quarantined,
            attachment_count=item.attachment_count,
        )
        for item in items
    ]


def _enquiries(work: Work, subject: Subject) -> list[EnquiryOut]:
    query = (
        select(Enquiry)
        .where(Enquiry.subject_id == subject.id)
        .order_by(Enquiry.created_at, Enquiry.id)
    )
    return [
        EnquiryOut(reference=row.reference, created_at=row.created_at)
        for row in work.session.scalars(query)
    ]


# Portability (Art. 20) ------------------------------------------------------------------------


def portability_exclusion(policy: Policy, record: PersonalValue) -> str | None:
    """Why a value is outside Art. 20(1), or ``None`` when it is portable: the person
    provided it (or it was observed), and one of its purposes rests on consent or a
    contract. The reason names no value, so it may be shown and audited."""
    if record.source.startswith(NOT_PROVIDED_SOURCES):
        return "You did not provide it: it came from another source or was worked out by us."
    bases = {purpose.lawful_basis for purpose in policy.purposes if purpose.id in record.purposes}
    if bases & PORTABLE_BASES:
        return None
    used = ", ".join(sorted(basis_label(basis) for basis in bases)) or "no current basis"
    return (
        f"We use it only on the basis of {used}; the right to data portability covers "
        "data used with your consent or to perform a contract with you (Art. 20(1)(a))."
    )


def _portable_values(
    policy: Policy, opened: list[DecryptedValue]
) -> tuple[list[DecryptedValue], list[LeftOut]]:
    kept: list[DecryptedValue] = []
    dropped: dict[tuple[str, str], int] = {}
    for item in opened:
        reason = portability_exclusion(policy, item.record)
        if reason is None:
            kept.append(item)
        else:
            dropped[(item.ref, reason)] = dropped.get((item.ref, reason), 0) + 1
    left_out = [
        LeftOut(what=what, count=count, reason=reason)
        for (what, reason), count in sorted(dropped.items())
    ]
    return kept, left_out


def _portable_extras(
    policy: Policy, correspondence: list[CorrespondenceOut], enquiries: list[EnquiryOut]
) -> tuple[list[CorrespondenceOut], list[EnquiryOut], list[LeftOut]]:
    """Emails follow the lawful basis of the correspondence collection point; enquiry
    references are ours, not something the person provided."""
    left_out: list[LeftOut] = []
    if correspondence and not _point_is_portable(policy, mail.CORRESPONDENCE_POINT):
        left_out.append(
            LeftOut(
                what="correspondence",
                count=len(correspondence),
                reason="We do not use your emails to us with your consent or to perform a "
                "contract with you, which is what the right to data portability covers "
                "(Art. 20(1)(a)).",
            )
        )
        correspondence = []
    if enquiries:
        left_out.append(
            LeftOut(
                what="enquiries",
                count=len(enquiries),
                reason="Enquiry references are created by us, not provided by you; what you "
                "wrote in each enquiry is listed with your other data where it is portable.",
            )
        )
    return correspondence, [], left_out


def _point_is_portable(policy: Policy, point_id: str) -> bool:
    try:
        point = policy.collection_point(point_id)
    except UndeclaredField:
        return False
    return any(
        purpose.lawful_basis in PORTABLE_BASES
        for purpose in policy.purposes
        if purpose.id in point.purposes
    )
