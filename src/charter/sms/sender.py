"""Sending text messages (SMS) through one interface, whatever carries them.

Callers depend on :class:`TextSender` only; :func:`build_text_sender` picks the gateway.
With ``CHARTER_SMS_URL`` set, each text is POSTed as JSON to that gateway
(:class:`HttpTextSender`, the shape most SMS gateways accept behind a small adapter).
Without it, texts become files in ``DATA_DIR/text-outbox`` (:class:`LocalTextOutbox`): a
stand-in for a gateway this installation cannot reach, behind the same interface. The
files hold a phone number and words meant for one person, so they are owner-only (0600
in a 0700 folder) and named by time and a random tag, never by the number (Art. 32(1)).
Nothing here logs a number or a message body.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import phonenumbers

from charter.errors import CharterError, InvalidInput
from charter.mail.outbox import FILE_MODE, FOLDER_MODE, outbox_file_name
from charter.settings import Settings

log = logging.getLogger(__name__)

#: GSM-7 concatenated messages rarely go past 6 parts; longer texts are a mistake.
MAX_TEXT_LENGTH = 918
GATEWAY_TIMEOUT_SECONDS = 10


class TextNotSent(CharterError):
    """The gateway refused or could not be reached; the caller decides whether to retry."""

    status_code = 502
    default_message = "The text message could not be sent. Please try again later."


@dataclass(frozen=True)
class OutgoingText:
    """One text: the E.164 number it goes to, its words, and what kind of message it is."""

    to: str
    text: str
    kind: str


def check_text(message: OutgoingText) -> str:
    """The number in E.164 form; refuses a number or body that cannot be sent."""
    try:
        parsed = phonenumbers.parse(message.to, "GB")
    except phonenumbers.NumberParseException:
        raise InvalidInput("That is not a phone number a text can be sent to.") from None
    if not phonenumbers.is_valid_number(parsed):
        raise InvalidInput("That is not a phone number a text can be sent to.")
    if not message.text.strip() or len(message.text) > MAX_TEXT_LENGTH:
        raise InvalidInput(f"A text must have 1 to {MAX_TEXT_LENGTH} characters.")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


class TextSender(Protocol):
    """Anything that can deliver an :class:`OutgoingText`; returns the gateway's id."""

    def send(self, message: OutgoingText) -> str: ...


class LocalTextOutbox:
    """Writes each text to ``folder`` as a JSON file instead of sending it."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def __repr__(self) -> str:
        return f"LocalTextOutbox({self.folder})"

    def send(self, message: OutgoingText) -> str:
        number = check_text(message)
        self.folder.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
        name = outbox_file_name().removesuffix(".eml") + ".json"
        message_id = f"local-{secrets.token_hex(8)}"
        body = {"id": message_id, "to": number, "text": message.text, "kind": message.kind}
        partial = self.folder / f".{name}.partial"
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
        try:
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                json.dump(body, handle)
            os.replace(partial, self.folder / name)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        log.info("Wrote a %s text %s to the local text outbox", message.kind, message_id)
        return message_id

    def sent(self) -> list[dict[str, str]]:
        """Every text written so far, oldest first (the staff console and tests read it)."""
        if not self.folder.is_dir():
            return []
        return [
            json.loads(path.read_text(encoding="utf-8"))
            for path in sorted(self.folder.glob("*.json"))
        ]


class HttpTextSender:
    """POSTs ``{"to", "text", "kind"}`` as JSON to a gateway; expects ``{"id": ...}`` back."""

    def __init__(self, url: str) -> None:
        if not url.startswith(("https://", "http://")):
            raise InvalidInput("CHARTER_SMS_URL must be an http(s) URL.")
        self.url = url

    def __repr__(self) -> str:  # the URL may carry a credential
        return "HttpTextSender(<gateway>)"

    def send(self, message: OutgoingText) -> str:
        number = check_text(message)
        payload = json.dumps({"to": number, "text": message.text, "kind": message.kind})
        request = urllib.request.Request(  # noqa: S310 - http(s) only, checked in __init__
            self.url,
            data=payload.encode(),
            headers={"Content-Type": "application/json", "Accept": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(  # noqa: S310 - http(s) only, checked in __init__
                request, timeout=GATEWAY_TIMEOUT_SECONDS
            ) as response:
                answer = json.loads(response.read() or b"{}")
        except (urllib.error.URLError, TimeoutError, ValueError) as exc:
            raise TextNotSent from exc
        message_id = str(answer.get("id") or "") if isinstance(answer, dict) else ""
        if not message_id:
            raise TextNotSent
        log.info("Sent a %s text through the gateway as %s", message.kind, message_id)
        return message_id


def build_text_sender(settings: Settings) -> TextSender:
    """The HTTP gateway when ``CHARTER_SMS_URL`` is set, else the local text outbox."""
    if settings.sms_url:
        return HttpTextSender(settings.sms_url)
    folder = settings.data_dir / "text-outbox"
    log.warning("No CHARTER_SMS_URL: texts are written to %s, not sent", folder)
    return LocalTextOutbox(folder)
