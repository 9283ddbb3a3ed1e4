"""Access (Art. 15) and portability (Art. 20) packages on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import zipfile

import pytest
from sqlalchemy import select

from charter.audit.models import AuditEntry
from charter.errors import PolicyRefusal
from charter.exports.schemas import AccessPackage, PackageKind
from charter.exports.service import build_access_package
from charter.mail.service import record_correspondence
from charter.runtime import Runtime
from charter.vault import service as vault
from charter.vault.keys import DataErased
from tests.mail.factories import build_email

from .factories import (
    ACTOR,
    BANK_ACCOUNT,
    HYPERLINK,
    SCRIPT,
    new_customer,
    unzip,
    without_rights_purpose,
)

CATEGORY_FILES = {"identity.csv", "contact.csv", "financial.csv", "transaction.csv"}


def _build(runtime: Runtime, *, portability: bool = False) -> dict[str, bytes]:
    with runtime.unit() as work:
        subject = new_customer(work)
        return unzip(build_access_package(work, subject, actor=ACTOR, portability=portability))


def _rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_access_package_holds_everything(exports: Runtime) -> None:
    files = _build(exports)

    assert set(files) == CATEGORY_FILES | {
        "communications.csv",
        "consents.csv",
        "correspondence.csv",
        "enquiries.csv",
        "engagements.csv",
        "data.json",
        "cover.html",
    }
    package = AccessPackage.model_validate_json(files["data.json"])
    assert package.kind is PackageKind.ACCESS
    assert package.requests == []
    assert package.disclosures == []
    assert [category.id for category in package.categories] == [
        "identity",
        "contact",
        "financial",
        "transaction",
        "communications",
    ]
    values = {v.field: v for category in package.categories for v in category.values}
    assert values["bank_account"].value == BANK_ACCOUNT
    assert values["purchases"].value == HYPERLINK
    assert values["bank_account"].source == "website"
    assert values["bank_account"].retention_rule == "orders_and_payments"
    assert values["bank_account"].retain_until is not None
    assert "provide_services" in values["bank_account"].purposes
    assert [(e.purpose, e.channel, e.action) for e in package.consents] == [
        ("marketing", "email", "given"),
        ("marketing", "email", "withdrawn"),
    ]
    assert package.consents[0].wording.startswith("Email me news")
    financial = _rows(files["financial.csv"])
    assert financial[0]["value"] == BANK_ACCOUNT
    assert len(_rows(files["consents.csv"])) == 2


def test_formula_injection_is_neutralised_in_csv(exports: Runtime) -> None:
    files = _build(exports)

    [row] = _rows(files["transaction.csv"])
    assert row["value"] == "'" + HYPERLINK
    assert json.loads(files["data.json"])["categories"][3]["values"][0]["value"] == HYPERLINK


def test_cover_explains_the_data(exports: Runtime) -> None:
    cover = _build(exports)["cover.html"].decode()

    for text in (
        "Identity Data",
        "Financial Data",
        "Providing what you order",
        "Contract (Art. 6(1)(b))",
        "Answering your queries",
        "Legitimate interests (Art. 6(1)(f))",
        "6 years from the end of the financial year",
        "Invoices, payments and the records behind them",
        "Data portability",
        "Information Commissioner&#39;s Office",
        "ico.org.uk/make-a-complaint",
        "privacy@ajp-it-services.example",
        "None recorded",
        "We do not make decisions about you based solely on automated processing",
        "website",
    ):
        assert text in cover, text
    assert "<script" not in cover
    assert "&lt;script&gt;" in cover
    assert BANK_ACCOUNT not in cover
    assert "•••• 6819" in cover


def test_portability_leaves_out_legitimate_interest_only_data(exports: Runtime) -> None:
    files = _build(exports, portability=True)

    package = AccessPackage.model_validate_json(files["data.json"])
    assert package.kind is PackageKind.PORTABILITY
    held = {f"{c.id}.{v.field}" for c in package.categories for v in c.values}
    assert "communications.message" not in held
    assert {"identity.first_name", "financial.bank_account", "transaction.purchases"} <= held
    [left] = package.left_out
    assert left.what == "communications.message"
    assert "Art. 20(1)(a)" in left.reason
    assert "communications.csv" not in files
    cover = files["cover.html"].decode()
    assert "Left out of this package" in cover
    assert "communications.message" in cover
    assert SCRIPT not in files["data.json"].decode()


def test_correspondence_is_included(exports: Runtime) -> None:
    with exports.unit() as work:
        subject = new_customer(work)
        record_correspondence(
            work,
            build_email(sender="ada@example.com", subject="=cmd|' /C calc'!A0"),
            received_via="eml",
            actor=ACTOR,
        )
        files = unzip(build_access_package(work, subject, actor=ACTOR))
        portable = unzip(build_access_package(work, subject, actor=ACTOR, portability=True))

    package = AccessPackage.model_validate_json(files["data.json"])
    [item] = package.correspondence
    assert item.subject_line == "=cmd|' /C calc'!A0"
    assert _rows(files["correspondence.csv"])[0]["subject_line"] == "'=cmd|' /C calc'!A0"
    left = AccessPackage.model_validate_json(portable["data.json"]).left_out
    assert "correspondence" in {item.what for item in left}


def test_restricted_subject_still_gets_their_package(exports: Runtime) -> None:
    with exports.unit() as work:
        subject = new_customer(work)
        vault.restrict_processing(work, subject, reason="accuracy_contested", actor=ACTOR)
        files = unzip(build_access_package(work, subject, actor=ACTOR))

    assert AccessPackage.model_validate_json(files["data.json"]).categories


def test_erased_subject_is_refused(exports: Runtime) -> None:
    with exports.unit() as work:
        subject = new_customer(work)
        vault.destroy_data_key(work, subject, actor=ACTOR)
        with pytest.raises(DataErased, match="erased"):
            build_access_package(work, subject, actor=ACTOR)


def test_policy_without_rights_purpose_is_refused(runtime: Runtime) -> None:
    runtime = dataclasses.replace(runtime, policy=without_rights_purpose(runtime.policy))
    with runtime.unit() as work:
        subject = vault.create_subject(work, actor=ACTOR)
        with pytest.raises(PolicyRefusal, match="rights_requests"):
            build_access_package(work, subject, actor=ACTOR)


def test_build_is_audited_with_purpose_and_counts(exports: Runtime) -> None:
    with exports.unit() as work:
        subject = new_customer(work)
        build_access_package(work, subject, actor=ACTOR)
        entries = list(
            work.session.scalars(
                select(AuditEntry)
                .where(AuditEntry.subject_ref == subject.ref)
                .order_by(AuditEntry.seq)
            )
        )

    reads = [e for e in entries if e.action == "personal_data.read"]
    assert reads[-1].purpose == "rights_requests"
    built = entries[-1]
    assert built.action == "rights.access_package.built"
    assert built.purpose == "rights_requests"
    assert BANK_ACCOUNT not in built.detail
    assert json.loads(built.detail)["values"] == 6


def test_package_is_reproducible(exports: Runtime) -> None:
    with exports.unit() as work:
        subject = new_customer(work)
        first = build_access_package(work, subject, actor=ACTOR)
        second = build_access_package(work, subject, actor=ACTOR)

    assert first == second
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        names = archive.namelist()
        assert names == sorted(names)
        assert {info.date_time for info in archive.infolist()} == {(2026, 11, 25, 9, 0, 0)}
