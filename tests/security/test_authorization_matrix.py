"""The authorisation matrix: every route of the app, every actor, one expected outcome.

``EXPECTED`` is the one table. The routes are enumerated from the app's router at test
time, so a route added without an entry here fails the suite until someone classifies it
(a route nobody thought about is how an unguarded page ships). Each actor is a real
browser or API client of a populated installation (``security_world``); path parameters
are filled with real identifiers of the owner the actor is aimed at.

Outcomes, read from the response:

* ``ALLOW``: the route let the actor through (2xx, a redirect elsewhere than a sign-in
  page, or a 400/409/422 from the handler: POSTs are sent with a valid CSRF token and an
  empty form, so reaching the form check proves the gate was passed without changing
  anything);
* ``LOGIN_REDIRECT``: 303 to ``/admin/login`` (console without a staff session);
* ``ACCOUNT_LOGIN``: 303 to ``/account/login`` (account pages without a customer session);
* ``FORBIDDEN``: 403 (a role that does not reach the page, an API token without the scope,
  plain staff or admin on a restricted person, Art. 18(2));
* ``NOT_FOUND``: 404 (someone else's record or an unknown link looks like absence);
* ``UNAUTHORIZED``: 401 (the API without a bearer token).

Actors: anonymous; customer A on A's things; customer A aimed at B's things (B's ids, A's
session and A's links); staff, privacy officer and admin on an ordinary person; the same
three on a restricted person; one API token per scope. The bearer-token API is exempt
from CSRF by design (no cookies, so no ambient authority); the CSRF half of this file
covers every other state-changing route.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import _IncludedRouter
from starlette.routing import BaseRoute, Mount, Route

from charter.app import create_app
from charter.web.csrf import SESSION_COOKIE
from tests.security.conftest import (
    API_SCOPES,
    ORDER_OF,
    ActorClient,
    SecurityWorld,
    row_counts,
)

pytestmark = pytest.mark.postgres

ALLOW = "ALLOW"
LOGIN_REDIRECT = "LOGIN_REDIRECT"
ACCOUNT_LOGIN = "ACCOUNT_LOGIN"
FORBIDDEN = "FORBIDDEN"
NOT_FOUND = "NOT_FOUND"
UNAUTHORIZED = "UNAUTHORIZED"


@dataclass(frozen=True)
class Actor:
    client: str  # which browser or API client sends the request
    target: str  # whose things fill the path: "a", "b", "p" (a person), "r" (restricted)
    holder: str  # whose link tokens the actor holds


ACTORS: dict[str, Actor] = {
    "anonymous": Actor("anonymous", "a", "a"),
    "customer_a": Actor("customer_a", "a", "a"),
    "customer_a_on_b": Actor("customer_a", "b", "a"),
    "staff": Actor("staff", "p", "p"),
    "privacy_officer": Actor("privacy_officer", "p", "p"),
    "admin": Actor("admin", "p", "p"),
    "staff_on_restricted": Actor("staff", "r", "r"),
    "officer_on_restricted": Actor("privacy_officer", "r", "r"),
    "admin_on_restricted": Actor("admin", "r", "r"),
    **{name: Actor(name, "p", "p") for name in API_SCOPES},
}
CUSTOMERS = ("customer_a", "customer_a_on_b")
ROLE_ACTORS = {
    "staff": ("staff", "staff_on_restricted"),
    "privacy_officer": ("privacy_officer", "officer_on_restricted"),
    "admin": ("admin", "admin_on_restricted"),
}
RESTRICTED = ("staff_on_restricted", "officer_on_restricted", "admin_on_restricted")

Row = dict[str, str]


def everyone(outcome: str) -> Row:
    return dict.fromkeys(ACTORS, outcome)


def public() -> Row:
    """A public page or form: the same for everyone, signed in or not."""
    return everyone(ALLOW)


def link(outcome: str = NOT_FOUND) -> Row:
    """A page behind a single-use link token; filled with a token nobody was sent, it
    must look like absence to everyone (the token alone is the capability)."""
    return everyone(outcome)


def link_form() -> Row:
    """The POST behind a link token: the form is read (and CSRF-checked) before the token
    is looked up, so the empty form this matrix sends stops at 400/422 for everyone."""
    return everyone(ALLOW)


def console(*roles: str, restricted_staff: str | None = None, past_the_gate: str = ALLOW) -> Row:
    """A console page for ``roles``; everybody without a staff session is sent to sign in.
    ``restricted_staff`` is what plain staff and admin get on a restricted person
    (Art. 18(2)), when it differs from what they get on an ordinary one; ``past_the_gate``
    what the allowed roles get for the empty form this matrix posts, when it is not a plain
    ALLOW (a 404 because an empty form names no person or hold)."""
    row = everyone(LOGIN_REDIRECT)
    for role, actors in ROLE_ACTORS.items():
        for actor in actors:
            row[actor] = past_the_gate if role in roles else FORBIDDEN
    if restricted_staff is not None:
        for actor in ("staff_on_restricted", "admin_on_restricted"):
            if row[actor] == ALLOW:
                row[actor] = restricted_staff
    return row


ALL_ROLES = ("staff", "privacy_officer", "admin")
OFFICER_ADMIN = ("privacy_officer", "admin")


def account(*, signed_out: str = ACCOUNT_LOGIN) -> Row:
    """A page of the signed-in customer's own account: the session alone decides whose,
    so customer A aimed at B still gets A's own page (checked below), never B's."""
    row = everyone(signed_out)
    for actor in CUSTOMERS:
        row[actor] = ALLOW
    return row


def api(scope: str) -> Row:
    """A ``/api/v1`` operation needing ``scope``: 401 without a token (browsers' cookies
    count for nothing), 403 with a token of another scope."""
    row = everyone(UNAUTHORIZED)
    for actor in API_SCOPES:
        row[actor] = ALLOW if actor == scope else FORBIDDEN
    return row


def own_record() -> Row:
    """A consent-record receipt link: whoever holds the receipt's token may fetch the
    record; customer A with B's record id and A's token finds nothing."""
    row = public()
    row["customer_a_on_b"] = NOT_FOUND
    return row


EXPECTED: dict[tuple[str, str], Row] = {
    # Public site and policy
    ("GET", "/"): public(),
    ("GET", "/services"): public(),
    ("GET", "/healthz"): public(),
    ("GET", "/privacy"): public(),
    ("GET", "/privacy/changes"): public(),
    ("GET", "/privacy/versions/{version}"): public(),
    # Enquiries
    ("GET", "/contact"): public(),
    ("POST", "/contact"): public(),
    ("GET", "/contact/thanks"): public(),
    ("POST", "/contact/screen"): public(),
    ("GET", "/consent-records/{record_id}"): own_record(),
    # Newsletter
    ("GET", "/newsletter"): public(),
    ("POST", "/newsletter"): public(),
    ("GET", "/newsletter/check-email"): public(),
    ("GET", "/newsletter/confirm/{token}"): link(),
    ("POST", "/newsletter/confirm/{token}"): link(),
    ("GET", "/unsubscribe/{token}"): link(),
    ("POST", "/unsubscribe/{token}"): link_form(),
    ("GET", "/preferences/{token}"): link(),
    ("POST", "/preferences/{token}"): link_form(),
    # Privacy centre
    ("GET", "/privacy-centre"): public(),
    ("POST", "/privacy-centre"): public(),
    ("GET", "/privacy-centre/check-email"): public(),
    ("GET", "/privacy-centre/verify/{token}"): link(),
    ("POST", "/privacy-centre/verify/{token}"): link_form(),
    ("GET", "/privacy-centre/code/{token}"): link(),
    ("POST", "/privacy-centre/code/{token}"): link(),
    ("GET", "/privacy-centre/cancel/{token}"): link(),
    ("POST", "/privacy-centre/cancel/{token}"): link(),
    ("GET", "/privacy-centre/download/{token}"): link(),
    ("POST", "/privacy-centre/download/{token}"): link(),
    # Cookies and statistics
    ("GET", "/cookies"): public(),
    ("POST", "/cookies/consent"): public(),
    ("GET", "/.well-known/gpc.json"): public(),
    ("GET", "/statistics/opt-out"): public(),
    ("POST", "/statistics/opt-out"): public(),
    # Customer accounts
    ("GET", "/account/register"): public(),
    ("POST", "/account/register"): public(),
    ("GET", "/account/check-email"): public(),
    ("GET", "/account/verify/{token}"): link(),
    ("POST", "/account/verify/{token}"): link(),
    ("GET", "/account/login"): public(),
    ("POST", "/account/login"): public(),
    ("POST", "/account/logout"): everyone(ACCOUNT_LOGIN),  # always lands on sign-in
    ("GET", "/account/reset"): public(),
    ("POST", "/account/reset"): public(),
    ("GET", "/account/reset/{token}"): link(),
    ("POST", "/account/reset/{token}"): link_form(),
    ("GET", "/account"): account(),
    ("POST", "/account/details"): account(),
    ("POST", "/account/consents"): account(),
    # Staff console: sign-in and the staff feature
    ("GET", "/admin/login"): public(),
    ("POST", "/admin/login"): public(),
    ("POST", "/admin/logout"): everyone(LOGIN_REDIRECT),  # always lands on sign-in
    ("GET", "/admin"): console(*ALL_ROLES),
    ("GET", "/admin/enquiries"): console(*ALL_ROLES),
    ("GET", "/admin/enquiries/{reference}"): console(*ALL_ROLES),
    ("GET", "/admin/outbox"): console(*OFFICER_ADMIN),
    ("GET", "/admin/outbox/{name}"): console("privacy_officer"),
    ("GET", "/admin/statistics"): console(*ALL_ROLES),
    ("GET", "/admin/staff"): console("admin"),
    # Rights requests
    ("GET", "/admin/requests"): console(*ALL_ROLES),
    ("GET", "/admin/requests/{reference}"): console(*ALL_ROLES),
    ("POST", "/admin/requests/{reference}/verify"): console(*ALL_ROLES),
    ("POST", "/admin/requests/{reference}/extend"): console(*ALL_ROLES),
    ("POST", "/admin/requests/{reference}/rectify"): console(*ALL_ROLES),
    ("POST", "/admin/requests/{reference}/objection"): console(*ALL_ROLES),
    ("POST", "/admin/requests/{reference}/acknowledge"): console(*ALL_ROLES),
    ("POST", "/admin/requests/{reference}/complaint-outcome"): console(*ALL_ROLES),
    ("POST", "/admin/requests/{reference}/refuse"): console(*ALL_ROLES),
    ("POST", "/admin/requests/{reference}/fulfil"): console(*ALL_ROLES),
    ("POST", "/admin/requests/{reference}/erase"): console("privacy_officer"),
    ("GET", "/admin/requests/{reference}/package"): console("privacy_officer"),
    # Orders of a person
    ("GET", "/admin/subjects/{ref}/orders"): console(*ALL_ROLES, restricted_staff=FORBIDDEN),
    ("POST", "/admin/subjects/{ref}/orders"): console(*ALL_ROLES, restricted_staff=FORBIDDEN),
    ("POST", "/admin/subjects/{ref}/orders/{order_id}/invoices"): console(
        *ALL_ROLES, restricted_staff=FORBIDDEN
    ),
    # The payment form is read before the person is opened: the empty form stops there.
    ("POST", "/admin/subjects/{ref}/invoices/{invoice_id}/payments"): console(*ALL_ROLES),
    # The API (bearer tokens; exempt from CSRF by design)
    ("GET", "/api/v1/decisions"): api("api_consents_read"),
    ("GET", "/api/v1/subjects/{ref}/consents"): api("api_consents_read"),
    ("POST", "/api/v1/subjects/{ref}/consents"): api("api_consents_write"),
    ("DELETE", "/api/v1/subjects/{ref}/consents/{purpose}/{channel}"): api("api_consents_write"),
    ("GET", "/api/v1/consent-records/{record_id}"): api("api_consents_read"),
    ("GET", "/api/v1/subjects/{ref}"): api("api_subjects_read"),
    ("GET", "/api/v1/requests"): api("api_requests_read"),
    ("GET", "/api/v1/requests/{reference}"): api("api_requests_read"),
    ("POST", "/api/v1/requests"): api("api_requests_write"),
    ("GET", "/api/v1/openapi.json"): public(),
    # Retention, disclosures, campaigns, compliance, breaches, engagements
    ("GET", "/admin/retention"): console(*OFFICER_ADMIN),
    ("POST", "/admin/retention/holds"): console(*OFFICER_ADMIN, past_the_gate=NOT_FOUND),
    ("POST", "/admin/retention/holds/lift"): console(*OFFICER_ADMIN, past_the_gate=NOT_FOUND),
    ("GET", "/admin/disclosures"): console(*ALL_ROLES),
    ("POST", "/admin/disclosures"): console(*ALL_ROLES, past_the_gate=NOT_FOUND),
    ("GET", "/admin/campaigns"): console(*OFFICER_ADMIN),
    ("POST", "/admin/campaigns"): console(*OFFICER_ADMIN),
    ("GET", "/admin/campaigns/{campaign_id}"): console(*OFFICER_ADMIN),
    ("POST", "/admin/campaigns/{campaign_id}/preview"): console(*OFFICER_ADMIN),
    ("POST", "/admin/campaigns/{campaign_id}/calls"): console(*OFFICER_ADMIN),
    ("POST", "/admin/campaigns/{campaign_id}/send"): console(*OFFICER_ADMIN),
    ("GET", "/admin/compliance"): console(*OFFICER_ADMIN),
    ("GET", "/admin/compliance/ropa"): console(*OFFICER_ADMIN),
    ("GET", "/admin/compliance/ropa.csv"): console(*OFFICER_ADMIN),
    ("GET", "/admin/breaches"): console(*OFFICER_ADMIN),
    ("POST", "/admin/breaches"): console(*OFFICER_ADMIN),
    ("GET", "/admin/breaches/{reference}"): console(*OFFICER_ADMIN),
    ("POST", "/admin/breaches/{reference}/notified"): console(*OFFICER_ADMIN),
    ("POST", "/admin/breaches/{reference}/decision"): console(*OFFICER_ADMIN),
    ("GET", "/admin/engagements"): console(*ALL_ROLES),
    ("POST", "/admin/engagements"): console(*ALL_ROLES),
    ("POST", "/admin/engagements/{engagement_id}/close"): console(*ALL_ROLES),
    # Person pages
    ("GET", "/admin/subjects"): console(*ALL_ROLES),
    ("POST", "/admin/subjects"): console(*ALL_ROLES),
    ("GET", "/admin/subjects/{ref}"): console(*ALL_ROLES, restricted_staff=FORBIDDEN),
    ("POST", "/admin/subjects/{ref}/values"): console("privacy_officer"),
}


# Enumerating the router ----------------------------------------------------------------


def _leaves(routes: list[BaseRoute]) -> Iterator[tuple[str, set[str]]]:
    for route in routes:
        if isinstance(route, Mount):
            continue  # /static: files, no handler of ours
        if isinstance(route, _IncludedRouter):
            for context in route.effective_route_contexts():
                yield context.path, set(context.methods or ())
        elif isinstance(route, Route):  # APIRoute is a Route
            yield route.path, set(route.methods or ())
        else:
            raise AssertionError(f"a route of an unknown kind: {route!r}")


def app_routes(app: FastAPI) -> list[tuple[str, str]]:
    """Every (method, path template) the app answers, HEAD aside (it mirrors GET)."""
    found = {
        (method, path) for path, methods in _leaves(app.routes) for method in methods - {"HEAD"}
    }
    return sorted(found, key=_running_order)


def _running_order(route: tuple[str, str]) -> tuple[int, str, str]:
    """Reads first, then writes, sign-in and sign-out forms last: an empty sign-in form
    fails and clears the cookie it came with, and a sign-out ends the session."""
    method, path = route
    ending = method == "POST" and path.endswith(("/login", "/logout"))
    rank = 2 if ending else 0 if method == "GET" else 1
    return rank, path, method


STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
#: The enquiry form's pre-submit check takes JSON and its CSRF token in ``X-CSRF-Token``.
JSON_FORM = "/contact/screen"
#: State-changing HTML routes exempt from CSRF by design, with the reason.
CSRF_EXEMPT = {
    ("POST", "/unsubscribe/{token}"): (
        "RFC 8058 one-click unsubscribe: mail clients POST it without cookies; the token in "
        "the link is the authority, and the body must be List-Unsubscribe=One-Click"
    ),
}


def test_every_route_has_an_entry_and_every_entry_a_route() -> None:
    routes = set(app_routes(create_app()))
    assert routes, "the router enumerated nothing"
    missing = sorted(routes - EXPECTED.keys())
    stale = sorted(EXPECTED.keys() - routes)
    assert not missing, f"routes without an authorisation entry: {missing}"
    assert not stale, f"entries for routes that no longer exist: {stale}"
    for key, row in EXPECTED.items():
        assert set(row) == set(ACTORS), f"{key}: every actor needs an expected outcome"


# Driving the requests ------------------------------------------------------------------

_PARAM = re.compile(r"{(\w+)(?::\w+)?}")


def concrete(world: SecurityWorld, path: str, actor: Actor) -> tuple[str, dict[str, str]]:
    """The template filled with real identifiers of ``actor.target``; query parameters a
    link carries come from ``actor.holder``."""
    owned, held = world.owned[actor.target], world.owned[actor.holder]
    if path.startswith("/admin/enquiries/"):
        reference = owned.enquiry or world.owned["p"].enquiry
    elif path.startswith("/admin/breaches/"):
        reference = world.shared["breach"]
    else:
        reference = owned.request or world.owned["p"].request
    values = {
        "ref": owned.ref,
        "reference": reference,
        "order_id": owned.order_id,
        "invoice_id": owned.invoice_id,
        "record_id": owned.record_id,
        "purpose": "marketing",
        "channel": "email",
        "campaign_id": world.shared["campaign_id"],
        "engagement_id": world.shared["engagement_id"],
        "name": world.shared["outbox_name"],
        "version": world.shared["version"],
        "token": world.shared["unknown_token"],
    }
    filled = _PARAM.sub(lambda m: values[m.group(1)], path)
    query = {"token": held.record_token} if path == "/consent-records/{record_id}" else {}
    return filled, query


def send(
    client: ActorClient, method: str, path: str, query: dict[str, str], *, csrf: str | None
) -> httpx.Response:
    if path.startswith("/api/"):
        body = {"json": {}} if method in {"POST", "PUT", "PATCH"} else {}
        return client.request(method, path, params=query, **body)  # type: ignore[arg-type]
    if path == JSON_FORM:
        headers = {} if csrf is None else {"x-csrf-token": csrf}
        return client.request(method, path, json={"message": "Hello"}, headers=headers)
    if method in STATE_CHANGING:
        return client.request(method, path, params=query, data={"csrf_token": csrf or ""})
    return client.request(method, path, params=query)


def outcome(response: httpx.Response) -> str:
    status = response.status_code
    location = response.headers.get("location", "")
    if status in (302, 303, 307) and location.startswith("/admin/login"):
        return LOGIN_REDIRECT
    if status in (302, 303, 307) and location.startswith("/account/login"):
        return ACCOUNT_LOGIN
    named = {401: UNAUTHORIZED, 403: FORBIDDEN, 404: NOT_FOUND}
    if status in named:
        return named[status]
    if status >= 500 or status in (405, 429):
        return f"HTTP {status}"
    return ALLOW


def check_matrix(world: SecurityWorld, routes: list[tuple[str, str]]) -> int:
    """Send every route to every actor; fail listing every difference; the count sent."""
    tokens = {name: client.form_token("/cookies") for name, client in world.clients.items()}
    mismatches: list[str] = []
    checked = 0
    for method, path in routes:
        for name, actor in ACTORS.items():
            filled, query = concrete(world, path, actor)
            client = world.clients[actor.client]
            response = send(client, method, filled, query, csrf=tokens[actor.client])
            if SESSION_COOKIE in response.cookies:  # sign-in and sign-out renew the id
                tokens[actor.client] = client.form_token("/cookies")
            got, wanted = outcome(response), EXPECTED[method, path][name]
            checked += 1
            if got != wanted:
                mismatches.append(
                    f"{method} {path} as {name}: expected {wanted}, got {got} "
                    f"({response.status_code} {response.headers.get('location', '')})"
                )
    assert not mismatches, f"{len(mismatches)} of {checked} differ:\n" + "\n".join(mismatches)
    return checked


#: Routes not sent in-process: the health check opens a connection of its own, which in
#: the rolled-back test transaction waits on SQLite's write lock. It is public because it
#: declares no dependency at all (checked below); tests/test_serve.py calls it for real.
NOT_SENT = {("GET", "/healthz")}


def test_authorisation_matrix(security_world: SecurityWorld) -> None:
    routes = [route for route in app_routes(security_world.app) if route not in NOT_SENT]
    assert check_matrix(security_world, routes) == len(routes) * len(ACTORS)


def test_routes_not_sent_are_public_by_construction() -> None:
    found = set()
    for route in create_app().routes:
        if isinstance(route, _IncludedRouter):
            for context in route.effective_route_contexts():
                for method in set(context.methods or ()) - {"HEAD"}:
                    if (method, context.path) in NOT_SENT:
                        found.add((method, context.path))
                        assert context.dependant is not None
                        assert not context.dependant.dependencies, context.path
                        assert EXPECTED[method, context.path] == public()
    assert found == NOT_SENT


def test_customer_a_sees_only_their_own_orders(security_world: SecurityWorld) -> None:
    """The account page has no id in its URL; A's session shows A's order and none of
    B's, whatever A tries."""
    alice, bob = security_world.clients["customer_a"], security_world.clients["customer_b"]
    mine, theirs = alice.get("/account"), bob.get("/account")
    assert mine.status_code == theirs.status_code == 200
    assert ORDER_OF["a"] in mine.text
    assert ORDER_OF["b"].replace("'", "&#39;") not in mine.text
    assert ORDER_OF["b"].replace("'", "&#39;") in theirs.text
    assert ORDER_OF["a"] not in theirs.text
    b_ref = security_world.owned["b"].ref
    assert b_ref not in mine.text
    # An account id or subject ref smuggled into the query changes nothing.
    smuggled = alice.get("/account", params={"ref": b_ref, "account_id": "2"})
    assert ORDER_OF["a"] in smuggled.text
    assert "INV-B1" not in smuggled.text


# CSRF on every state-changing route of the HTML app ------------------------------------

#: Tables a refused request may still touch: the per-network rate-limit counters are
#: taken before the body is read (so floods cost the flooder), and page-view statistics.
CSRF_MAY_TOUCH = frozenset({"rate_limit_counters"})


def _csrf_actor(method: str, path: str) -> str:
    """The actor the route lets through, so a refusal can only be the CSRF check's."""
    if path.endswith("/logout"):  # a forged sign-out must not end a live session
        return "customer_a" if path.startswith("/account/") else "staff"
    row = EXPECTED[method, path]
    refused = {FORBIDDEN, LOGIN_REDIRECT, ACCOUNT_LOGIN, UNAUTHORIZED}
    for name in ("customer_a", "privacy_officer", "admin", "staff", "anonymous"):
        if row[name] not in refused:
            return name
    raise AssertionError(f"nobody may {method} {path}")


def csrf_routes(app: FastAPI) -> list[tuple[str, str]]:
    return [
        (method, path)
        for method, path in app_routes(app)
        if method in STATE_CHANGING
        and not path.startswith("/api/")  # bearer tokens, no cookies: exempt by design
        and (method, path) not in CSRF_EXEMPT
    ]


def test_every_state_changing_route_refuses_a_missing_or_foreign_csrf_token(
    security_world: SecurityWorld,
) -> None:
    world = security_world
    stranger = world.new_client()
    foreign = stranger.form_token("/cookies")
    routes = csrf_routes(world.app)
    assert len(routes) >= 40
    print(f"CSRF checked on {len(routes)} state-changing routes, twice each")
    skip = CSRF_MAY_TOUCH
    failures: list[str] = []
    for method, path in routes:
        name = _csrf_actor(method, path)
        actor = ACTORS[name]
        filled, query = concrete(world, path, actor)
        client = world.clients[actor.client]
        client.form_token("/cookies")  # the actor has a session cookie and a token of its own
        for label, token in (("no token", None), ("another session's token", foreign)):
            before = row_counts(world.runtime, skip=skip)
            response = send(client, method, filled, query, csrf=token)
            after = row_counts(world.runtime, skip=skip)
            if response.status_code != 403:
                failures.append(f"{method} {path} as {name}, {label}: {response.status_code}")
            changed = {t: (before[t], after[t]) for t in before if before[t] != after[t]}
            if changed:
                failures.append(f"{method} {path} as {name}, {label}: rows changed {changed}")
    assert not failures, "\n".join(failures)
    # The forged sign-outs ended nothing.
    assert world.clients["customer_a"].get("/account").status_code == 200
    assert world.clients["staff"].get("/admin").status_code == 200
