"""Access packages list the recipients the register says the data actually went to
(Art. 15(1)(c)), with the transfer safeguard (Art. 15(2)), beside the declared ones."""

from __future__ import annotations

import pytest

from charter.disclosures import service
from charter.exports.cover import render_cover
from charter.exports.schemas import AccessPackage
from charter.exports.service import assemble_package, build_access_package
from charter.runtime import Runtime
from tests import conftest
from tests.exports.factories import new_customer, unzip

from .factories import ACTOR

pytestmark = pytest.mark.postgres


def test_the_package_lists_recipients_disclosed_to(
    runtime: Runtime, clock: conftest.TestClock
) -> None:
    with runtime.unit() as work:
        subject = new_customer(work)
        service.record_disclosure(
            work,
            subject,
            recipient="payment_processor",
            purpose="provide_services",
            categories=["identity", "financial"],
            reference="Order 1001",
            actor=ACTOR,
        )
        clock.advance(days=1)
        service.record_disclosure(
            work,
            subject,
            recipient="authorities",
            purpose="legal_compliance",
            categories=["transaction"],
            reference="HMRC enquiry 2026/117",
            actor=ACTOR,
        )
        files = unzip(build_access_package(work, subject, actor=ACTOR))
    package = AccessPackage.model_validate_json(files["data.json"])
    assert [(d.recipient, d.categories) for d in package.disclosures] == [
        ("payment_processor", ["identity", "financial"]),
        ("authorities", ["transaction"]),
    ]
    assert package.disclosures[0].disclosed_at == conftest.START
    cover = files["cover.html"].decode()
    section = cover.split("Who has received your data")[1].split("Automated decision")[0]
    received = section.split("Who may receive your data")[0]  # not the declared ones
    assert "Payment processor" in received
    assert "UK adequacy regulations" in received  # the US transfer's safeguard
    assert "Authorities and others" in received
    assert "None needed: the recipient is in the UK" in received
    assert "Email service provider" not in received  # declared, but never received data
    assert "None recorded" not in received


def test_a_person_nothing_was_disclosed_about_gets_none_recorded(runtime: Runtime) -> None:
    with runtime.unit() as work:
        subject = new_customer(work)
        package = assemble_package(work, subject, actor=ACTOR)
        cover = render_cover(work.policy, package)
    assert package.disclosures == []
    assert "None recorded" in cover
