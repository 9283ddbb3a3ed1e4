"""Reading one received email into what Charter keeps of it: sender, subject line, text.

Email from the outside world is hostile input: malformed MIME, charsets that do not
exist or lie, headers of megabytes, attachments of any kind. This module never lets any
of that escape as anything but :class:`~charter.errors.InvalidInput`, decodes every text
with ``errors="replace"``, caps every size, and keeps nothing it does not need: the text
of the message and the *types* of its attachments, never the attachments themselves
(Art. 5(1)(c) data minimisation). HTML-only messages are reduced to their text.

Errors never quote the message: it is personal data and errors reach logs and screens.
"""

from __future__ import annotations

import codecs
import email.errors
import email.policy
import email.utils
import re
from dataclasses import dataclass
from email.message import Message
from email.parser import BytesParser
from html.parser import HTMLParser
from typing import Any

from charter.errors import InvalidInput
from charter.screening.service import MAX_SCREENED_CHARS
from charter.vault.identifiers import normalise_email

#: Bigger messages are refused outright (the SMTP listener announces the same SIZE).
MAX_MESSAGE_BYTES = 25 * 1024 * 1024
#: The header block before the first blank line; parsing huge headers costs quadratic time.
MAX_HEADER_BYTES = 64 * 1024
MAX_SUBJECT_CHARS = 998  # RFC 5322 s.2.1.1 line limit
#: Text past what screening looks at is not kept: nothing unscreened is stored (Art. 9).
MAX_BODY_CHARS = MAX_SCREENED_CHARS
MAX_MESSAGE_ID_CHARS = 998
#: MIME parts looked at; the rest of a message built to exhaust us is ignored.
MAX_PARTS = 500
MAX_LISTED_ATTACHMENT_TYPES = 50

#: What the standard library's parsers raise on input they cannot handle (they are meant
#: to record defects instead, but a few paths still raise).
_PARSER_ERRORS = (
    email.errors.MessageError,
    LookupError,
    ValueError,
    TypeError,
    AttributeError,
    AssertionError,
    RecursionError,
)
_CONTENT_TYPE = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]{0,63}/[a-z0-9][a-z0-9!#$&^_.+-]{0,63}$")
_HEADER_END = re.compile(rb"\r?\n\r?\n")

NO_SENDER = "The message has no valid From address, so it was not recorded."
#: Characters no real From address holds: U+FFFD stands for bytes that were not UTF-8.
_UNREADABLE = frozenset("\ufffd\x00\r\n")


@dataclass(frozen=True)
class ParsedMessage:
    """What is kept of one email. ``sender`` is the normalised From address."""

    sender: str
    message_id: str | None
    subject: str
    body: str
    attachment_types: tuple[str, ...]
    attachment_count: int
    truncated: bool


def parse_message(raw: bytes) -> ParsedMessage:
    """Parse ``raw`` (RFC 5322 bytes); raises :class:`InvalidInput` for anything unusable,
    including a missing, multiple or invalid From address."""
    if len(raw) > MAX_MESSAGE_BYTES:
        raise InvalidInput(f"The message is larger than {MAX_MESSAGE_BYTES // 1_048_576} MiB.")
    end = _HEADER_END.search(raw)
    if (end.start() if end else len(raw)) > MAX_HEADER_BYTES:
        raise InvalidInput("The message headers are too large.")
    try:
        message = BytesParser(policy=email.policy.default).parsebytes(raw)
    except _PARSER_ERRORS:
        raise InvalidInput("The message could not be read as an email.") from None
    sender = _sender(message)
    subject = clean_text(_header_text(message, "Subject") or "")
    subject = " ".join(subject.split())[:MAX_SUBJECT_CHARS]
    message_id = (_header_text(message, "Message-ID") or "").strip()[:MAX_MESSAGE_ID_CHARS]
    body, attachments, count = _body(message)
    truncated = len(body) > MAX_BODY_CHARS
    return ParsedMessage(
        sender=sender,
        message_id=clean_text(message_id) or None,
        subject=subject,
        body=body[:MAX_BODY_CHARS],
        attachment_types=tuple(attachments[:MAX_LISTED_ATTACHMENT_TYPES]),
        attachment_count=count,
        truncated=truncated,
    )


def clean_text(text: str) -> str:
    """Valid Unicode with ``\\n`` line ends. The parser keeps raw 8-bit header bytes as
    surrogate escapes: they are turned back into bytes and read as UTF-8 (RFC 6532 allows
    UTF-8 headers, e.g. ``zoë@example.org``), and bytes that are not UTF-8 become U+FFFD
    so the text can be sealed and shown."""
    try:
        raw = text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a surrogate that is not an escaped byte
        raw = text.encode("utf-8", "surrogatepass")
    cleaned = raw.decode("utf-8", "replace")
    return cleaned.replace("\r\n", "\n").replace("\r", "\n")


# Headers ---------------------------------------------------------------------------------


def _header_text(message: Message, name: str) -> str | None:
    try:
        value = message.get(name)
        return None if value is None else str(value)
    except _PARSER_ERRORS:
        return None


def _sender(message: Message) -> str:
    """The one mailbox of the one From header, normalised like the vault's identifiers
    so the blind index finds the same person however they typed it."""
    try:
        headers = message.get_all("From") or []
        if len(headers) != 1:
            raise InvalidInput(NO_SENDER)
        addresses = _addresses(headers[0])
        if any(isinstance(d, email.errors.InvalidHeaderDefect) for d in _defects(headers[0])):
            # Part of the From header could not be read as an address (e.g. a second
            # address folded onto a new line): which person sent it is not certain.
            raise InvalidInput(NO_SENDER)
    except _PARSER_ERRORS:
        raise InvalidInput(NO_SENDER) from None
    if len(addresses) != 1 or "@" not in addresses[0]:
        raise InvalidInput(NO_SENDER)
    address = clean_text(addresses[0])
    if any(char in address for char in _UNREADABLE):
        # Undecodable bytes or control characters: whatever was meant, this is not an
        # address anyone can be found or answered at, so no person is created for it.
        raise InvalidInput(NO_SENDER)
    try:
        return normalise_email(address)
    except InvalidInput:
        raise InvalidInput(NO_SENDER) from None


def _defects(header: Any) -> tuple[Any, ...]:
    return tuple(getattr(header, "defects", ()))


def _addresses(header: Any) -> list[str]:
    parsed = getattr(header, "addresses", None)
    if parsed is not None:
        return [str(address.addr_spec) for address in parsed]
    return [address for _, address in email.utils.getaddresses([str(header)]) if address]


# Body ------------------------------------------------------------------------------------


def _body(message: Message) -> tuple[str, list[str], int]:
    """The text the person wrote (plain parts, else HTML parts as text) and the content
    types of what is not text. Attached messages count as attachments, not text."""
    plain: list[str] = []
    html: list[str] = []
    attachments: list[str] = []
    pending: list[Message] = [message]
    seen = 0
    while pending and seen < MAX_PARTS:
        part = pending.pop(0)
        seen += 1
        content_type = _content_type(part)
        if content_type.startswith("multipart/"):
            payload = part.get_payload()
            if isinstance(payload, list):
                pending.extend(item for item in payload if isinstance(item, Message))
            else:  # its boundary is missing: what is there is the text
                plain.append(_decoded(part))
            continue
        if _is_attachment(part, content_type):
            attachments.append(content_type)
            continue
        text = _decoded(part)
        (html if content_type == "text/html" else plain).append(text)
    if plain:
        body = "\n\n".join(text.strip("\n") for text in plain if text.strip())
    else:
        body = "\n\n".join(html_to_text(text) for text in html if text.strip())
    return body.strip(), attachments, len(attachments)


def _content_type(part: Message) -> str:
    try:
        value = part.get_content_type().lower()
    except _PARSER_ERRORS:
        return "application/octet-stream"
    return value if _CONTENT_TYPE.match(value) else "application/octet-stream"


def _is_attachment(part: Message, content_type: str) -> bool:
    if content_type not in ("text/plain", "text/html"):
        return True
    try:
        return part.get_content_disposition() == "attachment"
    except _PARSER_ERRORS:
        return True


def _decoded(part: Message) -> str:
    """The part's text in its declared charset; unknown or lying charsets fall back to
    UTF-8, and undecodable bytes become U+FFFD instead of an error."""
    try:
        payload = part.get_payload(decode=True)
    except _PARSER_ERRORS:
        return ""
    if not isinstance(payload, bytes):
        return ""
    charset = "us-ascii"
    try:
        charset = part.get_content_charset() or "us-ascii"
        codecs.lookup(charset)
    except _PARSER_ERRORS:
        charset = "utf-8"
    try:
        text = payload.decode(charset, errors="replace")
    except (LookupError, ValueError):
        text = payload.decode("utf-8", errors="replace")
    return clean_text(text)


# HTML ------------------------------------------------------------------------------------

_BLOCK_TAGS = frozenset(
    {"p", "br", "div", "li", "tr", "table", "h1", "h2", "h3", "h4", "h5", "h6", "hr"}
    | {"blockquote", "pre", "ul", "ol", "section", "article", "header", "footer"}
)
_HIDDEN_TAGS = frozenset({"script", "style", "head", "title", "template"})
_TAG = re.compile(r"<[^>]*>")


class _TextExtractor(HTMLParser):
    """Crude HTML to text: the visible words, a line break at each block element."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self.hidden = 0

    def handle_starttag(
        self,
        tag: str,
        attrs: list[tuple[str, str | None]],  # noqa: ARG002 - the base signature
    ) -> None:
        if tag in _HIDDEN_TAGS:
            self.hidden += 1
        elif tag in _BLOCK_TAGS:
            self.chunks.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN_TAGS:
            self.hidden = max(0, self.hidden - 1)
        elif tag in _BLOCK_TAGS:
            self.chunks.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.chunks.append(data)


def html_to_text(markup: str) -> str:
    extractor = _TextExtractor()
    try:
        extractor.feed(markup)
        extractor.close()
        text = "".join(extractor.chunks)
    except _PARSER_ERRORS:
        text = _TAG.sub(" ", markup)
    lines = (" ".join(line.split()) for line in text.splitlines())
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
