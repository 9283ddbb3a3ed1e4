"""The evidence kept beside each consent event, and only that.

Art. 7(1) puts the burden of proof on the controller: it must be able to show *how* a
consent was given. Art. 5(1)(c) (data minimisation) limits what may be kept to show it.
So evidence is a closed whitelist: the method, a coarse browser family, and the IP
address truncated to its /24 (IPv4) or /48 (IPv6) network by ``charter.netaddr`` before
it is stored. A raw IP address never reaches the ledger, and unknown keys are refused
rather than dropped, so a caller cannot believe it stored something it did not.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from charter.errors import InvalidInput
from charter.netaddr import truncate_ip

#: Evidence keys a caller may pass; ``ip`` is stored as ``ip_prefix`` (truncated).
EVIDENCE_KEYS = ("method", "ip", "user_agent_family")
MAX_VALUE_LENGTH = 64


class EvidenceMethod(StrEnum):
    """How the person expressed their choice."""

    WEB_FORM = "web_form"
    EMAIL = "email"
    PHONE = "phone"
    LETTER = "letter"
    IN_PERSON = "in_person"
    STAFF = "staff"  # recorded by staff on the person's instruction


def clean_evidence(evidence: Mapping[str, str], *, require_method: bool) -> dict[str, str]:
    """Validate ``evidence`` and return what may be stored.

    ``require_method`` is true when consent is *given*: without knowing how, the consent
    cannot be demonstrated (Art. 7(1)). A withdrawal is never refused for want of it,
    because withdrawing must be as easy as giving (Art. 7(3)).
    """
    unknown = sorted(key for key in evidence if key not in EVIDENCE_KEYS)
    if unknown:
        names = ", ".join(key[:32] for key in unknown)
        allowed = ", ".join(EVIDENCE_KEYS)
        raise InvalidInput(f"Unknown consent evidence ({names}); only {allowed} may be kept.")
    cleaned: dict[str, str] = {}
    method = evidence.get("method")
    if method is not None:
        if method not in EvidenceMethod._value2member_map_:
            choices = ", ".join(item.value for item in EvidenceMethod)
            raise InvalidInput(f"The consent evidence method must be one of: {choices}.")
        cleaned["method"] = method
    elif require_method:
        raise InvalidInput("Say how consent was given (evidence 'method'): Art. 7(1).")
    address = evidence.get("ip")
    if address is not None:
        cleaned["ip_prefix"] = truncate_ip(address)  # InvalidInput, never echoing it
    family = evidence.get("user_agent_family")
    if family is not None:
        if not family or len(family) > MAX_VALUE_LENGTH or not family.isprintable():
            raise InvalidInput(
                f"The browser family must be printable text of at most {MAX_VALUE_LENGTH} "
                "characters."
            )
        cleaned["user_agent_family"] = family
    return cleaned
