"""Verification by a code texted to the phone on file: the fallback to the email link.

For people we hold no email address for, or who ask for a text, the privacy centre
sends a 6-digit code to the phone number *already on file* (ICO guidance on verifying
identity: the check is control of a channel we hold, never one the requester names).
The same rules as for the email link apply (see ``privacy_centre.service``):

* **No enumeration**: whether or not the number (or address) is held, and whether or
  not a phone is on file, the same work is done (a request logged, a page token drawn,
  a row written) and the requester is sent to the same code page. Only the text differs,
  and only the phone's owner sees it. A row for someone we do not hold has no code, so
  every code entered there is simply wrong.
* **Single use, short-lived, few attempts**: the code expires after :data:`CODE_TTL`;
  after :data:`MAX_ATTEMPTS` wrong codes the request can no longer be verified this way
  (a 6-digit code must not be guessable by trying). Only a keyed hash of the code,
  bound to its page token, is stored.
* At most one text per person per ``RESEND_AFTER`` (no flooding someone's phone).
"""

from __future__ import annotations

import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from charter.audit import service as audit
from charter.crypto import keyed_digest, open_sealed, seal
from charter.errors import InvalidInput
from charter.mail.sender import EmailSender
from charter.privacy_centre.models import VerificationLink
from charter.privacy_centre.service import (
    LinkGone,
    LinkNotValid,
    Outcome,
    act_on_verified,
    check_choice,
    mailed_recently,
    new_token,
    seal_context,
    token_digest,
)
from charter.rights import service as rights
from charter.rights.models import RequestKind, RequestStatus, SubjectRequest
from charter.rights.notices import on_file_contact
from charter.rights.workflow import advance
from charter.runtime import Work
from charter.sms.sender import OutgoingText, TextSender
from charter.vault import keys
from charter.vault import service as vault
from charter.vault.identifiers import normalise_email, normalise_phone
from charter.vault.models import Subject

CODE_TTL = timedelta(minutes=15)
MAX_ATTEMPTS = 3
CODE_DIGITS = 6
_CODE = re.compile(r"^[0-9]{6}$")
_PAGE_LABEL = b"charter:privacy-centre-code-page:v1\x1f"
_CODE_LABEL = b"charter:privacy-centre-code:v1\x1f"


@dataclass(frozen=True)
class CodeRefused:
    """A wrong code: how many tries are left (0: this request can no longer be verified)."""

    reference: str
    attempts_left: int


def _code_digest(work: Work, token: str, code: str) -> bytes:
    return keyed_digest(work.keyring.web_secret, _CODE_LABEL + f"{token}\x1f{code}".encode())


def submit_text_request(
    work: Work,
    *,
    kind: str,
    email: str | None,
    phone: str | None,
    choice: str | None = None,
    actor: str,
    text_sender: TextSender,
) -> str:
    """Log a request and, if a phone is on file for the person named by ``phone`` (or
    ``email``), text it a code; returns the code page's token either way."""
    right = RequestKind(kind)
    chosen = check_choice(right, choice)
    subject: Subject | None
    if phone:
        on_file = normalise_phone(phone)
        subject = vault.find_subject(work, phone=on_file)
        phone_on_file = on_file if subject is not None else None
    elif email:
        subject = vault.find_subject(work, email=normalise_email(email))
        phone_on_file = None
        if subject is not None:
            phone_on_file = on_file_contact(work, subject, actor=actor).phone
    else:
        raise InvalidInput("Give the email address or phone number you use with us.")
    if phone_on_file is None:
        subject = None
    request = rights.receive_request(work, kind=right.value, received_via="web", actor=actor)
    advance(work, request, RequestStatus.AWAITING_VERIFICATION, actor=actor)
    token, digest = new_token(work, _PAGE_LABEL)
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    now = work.now()
    link = VerificationLink(
        request_id=request.id,
        subject_id=None,
        token_digest=digest,
        choice=chosen,
        created_at=now,
        expires_at=now + CODE_TTL,
        method="sms_code",
        code_attempts=0,
    )
    if subject is not None and phone_on_file is not None:
        link.subject_id = subject.id
        link.code_digest = _code_digest(work, token, code)
        link.sealed_phone = seal(
            keys.subject_key(work, subject),
            phone_on_file.encode(),
            seal_context(subject, request.reference, "phone"),
        )
    work.session.add(link)
    work.session.flush()
    audit.record(
        work,
        actor=actor,
        action="privacy_centre.requested",
        detail={
            "reference": request.reference,
            "kind": right.value,
            "method": "sms_code",
            "matched": subject is not None,
        },
    )
    if (
        subject is not None
        and phone_on_file is not None
        and not mailed_recently(work, subject, link)
    ):
        minutes = int(CODE_TTL.total_seconds() // 60)
        text_sender.send(
            OutgoingText(
                to=phone_on_file,
                text=(
                    f"{work.policy.organisation.name}: your code for data protection request "
                    f"{request.reference} is {code}. It expires in {minutes} minutes. If you "
                    "did not ask for it, ignore this text: nothing will happen."
                ),
                kind="verification_code",
            )
        )
    return token


def open_code_page(work: Work, token: str) -> tuple[VerificationLink, SubjectRequest]:
    """The code page a token names, for anyone who was sent to it (matched or not):
    404 if unknown, 410 once used, locked or expired."""
    digest = token_digest(work, _PAGE_LABEL, token)
    link = work.session.scalars(
        select(VerificationLink).where(VerificationLink.token_digest == digest)
    ).first()
    if link is None or link.method != "sms_code":
        raise LinkNotValid
    if (
        link.used_at is not None
        or link.expires_at <= work.now()
        or link.code_attempts >= MAX_ATTEMPTS
    ):
        raise LinkGone
    request = work.session.get(SubjectRequest, link.request_id)
    if request is None:  # pragma: no cover - the foreign key forbids it
        raise LinkNotValid
    return link, request


def enter_code(
    work: Work,
    token: str,
    code: str,
    *,
    evidence: dict[str, str],
    actor: str,
    sender: EmailSender,
    text_sender: TextSender,
) -> Outcome | CodeRefused:
    """Check the code; the right one verifies the request (``sms_code``) and acts on it
    exactly as a confirmed email link does. A wrong one counts (and is committed by the
    caller), locking the request after :data:`MAX_ATTEMPTS`."""
    link, request = open_code_page(work, token)
    expected = link.code_digest
    given = _code_digest(work, token, code.strip()) if _CODE.match(code.strip()) else b""
    if expected is None or not hmac.compare_digest(expected, given):
        link.code_attempts += 1
        left = max(MAX_ATTEMPTS - link.code_attempts, 0)
        if left == 0:
            link.used_at = work.now()
            link.sealed_phone = None
        work.session.flush()
        audit.record(
            work,
            actor=actor,
            action="privacy_centre.code_refused",
            detail={"reference": request.reference, "attempts_left": left},
        )
        return CodeRefused(request.reference, left)
    subject = work.session.get(Subject, link.subject_id)
    if subject is None or link.sealed_phone is None:  # pragma: no cover - set together
        raise LinkNotValid
    key = keys.subject_key(work, subject)
    phone = open_sealed(
        key, link.sealed_phone, seal_context(subject, request.reference, "phone")
    ).decode()
    link.used_at = work.now()
    link.code_digest = None
    link.sealed_phone = None
    rights.verify_request(work, request, method="sms_code", actor=actor, subject=subject)
    email = on_file_contact(work, subject, actor=actor).email
    return act_on_verified(
        work,
        link,
        request,
        subject,
        email=email,
        phone=phone,
        evidence=evidence,
        actor=actor,
        sender=sender,
        text_sender=text_sender,
    )
