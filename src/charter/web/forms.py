"""Reading a public HTML form strictly, before anything in it is trusted or stored.

A public form is the front door for personal data, so it is read by a whitelist:

* only ``application/x-www-form-urlencoded`` bodies (415 otherwise), at most
  :data:`MAX_FORM_BYTES` (413, checked on ``Content-Length`` and again while reading);
* only the fields the form declares: an unknown or repeated field rejects the whole
  submission with 400 and nothing is stored, so a crafted request cannot make the system
  collect more than the privacy notice says (UK GDPR Art. 5(1)(c) data minimisation,
  Art. 13(1));
* every value valid UTF-8, within its field's length, and free of control characters
  (NUL, escape codes, bidirectional overrides; only a multi-line field may hold ``\\n``,
  ``\\r`` and ``\\t``): a CR/LF in a name could otherwise become a header in an email
  built from it, and invisible controls could disguise what staff later read;
* a honeypot field (:data:`HONEYPOT_FIELD`, visually hidden, ``tabindex=-1``) that people
  never fill and naive bots do: the caller pretends success and stores nothing.

Errors carry a fixed public message and never echo a submitted value: it may be personal
data (Art. 5(1)(f)). Per-field problems a person can fix (a missing name, an email
address that is not one) are collected in :class:`FormErrors` and shown next to each field
by the page instead.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from fastapi import Request
from pydantic import ValidationError

from charter.errors import CharterError
from charter.web.client import UNKNOWN_NETWORK, client_address, client_network
from charter.web.csrf import CSRF_FIELD
from charter.web.useragent import parse_user_agent

#: Largest form body accepted: generous for a 5,000-character message in any script.
MAX_FORM_BYTES = 64 * 1024
#: More pairs than any of our forms has means a crafted request.
MAX_PAIRS = 64
#: The visually hidden field people leave empty and form-filling bots do not.
HONEYPOT_FIELD = "website"
HONEYPOT_MAX_LENGTH = 200
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"

#: Characters allowed in a multi-line field although they are control characters.
_LINE_CONTROLS = frozenset("\n\r\t")
#: Format characters that reorder or hide text (Trojan Source, CVE-2021-42574).
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


class FormRejected(CharterError):
    """The body is not a submission of this form as our pages send it."""

    status_code = 400
    default_message = "We could not read that form. Please go back, reload the page and try again."


class FormTooLarge(CharterError):
    status_code = 413
    default_message = "That form is too large to send. Please shorten your message."


class UnsupportedForm(CharterError):
    status_code = 415
    default_message = "Please send this form from our web page."


@dataclass(frozen=True)
class FormField:
    """One declared field; ``max_length`` counts characters after decoding."""

    name: str
    max_length: int
    multiline: bool = False


@dataclass(frozen=True)
class FormSpec:
    """The whole whitelist of one form: its fields plus the CSRF token and honeypot."""

    fields: tuple[FormField, ...]
    max_bytes: int = MAX_FORM_BYTES
    honeypot: bool = True
    csrf: bool = True

    def known(self) -> dict[str, FormField]:
        known = {item.name: item for item in self.fields}
        if self.csrf:
            known[CSRF_FIELD] = FormField(CSRF_FIELD, 128)
        if self.honeypot:
            known[HONEYPOT_FIELD] = FormField(HONEYPOT_FIELD, HONEYPOT_MAX_LENGTH)
        return known


@dataclass(frozen=True)
class SubmittedForm:
    """A submission that passed the whitelist. Declared fields the body left out (an
    unticked checkbox) read as ``""``."""

    values: Mapping[str, str]
    csrf_token: str | None = None
    honeypot_filled: bool = False

    def __getitem__(self, name: str) -> str:
        return self.values.get(name, "")


def text_is_clean(value: str, *, multiline: bool = False) -> bool:
    """No control characters (bar line breaks and tabs in a multi-line field), no
    bidirectional overrides, no Unicode non-characters."""
    for char in value:
        if char in _BIDI_CONTROLS:
            return False
        category = unicodedata.category(char)
        if category == "Cc" and not (multiline and char in _LINE_CONTROLS):
            return False
        if category in ("Cs", "Cn") and _is_noncharacter(char):
            return False
    return True


def _is_noncharacter(char: str) -> bool:
    code = ord(char)
    return 0xFDD0 <= code <= 0xFDEF or (code & 0xFFFE) == 0xFFFE or 0xD800 <= code <= 0xDFFF


def parse_form(body: bytes, spec: FormSpec) -> SubmittedForm:
    """Check a urlencoded ``body`` against ``spec``; raises :class:`FormRejected`.

    Pure, so the whitelist can be tested (and fuzzed) without a server.
    """
    if len(body) > spec.max_bytes:
        raise FormTooLarge
    try:
        text = body.decode("utf-8")
        pairs = parse_qsl(
            text,
            keep_blank_values=True,
            strict_parsing=bool(text),
            encoding="utf-8",
            errors="strict",
            max_num_fields=MAX_PAIRS,
        )
    except (UnicodeDecodeError, ValueError):
        raise FormRejected from None
    known = spec.known()
    values: dict[str, str] = {}
    for name, value in pairs:
        declared = known.get(name)
        if declared is None or name in values:
            raise FormRejected
        if len(value) > declared.max_length:
            raise FormRejected
        if not text_is_clean(value, multiline=declared.multiline):
            raise FormRejected
        values[name] = value
    csrf = values.pop(CSRF_FIELD, None) if spec.csrf else None
    honeypot = values.pop(HONEYPOT_FIELD, "") if spec.honeypot else ""
    return SubmittedForm(values=values, csrf_token=csrf, honeypot_filled=bool(honeypot.strip()))


async def read_body(request: Request, *, max_bytes: int = MAX_FORM_BYTES) -> bytes:
    """The request body, refusing (413) one larger than ``max_bytes`` without reading on."""
    declared = request.headers.get("content-length")
    if declared is not None:
        try:
            length = int(declared)
        except ValueError:
            raise FormRejected from None
        if length > max_bytes:
            raise FormTooLarge
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:
            raise FormTooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def media_type(request: Request) -> tuple[str, dict[str, str]]:
    """The request's media type (lower case) and its parameters."""
    raw = request.headers.get("content-type", "")
    kind, _, rest = raw.partition(";")
    params: dict[str, str] = {}
    for part in rest.split(";"):
        key, sep, value = part.partition("=")
        if sep:
            params[key.strip().lower()] = value.strip().strip('"').lower()
    return kind.strip().lower(), params


async def read_form(request: Request, spec: FormSpec) -> SubmittedForm:
    """Read and check the submission of ``spec`` (415, 413 or 400 on failure)."""
    kind, params = media_type(request)
    if kind != FORM_CONTENT_TYPE or params.get("charset", "utf-8") not in ("utf-8", "utf8"):
        raise UnsupportedForm
    return parse_form(await read_body(request, max_bytes=spec.max_bytes), spec)


@dataclass
class FormErrors:
    """Problems a person can fix, one message per field, in the order of the form.

    Shown twice, as GOV.UK's pattern does: an error summary at the top linking to each
    field, and the message beside the field (``aria-describedby``). Messages say how to
    put it right and never repeat what was typed.
    """

    order: Sequence[str] = ()
    messages: dict[str, str] = field(default_factory=dict)

    def add(self, name: str, message: str) -> None:
        """Record ``message`` for ``name`` unless it already has one (the first problem
        is the one to fix first)."""
        self.messages.setdefault(name, message)

    def __bool__(self) -> bool:
        return bool(self.messages)

    def __contains__(self, name: object) -> bool:
        return name in self.messages

    def get(self, name: str) -> str | None:
        return self.messages.get(name)

    def __iter__(self) -> Iterator[tuple[str, str]]:
        """``(field, message)`` pairs, in form order, for the error summary."""
        ranked = {name: index for index, name in enumerate(self.order)}
        yield from sorted(self.messages.items(), key=lambda item: ranked.get(item[0], len(ranked)))


def errors_from_validation(
    exc: ValidationError, *, order: Sequence[str], fallback: Mapping[str, str]
) -> FormErrors:
    """Turn a Pydantic ``ValidationError`` into per-field messages.

    Validators raise ``PydanticCustomError("form", "<message for a person>")``; any other
    error type (a type error nobody planned for) shows the field's ``fallback`` message.
    Pydantic's own text is never used: it can quote the input.
    """
    errors = FormErrors(order=order)
    for error in exc.errors(include_input=False, include_url=False):
        location = error["loc"]
        name = str(location[0]) if location else ""
        if error["type"] == "form":
            errors.add(name, str(error["msg"]))
        else:
            errors.add(name, fallback.get(name, "Check this answer."))
    return errors


def consent_evidence(request: Request) -> dict[str, str]:
    """The evidence a consent given through a web form keeps (Art. 7(1)), within the
    consent ledger's whitelist: the method, the client address (which the ledger truncates
    to its network before storing, ``consent.evidence``) and the browser family only
    (``web.useragent``), never the User-Agent header."""
    evidence = {"method": "web_form"}
    if client_network(request) != UNKNOWN_NETWORK:
        address = client_address(request)
        if address:
            evidence["ip"] = address
    if request.headers.get("user-agent"):
        evidence["user_agent_family"] = parse_user_agent(request.headers["user-agent"]).family
    return evidence
