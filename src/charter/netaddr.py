"""Truncating IP addresses before they are kept as evidence.

An IP address is personal data (it can single out a household). Consent evidence and
logs keep only the network it came from — IPv4 to /24, IPv6 to /48, the prefix an ISP
typically assigns to one customer site — which still shows roughly where a request came
from without identifying the device (UK GDPR Art. 5(1)(c) minimisation, Art. 25(2) data
protection by default).
"""

from __future__ import annotations

import ipaddress

from charter.errors import InvalidInput

IPV4_PREFIX = 24
IPV6_PREFIX = 48


def truncate_ip(address: str) -> str:
    """The network ``address`` belongs to, e.g. ``"203.0.113.0/24"`` or ``"2001:db8:1::/48"``.

    An IPv4-mapped IPv6 address (``::ffff:203.0.113.7``, as dual-stack servers report
    IPv4 clients) is truncated as the IPv4 address it is, so it keeps only 24 bits. A zone
    index (``fe80::1%eth0``) is dropped. The error never echoes the input: it may be a
    whole address.
    """
    try:
        parsed = ipaddress.ip_address(address.strip())
    except ValueError:
        raise InvalidInput("That is not an IP address.") from None
    if isinstance(parsed, ipaddress.IPv6Address) and parsed.ipv4_mapped is not None:
        parsed = parsed.ipv4_mapped
    if isinstance(parsed, ipaddress.IPv4Address):
        return str(ipaddress.IPv4Network((int(parsed), IPV4_PREFIX), strict=False))
    return str(ipaddress.IPv6Network((int(parsed), IPV6_PREFIX), strict=False))
