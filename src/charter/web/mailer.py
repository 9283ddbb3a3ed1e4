"""The installation's email sender, as the web edge reaches it."""

from __future__ import annotations

from fastapi import Request

from charter.mail.sender import EmailSender


def email_sender(request: Request) -> EmailSender:
    """The sender the composition root built (SMTP, or the local outbox)."""
    sender: EmailSender = request.app.state.email_sender
    return sender
