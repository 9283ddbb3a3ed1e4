"""What Charter knows about Google Analytics: where its tag comes from, which cookies it
sets, what the Content Security Policy must allow, and how to delete its cookies.

Google Analytics reads and writes cookies on the visitor's device, which PECR reg. 6
allows only with consent; the ICO's guidance on storage and access technologies says
analytics cookies are not strictly necessary. So the tag is rendered only for a visitor
whose current choice grants the ``analytics`` category, and when they withdraw, the
server expires every Google Analytics cookie their browser sent (Art. 7(3): withdrawing
takes effect as easily as giving; the scripts in ``static/cookies.js`` do the same in the
browser and set Google's documented ``ga-disable-<id>`` switch).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response

TAG_ORIGIN = "https://www.googletagmanager.com"
#: Origins GA4 talks to (Google's published CSP guidance for Google Analytics 4).
CONNECT_ORIGINS = (
    "https://*.google-analytics.com",
    "https://*.analytics.google.com",
    "https://*.googletagmanager.com",
)
IMAGE_ORIGINS = ("https://*.google-analytics.com", "https://*.googletagmanager.com")


def tag_url(measurement_id: str) -> str:
    return f"{TAG_ORIGIN}/gtag/js?id={quote(measurement_id, safe='')}"


def is_analytics_cookie(name: str) -> bool:
    """``_ga`` and ``_ga_<container>`` (GA4), and ``_gid``/``_gat*`` left by older tags."""
    return name in {"_ga", "_gid"} or name.startswith(("_ga_", "_gat"))


def analytics_cookies(cookies: Mapping[str, str]) -> list[str]:
    return sorted(name for name in cookies if is_analytics_cookie(name))


def cookie_domains(host: str | None) -> list[str | None]:
    """The ``Domain`` attributes a cookie set for this host may carry.

    Google Analytics sets its cookies on the highest domain it can (``example.co.uk`` for
    ``www.example.co.uk``), so deleting them takes one expired cookie per candidate: the
    host-only cookie (``None``), the host, and its parent. A browser ignores a Domain it
    would never have accepted (a public suffix), so the extra candidate is harmless. IP
    addresses and single-label hosts (``localhost``) only have host-only cookies.
    """
    domains: list[str | None] = [None]
    if not host or "." not in host or _is_ip(host):
        return domains
    domains.append(host)
    labels = host.split(".")
    if len(labels) >= 3:
        domains.append(".".join(labels[1:]))
    return domains


def expire_analytics_cookies(request: Request, response: Response) -> list[str]:
    """Add an expired ``Set-Cookie`` for every Google Analytics cookie the request carried,
    on every domain it may have been set for; returns the names expired."""
    names = analytics_cookies(request.cookies)
    for name in names:
        for domain in cookie_domains(request.url.hostname):
            response.delete_cookie(name, path="/", domain=domain)
    return names


def widen_csp(policy: str, additions: Mapping[str, Iterable[str]]) -> str:
    """The Content Security Policy ``policy`` with extra sources for some directives.

    A directive that is absent falls back to ``default-src``, so it is added as
    ``default-src``'s sources plus the new ones (never looser than before for anything
    else). Nothing is ever removed, and no ``'unsafe-inline'`` is ever added.
    """
    directives: dict[str, list[str]] = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            directives[words[0].lower()] = words[1:]
    default = directives.get("default-src", ["'self'"])
    for name, sources in additions.items():
        current = directives.setdefault(name, list(default))
        current.extend(s for s in sources if s not in current and s != "'unsafe-inline'")
    return "; ".join(" ".join([name, *sources]) for name, sources in directives.items())


def analytics_csp(policy: str) -> str:
    """``policy`` allowing Google's tag to load and to send its measurements."""
    return widen_csp(
        policy,
        {
            "script-src": (TAG_ORIGIN,),
            "connect-src": CONNECT_ORIGINS,
            "img-src": IMAGE_ORIGINS,
        },
    )


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True
