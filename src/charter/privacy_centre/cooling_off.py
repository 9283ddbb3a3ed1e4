"""The erasure cooling-off period: a verified erasure can still be cancelled by the person.

Erasure cannot be undone (the data key is destroyed, Art. 17), and a request made in a
moment of anger, or by someone who briefly had the person's mailbox, would be
irreversible. So once an erasure request is verified it waits
``settings.erasure_cooling_off_hours`` (``SubjectRequest.cooling_off_until``, set by
``rights.service.verify_request``), the privacy officer cannot approve it before then,
and the confirmation sent to the address on file carries a single-use cancel link that
works until the period ends: the same "this wasn't me" cancellation as the verification
link, for longer. Only a keyed hash of the link's token is stored.
"""

from __future__ import annotations

from sqlalchemy import select

from charter.audit import service as audit
from charter.mail.message import OutgoingEmail
from charter.mail.sender import EmailSender
from charter.privacy_centre.models import VerificationLink
from charter.privacy_centre.service import (
    LinkGone,
    LinkNotValid,
    new_token,
    public_url,
    token_digest,
)
from charter.rights import service as rights
from charter.rights.models import RequestKind, RequestStatus, SubjectRequest
from charter.runtime import Work
from charter.sms.sender import OutgoingText, TextSender

_CANCEL_LABEL = b"charter:privacy-centre-cancel:v1\x1f"
_CANCELLABLE = frozenset({RequestStatus.VERIFIED, RequestStatus.IN_PROGRESS})


def offer_cancellation(
    work: Work,
    link: VerificationLink,
    request: SubjectRequest,
    *,
    email: str | None,
    phone: str | None,
    sender: EmailSender,
    text_sender: TextSender | None,
) -> None:
    """Tell the person their erasure is confirmed, when it can be carried out, and how to
    cancel it until then (to the verified address on file, else by text)."""
    ends = request.cooling_off_until
    if ends is None or ends <= work.now():
        return
    token, digest = new_token(work, _CANCEL_LABEL)
    link.cancel_digest = digest
    work.session.flush()
    url = public_url(work, f"/privacy-centre/cancel/{token}")
    when = f"{ends:%-d %B %Y at %H:%M} UTC"
    if email is not None:
        text = (
            f"You confirmed your request to erase your personal data ({request.reference}).\n\n"
            f"Because erasure cannot be undone, we wait until {when} before a privacy "
            "officer carries it out. Until then you can cancel it here, if you have changed "
            f"your mind or did not make this request:\n\n{url}\n\n"
            "After that we will erase your data, except what the law requires us to keep, "
            "and tell you exactly what was erased and what was kept.\n"
        )
        sender.send(
            OutgoingEmail(
                to=email,
                subject=f"Your erasure request {request.reference}: you can cancel until {when}",
                text=text,
                kind="request_response",
            )
        )
    elif phone is not None and text_sender is not None:
        text = (
            f"{work.policy.organisation.name}: erasure request {request.reference} confirmed. "
            f"We carry it out after {when}. To cancel before then: {url}"
        )
        text_sender.send(OutgoingText(to=phone, text=text, kind="request_response"))
    audit.record(
        work,
        actor="system:privacy_centre",
        action="privacy_centre.cooling_off_offered",
        detail={"reference": request.reference, "until": ends.isoformat()},
    )


def open_cancel_link(work: Work, token: str) -> tuple[VerificationLink, SubjectRequest]:
    """The erasure a cancel link names, while it can still be cancelled (else 410)."""
    digest = token_digest(work, _CANCEL_LABEL, token)
    link = work.session.scalars(
        select(VerificationLink).where(VerificationLink.cancel_digest == digest)
    ).first()
    if link is None:
        raise LinkNotValid
    request = work.session.get(SubjectRequest, link.request_id)
    if request is None or request.kind != RequestKind.ERASURE.value:  # pragma: no cover
        raise LinkNotValid
    ends = request.cooling_off_until
    if RequestStatus(request.status) not in _CANCELLABLE or ends is None or work.now() >= ends:
        raise LinkGone
    return link, request


def cancel_erasure(work: Work, token: str, *, actor: str) -> SubjectRequest:
    """The person cancelled during the cooling-off period: nothing is erased. The link
    then answers 410 (the request is closed), like a used verification link."""
    _link, request = open_cancel_link(work, token)
    rights.cancel_request(work, request, actor=actor, reason="cancelled_during_cooling_off")
    return request
