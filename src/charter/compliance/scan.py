"""Scanning every stored cell for identifiers in clear.

Personal data lives only in the vault, sealed; everything else holds references, codes
and digests (Art. 25(1), Art. 32(1)(a)). This scan reads every text, JSON and binary
column of every table in ``Base.metadata`` and looks for the identifiers a leak would
show: email addresses and phone numbers, and financial data (IBANs, UK sort code and
account numbers, payment card numbers), each confirmed by ``screening``'s validators
(checksums, numbering plans), not by shape alone.

What is *not* a finding:

* the organisation's own published contact details (found in the policy texts and the
  settings): they are the controller's, not a person's;
* long hexadecimal tokens (digests, references, hashes), removed before matching so a
  run of digits inside a hash is never read as a card or phone number;
* Message-IDs (``<id@host>``) anywhere in a cell: they have an address's shape, and the
  random digits of one made by ``email.utils.make_msgid`` can pass a card checksum.

Binary cells are ciphertexts, keys and digests: only their printable ASCII runs are
searched, so plaintext hidden in a blob is found while random bytes almost never match.
Findings name the table, column, row and kind of identifier, never the value.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import JSON, LargeBinary, String, Table, Text, select

from charter.db import Base
from charter.installation.models import PolicyPublication
from charter.policy.loader import canonical_policy
from charter.runtime import Work
from charter.screening.identifiers import (
    find_emails,
    find_ibans,
    find_payment_cards,
    find_phones,
    find_sort_code_accounts,
)
from charter.screening.schemas import PiiFinding

IDENTIFIER_KINDS = ("email", "phone")
FINANCIAL_KINDS = ("iban", "uk_sort_code_account", "payment_card")
FINDERS: tuple[Callable[[str], Iterator[PiiFinding]], ...] = (
    find_emails,
    find_phones,
    find_ibans,
    find_payment_cards,
    find_sort_code_accounts,
)
#: Hex tokens of this length or more that contain a letter: digests and random refs.
_HEX_TOKEN = re.compile(r"(?<![0-9A-Za-z])[0-9a-fA-F]{16,}(?![0-9A-Za-z])")
_PRINTABLE_RUN = re.compile(rb"[\x20-\x7e]{6,}")
#: A Message-ID anywhere in a cell (``<digits.digits.random@host>``): its random digits can
#: pass a card checksum, and its shape is an address's; it names a message, not a person.
_MESSAGE_ID = re.compile(r"<[^<>\s@]+@[^<>\s]+>")
#: The session key holding one report's scan, so two checks share a single pass.
_CACHE_KEY = "compliance_scan"


@dataclass(frozen=True)
class Finding:
    table: str
    column: str
    row: str
    kind: str

    def label(self) -> str:
        return f"{self.kind} in {self.table}.{self.column} (row {self.row})"


def identifier_key(kind: str, value: str) -> str:
    """A comparable form: lower-case addresses, phone digits in national form."""
    if kind == "email":
        return value.strip().lower()
    digits = re.sub(r"[^0-9]", "", value)
    if kind == "phone" and digits.startswith("44"):
        digits = "0" + digits[2:]
    return f"{kind}:{digits}"


def _blank_digest(match: re.Match[str]) -> str:
    token = match.group()
    return " " * len(token) if re.search("[a-fA-F]", token) else token


def _blank(match: re.Match[str]) -> str:
    return " " * len(match.group())


def _findings_in(text: str) -> Iterator[PiiFinding]:
    cleaned = _HEX_TOKEN.sub(_blank_digest, _MESSAGE_ID.sub(_blank, text))
    for finder in FINDERS:
        yield from finder(cleaned)


def published_identifiers(work: Work) -> frozenset[str]:
    """The organisation's own contact details as the policies and settings publish them
    (only intact publications count: a tampered one is the published-policy check's)."""
    texts = [canonical_policy(work.policy)[0]]
    for document, digest in work.session.execute(
        select(PolicyPublication.document, PolicyPublication.sha256)
    ):
        if hashlib.sha256(document.encode("utf-8")).hexdigest() == digest:
            texts.append(document)
    texts += [work.settings.mail_from, work.settings.staff_notification_email]
    organisation = work.policy.organisation
    texts += [value for value in (organisation.email, organisation.phone) if value]
    keys = set()
    for text in texts:
        for finding in _findings_in(text):
            keys.add(identifier_key(finding.type, finding.value))
    return frozenset(keys)


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bytes | bytearray | memoryview):
        runs = _PRINTABLE_RUN.findall(bytes(value))
        return "\n".join(run.decode("ascii") for run in runs)
    return json.dumps(value, ensure_ascii=False)


def _scanned_columns(table: Table) -> list[str]:
    return [
        column.name
        for column in table.columns
        if isinstance(column.type, String | Text | JSON | LargeBinary)
    ]


def _rows(work: Work, table: Table, columns: list[str]) -> Iterable[Any]:
    keys = list(table.primary_key.columns)
    query = select(*keys, *(table.c[name] for name in columns))
    return work.session.execute(query.execution_options(yield_per=2_000))


def scan_database(work: Work) -> list[Finding]:
    """Every identifier in clear anywhere in the database (memoised per unit of work)."""
    cached = work.session.info.get(_CACHE_KEY)
    if cached is not None:
        return list(cached)
    allowed = published_identifiers(work)
    findings: list[Finding] = []
    for table in Base.metadata.sorted_tables:
        columns = _scanned_columns(table)
        if not columns:
            continue
        width = len(table.primary_key.columns)
        for row in _rows(work, table, columns):
            key = "/".join(str(part) for part in row[:width])
            for name, value in zip(columns, row[width:], strict=True):
                seen: set[str] = set()
                for finding in _findings_in(_as_text(value)):
                    if identifier_key(finding.type, finding.value) in allowed:
                        continue
                    if finding.type not in seen:
                        seen.add(finding.type)
                        findings.append(Finding(table.name, name, key, finding.type))
    work.session.info[_CACHE_KEY] = tuple(findings)
    return findings


def forget_scan(work: Work) -> None:
    work.session.info.pop(_CACHE_KEY, None)
