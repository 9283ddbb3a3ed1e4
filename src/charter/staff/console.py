"""What the staff console reads: enquiries, the outbox and statistics.

Lists show no personal data at all (Art. 5(1)(c)): an enquiry is its reference, date,
flagged categories and handling; an outgoing email is its date, kind and recipient count.
Opening one enquiry or one email is a use of personal data for a declared purpose, by a
named staff member, and is audited (Art. 5(1)(b), Art. 5(2), Art. 29): an enquiry is read
through the vault's purpose gate for ``respond_to_queries``; an outgoing email is read
for ``communicate``, by a privacy officer only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.parser import BytesHeaderParser
from email.utils import getaddresses
from pathlib import Path
from typing import cast

from sqlalchemy import func, select

from charter.analytics.schemas import StatisticsSummary
from charter.analytics.service import statistics_summary
from charter.audit import service as audit
from charter.enquiries.models import Enquiry
from charter.enquiries.schemas import Handling
from charter.errors import NotFound
from charter.runtime import Work
from charter.vault import service as vault
from charter.vault.models import Subject

ENQUIRY_PURPOSE = "respond_to_queries"
OUTBOX_PURPOSE = "communicate"
STATISTICS_DAYS = 30
MAX_LISTED = 200
_REFERENCE = re.compile(r"^ENQ-[A-Z0-9]{4,12}$")
_OUTBOX_NAME = re.compile(r"^(\d{8}T\d{6})\.\d{9}Z-[0-9a-f]{8}\.eml$")
#: Header naming why an email was sent, when the sender added one.
KIND_HEADER = "X-Charter-Kind"


@dataclass(frozen=True)
class EnquiryRow:
    reference: str
    received_at: datetime
    categories: tuple[str, ...]
    handling: str

    @property
    def quarantined(self) -> bool:
        return self.handling == Handling.QUARANTINED.value


@dataclass(frozen=True)
class EnquiryDetail:
    row: EnquiryRow
    values: tuple[tuple[str, str], ...]
    erased: bool


@dataclass(frozen=True)
class OutboxRow:
    name: str
    written_at: datetime
    kind: str | None
    recipients: int


@dataclass(frozen=True)
class Dashboard:
    enquiries: int
    enquiries_recent: int
    quarantined: int


def _row(enquiry: Enquiry) -> EnquiryRow:
    return EnquiryRow(
        reference=enquiry.reference,
        received_at=enquiry.created_at,
        categories=tuple(enquiry.categories or ()),
        handling=enquiry.handling,
    )


def dashboard(work: Work) -> Dashboard:
    since = work.now() - timedelta(days=STATISTICS_DAYS)
    count = select(func.count()).select_from(Enquiry)
    return Dashboard(
        enquiries=int(work.session.scalar(count) or 0),
        enquiries_recent=int(work.session.scalar(count.where(Enquiry.created_at >= since)) or 0),
        quarantined=int(
            work.session.scalar(count.where(Enquiry.handling == Handling.QUARANTINED.value)) or 0
        ),
    )


def list_enquiries(work: Work, *, limit: int = MAX_LISTED) -> list[EnquiryRow]:
    """The newest enquiries, without opening anything in the vault."""
    rows = work.session.scalars(
        select(Enquiry).order_by(Enquiry.created_at.desc(), Enquiry.id.desc()).limit(limit)
    )
    return [_row(enquiry) for enquiry in rows]


def find_enquiry(work: Work, reference: str) -> Enquiry:
    if not _REFERENCE.match(reference):
        raise NotFound("There is no enquiry with that reference.")
    found = work.session.scalars(select(Enquiry).where(Enquiry.reference == reference)).first()
    if found is None:
        raise NotFound("There is no enquiry with that reference.")
    return found


def open_enquiry(work: Work, enquiry: Enquiry, *, actor: str) -> EnquiryDetail:
    """The values this enquiry stored, read through the purpose gate for
    ``respond_to_queries`` (audited as ``personal_data.read`` by ``actor``)."""
    subject = work.session.get(Subject, enquiry.subject_id)
    if subject is None or subject.erased_at is not None:
        return EnquiryDetail(row=_row(enquiry), values=(), erased=True)
    opened = vault.read_personal_values(
        work, subject, purpose=ENQUIRY_PURPOSE, actor=actor, include_replaced=True
    )
    wanted = set(enquiry.value_ids or ())
    values = tuple((item.ref, item.value) for item in opened if item.record.id in wanted)
    return EnquiryDetail(row=_row(enquiry), values=values, erased=False)


# Outbox ----------------------------------------------------------------------------------


def outbox_folder(work: Work) -> Path:
    return work.settings.data_dir / "outbox"


def list_outbox(work: Work, *, limit: int = MAX_LISTED) -> list[OutboxRow]:
    """Newest first: date (from the file name), kind header and recipient count only.
    Subjects and addresses are personal data and stay in the files."""
    folder = outbox_folder(work)
    if not folder.is_dir():
        return []
    names = sorted((p.name for p in folder.iterdir() if _OUTBOX_NAME.match(p.name)), reverse=True)
    rows = []
    parser = BytesHeaderParser(policy=policy.default)
    for name in names[:limit]:
        with (folder / name).open("rb") as handle:
            headers = parser.parse(handle)
        addresses = getaddresses([str(v) for h in ("To", "Cc") for v in headers.get_all(h, [])])
        rows.append(
            OutboxRow(
                name=name,
                written_at=_written_at(name),
                kind=str(headers[KIND_HEADER]) if headers[KIND_HEADER] else None,
                recipients=len([a for _, a in addresses if a]),
            )
        )
    return rows


def _written_at(name: str) -> datetime:
    found = _OUTBOX_NAME.match(name)
    assert found is not None
    return datetime.strptime(found.group(1), "%Y%m%dT%H%M%S").replace(tzinfo=UTC)


def read_outbox_message(work: Work, name: str, *, actor: str) -> EmailMessage:
    """One outgoing email, whole; audited with its file name (never its content)."""
    if not _OUTBOX_NAME.match(name):
        raise NotFound("There is no such message in the outbox.")
    path = outbox_folder(work) / name
    if not path.is_file():
        raise NotFound("There is no such message in the outbox.")
    message = message_from_bytes(path.read_bytes(), policy=policy.default)
    audit.record(
        work,
        actor=actor,
        action="outbox.message_viewed",
        purpose=OUTBOX_PURPOSE,
        detail={"file": name},
    )
    return message


def message_text(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    if part is None:
        return ""
    return str(cast("EmailMessage", part).get_content())


# Statistics ------------------------------------------------------------------------------


def recent_statistics(work: Work, *, days: int = STATISTICS_DAYS) -> StatisticsSummary:
    until: date = work.now().date()
    return statistics_summary(work, since=until - timedelta(days=days - 1), until=until)
