from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from charter.errors import InvalidInput
from charter.netaddr import truncate_ip


@pytest.mark.parametrize(
    ("address", "network"),
    [
        ("203.0.113.7", "203.0.113.0/24"),
        ("203.0.113.0", "203.0.113.0/24"),
        ("203.0.113.255", "203.0.113.0/24"),
        (" 198.51.100.42\n", "198.51.100.0/24"),
        ("2001:db8:abcd:12:34::1", "2001:db8:abcd::/48"),
        ("2001:DB8:ABCD:FFFF:FFFF:FFFF:FFFF:FFFF", "2001:db8:abcd::/48"),
        ("::1", "::/48"),
        ("fe80::1%eth0", "fe80::/48"),
        ("::ffff:203.0.113.7", "203.0.113.0/24"),
        ("::ffff:cb00:7107", "203.0.113.0/24"),
    ],
)
def test_truncates_to_the_customer_network(address: str, network: str) -> None:
    assert truncate_ip(address) == network


@pytest.mark.parametrize(
    "garbage",
    [
        "",
        "   ",
        "not an ip",
        "203.0.113",
        "203.0.113.256",
        "203.0.113.7/24",
        "2001:db8:::1",
        "1.2.3.4.5",
        "::ffff:999.0.0.1",
        "jane@example.com",
    ],
)
def test_rejects_garbage_without_echoing_it(garbage: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        truncate_ip(garbage)
    if garbage.strip():
        assert garbage.strip() not in str(caught.value)
    assert caught.value.__cause__ is None


@given(st.ip_addresses(v=4))
def test_ipv4_keeps_exactly_the_first_24_bits(address: ipaddress.IPv4Address) -> None:
    network = truncate_ip(str(address))
    base, prefix = network.split("/")
    assert prefix == "24"
    assert base.split(".")[:3] == str(address).split(".")[:3]
    assert base.endswith(".0")


@given(st.ip_addresses(v=6))
def test_ipv6_keeps_48_bits_or_the_mapped_ipv4_24(address: ipaddress.IPv6Address) -> None:
    network = ipaddress.ip_network(truncate_ip(str(address)))
    if address.ipv4_mapped is None:
        assert (network.prefixlen, address in network) == (48, True)
    else:
        assert (network.prefixlen, address.ipv4_mapped in network) == (24, True)
