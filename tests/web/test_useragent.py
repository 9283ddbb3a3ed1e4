"""The User-Agent reducer: families and major versions of the browsers people use, and
nothing from the header beyond that, whatever the header holds."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from charter.web.useragent import OTHER, parse_user_agent

FAMILIES = {
    "Chrome",
    "Edge",
    "Firefox",
    "Safari",
    "Opera",
    "Samsung Internet",
    "HeadlessChrome",
    "Bot",
    "Script",
    OTHER,
}
SYSTEMS = {"Windows", "macOS", "iOS", "Android", "Linux", "ChromeOS", OTHER}

CASES = [
    (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/126.0.0.0 Safari/537.36",
        ("Chrome", "126", "Windows"),
    ),
    (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/126.0.0.0 Safari/537.36 Edg/126.0.2592.87",
        ("Edge", "126", "Windows"),
    ),
    (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like "
        "Gecko) Version/17.5 Safari/605.1.15",
        ("Safari", "17", "macOS"),
    ),
    (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, "
        "like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
        ("Safari", "17", "iOS"),
    ),
    (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, "
        "like Gecko) CriOS/126.0.6478.54 Mobile/15E148 Safari/604.1",
        ("Chrome", "126", "iOS"),
    ),
    (
        "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
        ("Firefox", "128", "Linux"),
    ),
    (
        "Mozilla/5.0 (Android 14; Mobile; rv:127.0) Gecko/127.0 Firefox/127.0",
        ("Firefox", "127", "Android"),
    ),
    (
        "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) "
        "SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36",
        ("Samsung Internet", "25", "Android"),
    ),
    (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/125.0.0.0 Safari/537.36 OPR/111.0.0.0",
        ("Opera", "111", "Windows"),
    ),
    (
        "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/126.0.0.0 Safari/537.36",
        ("Chrome", "126", "ChromeOS"),
    ),
    (
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "HeadlessChrome/126.0.0.0 Safari/537.36",
        ("HeadlessChrome", "126", "Linux"),
    ),
    (
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        ("Bot", "", OTHER),
    ),
    (
        "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, "
        "like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36 (compatible; Googlebot/2.1)",
        ("Bot", "", "Android"),
    ),
    ("curl/8.5.0", ("Script", "", OTHER)),
    ("python-httpx/0.28.1", ("Script", "", OTHER)),
    ("", (OTHER, "", OTHER)),
    ("something else entirely", (OTHER, "", OTHER)),
]


@pytest.mark.parametrize(("header", "expected"), CASES)
def test_known_user_agents(header: str, expected: tuple[str, str, str]) -> None:
    agent = parse_user_agent(header)
    assert (agent.family, agent.major, agent.os) == expected


def test_missing_header() -> None:
    assert parse_user_agent(None).family == OTHER


def test_bots_are_marked() -> None:
    assert parse_user_agent("curl/8").is_bot
    assert parse_user_agent(CASES[10][0]).is_bot
    assert not parse_user_agent(CASES[0][0]).is_bot


def test_label_is_family_and_major_only() -> None:
    assert parse_user_agent(CASES[5][0]).label == "Firefox 128"
    assert parse_user_agent("curl/8.5.0").label == "Script"


@given(st.text(max_size=2000))
def test_any_header_reduces_to_the_fixed_vocabulary(header: str) -> None:
    agent = parse_user_agent(header)
    assert agent.family in FAMILIES
    assert agent.os in SYSTEMS
    assert agent.major == "" or (agent.major.isdigit() and len(agent.major) <= 4)


@given(st.text(alphabet=st.characters(codec="ascii"), max_size=300))
def test_a_browser_token_with_any_version_keeps_only_digits(version: str) -> None:
    agent = parse_user_agent(f"Mozilla/5.0 (X11; Linux x86_64) Firefox/{version}")
    assert agent.major == "" or agent.major.isdigit()
