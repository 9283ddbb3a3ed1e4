"""The Google Analytics helpers: CSP widening never loosens anything else, and expired
cookies cover every domain Google may have used."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from charter.app import SECURITY_HEADERS
from charter.cookies.google_analytics import (
    analytics_cookies,
    analytics_csp,
    cookie_domains,
    tag_url,
    widen_csp,
)

BASE_CSP = SECURITY_HEADERS["Content-Security-Policy"]


def directives(policy: str) -> dict[str, list[str]]:
    return {p.split()[0]: p.split()[1:] for p in policy.split(";") if p.strip()}


def test_analytics_csp_adds_google_only_where_needed() -> None:
    widened = directives(analytics_csp(BASE_CSP))
    before = directives(BASE_CSP)
    assert widened["script-src"] == ["'self'", "https://www.googletagmanager.com"]
    assert widened["connect-src"][0] == "'self'"
    assert "https://*.google-analytics.com" in widened["connect-src"]
    assert "https://*.google-analytics.com" in widened["img-src"]
    for name in ("default-src", "style-src", "object-src", "frame-ancestors", "form-action"):
        assert widened[name] == before[name]
    assert "unsafe-inline" not in analytics_csp(BASE_CSP)


def test_widening_refuses_unsafe_inline() -> None:
    assert "unsafe-inline" not in widen_csp(BASE_CSP, {"script-src": ["'unsafe-inline'"]})


source = st.from_regex(r"https://[a-z]{1,8}\.example", fullmatch=True)


@given(
    st.dictionaries(
        st.sampled_from(["script-src", "connect-src", "img-src", "font-src"]),
        st.lists(source, max_size=3),
    )
)
def test_widening_never_removes_a_source(additions: dict[str, list[str]]) -> None:
    widened = directives(widen_csp(BASE_CSP, additions))
    for name, sources in directives(BASE_CSP).items():
        assert set(sources) <= set(widened[name])
    for name, sources in additions.items():
        assert set(sources) <= set(widened[name])


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("127.0.0.1", [None]),
        ("localhost", [None]),
        ("[::1]", [None]),
        ("ajp.example", [None, "ajp.example"]),
        ("www.ajp.example", [None, "www.ajp.example", "ajp.example"]),
        ("www.ajp.co.uk", [None, "www.ajp.co.uk", "ajp.co.uk"]),
        (None, [None]),
    ],
)
def test_cookie_domains(host: str | None, expected: list[str | None]) -> None:
    assert cookie_domains(host) == expected


def test_which_cookies_are_google_analytics() -> None:
    cookies = {"_ga": "", "_ga_ABC": "", "_gid": "", "_gat_x": "", "charter_session": "", "ga": ""}
    assert analytics_cookies(cookies) == ["_ga", "_ga_ABC", "_gat_x", "_gid"]


def test_tag_url() -> None:
    assert tag_url("G-TEST123") == "https://www.googletagmanager.com/gtag/js?id=G-TEST123"
