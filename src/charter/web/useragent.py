"""Reducing a User-Agent header to browser family, major version and OS family.

A full User-Agent string is a fingerprinting input: with the IP address it can single out
a device (ICO guidance on storage and access technologies; UK GDPR Art. 4(1)). Charter
never stores or logs it: access logs, cookie-choice evidence and the cookieless
statistics keep only what :func:`parse_user_agent` returns — a family from a short fixed
list, a major version number, and an OS family.

The parser is deliberately small and our own (no dependency, no regex database to keep
up to date): it answers "which browser, roughly" for the browsers people actually use,
and "Other" for everything else. The order of the rules matters because browsers claim
each other's names (Edge and Opera say "Chrome", Chrome says "Safari", everyone says
"Mozilla").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Families that mark automated clients: not visitors, so never counted in statistics.
BOT_FAMILIES = frozenset({"Bot", "HeadlessChrome", "Script"})
OTHER = "Other"
_MAX_HEADER = 1024

_BOT = re.compile(r"bot\b|crawl|spider|slurp|facebookexternalhit|preview", re.IGNORECASE)
_SCRIPT = re.compile(
    r"^(curl|wget|python-requests|python-urllib|python-httpx|httpx|go-http-client|java|"
    r"okhttp|libwww-perl|aiohttp|axios|node-fetch|undici|postmanruntime)\b",
    re.IGNORECASE,
)

# (family, pattern capturing the major version); first match wins.
_BROWSERS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("HeadlessChrome", re.compile(r"HeadlessChrome/(\d+)")),
    ("Edge", re.compile(r"\bEdg(?:e|A|iOS)?/(\d+)")),
    ("Opera", re.compile(r"\bOPR/(\d+)")),
    ("Samsung Internet", re.compile(r"\bSamsungBrowser/(\d+)")),
    ("Firefox", re.compile(r"\b(?:Firefox|FxiOS)/(\d+)")),
    ("Chrome", re.compile(r"\b(?:Chrome|CriOS)/(\d+)")),
    ("Safari", re.compile(r"\bVersion/(\d+)[.\d]*(?: Mobile/\S+)? Safari/")),
)

# (OS family, marker); first match wins. iPadOS 13+ reports "Macintosh": it shows as macOS.
_SYSTEMS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("Windows", re.compile(r"Windows")),
    ("iOS", re.compile(r"iPhone|iPad|iPod")),
    ("Android", re.compile(r"Android")),
    ("ChromeOS", re.compile(r"CrOS")),
    ("macOS", re.compile(r"Mac OS X|Macintosh")),
    ("Linux", re.compile(r"Linux|X11")),
)


@dataclass(frozen=True)
class UserAgent:
    """What Charter may keep about a client: never the header itself."""

    family: str
    major: str
    os: str

    @property
    def is_bot(self) -> bool:
        """Crawlers, scripts and headless browsers: excluded from visitor statistics."""
        return self.family in BOT_FAMILIES

    @property
    def label(self) -> str:
        """``"Firefox 128"``: the family and major version, for logs and evidence."""
        return f"{self.family} {self.major}" if self.major else self.family


UNKNOWN = UserAgent(family=OTHER, major="", os=OTHER)


def parse_user_agent(header: str | None) -> UserAgent:
    """Browser family, major version and OS family of a User-Agent header.

    Never raises: an empty, huge or strange header is ``Other``. The major version is
    digits only (at most four), so nothing else from the header can leak through it.
    """
    if not header:
        return UNKNOWN
    text = header[:_MAX_HEADER]
    system = _system(text)
    if _SCRIPT.match(text):
        return UserAgent(family="Script", major="", os=system)
    for family, pattern in _BROWSERS:
        found = pattern.search(text)
        if found:
            major = found.group(1)[:4]
            if family != "HeadlessChrome" and _BOT.search(text):
                return UserAgent(family="Bot", major="", os=system)
            return UserAgent(family=family, major=major, os=system)
    if _BOT.search(text):
        return UserAgent(family="Bot", major="", os=system)
    return UserAgent(family=OTHER, major="", os=system)


def _system(text: str) -> str:
    for family, pattern in _SYSTEMS:
        if pattern.search(text):
            return family
    return OTHER
