"""Rights requests that arrive by email: logged, and answered only at the From address.

A request needs no form and no particular words (Art. 12(2); ICO guidance "How do we
recognise a subject access request?"), so an email asking for a copy of someone's data,
or for its deletion, is logged as a request the moment it is recorded as correspondence.

It is also the easiest request to forge (Pavur & Knerr, "GDPArrrrr", Black Hat USA 2019):
anyone can write ``From: customer`` with ``Reply-To: attacker``, or ask in the text for
the answer to go to "my new address". Neither header nor text is ever used to answer:
the request goes through :func:`privacy_centre.service.submit_request`, exactly as a web
request for the From address would, so the only email sent is the "was this you?" link
to the normalised From address, which matches the person's blind index and so is the
address on file. The real owner is told someone asked in their name and can press
"This wasn't me"; nothing is released unless they confirm. Reply-To, Cc and any address
in the text are never read here.
"""

from __future__ import annotations

import re

from charter.mail.parsing import parse_message
from charter.mail.sender import EmailSender
from charter.privacy_centre.service import submit_request
from charter.rights.models import RequestKind, SubjectRequest
from charter.runtime import Work

#: Wording that asks for a copy of one's data (Art. 15) or its erasure (Art. 17). Loose
#: on purpose: a false match only sends the sender a link they can ignore.
_ASKS = (
    (
        RequestKind.ACCESS,
        re.compile(
            r"subject access request|\bd?sar\b|article 15|right of access"
            r"|copy of (?:all )?(?:of )?(?:the |my )?(?:personal )?(?:data|information)"
            r"|(?:data|information) (?:that )?you hold (?:about|on) me",
            re.IGNORECASE,
        ),
    ),
    (
        RequestKind.ERASURE,
        re.compile(
            r"right to (?:be forgotten|erasure)|article 17"
            r"|(?:delete|erase|remove) (?:all )?(?:of )?my (?:personal )?"
            r"(?:data|information|details)",
            re.IGNORECASE,
        ),
    ),
)


def requested_kind(text: str) -> RequestKind | None:
    """The right the text asks to use, if it reads as a request (access first)."""
    for kind, pattern in _ASKS:
        if pattern.search(text):
            return kind
    return None


def log_emailed_request(
    work: Work, raw: bytes, *, actor: str, sender: EmailSender
) -> SubjectRequest | None:
    """If the recorded message ``raw`` asks to use a right, log the request (``email``)
    and send the verification link to its From address only; ``None`` otherwise."""
    parsed = parse_message(raw)
    kind = requested_kind(f"{parsed.subject}\n{parsed.body}")
    if kind is None:
        return None
    return submit_request(
        work,
        kind=kind.value,
        email=parsed.sender,
        actor=actor,
        sender=sender,
        received_via="email",
    )
