"""The package's CSV files: one per category held, plus consents, correspondence and
enquiries, for people who open their data in a spreadsheet (Art. 15(3), Art. 20(1)).

A value the person (or anyone) typed can start with ``=``, ``+``, ``-`` or ``@``, which a
spreadsheet would run as a formula (CSV injection, e.g. ``=HYPERLINK(...)`` leaking data
when clicked). Every such cell, and any starting with a tab or carriage return, gets a
leading apostrophe, which spreadsheets show as text. The JSON keeps the exact value.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from charter.exports.schemas import AccessPackage, CategoryOut

_FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

VALUE_COLUMNS = (
    "field",
    "label",
    "value",
    "current",
    "replaced_at",
    "collection_point",
    "source",
    "collected_at",
    "purposes",
    "retain_until",
    "retention_period",
    "retention_criteria",
)
CONSENT_COLUMNS = (
    "occurred_at",
    "purpose",
    "channel",
    "action",
    "wording",
    "policy_version",
    "collection_point",
    "record_id",
)
CORRESPONDENCE_COLUMNS = (
    "received_at",
    "received_via",
    "subject_line",
    "message",
    "quarantined",
    "attachment_count",
)
ENQUIRY_COLUMNS = ("reference", "created_at")
ENGAGEMENT_COLUMNS = ("order_id", "purpose", "systems", "staff_id", "started_at", "ended_at")


def neutralise_cell(value: str) -> str:
    """The cell as text a spreadsheet will not evaluate."""
    return f"'{value}" if value.startswith(_FORMULA_TRIGGERS) else value


def package_csv_files(package: AccessPackage) -> dict[str, bytes]:
    """``{file name: UTF-8 CSV}`` for the package: ``<category>.csv`` for each category
    held, and always ``consents.csv``, ``correspondence.csv`` and ``enquiries.csv``
    (headers only when empty, so their absence never needs explaining)."""
    files = {f"{category.id}.csv": _category_csv(category) for category in package.categories}
    files["consents.csv"] = _csv(
        CONSENT_COLUMNS,
        (
            (
                event.occurred_at.isoformat(),
                event.purpose,
                event.channel,
                event.action,
                event.wording,
                event.policy_version,
                event.collection_point,
                event.record_id,
            )
            for event in package.consents
        ),
    )
    files["correspondence.csv"] = _csv(
        CORRESPONDENCE_COLUMNS,
        (
            (
                item.received_at.isoformat(),
                item.received_via,
                item.subject_line or "",
                item.message or "",
                "yes" if item.quarantined else "no",
                str(item.attachment_count),
            )
            for item in package.correspondence
        ),
    )
    files["enquiries.csv"] = _csv(
        ENQUIRY_COLUMNS,
        ((item.reference, item.created_at.isoformat()) for item in package.enquiries),
    )
    files["engagements.csv"] = _csv(
        ENGAGEMENT_COLUMNS,
        (
            (
                str(item.order_id),
                item.purpose,
                item.systems,
                str(item.staff_id),
                item.started_at.isoformat(),
                item.ended_at.isoformat() if item.ended_at else "",
            )
            for item in package.engagements
        ),
    )
    return files


def _category_csv(category: CategoryOut) -> bytes:
    return _csv(
        VALUE_COLUMNS,
        (
            (
                value.field,
                value.label,
                value.value,
                "yes" if value.current else "no",
                value.replaced_at.isoformat() if value.replaced_at else "",
                value.collection_point_name,
                value.source,
                value.collected_at.isoformat(),
                "; ".join(value.purposes),
                value.retain_until.isoformat() if value.retain_until else "",
                value.retention_period,
                value.retention_criteria,
            )
            for value in category.values
        ),
    )


def _csv(columns: Sequence[str], rows: Iterable[Sequence[str]]) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    writer.writerows([neutralise_cell(cell) for cell in row] for row in rows)
    # A byte order mark so spreadsheet programs read the file as UTF-8.
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
