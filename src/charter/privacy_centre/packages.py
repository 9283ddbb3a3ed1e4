"""The access and portability package behind a single-use, expiring download link.

Art. 15(3) (a copy of the data) and Art. 20(1) (in a portable format): the package is
built as soon as the request is verified, sealed under the person's own data key
(Art. 32(1)(a)), and offered once through a link sent only to the verified channel on
file (the email address, else by text to the phone). The sealed copy is deleted as it
is handed over; the link then answers 410, and after :data:`DOWNLOAD_TTL` too.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from charter.audit import service as audit
from charter.crypto import open_sealed, seal
from charter.exports.service import build_access_package
from charter.mail.message import OutgoingEmail
from charter.mail.sender import EmailSender
from charter.privacy_centre.models import PackageDownload
from charter.privacy_centre.service import (
    LinkGone,
    LinkNotValid,
    new_token,
    public_url,
    seal_context,
    token_digest,
)
from charter.rights.models import RequestKind, SubjectRequest
from charter.runtime import Work
from charter.sms.sender import OutgoingText, TextSender
from charter.vault import keys
from charter.vault.models import Subject

DOWNLOAD_TTL = timedelta(days=7)
_DOWNLOAD_LABEL = b"charter:privacy-centre-download:v1\x1f"


def offer_package(
    work: Work,
    request: SubjectRequest,
    subject: Subject,
    *,
    email: str | None,
    phone: str | None,
    actor: str,
    sender: EmailSender,
    text_sender: TextSender | None,
) -> None:
    """Build the package now (Art. 15(3) / 20(1)), seal it, and send a download link to
    the verified address on file (or, without one, by text to the verified phone)."""
    package = build_access_package(
        work, subject, actor=actor, portability=request.kind == RequestKind.PORTABILITY
    )
    key = keys.subject_key(work, subject)
    token, digest = new_token(work, _DOWNLOAD_LABEL)
    now = work.now()
    download = PackageDownload(
        request_id=request.id,
        subject_id=subject.id,
        token_digest=digest,
        sealed_package=seal(key, package, seal_context(subject, request.reference, "package")),
        created_at=now,
        expires_at=now + DOWNLOAD_TTL,
    )
    work.session.add(download)
    work.session.flush()
    audit.record(
        work,
        actor=actor,
        action="privacy_centre.package_offered",
        subject_ref=subject.ref,
        detail={"reference": request.reference, "expires_at": download.expires_at.isoformat()},
    )
    if email is not None:
        sender.send(_download_email(work, to=email, request=request, token=token))
    elif phone is not None and text_sender is not None:
        link = public_url(work, f"/privacy-centre/download/{token}")
        text = (
            f"{work.policy.organisation.name}: your data (request {request.reference}) is "
            f"ready. Download it once, within {DOWNLOAD_TTL.days} days: {link}"
        )
        text_sender.send(OutgoingText(to=phone, text=text, kind="request_response"))


def _download_email(work: Work, *, to: str, request: SubjectRequest, token: str) -> OutgoingEmail:
    days = DOWNLOAD_TTL.days
    text = (
        f"Your copy of your personal data (request {request.reference}) is ready.\n\n"
        f"Download it here: {public_url(work, f'/privacy-centre/download/{token}')}\n\n"
        f"The link can be used once and expires in {days} days. The zip holds data.json "
        "(machine-readable), a spreadsheet-friendly CSV per kind of data, and cover.html, "
        "which explains what we do with your data and your rights.\n"
    )
    return OutgoingEmail(
        to=to,
        subject=f"Your data is ready to download ({request.reference})",
        text=text,
        kind="request_response",
    )


def open_download(work: Work, token: str) -> tuple[PackageDownload, SubjectRequest]:
    """The live download a token names: 404 if unknown, 410 once downloaded or expired."""
    digest = token_digest(work, _DOWNLOAD_LABEL, token)
    download = work.session.scalars(
        select(PackageDownload).where(PackageDownload.token_digest == digest)
    ).first()
    if download is None:
        raise LinkNotValid
    if download.downloaded_at is not None or download.expires_at <= work.now():
        raise LinkGone
    request = work.session.get(SubjectRequest, download.request_id)
    if request is None:  # pragma: no cover - the foreign key forbids it
        raise LinkNotValid
    return download, request


def take_download(work: Work, token: str, *, actor: str) -> tuple[str, bytes]:
    """The package's file name and zip bytes, once: the sealed copy is deleted now."""
    download, request = open_download(work, token)
    subject = work.session.get(Subject, download.subject_id)
    if subject is None or download.sealed_package is None:  # pragma: no cover
        raise LinkGone
    key = keys.subject_key(work, subject)
    package = open_sealed(
        key, download.sealed_package, seal_context(subject, request.reference, "package")
    )
    download.sealed_package = None
    download.downloaded_at = work.now()
    work.session.flush()
    audit.record(
        work,
        actor=actor,
        action="privacy_centre.package_downloaded",
        subject_ref=subject.ref,
        detail={"reference": request.reference, "bytes": len(package)},
    )
    return f"{request.reference}-{request.kind}.zip", package
