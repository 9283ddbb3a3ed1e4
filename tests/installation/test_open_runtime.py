"""Opening an installation: CHARTER_NOW, policy versions in force, consent renewal."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import select

from charter.audit.models import AuditEntry
from charter.consent.decisions import decide
from charter.consent.schemas import DecisionCode
from charter.consent.service import give_consent
from charter.errors import PolicyInvalid
from charter.installation.models import Installation, PolicyPublication
from charter.installation.service import open_runtime
from charter.policy.schemas import Policy
from charter.settings import Settings, shipped_policy_path
from charter.vault.models import Subject

CURRENT = shipped_policy_path()


def copy_policies(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for source in CURRENT.parent.glob("*.yaml"):
        (folder / source.name).write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    return folder / CURRENT.name


def next_version(folder: Path, edit: Any) -> Path:
    """Write version 1.2 of the policy: 1.1 moved into the history, ``edit`` applied."""
    current = folder / CURRENT.name
    document = yaml.safe_load(current.read_text(encoding="utf-8"))
    (folder / "ajp-it-services-1.1.yaml").write_text(
        current.read_text(encoding="utf-8"), encoding="utf-8"
    )
    document["version"] = "1.2"
    document["effective_date"] = "2027-01-10"
    document["history"] = [*document.get("history", []), "ajp-it-services-1.1.yaml"]
    document["change_log"].append(
        {"version": "1.2", "date": "2027-01-10", "summary": "Test change.", "changes": []}
    )
    edit(document)
    current.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return current


def marketing_wording(policy: Policy) -> str:
    point = policy.collection_point("contact_form")
    return next(c.wording for c in point.consents if c.purpose == "marketing")


def install_with_marketing_consent(data_dir: Path, policy_path: Path) -> int:
    """A new installation holding one subject who consented to email marketing."""
    runtime = open_runtime(Settings(data_dir=data_dir, policy=policy_path))
    try:
        with runtime.unit() as work:
            subject = Subject(ref=secrets.token_hex(16), created_at=work.now())
            work.session.add(subject)
            work.session.flush()
            give_consent(
                work,
                subject,
                purpose="marketing",
                channel="email",
                collection_point="contact_form",
                wording=marketing_wording(work.policy),
                evidence={"method": "web_form"},
                actor="test",
            )
            assert decide(work, subject.id, "marketing", "email").allowed
            return subject.id
    finally:
        runtime.close()


def test_charter_now_freezes_the_clock(tmp_path: Path) -> None:
    frozen = datetime(2031, 5, 4, 12, 30, tzinfo=UTC)
    runtime = open_runtime(Settings(data_dir=tmp_path / "site", now=frozen))
    try:
        assert runtime.clock() == frozen
        with runtime.unit(write=False) as work:
            installation = work.session.scalars(select(Installation)).one()
            first = work.session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).first()
        assert installation.installed_at == frozen
        assert first is not None
        assert first.at == frozen
    finally:
        runtime.close()


def test_widening_a_consent_purpose_marks_old_consents_for_renewal(tmp_path: Path) -> None:
    policy_path = copy_policies(tmp_path / "policies")
    data_dir = tmp_path / "site"
    subject_id = install_with_marketing_consent(data_dir, policy_path)

    def widen(document: dict[str, Any]) -> None:
        for purpose in document["purposes"]:
            if purpose["id"] == "marketing":
                purpose["categories"] = [*purpose["categories"], "transaction"]

    next_version(policy_path.parent, widen)
    runtime = open_runtime(Settings(data_dir=data_dir, policy=policy_path))
    try:
        with runtime.unit(write=False) as work:
            decision = decide(work, subject_id, "marketing", "email")
            versions = list(work.session.scalars(select(PolicyPublication.version)))
        assert not decision.allowed
        assert decision.code is DecisionCode.NEEDS_RENEWAL
        assert versions == ["1.1", "1.2"]
    finally:
        runtime.close()


def test_rewording_only_keeps_consents_valid(tmp_path: Path) -> None:
    policy_path = copy_policies(tmp_path / "policies")
    data_dir = tmp_path / "site"
    subject_id = install_with_marketing_consent(data_dir, policy_path)

    def reword(document: dict[str, Any]) -> None:
        document["sections"][0]["paragraphs"][0] += " Thank you for reading."

    next_version(policy_path.parent, reword)
    runtime = open_runtime(Settings(data_dir=data_dir, policy=policy_path))
    try:
        with runtime.unit(write=False) as work:
            assert decide(work, subject_id, "marketing", "email").allowed
    finally:
        runtime.close()


def test_a_policy_with_errors_is_not_enforced(tmp_path: Path) -> None:
    policy_path = copy_policies(tmp_path / "policies")
    document = yaml.safe_load(policy_path.read_text(encoding="utf-8"))
    document["purposes"][0]["categories"].append("no_such_category")
    policy_path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    with pytest.raises(PolicyInvalid, match="no_such_category"):
        open_runtime(Settings(data_dir=tmp_path / "site", policy=policy_path))
    assert not (tmp_path / "site" / "keyring.json").exists()
