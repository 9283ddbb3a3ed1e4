"""What the person is told about their request, sent only to a channel already on file.

Art. 12(1)-(4) oblige the controller to tell the person what it did (or why not, and
that they may complain to the ICO), and Art. 12(3) to tell them of an extension with
reasons within the first month. Like verification, answers go only to the email address
(or, failing that, the phone) already held for the person: never to an address a
requester typed (ICO guidance on verifying identity). The contact details are read
through the vault's purpose gate under ``rights_requests``, which the policy permits
even while processing is restricted (Art. 18(2)), and every notice is audited without
its words or the address (``rights.notice_sent``).
"""

from __future__ import annotations

from dataclasses import dataclass

from charter.audit import service as audit
from charter.mail.message import OutgoingEmail
from charter.mail.sender import EmailSender
from charter.policy.schemas import Declaration, Policy
from charter.rights.models import SubjectRequest
from charter.runtime import Work
from charter.sms.sender import OutgoingText, TextSender
from charter.vault import service as vault
from charter.vault.keys import DataErased
from charter.vault.models import Subject

#: The purpose every read made to answer a request is made under (legal obligation).
RIGHTS_PURPOSE = "rights_requests"


@dataclass(frozen=True)
class OnFile:
    """The person's current email address and phone number, as held (either may be None)."""

    email: str | None
    phone: str | None


def on_file_contact(work: Work, subject: Subject, *, actor: str) -> OnFile:
    """The contact details held for ``subject`` (an audited read under ``rights_requests``);
    nothing for an erased subject, whose data key is gone."""
    try:
        held = vault.read_personal_data(
            work, subject, purpose=RIGHTS_PURPOSE, actor=actor, categories=["contact"]
        )
    except DataErased:
        return OnFile(email=None, phone=None)
    return OnFile(email=held.get("contact.email"), phone=held.get("contact.phone"))


def tell_subject(
    work: Work,
    request: SubjectRequest,
    subject: Subject,
    *,
    notice: str,
    subject_line: str,
    text: str,
    actor: str,
    sender: EmailSender,
    text_sender: TextSender | None = None,
    sms_text: str | None = None,
) -> str | None:
    """Email ``text`` to the address on file (else ``sms_text`` by text to the phone on
    file); returns the channel used, or ``None`` when nothing is on file, so staff know
    to answer by post. ``notice`` is a short code for the audit log."""
    held = on_file_contact(work, subject, actor=actor)
    channel: str | None = None
    if held.email is not None:
        sender.send(
            OutgoingEmail(to=held.email, subject=subject_line, text=text, kind="request_response")
        )
        channel = "email"
    elif held.phone is not None and text_sender is not None and sms_text is not None:
        text_sender.send(OutgoingText(to=held.phone, text=sms_text, kind="request_response"))
        channel = "text"
    audit.record(
        work,
        actor=actor,
        action="rights.notice_sent" if channel else "rights.notice_not_sent",
        subject_ref=subject.ref,
        detail={"reference": request.reference, "notice": notice, "channel": channel},
    )
    return channel


def ico_escalation_text(policy: Policy) -> str:
    """How to escalate to the ICO, in the policy's own words (Art. 12(4), Art. 77): the
    closing of the policy's complaints section, else its Art. 77 right; never hard-coded
    here, so it changes only with a new policy version."""
    for section in policy.sections:
        if Declaration.COMPLAINTS in section.declarations and section.closing:
            return "\n\n".join(paragraph.strip() for paragraph in section.closing)
    for right in policy.rights:
        if right.article.replace(" ", "") == "Art.77":
            return right.description.strip()
    return ""


def complaints_route_text(policy: Policy) -> str:
    """Our own complaints route and what happens next (DPA 2018 s.164A), from the policy."""
    if policy.complaints is None:
        return ""
    return f"{policy.complaints.route.strip()}\n\n{policy.complaints.outcome.strip()}"


def organisation(work: Work) -> str:
    return work.policy.organisation.name
