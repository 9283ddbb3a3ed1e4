"""Bad input, everywhere: each named case gets a clear 4xx (web, API) or a clear error
(CLI, import, loader) and changes nothing; and outbound webhooks cannot be turned on the
firm's own network.

Named cases: invalid UTF-8, NUL and control characters, 10 MB bodies, deeply nested JSON,
CRLF in fields that reach an email header, HTML and script in text fields (escaped in
pages and emails), formula prefixes in CSV exports, path traversal, internationalised and
confusable email addresses. "Changes nothing" is measured as the row count of every
table (audit log included) before and after, on SQLite and PostgreSQL. The one table
left out is ``rate_limit_counters``: a refused submission still counts against its
network by design (``web/ratelimit.py``), so flooding with bad input is limited too.

What already has its own tests is not repeated here: the contact form's refusal table
(``tests/enquiries/test_routes.py``), the intake property test
(``tests/mail/test_properties.py``), screening (``tests/screening/test_properties.py``,
``test_cli.py``), deadlines and consent (``tests/rights``, ``tests/consent``), and the
API garbage test (``tests/api/test_openapi.py``; schemathesis in
``test_api_schemathesis.py``).
"""

from __future__ import annotations

import dataclasses
import ipaddress
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

import charter.registry  # noqa: F401 - every table is on the metadata
from charter.api.schemas import Scope
from charter.db import Base
from charter.disclosures import delivery
from charter.disclosures.connectors import (
    MAX_TIMEOUT_SECONDS,
    MIN_TIMEOUT_SECONDS,
    PrivateWebhookTarget,
    WebhookConnector,
    check_webhook_url,
    is_public_address,
)
from charter.disclosures.schemas import NoticeBody
from charter.errors import CharterError, InvalidInput, PolicyInvalid
from charter.exports.csvfiles import neutralise_cell
from charter.mail.importer import import_paths
from charter.mail.message import OutgoingEmail, compose
from charter.mail.parsing import MAX_HEADER_BYTES, MAX_MESSAGE_BYTES
from charter.policy.loader import load_history, load_policy
from charter.runtime import Runtime
from charter.settings import shipped_policy_path
from tests.api.factories import mint_token, subject_with_data
from tests.app_client import app_client
from tests.consent.factories import make_policy
from tests.web.asgi import AppClient, build_app, outbox_messages

#: Counted for the report: how many bad inputs were sent, and that none got a 5xx.
TALLY = {"bad_inputs": 0, "server_errors": 0, "rows_changed": 0}
#: Grows by design on refused submissions (see the module docstring).
COUNTED_ANYWAY = frozenset({"rate_limit_counters"})
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
TEN_MB = 10 * 1024 * 1024
SCRIPT = '<script>alert("x")</script>'


@pytest.fixture(scope="module", autouse=True)
def tally() -> Iterator[dict[str, int]]:
    yield TALLY
    print(f"\nbad input: {TALLY}")


def table_counts(runtime: Runtime) -> dict[str, int]:
    """Rows in every table but the rate-limit counters, in one query."""
    tables = [table for table in Base.metadata.sorted_tables if table.name not in COUNTED_ANYWAY]
    query = select(*(select(func.count()).select_from(table).scalar_subquery() for table in tables))
    with runtime.unit(write=False) as work:
        row = work.session.execute(query).one()
    return {table.name: int(count) for table, count in zip(tables, row, strict=True)}


def assert_unchanged(runtime: Runtime, before: dict[str, int]) -> None:
    changed = {name: n for name, n in table_counts(runtime).items() if before[name] != n}
    TALLY["rows_changed"] += len(changed)
    assert not changed


def note(status: int) -> None:
    TALLY["bad_inputs"] += 1
    TALLY["server_errors"] += int(status >= 500)


# Public forms --------------------------------------------------------------------------------

#: Each public form that collects personal data, with a submission our page would send.
FORMS: dict[str, dict[str, str]] = {
    "/contact": {
        "title": "Dr",
        "first_name": "Zebedee",
        "last_name": "Quillfeather",
        "email": "zeb@example.org",
        "phone": "0117 496 0123",
        "message": "Please call me about a laptop repair.",
        "website": "",
        "confirmed_special": "",
    },
    "/newsletter": {"email": "zeb@example.org", "first_name": "Zebedee", "website": ""},
    "/privacy-centre": {"kind": "access", "email": "zeb@example.org", "website": ""},
}
#: The single-line text fields of each form (where a line break could reach a header).
LINE_FIELDS = {
    "/contact": ("first_name", "last_name", "email", "phone"),
    "/newsletter": ("email", "first_name"),
    "/privacy-centre": ("email",),
}
#: Values that must be refused in any single-line field.
CONTROL_VALUES = {
    "crlf": "x\r\nBcc: victim@example.net",
    "lf": "x\nTo: victim@example.net",
    "nul": "x\x00y",
    "escape": "x\x1b[31my",
    "bidi_override": "x\u202ey",
    "backspace": "x\x08y",
}
#: Addresses that are not addresses of one mailbox, or that impersonate another.
BAD_ADDRESSES = {
    "two_recipients": "zeb@example.org, victim@example.net",
    "display_name_with_other_address": "zeb@example.org <victim@example.net>",
    "no_domain": "zeb@",
    "header_folding": "zeb@example.org\r\n victim@example.net",
    "bidi_reordered": "zeb@\u202egro.elpmaxe",
    "zero_width_joiner": "zeb\u200d@example.org",
}


@pytest.fixture
def app(runtime: Runtime, tmp_path: Path) -> FastAPI:
    return build_app(runtime, tmp_path / "outbox")


_networks = iter(range(1, 250))


def visitor(app: FastAPI) -> AppClient:
    """A visitor from a network of its own, so the rate limits never mask the refusal."""
    return AppClient(app, address=(f"198.51.{next(_networks)}.9", 50000))


def submit(app: FastAPI, path: str, fields: dict[str, str], *, body: bytes | None = None) -> Any:
    who = visitor(app)
    token = who.csrf_token(path)
    content = body if body is not None else urlencode({**fields, "csrf_token": token}).encode()
    if body is not None:
        content = content.replace(b"CSRF", token.encode())
    return who.post(path, content=content, headers=FORM)


@pytest.mark.parametrize("path", list(FORMS))
def test_control_characters_in_any_line_field_are_refused_and_change_nothing(
    runtime: Runtime, app: FastAPI, tmp_path: Path, path: str
) -> None:
    for name in LINE_FIELDS[path]:
        for case, value in CONTROL_VALUES.items():
            before = table_counts(runtime)
            response = submit(app, path, {**FORMS[path], name: value})
            note(response.status_code)
            assert 400 <= response.status_code < 500, (path, name, case, response.status_code)
            assert "victim@example.net" not in response.text
            assert_unchanged(runtime, before)
    assert outbox_messages(tmp_path / "outbox") == []


@pytest.mark.parametrize("path", list(FORMS))
def test_invalid_utf8_and_ten_megabyte_bodies_are_refused(
    runtime: Runtime, app: FastAPI, tmp_path: Path, path: str
) -> None:
    valid = urlencode({**FORMS[path], "csrf_token": "CSRF"}).encode()
    bodies = {
        "invalid_utf8_value": valid.replace(b"zeb%40", b"z%FF%FEb%40"),
        "invalid_utf8_raw": valid + b"&email=\xff\xfe",
        "ten_megabytes": valid + b"&message=" + b"x" * TEN_MB,
        "overlong_utf8_nul": valid.replace(b"zeb%40", b"z%C0%80b%40"),
        "lone_surrogate": valid.replace(b"zeb%40", b"z%ED%A0%80b%40"),
    }
    for case, body in bodies.items():
        before = table_counts(runtime)
        response = submit(app, path, {}, body=body)
        note(response.status_code)
        assert response.status_code in (400, 413), (path, case, response.status_code)
        assert_unchanged(runtime, before)
    assert outbox_messages(tmp_path / "outbox") == []


@pytest.mark.parametrize("path", list(FORMS))
def test_bad_and_confusable_addresses_are_refused_and_change_nothing(
    runtime: Runtime, app: FastAPI, tmp_path: Path, path: str
) -> None:
    for case, address in BAD_ADDRESSES.items():
        before = table_counts(runtime)
        response = submit(app, path, {**FORMS[path], "email": address})
        note(response.status_code)
        assert 400 <= response.status_code < 500, (path, case, response.status_code)
        assert_unchanged(runtime, before)
    assert outbox_messages(tmp_path / "outbox") == []


def test_an_internationalised_address_is_one_person_however_it_is_composed(
    runtime: Runtime, app: FastAPI
) -> None:
    """An internationalised address (RFC 6531) is accepted, and its composed and
    decomposed spellings (NFC/NFD) are the same person, not two records."""
    composed, decomposed = "zoë@exämple.org", "zoe\u0308@exa\u0308mple.org"
    for address in (composed, decomposed):
        response = submit(app, "/contact", {**FORMS["/contact"], "email": address})
        assert response.status_code == 303, response.text[:300]
    from charter.vault.models import Subject

    with runtime.unit(write=False) as work:
        assert work.session.scalar(select(func.count()).select_from(Subject)) == 1


@pytest.mark.parametrize("path", list(FORMS))
def test_html_and_script_typed_in_any_field_are_shown_escaped(
    runtime: Runtime, app: FastAPI, path: str
) -> None:
    """Each text field gets markup, with another field invalid so the page is shown
    again with what was typed: it must come back as text, never as markup."""
    fields = [name for name in FORMS[path] if name not in ("website", "confirmed_special")]
    for name in fields:
        other = "email" if name != "email" else fields[0]
        values = {**FORMS[path], name: SCRIPT[:40], other: "not an address"}
        if other == "kind":
            values["email"] = "not an address"
        before = table_counts(runtime)
        response = submit(app, path, values)
        note(response.status_code)
        assert 400 <= response.status_code < 500, (path, name, response.status_code)
        assert "<script>alert" not in response.text, (path, name)
        assert_unchanged(runtime, before)


def test_markup_in_a_name_stays_text_in_the_emails_it_reaches(
    runtime: Runtime, app: FastAPI, tmp_path: Path
) -> None:
    """A valid enquiry whose name and message hold markup: every email it causes carries
    the markup as text (escaped in any HTML part), never as live HTML."""
    values = {**FORMS["/contact"], "first_name": "<b>Zeb</b>", "message": SCRIPT}
    response = submit(app, "/contact", values)
    assert response.status_code == 303
    sent = outbox_messages(tmp_path / "outbox")
    assert sent
    for message in sent:
        for part in message.walk():
            if part.get_content_type() == "text/html":
                html = str(part.get_content())
                assert "<script>alert" not in html
                assert "<b>Zeb</b>" not in html


@pytest.mark.parametrize(
    "path",
    [
        "/privacy/versions/..%2F..%2Fsettings.py",
        "/privacy/versions/../../etc/passwd",
        "/static/..%2F..%2Fsettings.py",
        "/static/%2e%2e/%2e%2e/settings.py",
        "/unsubscribe/..%2F..%2Fadmin",
        "/privacy-centre/verify/..%2F..%2Fx",
        "/preferences/%00",
    ],
)
def test_path_traversal_in_urls_finds_nothing(runtime: Runtime, app: FastAPI, path: str) -> None:
    before = table_counts(runtime)
    response = visitor(app).get(path)
    note(response.status_code)
    assert 400 <= response.status_code < 500, response.status_code
    assert "BaseSettings" not in response.text
    assert "root:" not in response.text
    assert_unchanged(runtime, before)


# JSON API --------------------------------------------------------------------------------------


def test_api_refuses_nested_huge_and_malformed_json_and_changes_nothing(
    runtime: Runtime,
) -> None:
    api = dataclasses.replace(runtime, policy=make_policy())
    token = mint_token(api, "bad-input", list(Scope))
    ref, _ = subject_with_data(api)
    headers = {"authorization": f"Bearer {token}", "content-type": "application/json"}
    good = b'{"kind": "access", "received_via": "web"}'
    bodies = {
        "nested_arrays": b"[" * 100_000 + b"]" * 100_000,
        "nested_objects": b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
        "nested_in_a_field": b'{"kind": ' + b"[" * 5_000 + b"]" * 5_000 + b"}",
        "ten_megabytes": b'{"kind": "' + b"a" * TEN_MB + b'"}',
        "invalid_utf8": good.replace(b"access", b"acc\xff\xfe"),
        "nul_in_value": good.replace(b"access", b"acc\\u0000ess"),
        "crlf_in_value": good.replace(b"access", b"acc\\r\\nBcc: x"),
        "script_in_value": good.replace(b"access", b"<script>x</script>"),
        "unknown_field": good[:-1] + b', "is_admin": true}',
        "not_json": b"kind=access",
        "duplicate_keys": b'{"kind": "access", "kind": "erasure", "received_via": "web"}',
    }
    with app_client(api) as client:
        for case, body in bodies.items():
            before = table_counts(api)
            response = client.post("/api/v1/requests", content=body, headers=headers)
            note(response.status_code)
            if case == "duplicate_keys":  # JSON allows it; the last key wins, consistently
                assert response.status_code in (201, 422)
                continue
            assert 400 <= response.status_code < 500, (case, response.status_code)
            assert response.headers["content-type"].startswith("application/json")
            assert "<script>" not in response.text
            assert "Bcc" not in response.text
            assert_unchanged(api, before)
        wording = {
            "purpose": "marketing",
            "channel": "email",
            "collection_point": "newsletter_signup",
            "method": "web_form",
        }
        for case, text in {**CONTROL_VALUES, "script": SCRIPT}.items():
            before = table_counts(api)
            response = client.post(
                f"/api/v1/subjects/{ref}/consents",
                json={**wording, "wording": text},
                headers=headers,
            )
            note(response.status_code)
            assert 400 <= response.status_code < 500, (case, response.status_code)
            assert_unchanged(api, before)


# Email headers ---------------------------------------------------------------------------------


@pytest.mark.parametrize("value", list(CONTROL_VALUES.values())[:3])
@pytest.mark.parametrize("where", ["to", "subject", "header", "header_name"])
def test_crlf_never_reaches_an_outgoing_email_header(where: str, value: str) -> None:
    message = {
        "to": OutgoingEmail(to=f"zeb@example.org{value}", subject="Hi", text="x"),
        "subject": OutgoingEmail(to="zeb@example.org", subject=f"Hi{value}", text="x"),
        "header": OutgoingEmail(
            to="zeb@example.org", subject="Hi", text="x", headers={"X-Ref": f"1{value}"}
        ),
        "header_name": OutgoingEmail(
            to="zeb@example.org", subject="Hi", text="x", headers={f"X{value}": "1"}
        ),
    }[where]
    with pytest.raises(InvalidInput) as refused:
        compose(message, mail_from="Firm <no-reply@firm.example>")
    assert "victim" not in refused.value.public_message


# Mail import -----------------------------------------------------------------------------------


def _email(headers: str, body: bytes = b"Hello.\r\n") -> bytes:
    return headers.replace("\n", "\r\n").encode("utf-8", "surrogateescape") + b"\r\n" + body


MAIL_CASES: dict[str, bytes] = {
    "huge_headers": _email("From: zeb@example.org\nX-Pad: " + "a" * (MAX_HEADER_BYTES + 10) + "\n"),
    "no_from": _email("Subject: hi\n"),
    "two_from_headers": _email("From: zeb@example.org\nFrom: victim@example.net\n"),
    "two_addresses": _email("From: zeb@example.org, victim@example.net\n"),
    "nul_in_from": _email("From: zeb\x00@example.org\n"),
    "invalid_utf8_from": b"From: z\xff\xfe@example.org\r\n\r\nHello.\r\n",
    "crlf_folded_from": _email("From: zeb@example.org\n victim@example.net\n"),
    "empty": b"",
    "binary": bytes(range(256)) * 8,
}


def test_malformed_emails_are_refused_by_name_and_record_nothing(
    runtime: Runtime, tmp_path: Path
) -> None:
    paths = []
    for case, raw in MAIL_CASES.items():
        path = tmp_path / f"{case}.eml"
        path.write_bytes(raw)
        paths.append(path)
    too_big = tmp_path / "too_big.eml"
    with too_big.open("wb") as handle:
        handle.write(b"From: zeb@example.org\r\n\r\n")
        handle.truncate(MAX_MESSAGE_BYTES + 1)
    paths.append(too_big)
    before = table_counts(runtime)
    outcomes = import_paths(runtime, paths, actor="test:bad-input")
    for outcome in outcomes:
        note(400)
        assert outcome.result is None, outcome.source
        assert outcome.error
        assert "victim" not in outcome.error
        assert "zeb" not in outcome.error
    assert len(outcomes) == len(paths)
    assert_unchanged(runtime, before)


def test_an_mbox_of_bad_messages_refuses_each_and_records_nothing(
    runtime: Runtime, tmp_path: Path
) -> None:
    box = tmp_path / "bad.mbox"
    separator = b"From MAILER-DAEMON Thu Jan  1 00:00:00 2026\n"
    box.write_bytes(
        b"".join(
            separator + raw.replace(b"\r\n", b"\n") + b"\n"
            for raw in (
                MAIL_CASES["no_from"],
                MAIL_CASES["two_addresses"],
                MAIL_CASES["nul_in_from"],
            )
        )
    )
    before = table_counts(runtime)
    outcomes = import_paths(runtime, [box], actor="test:bad-input")
    assert [outcome.error is not None for outcome in outcomes] == [True, True, True]
    assert_unchanged(runtime, before)


def test_attachment_names_are_never_used_as_paths(runtime: Runtime, tmp_path: Path) -> None:
    """An attachment called ``../../x`` is recorded as a type only: no file appears, and
    the name is stored nowhere (Art. 5(1)(c): attachments are not kept)."""
    raw = _email(
        'From: zeb@example.org\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="b"\n',
        b"--b\r\nContent-Type: text/plain; charset=x-no-such-charset\r\n\r\nHi \xff\r\n"
        b'--b\r\nContent-Type: application/pdf; name="../../escape.pdf"\r\n'
        b'Content-Disposition: attachment; filename="../../../tmp/escape.pdf"\r\n'
        b"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0=\r\n--b--\r\n",
    )
    folder = tmp_path / "in" / "deep"
    folder.mkdir(parents=True)
    (folder / "one.eml").write_bytes(raw)
    outcomes = import_paths(runtime, [folder / "one.eml"], actor="test:bad-input")
    assert outcomes[0].result is not None, outcomes[0].error
    assert [path.name for path in tmp_path.rglob("*.pdf")] == []
    assert not Path("/tmp/escape.pdf").exists()
    with runtime.unit(write=False) as work:
        for table in Base.metadata.sorted_tables:
            for row in work.session.execute(select(table)):
                assert not any("escape.pdf" in str(value) for value in row), table.name


# Policy file -----------------------------------------------------------------------------------

SHIPPED = shipped_policy_path().read_bytes()


@st.composite
def mangled_policies(draw: st.DrawFn) -> bytes:
    """The shipped policy with a slice replaced by random bytes or YAML-ish text."""
    start = draw(st.integers(0, len(SHIPPED)))
    end = draw(st.integers(start, min(len(SHIPPED), start + 200)))
    junk = draw(
        st.one_of(
            st.binary(max_size=40),
            st.sampled_from(
                [b"\x00", b"\r\n:\r\n", b"&a [*a]", b"!!python/object:os.system", b"\t", b"{{"]
            ),
            st.text(max_size=40).map(lambda text: text.encode("utf-8", "surrogatepass")),
        )
    )
    return SHIPPED[:start] + junk + SHIPPED[end:]


@settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(raw=st.one_of(mangled_policies(), st.binary(max_size=400)))
def test_the_policy_loader_accepts_or_refuses_cleanly(tmp_path: Path, raw: bytes) -> None:
    path = tmp_path / "policy.yaml"
    path.write_bytes(raw)
    try:
        load_policy(path, require_valid=True)
    except PolicyInvalid as refused:
        message = refused.public_message
    else:
        message = "accepted"
    assert message


def _laughs(levels: int) -> str:
    lines = ["l0: &l0 [" + ", ".join(["lol"] * 9) + "]"]
    for level in range(1, levels + 1):
        lines.append(f"l{level}: &l{level} [" + ", ".join([f"*l{level - 1}"] * 9) + "]")
    return "\n".join(lines) + f"\npurposes: *l{levels}\n"


@pytest.mark.parametrize(
    ("case", "text"),
    [
        ("invalid_utf8", SHIPPED[:100] + b"\xff\xfe" + SHIPPED[100:]),
        ("nul", SHIPPED[:100] + b"\x00" + SHIPPED[100:]),
        ("deeply_nested", b"a: " + b"[" * 50_000 + b"]" * 50_000),
        ("deeply_nested_maps", b"a: " + b"{b: " * 20_000 + b"1" + b"}" * 20_000),
        ("billion_laughs", _laughs(9).encode()),
        ("python_object", b"!!python/object/apply:os.system ['true']"),
        ("ten_megabytes", b"name: '" + b"a" * TEN_MB + b"'\n"),
        ("not_a_mapping", b"- just\n- a list\n"),
    ],
)
def test_named_bad_policy_files_are_a_clear_error(tmp_path: Path, case: str, text: bytes) -> None:
    path = tmp_path / "policy.yaml"
    path.write_bytes(text)
    note(400)
    with pytest.raises(PolicyInvalid) as refused:
        load_policy(path, require_valid=True)
    assert "Traceback" not in refused.value.public_message
    assert len(refused.value.public_message) < 5_000


@pytest.mark.parametrize(
    "entry", ["../../../../etc/passwd", "/etc/passwd", "sub/old.yaml", "..", "a\\..\\b.yaml"]
)
def test_policy_history_entries_cannot_name_files_elsewhere(tmp_path: Path, entry: str) -> None:
    text = SHIPPED.decode().replace("history: [ajp-it-services-1.0.yaml]", f"history: ['{entry}']")
    path = tmp_path / "policy.yaml"
    path.write_text(text)
    note(400)
    with pytest.raises(PolicyInvalid, match="history entries must be file names"):
        load_history(path)


# CSV exports -----------------------------------------------------------------------------------

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


@settings(max_examples=300, deadline=None, database=None)
@given(
    cell=st.one_of(
        st.text(max_size=30),
        st.tuples(st.sampled_from(TRIGGERS), st.text(max_size=30)).map("".join),
    )
)
def test_no_csv_cell_can_start_a_formula(cell: str) -> None:
    shown = neutralise_cell(cell)
    assert not shown.startswith(TRIGGERS)
    assert shown in (cell, "'" + cell)


# Outbound safety -------------------------------------------------------------------------------

PRIVATE_TARGETS = [
    "https://127.0.0.1/x",
    "https://127.1.2.3:8443/x",
    "https://localhost/x",
    "https://api.localhost/x",
    "https://10.0.0.5/x",
    "https://172.16.9.9/x",
    "https://192.168.1.1/x",
    "https://169.254.169.254/latest/meta-data/",
    "https://100.64.0.1/x",
    "https://0.0.0.0/x",
    "https://[::1]/x",
    "https://[fd00::1]/x",
    "https://[fe80::1]/x",
    "https://[::ffff:10.0.0.1]/x",
    "https://[::ffff:127.0.0.1]/x",
    "https://224.0.0.1/x",
    "http://127.0.0.1:8080/x",
]


@pytest.mark.parametrize("url", PRIVATE_TARGETS)
def test_private_and_loopback_webhook_targets_are_refused_by_default(url: str) -> None:
    with pytest.raises(InvalidInput):
        check_webhook_url(url)
    with pytest.raises(InvalidInput):
        WebhookConnector(url, b"secret")


@pytest.mark.parametrize("url", [u for u in PRIVATE_TARGETS if u.startswith("https")])
def test_the_explicit_setting_allows_private_targets(url: str) -> None:
    assert check_webhook_url(url, allow_private=True) == url


def test_the_setting_never_allows_plain_http_off_loopback() -> None:
    for url in ("http://10.0.0.5/x", "http://processor.example/x"):
        with pytest.raises(InvalidInput):
            check_webhook_url(url, allow_private=True)
    assert check_webhook_url("http://127.0.0.1:9/x", allow_private=True)


def test_only_public_addresses_are_public() -> None:
    assert is_public_address("93.184.216.34")
    assert is_public_address("2a00:1450:4009:80b::200e")
    for address in ("127.0.0.1", "10.1.1.1", "::1", "fe80::1%eth0", "::ffff:192.168.0.1", "x"):
        assert not is_public_address(address), address


def test_a_private_target_is_refused_when_configured_and_nothing_changes(
    runtime: Runtime,
) -> None:
    assert not runtime.settings.allow_private_webhooks  # the default
    before = table_counts(runtime)
    for url in PRIVATE_TARGETS:
        with pytest.raises(InvalidInput), runtime.unit() as work:
            delivery.connect_recipient(work, "hosting_provider", webhook=url, actor="test")
        note(400)
    assert_unchanged(runtime, before)


def _notice() -> NoticeBody:
    return NoticeBody.model_validate(
        {
            "schema": "charter.recipient-notice/1",
            "idempotency_key": "k" * 32,
            "event": "restriction",
            "article": "Art. 18",
            "requested_action": "store only",
            "controller": "Us",
            "recipient": "hosting_provider",
            "subject_ref": "p" * 32,
            "disclosures": [],
            "request_reference": None,
            "submitted_time": datetime(2026, 11, 25, tzinfo=UTC),
        }
    )


def _resolves_privately(name: str) -> bool:
    try:
        found = socket.getaddrinfo(name, 443, type=socket.SOCK_STREAM)
    except OSError:
        return False
    return bool(found) and not all(is_public_address(str(item[4][0])) for item in found)


def test_a_name_that_resolves_to_a_private_address_is_refused_when_sending() -> None:
    """The check at configuration time sees only the name; sending resolves it and
    refuses a private address (and does not retry: retrying cannot fix it)."""
    name = socket.gethostname()
    if not _resolves_privately(name) or ("." in name and name.endswith(".localhost")):
        name = "ip6-localhost" if _resolves_privately("ip6-localhost") else name
    assert _resolves_privately(name), "this host's own name resolves to a local address"
    connector = WebhookConnector(f"https://{name}/notices", b"secret")
    body = _notice()
    result = connector.deliver(body, body.model_dump_json().encode())
    assert (result.delivered, result.error, result.retry) == (False, "private_address", False)


@pytest.fixture
def self_signed(tmp_path: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


class _Receiver(BaseHTTPRequestHandler):
    hits: list[str]

    def do_POST(self) -> None:
        self.hits.append(self.path)
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if self.path == "/redirect":
            self.send_response(307)
            self.send_header("Location", "http://169.254.169.254/latest/meta-data/")
        else:
            self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        return


def _serve(*, tls: tuple[Path, Path] | None = None) -> tuple[ThreadingHTTPServer, list[str]]:
    hits: list[str] = []
    handler = type("Receiver", (_Receiver,), {"hits": hits})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    if tls is not None:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(str(tls[0]), str(tls[1]))
        server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, hits


def test_tls_is_verified(self_signed: tuple[Path, Path]) -> None:
    """An untrusted certificate is refused (the default context verifies); the same
    receiver is reached once its certificate authority is trusted explicitly."""
    server, hits = _serve(tls=self_signed)
    url = f"https://127.0.0.1:{server.server_address[1]}/notices"
    body = _notice()
    payload = body.model_dump_json().encode()
    try:
        refused = WebhookConnector(url, b"s", allow_private=True).deliver(body, payload)
        trusting = ssl.create_default_context(cafile=str(self_signed[0]))
        accepted = WebhookConnector(url, b"s", allow_private=True, tls_context=trusting).deliver(
            body, payload
        )
    finally:
        server.shutdown()
        server.server_close()
    assert (refused.delivered, refused.error) == (False, "tls")
    assert accepted.delivered
    assert hits == ["/notices"]


def test_redirects_are_not_followed() -> None:
    server, hits = _serve()
    url = f"http://127.0.0.1:{server.server_address[1]}/redirect"
    body = _notice()
    try:
        result = WebhookConnector(url, b"s", allow_private=True).deliver(
            body, body.model_dump_json().encode()
        )
    finally:
        server.shutdown()
        server.server_close()
    assert (result.delivered, result.http_status) == (False, 307)
    assert hits == ["/redirect"]


def test_timeouts_and_retries_are_bounded() -> None:
    assert WebhookConnector("https://p.example/x", b"s", timeout=0).timeout == MIN_TIMEOUT_SECONDS
    big = WebhookConnector("https://p.example/x", b"s", timeout=10**9)
    assert big.timeout == MAX_TIMEOUT_SECONDS
    assert 1 <= delivery.MAX_ATTEMPTS <= 20
    assert all(
        delivery.backoff(attempt) <= delivery.MAX_BACKOFF
        for attempt in range(1, delivery.MAX_ATTEMPTS + 5)
    )
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(1)  # accepts the connection, never answers
    try:
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/x"
        connector = WebhookConnector(url, b"s", timeout=1, allow_private=True)
        body = _notice()
        started = time.monotonic()
        result = connector.deliver(body, body.model_dump_json().encode())
        elapsed = time.monotonic() - started
    finally:
        silent.close()
    assert (result.delivered, result.error, result.retry) == (False, "timeout", True)
    assert elapsed < 30  # bounded by the timeout, loosely (never hangs the job)


def test_a_private_address_refusal_is_a_charter_error() -> None:
    assert issubclass(PrivateWebhookTarget, CharterError)
    assert PrivateWebhookTarget().status_code == 422
