"""Who is asking, as far as the edge needs to know: a truncated network, never an IP.

Full IP addresses are personal data (Art. 4(1); CJEU C-582/14 Breyer). Charter keeps only
the /24 (IPv4) or /48 (IPv6) network for rate limits, consent evidence and access logs.
"""

from __future__ import annotations

from fastapi import Request

from charter.errors import InvalidInput
from charter.netaddr import truncate_ip
from charter.runtime import Runtime

UNKNOWN_NETWORK = "unknown"


def client_address(request: Request) -> str | None:
    """The raw peer address (or the first X-Forwarded-For hop behind a trusted proxy).

    Use it only to pass straight to :func:`truncate_ip`; never store or log it."""
    runtime: Runtime = request.app.state.runtime
    if runtime.settings.trust_proxy_headers:
        forwarded = request.headers.get("x-forwarded-for", "").split(",")[0].strip()
        if forwarded:
            return forwarded
    return request.client.host if request.client else None


def client_network(request: Request) -> str:
    """The visitor's truncated network, e.g. ``203.0.113.0/24``."""
    address = client_address(request)
    if not address:
        return UNKNOWN_NETWORK
    try:
        return truncate_ip(address)
    except InvalidInput:
        return UNKNOWN_NETWORK
