"""Consent receipts: the copy of a consent record a person gets, and its download link.

UK GDPR Art. 7(1) makes the controller prove consent; handing the person the same
ISO/IEC TS 27560 record (``consent.records.consent_record``) at the moment they consent
lets them check it, keep it, and see how to withdraw (Art. 7(3)). The email carries a
summary of the record and a link to download the whole of it later.

The link, ``/consent-records/{record_id}?token=...``, holds no personal data: the record
id is a random UUID and the token an HMAC of it under the web secret (256 bits), so it
cannot be guessed or forged, and it keeps working for as long as the record exists. The
record itself names the person only by their pseudonymous subject reference.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Sequence
from typing import Any

from charter.consent.records import consent_record
from charter.errors import NotFound
from charter.runtime import Work

_TOKEN_LABEL = b"charter:consent-record-link:v1\x1f"
_TOKEN_LENGTH = 64


def consent_record_token(work: Work, record_id: str) -> str:
    return hmac.new(
        work.keyring.web_secret, _TOKEN_LABEL + record_id.encode(), hashlib.sha256
    ).hexdigest()


def consent_record_url(work: Work, record_id: str) -> str:
    base = work.settings.base_url.rstrip("/")
    return f"{base}/consent-records/{record_id}?token={consent_record_token(work, record_id)}"


def check_consent_record_token(work: Work, record_id: str, token: str) -> None:
    """Refuse a wrong token exactly as an unknown record, so a guess learns nothing."""
    if len(token) != _TOKEN_LENGTH or not hmac.compare_digest(
        consent_record_token(work, record_id), token
    ):
        raise NotFound("No consent record has that id.")


def record_summary(record: dict[str, Any]) -> dict[str, Any]:
    """The parts of a consent record a person reads first, as JSON-ready data."""
    purpose = record["purposes"][0]
    event = record["event"]
    return {
        "record_id": record["record_id"],
        "controller": record["pii_controllers"][0]["name"],
        "purpose": purpose["name"],
        "lawful_basis": purpose["legal_reference"],
        "channel": purpose["channel"],
        "state": record["state"],
        "given_at": event["occurred_at"],
        "wording": record["notice"]["wording"],
        "privacy_policy": {
            "id": record["notice"]["policy_id"],
            "version": record["notice"]["version"],
            "url": record["notice"]["url"],
        },
        "collection_point": record["collection"]["collection_point"],
        "withdrawal": record["withdrawal_method"],
        "conforms_to": record["conforms_to"],
    }


def receipt_text(work: Work, record_ids: Sequence[str]) -> str:
    """The plain-text block an email gives for ``record_ids``: per record a download
    link and a JSON summary. Empty when there is nothing to show."""
    blocks: list[str] = []
    for record_id in record_ids:
        summary = record_summary(consent_record(work, record_id))
        blocks.append(
            f"Consent record {record_id}\n"
            f"Download the full record (JSON): {consent_record_url(work, record_id)}\n\n"
            f"{json.dumps(summary, indent=2, ensure_ascii=False)}"
        )
    return "\n\n".join(blocks)
