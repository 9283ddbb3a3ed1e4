"""Request-spoofing (DSAR abuse) checks against a running installation, over HTTP only.

Pavur & Knerr, "GDPArrrrr: Using Privacy Laws to Steal Identities" (Black Hat USA 2019)
sent subject access requests in other people's names to about 150 organisations; about a
quarter released data without adequate verification. Each case here is one of their
tricks (or a way to tell whether someone is a customer at all, Art. 5(1)(f), Art. 32),
written as a function of an :class:`httpx.Client` whose ``base_url`` is the site and a
:class:`Target`, returning a :class:`CaseResult`. The pytest suite
(``tests/security/test_spoofing.py``) and ``charter selftest spoofing`` run the same
functions, so a firm checks its own deployment with exactly what the tests check.

Safe against a production site, by construction:

* only addresses under reserved domains (RFC 2606/6761: ``example.com``, ``.invalid`` ...)
  and numbers in Ofcom's drama ranges (such as 020 7946 0000-0999) are ever typed in;
  :func:`check_target` refuses anything else, so no real person is mailed or texted;
* no request is ever completed: verification links go to the (reserved) address on file
  and are never seen here; texted codes are only ever guessed wrong, for a number that
  is not on file, so no code can be right;
* nothing is learned that an attacker could not learn: the checks look only at what the
  site answers.

The privacy centre allows five requests per network per ten minutes
(``privacy_centre.routes.REQUEST_LIMIT``); a full run needs about
``2 * samples + 18`` of them, so on a 429 the run waits as the site asks
(``Retry-After``), up to ``Target.patience`` seconds per wait. Expired links cannot be
checked from outside without waiting a day; the pytest suite checks them with a moved
clock.
"""

from __future__ import annotations

import re
import secrets
import statistics
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlencode

import httpx

from charter.errors import InvalidInput
from charter.vault.identifiers import normalise_email, normalise_phone

#: Domains reserved for examples and tests (RFC 2606, RFC 6761): mail to them goes nowhere.
RESERVED_DOMAINS = ("example.com", "example.net", "example.org")
RESERVED_SUFFIXES = (".example", ".invalid", ".test")
#: Ofcom's numbers for drama (E.164 prefixes of 1,000-number blocks): never allocated to
#: a real line. The mobile block (07700 900xxx) is listed too, though the numbering
#: library refuses it as not valid.
DRAMA_PREFIXES = (
    "+447700900",
    "+442079460",
    *(f"+44{area}4960" for area in ("113", "114", "115", "116", "117", "118")),
    *(f"+44{area}4960" for area in ("121", "131", "141", "151", "161")),
)

FORM_HEADERS = {"Content-Type": "application/x-www-form-urlencoded"}
CENTRE = "/privacy-centre"
#: At most this many wrong codes before a texted code stops working (brief: five).
MAX_CODE_TRIES = 5
#: Timing: a difference is reported only when the medians differ by more than this ratio
#: *and* this many seconds, loose enough that a loaded 2-core machine cannot flake it;
#: the guarantee that matters is that the same work is done (identical answers).
TIMING_RATIO = 3.0
TIMING_SLACK = 0.05
#: 128 bits: the least entropy a link token, session id or CSRF token may carry.
MIN_TOKEN_BITS = 128

_CSRF = re.compile(r'name="csrf_token" value="([^"]*)"')
_TOKEN_PATH = re.compile(r"/privacy-centre/(?:code|verify|download|cancel)/([A-Za-z0-9_-]+)")
_BASE64URL = re.compile(r"^[A-Za-z0-9_-]+$")
_HEX = re.compile(r"^[0-9a-f]+$")
#: A request's reference, shown on the code page: drawn per request, like a token.
_REFERENCE = re.compile(r"\bDSR-[A-Z0-9-]{9}\b")
_VOLATILE = frozenset({"date", "set-cookie"})


class SelftestError(InvalidInput):
    """A target that would make the self-test touch a real person."""


@dataclass(frozen=True)
class Target:
    """What the run may use: a test customer on file (under a reserved domain), and
    optionally their drama-range phone number, so known and unknown people can be
    compared."""

    known_email: str
    known_phone: str | None = None
    samples: int = 5
    patience: float = 660.0


@dataclass(frozen=True)
class CaseResult:
    name: str
    passed: bool
    detail: str
    measurements: Mapping[str, float] = field(default_factory=dict)


Case = Callable[[httpx.Client, Target], CaseResult]


class CaseFailed(Exception):
    """Raised inside a case to stop it with a failing result."""


def is_reserved_address(email: str) -> bool:
    """Whether mail to ``email`` can reach no one (a reserved domain)."""
    domain = email.rsplit("@", 1)[-1].lower().rstrip(".")
    return any(domain == name or domain.endswith("." + name) for name in RESERVED_DOMAINS) or (
        domain.endswith(RESERVED_SUFFIXES)
    )


def is_drama_number(phone: str) -> bool:
    try:
        return normalise_phone(phone).startswith(DRAMA_PREFIXES)
    except InvalidInput:
        return False


def check_target(target: Target) -> Target:
    """Refuse a target that could reach a real person (see the module docstring)."""
    try:
        normalise_email(target.known_email)
    except InvalidInput:
        raise SelftestError("The known address is not a valid email address.") from None
    if not is_reserved_address(target.known_email):
        raise SelftestError(
            "The known address must be under a reserved domain (example.com, .invalid ...): "
            "add a test customer with such an address, never a real one."
        )
    if target.known_phone is not None and not is_drama_number(target.known_phone):
        raise SelftestError(
            "The known phone must be in one of Ofcom's drama ranges (such as 020 7946 0xxx)."
        )
    if not 1 <= target.samples <= 50:
        raise SelftestError("Samples must be between 1 and 50.")
    return target


def unknown_address() -> str:
    """An address no one holds: random, under the reserved ``.example`` (``.invalid`` is
    refused by the form as undeliverable, which would compare nothing)."""
    return f"selftest-{secrets.token_hex(8)}@unknown.example"


def unknown_phone() -> str:
    """A drama-range London number: allocated to no one, so on file nowhere real."""
    return f"020 7946 0{secrets.randbelow(1000):03d}"


# Talking to the site ---------------------------------------------------------------------


def csrf_token(client: httpx.Client, path: str = CENTRE) -> str:
    page = client.get(path)
    found = _CSRF.search(page.text)
    if page.status_code != 200 or found is None:
        raise CaseFailed(f"GET {path} answered {page.status_code} without a form token")
    return found.group(1)


def post_form(
    client: httpx.Client,
    path: str,
    pairs: Iterable[tuple[str, str]],
    target: Target,
    *,
    form_page: str = CENTRE,
) -> tuple[httpx.Response, float]:
    """POST a form as a browser would (a fresh CSRF token first) and time it; on 429 wait
    as the site asks (up to ``target.patience``) and try once more."""
    for attempt in range(2):
        body = urlencode([("csrf_token", csrf_token(client, form_page)), *pairs])
        started = time.perf_counter()
        response = client.post(path, content=body, headers=FORM_HEADERS)
        elapsed = time.perf_counter() - started
        if response.status_code != 429 or attempt:
            return response, elapsed
        wait = float(response.headers.get("retry-after", "60"))
        if wait > target.patience:
            break
        time.sleep(wait)
    raise CaseFailed(
        "the site rate-limited the test (HTTP 429); run it again later or allow more --patience"
    )


def ask(client: httpx.Client, target: Target, **fields: str) -> tuple[httpx.Response, float]:
    """A privacy-centre request (``kind`` access unless given)."""
    values = {"kind": "access", "email": "", "phone": "", "by_text": "", "choice": ""}
    values.update(fields)
    return post_form(client, CENTRE, values.items(), target)


def comparable(response: httpx.Response) -> tuple[int, tuple[tuple[str, str], ...], str]:
    """Status, headers and body with the parts that must differ removed: the date, cookie
    values, CSRF tokens and link tokens (random per request by design)."""
    headers = []
    for name, raw in response.headers.multi_items():
        value = raw
        if name in _VOLATILE:
            value = raw.split("=", 1)[0] if name == "set-cookie" else ""
        elif name == "location":
            value = _TOKEN_PATH.sub("/privacy-centre/<token>", raw)
        elif name == "content-length":
            continue  # follows the body, compared below
        headers.append((name, value))
    body = _CSRF.sub('name="csrf_token" value=""', response.text)
    body = _TOKEN_PATH.sub("/privacy-centre/<token>", body)
    body = _REFERENCE.sub("<reference>", body)
    return response.status_code, tuple(sorted(headers)), body


def differences(first: httpx.Response, second: httpx.Response) -> list[str]:
    a, b = comparable(first), comparable(second)
    found = []
    if a[0] != b[0]:
        found.append(f"status {a[0]} vs {b[0]}")
    if a[1] != b[1]:
        changed = set(a[1]) ^ set(b[1])
        found.append("headers " + ", ".join(sorted({name for name, _ in changed})))
    if a[2] != b[2]:
        found.append("body")
    return found


def _follow(client: httpx.Client, response: httpx.Response) -> httpx.Response | None:
    location = response.headers.get("location")
    if response.status_code != 303 or not location:
        return None
    return client.get(location)


def _same_replies(
    client: httpx.Client, known: httpx.Response, unknown: httpx.Response, what: str
) -> None:
    found = differences(known, unknown)
    if found:
        raise CaseFailed(f"{what}: the replies differ ({'; '.join(found)})")
    pages = _follow(client, known), _follow(client, unknown)
    if (pages[0] is None) != (pages[1] is None):
        raise CaseFailed(f"{what}: only one reply leads on to another page")
    if pages[0] is not None and pages[1] is not None:
        found = differences(pages[0], pages[1])
        if found:
            raise CaseFailed(f"{what}: the next pages differ ({'; '.join(found)})")


def timing_verdict(known: list[float], unknown: list[float]) -> tuple[bool, dict[str, float]]:
    """Loose comparison of medians: a difference only counts when it is both more than
    :data:`TIMING_RATIO` times and more than :data:`TIMING_SLACK` seconds."""
    a, b = statistics.median(known), statistics.median(unknown)
    ratio = max(a, b) / max(min(a, b), 1e-6)
    figures = {"known_median_ms": a * 1000, "unknown_median_ms": b * 1000, "ratio": ratio}
    return ratio <= TIMING_RATIO or abs(a - b) <= TIMING_SLACK, figures


# The cases ---------------------------------------------------------------------------------


def identical_replies_by_email(client: httpx.Client, target: Target) -> CaseResult:
    """A customer's address and an unknown one get the same status, headers, body and
    next page, in about the same time, over ``samples`` alternating pairs."""
    known_times: list[float] = []
    unknown_times: list[float] = []
    for index in range(target.samples):
        order = [(target.known_email, known_times), (unknown_address(), unknown_times)]
        if index % 2:
            order.reverse()
        replies: dict[bool, httpx.Response] = {}
        for email, times in order:
            response, elapsed = ask(client, target, email=email)
            times.append(elapsed)
            replies[email == target.known_email] = response
        if replies[True].status_code != 303:
            raise CaseFailed(f"the request was not accepted (HTTP {replies[True].status_code})")
        _same_replies(client, replies[True], replies[False], "known vs unknown address")
    close, figures = timing_verdict(known_times, unknown_times)
    if not close:
        return CaseResult(
            "identical_replies_by_email",
            False,
            "the replies are identical but a known address takes noticeably longer or shorter",
            figures,
        )
    return CaseResult(
        "identical_replies_by_email",
        True,
        f"{target.samples} pairs identical; medians {figures['known_median_ms']:.0f} ms "
        f"vs {figures['unknown_median_ms']:.0f} ms",
        figures,
    )


def identical_replies_by_text(client: httpx.Client, target: Target) -> CaseResult:
    """The same for a request verified by a texted code: the phone on file and an unknown
    number are sent to the same code page (only the token differs)."""
    assert target.known_phone is not None
    known, _ = ask(client, target, phone=target.known_phone)
    unknown, _ = ask(client, target, phone=unknown_phone())
    if known.status_code != 303:
        raise CaseFailed(f"the request was not accepted (HTTP {known.status_code})")
    _same_replies(client, known, unknown, "known vs unknown phone")
    return CaseResult("identical_replies_by_text", True, "same code page for both")


def look_alike_addresses(target: Target) -> list[str]:
    """Addresses an impostor would register to pass for the customer, all still under
    reserved domains: a ``+tag``, a sub-domain, another reserved domain, a suffix."""
    local, domain = target.known_email.split("@", 1)
    others = [name for name in RESERVED_DOMAINS if name != domain.lower()]
    return [
        f"{local}+privacy@{domain}",
        f"{local}@mail.{domain}",
        f"{local}@{others[0]}",
        f"{local}@{domain}.example",
        f"{local}.{local}@{domain}",
    ]


def look_alike_domains(client: httpx.Client, target: Target) -> CaseResult:
    """Asking from a look-alike address confirms nothing: the reply is the one an unknown
    address gets (GDPArrrrr's commonest success was a request from a similar address)."""
    baseline, _ = ask(client, target, email=unknown_address())
    variants = look_alike_addresses(target)
    for variant in variants:
        response, _ = ask(client, target, email=variant)
        _same_replies(client, response, baseline, "look-alike address")
    return CaseResult("look_alike_domains", True, f"{len(variants)} look-alikes, as unknown")


def same_name_other_address(client: httpx.Client, target: Target) -> CaseResult:
    """Identity is never taken from a name: a name field is refused outright (400), so a
    namesake with their own address can ask only about that address."""
    for name in ("name", "first_name", "full_name"):
        response, _ = ask(client, target, email=unknown_address(), **{name: "Ada Lovelace"})
        if response.status_code != 400:
            raise CaseFailed(f"a '{name}' field was accepted (HTTP {response.status_code})")
    return CaseResult("same_name_other_address", True, "name fields refused with 400")


def new_address_refused(client: httpx.Client, target: Target) -> CaseResult:
    """ "Send it to my new address": the form has no such field and refuses unknown or
    repeated fields (400), so an answer can only go to what is on file."""
    attacker = unknown_address()
    tries: list[list[tuple[str, str]]] = [
        [("send_to", attacker)],
        [("reply_to", attacker)],
        [("new_email", attacker)],
        [("email", attacker)],  # the address field twice
    ]
    base = [("kind", "access"), ("email", target.known_email), ("choice", "")]
    for extra in tries:
        response, _ = post_form(client, CENTRE, [*base, *extra], target)
        if response.status_code != 400:
            label = extra[0][0]
            raise CaseFailed(f"an extra '{label}' field was accepted ({response.status_code})")
    return CaseResult("new_address_refused", True, f"{len(tries)} extra fields refused with 400")


def _code_page(client: httpx.Client, target: Target) -> str:
    response, _ = ask(client, target, phone=unknown_phone())
    location = str(response.headers.get("location", ""))
    if response.status_code != 303 or not _TOKEN_PATH.search(location):
        raise CaseFailed(f"a request by text did not lead to a code page ({response.status_code})")
    return location


def code_brute_force(client: httpx.Client, target: Target) -> CaseResult:
    """A 6-digit code must not be guessable by trying: after at most five wrong codes the
    code page is gone (410), for GET and POST alike, and stays gone (no replay)."""
    path = _code_page(client, target)
    refused = 0
    for attempt in range(1, MAX_CODE_TRIES + 2):
        response, _ = _post_code(client, path, attempt, target)
        if response.status_code == 410:
            break
        if response.status_code == 200:
            raise CaseFailed("a guessed code was accepted")
        if response.status_code != 422:
            raise CaseFailed(f"a wrong code answered HTTP {response.status_code}")
        refused += 1
    if refused > MAX_CODE_TRIES:
        raise CaseFailed(f"still not locked after {MAX_CODE_TRIES} wrong codes")
    locked_after = refused
    replay = client.get(path).status_code, _post_code(client, path, 99, target)[0].status_code
    if replay != (410, 410):
        raise CaseFailed(f"the locked code page answered {replay} instead of 410")
    return CaseResult(
        "code_brute_force",
        True,
        f"locked after {locked_after} wrong codes; replay answered 410",
        {"locked_after": float(locked_after)},
    )


def _post_code(
    client: httpx.Client, path: str, attempt: int, target: Target
) -> tuple[httpx.Response, float]:
    """Post a code with a token from the home page's form: the code page itself is gone
    once locked, and the CSRF token belongs to the session, not the page."""
    return post_form(client, path, [("code", f"{attempt:06d}")], target)


def made_up_links(client: httpx.Client, target: Target) -> CaseResult:  # noqa: ARG001
    """Guessed or truncated link tokens open nothing (404), whatever the link."""
    for kind in ("verify", "download", "cancel", "code"):
        for token in (secrets.token_urlsafe(32), "A" * 43, "short"):
            status = client.get(f"{CENTRE}/{kind}/{token}").status_code
            if status != 404:
                raise CaseFailed(f"a made-up {kind} link answered HTTP {status}")
    return CaseResult("made_up_links", True, "12 made-up links answered 404")


def token_bits(token: str) -> float:
    """Entropy a token's length and alphabet can carry (hex: 4 bits, base64url: 6)."""
    if _HEX.match(token):
        return 4.0 * len(token)
    if _BASE64URL.match(token):
        return 6.0 * len(token)
    return 0.0


def token_entropy(client: httpx.Client, target: Target) -> CaseResult:
    """Links, the session cookie and CSRF tokens carry at least 128 random bits (a code
    page token is what an attacker would have to guess to reach someone's code)."""
    path = _code_page(client, target)
    found = _TOKEN_PATH.search(path)
    assert found is not None
    tokens = {"code page token": found.group(1), "CSRF token": csrf_token(client)}
    cookie = client.cookies.get("charter_session")
    if cookie is None:
        raise CaseFailed("no session cookie was set by the form page")
    tokens["session cookie"] = cookie
    weak = {name: token_bits(value) for name, value in tokens.items()}
    short = [name for name, bits in weak.items() if bits < MIN_TOKEN_BITS]
    if short:
        raise CaseFailed(f"fewer than {MIN_TOKEN_BITS} bits: {', '.join(short)}")
    again = _TOKEN_PATH.search(_code_page(client, target))
    if again is None or again.group(1) == found.group(1):
        raise CaseFailed("a second request got the same code page token")
    return CaseResult(
        "token_entropy",
        True,
        ", ".join(f"{name} {bits:.0f} bits" for name, bits in weak.items()),
        dict(weak),
    )


def account_reset_identical(client: httpx.Client, target: Target) -> CaseResult:
    """Password reset and sign-in say the same for a customer and for no one, so the
    account pages cannot be used to learn who holds an account."""
    replies: list[httpx.Response] = []
    for email in (target.known_email, unknown_address()):
        response, _ = post_form(
            client, "/account/reset", [("email", email)], target, form_page="/account/reset"
        )
        replies.append(response)
    _same_replies(client, replies[0], replies[1], "password reset")
    replies = []
    for email in (target.known_email, unknown_address()):
        response, _ = post_form(
            client,
            "/account/login",
            [("email", email), ("password", secrets.token_urlsafe(12))],
            target,
            form_page="/account/login",
        )
        replies.append(response)
    _same_replies(client, replies[0], replies[1], "sign-in")
    return CaseResult("account_reset_identical", True, "reset and sign-in replies identical")


CASES: dict[str, Case] = {
    "identical_replies_by_email": identical_replies_by_email,
    "identical_replies_by_text": identical_replies_by_text,
    "look_alike_domains": look_alike_domains,
    "same_name_other_address": same_name_other_address,
    "new_address_refused": new_address_refused,
    "code_brute_force": code_brute_force,
    "made_up_links": made_up_links,
    "token_entropy": token_entropy,
    "account_reset_identical": account_reset_identical,
}


def cases_for(target: Target, names: Iterable[str] | None = None) -> list[str]:
    """The cases to run: all (or ``names``), less the phone case without a known phone."""
    chosen = list(CASES) if names is None else list(names)
    unknown = [name for name in chosen if name not in CASES]
    if unknown:
        raise SelftestError(f"No such case: {', '.join(unknown)}.")
    if target.known_phone is None:
        chosen = [name for name in chosen if name != "identical_replies_by_text"]
    return chosen


def run_case(client: httpx.Client, target: Target, name: str) -> CaseResult:
    """One case; a failure, an unreachable site or a timeout is a failing result."""
    try:
        return CASES[name](client, target)
    except CaseFailed as exc:
        return CaseResult(name, False, str(exc))
    except httpx.HTTPError as exc:
        return CaseResult(name, False, f"the site could not be reached ({type(exc).__name__})")


def run_spoofing(
    make_client: Callable[[], httpx.Client],
    target: Target,
    *,
    names: Iterable[str] | None = None,
) -> list[CaseResult]:
    """Every case, each with a client of its own (its own cookies, like a new visitor)."""
    check_target(target)
    results = []
    for name in cases_for(target, names):
        with make_client() as client:
            results.append(run_case(client, target, name))
    return results
