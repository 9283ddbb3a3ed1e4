"""Request spoofing (DSAR abuse), after Pavur & Knerr, "GDPArrrrr: Using Privacy Laws to
Steal Identities" (Black Hat USA 2019): about a quarter of the organisations they asked
released someone else's data without adequate verification.

The black-box cases live in ``charter.selftest.service`` and are run here against a real
``charter serve`` on SQLite and PostgreSQL holding known customers, exactly as a firm runs
``charter selftest spoofing`` against its own site; then what the site did behind its
answers is checked (the outbox, the text outbox, the request ledger). The rest are direct:
token entropy, replayed and expired links, guessing a real code, a namesake, and a spoofed
``From:`` with a different ``Reply-To:`` imported with ``charter mail import`` (and
delivered by SMTP), and a mail server that is down, which must not mark customers out.

Look-alike addresses at the service level (``examp1e.com``, ``+tag``) are in
``tests/privacy_centre/test_routes.py::test_look_alike_address_releases_nothing``; here
they go through the real server and the outbox is checked afterwards.

The privacy centre allows five requests per network per ten minutes. The server runs with
``CHARTER_TRUST_PROXY_HEADERS`` and the test's clients name a fresh network in
``X-Forwarded-For`` on every request (as visitors behind a proxy would), so a full run
fits in seconds; the self-test itself never sets that header.
"""

from __future__ import annotations

import ast
import re
import secrets
import smtplib
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest
from sqlalchemy import create_engine, select, text
from typer.testing import CliRunner

from charter.cli import app as charter_app
from charter.installation.service import open_runtime
from charter.mail.inbound import correspondence_listener
from charter.mail.sender import OutboxSender, SmtpSender
from charter.privacy_centre import service as centre
from charter.privacy_centre import texts
from charter.privacy_centre.emailed import requested_kind
from charter.rights.models import RequestKind, SubjectRequest
from charter.runtime import Runtime
from charter.selftest import service as selftest
from charter.settings import Settings, shipped_policy_path
from charter.sms.sender import LocalTextOutbox
from tests.conftest import PG_ADMIN_URL
from tests.privacy_centre.factories import new_customer
from tests.server import charter_command, charter_env, free_port, running_server
from tests.web.asgi import AppClient, body_text, build_app, outbox_messages

KNOWN = "ada.selftest@example.com"
KNOWN_PHONE = "020 7946 0123"
REPLAY = "ben.replay@example.com"
CODED = "cai.code@example.com"
CODED_PHONE = "0117 496 0456"
NAMESAKE = "ada.namesake@example.org"
SPOOFED = "dee.customer@example.com"
BY_SMTP = "fay.smtp@example.com"
EXPIRING = "eve.expiry@example.net"
EXPIRING_PHONE = "0113 496 0789"
ATTACKER = "dee.customer@attacker.invalid"

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
_CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')
_VERIFY = re.compile(r"/privacy-centre/verify/[A-Za-z0-9_-]{43}")
_DOWNLOAD = re.compile(r"/privacy-centre/download/[A-Za-z0-9_-]{43}")
_CODE = re.compile(r"\b(\d{6})\b")
SRC = Path(__file__).resolve().parents[2] / "src" / "charter"


# A site with known customers -----------------------------------------------------------------


@dataclass(frozen=True)
class Site:
    data_dir: Path
    database_url: str
    base_url: str = ""

    @property
    def env(self) -> dict[str, str]:
        return charter_env(self.data_dir, {"CHARTER_DATABASE_URL": self.database_url})

    def settings(self, *, now: datetime | None = None) -> Settings:
        return Settings(
            data_dir=self.data_dir,
            database_url=self.database_url,
            policy=shipped_policy_path(),
            now=now,
        )


def _database_url(backend: str, folder: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """An empty database of the module's own: a new SQLite file, or a new PostgreSQL
    database dropped afterwards (``fresh_database_url``, at module scope)."""
    if backend == "sqlite":
        yield f"sqlite:///{folder / 'site.db'}"
        return
    request.getfixturevalue("pg_scratch_url")  # skips, or fails under CHARTER_REQUIRE_PG
    name = f"charter_spoof_{secrets.token_hex(4)}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def opened(site: Site, *, seed: bool = False, now: datetime | None = None) -> Iterator[Runtime]:
    """The site's installation in this process: ``seed`` creates and migrates it, else it
    is only used (no migration, no installation record); ``now`` sets its clock."""
    settings = site.settings(now=now)
    runtime = open_runtime(settings, create_keys=seed, migrate=seed, record=seed)
    try:
        yield runtime
    finally:
        runtime.close()


@pytest.fixture(scope="module")
def site(
    backend: str, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[Site]:
    """A running site holding the customers the cases need, all at reserved domains."""
    folder = tmp_path_factory.mktemp(f"spoofing-{backend}")
    for url in _database_url(backend, folder, request):
        seeded = Site(folder / "site", url)
        with opened(seeded, seed=True) as runtime:
            new_customer(runtime, email=KNOWN, phone=KNOWN_PHONE)
            new_customer(runtime, email=REPLAY)
            new_customer(runtime, email=CODED, phone=CODED_PHONE)
            new_customer(runtime, email=NAMESAKE)  # another "Ada", another address
            new_customer(runtime, email=SPOOFED)
            new_customer(runtime, email=BY_SMTP)
            new_customer(runtime, email=EXPIRING, phone=EXPIRING_PHONE)
        env = {"CHARTER_DATABASE_URL": url, "CHARTER_TRUST_PROXY_HEADERS": "true"}
        with running_server(seeded.data_dir, env, timeout=120.0) as base_url:
            yield Site(seeded.data_dir, url, base_url)


def _new_network(request: httpx.Request) -> None:
    """A visitor from a network of its own (the server trusts X-Forwarded-For here)."""
    request.headers["x-forwarded-for"] = (
        f"10.{secrets.randbelow(256)}.{secrets.randbelow(256)}.{1 + secrets.randbelow(254)}"
    )


def new_visitor(site: Site) -> httpx.Client:
    return httpx.Client(
        base_url=site.base_url, timeout=30.0, event_hooks={"request": [_new_network]}
    )


@pytest.fixture
def visitor(site: Site) -> Iterator[Callable[[], httpx.Client]]:
    """New visitors to the site (each its own cookies and network), closed afterwards."""
    opened_clients: list[httpx.Client] = []

    def make() -> httpx.Client:
        opened_clients.append(new_visitor(site))
        return opened_clients[-1]

    yield make
    for client in opened_clients:
        client.close()


def emails(site: Site) -> list[tuple[str, str]]:
    """(recipient, text) of every email the site wrote to its outbox folder."""
    return [
        (str(message["To"]).lower(), body_text(message))
        for message in outbox_messages(site.data_dir / "outbox")
    ]


def texts_sent(site: Site) -> list[dict[str, str]]:
    return LocalTextOutbox(site.data_dir / "text-outbox").sent()


def requests_in(site: Site) -> list[SubjectRequest]:
    with opened(site) as runtime, runtime.unit(write=False) as work:
        found = list(work.session.scalars(select(SubjectRequest).order_by(SubjectRequest.id)))
        for item in found:
            work.session.expunge(item)
        return found


def post(client: httpx.Client, path: str, **fields: str) -> httpx.Response:
    """A form POST with a CSRF token of the client's session."""
    found = _CSRF.search(client.get("/privacy-centre").text)
    assert found is not None
    body = urlencode({"csrf_token": found.group(1), **fields})
    return client.post(path, content=body, headers=FORM)


def ask(client: httpx.Client, **fields: str) -> httpx.Response:
    values = {"kind": "access", "email": "", "phone": "", "by_text": "", "choice": ""}
    return post(client, "/privacy-centre", **(values | fields))


def settle(count: Callable[[], int], at_least: int) -> None:
    """Wait (up to 30 s) until ``count()`` reaches ``at_least``: the privacy centre sends
    its messages just after replying (``privacy_centre.deferred``)."""
    deadline = time.monotonic() + 30
    while count() < at_least and time.monotonic() < deadline:
        time.sleep(0.05)


def newest_link(site: Site, to: str, pattern: re.Pattern[str]) -> str:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        for recipient, body in reversed(emails(site)):
            found = pattern.search(body)
            if recipient == to and found:
                return found.group(0)
        time.sleep(0.05)
    raise AssertionError("no such link in the outbox")


# The self-test against the real server ---------------------------------------------------------


def test_selftest_passes_and_releases_nothing(site: Site) -> None:
    """Every case passes against the real site; behind its identical answers the only
    messages went to the customer on file, and no request was verified or answered."""
    mailed_before, texted_before = len(emails(site)), len(texts_sent(site))
    requests_before = len(requests_in(site))
    target = selftest.Target(known_email=KNOWN, known_phone=KNOWN_PHONE, samples=5)
    results = selftest.run_spoofing(lambda: new_visitor(site), target)
    assert {result.name for result in results} == set(selftest.CASES)
    failed = [(result.name, result.detail) for result in results if not result.passed]
    assert failed == []
    by_name = {result.name: result for result in results}
    assert by_name["code_brute_force"].measurements["locked_after"] <= selftest.MAX_CODE_TRIES
    assert min(by_name["token_entropy"].measurements.values()) >= 128
    settle(lambda: len(emails(site)), mailed_before + 1)
    new_mail = emails(site)[mailed_before:]
    assert new_mail  # the customer was told someone asked in their name
    assert {recipient for recipient, _ in new_mail} == {KNOWN}
    assert {text["to"] for text in texts_sent(site)[texted_before:]} <= {"+442079460123"}
    made = requests_in(site)[requests_before:]
    assert made
    assert {request.status for request in made} == {"awaiting_verification"}
    assert all(request.subject_id is None for request in made)


def test_selftest_cli_reports_pass_per_case(site: Site) -> None:
    """The command a firm runs; its own network counts against the rate limit, so only
    cases that fit in it run here (the full set runs above through the same functions)."""
    result = CliRunner().invoke(
        charter_app,
        [
            "selftest",
            "spoofing",
            "--base-url",
            site.base_url,
            "--known-email",
            KNOWN,
            "--case",
            "made_up_links",
            "--case",
            "code_brute_force",
            "--patience",
            "0",
        ],
    )
    assert result.exit_code == 0, result.output
    assert result.output.count("PASS") == 2
    assert "2 passed, 0 failed" in result.output
    assert KNOWN not in result.output


def test_selftest_cli_fails_when_the_site_cannot_be_checked() -> None:
    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    result = CliRunner().invoke(
        charter_app,
        [
            "selftest",
            "spoofing",
            "--base-url",
            url,
            "--known-email",
            KNOWN,
            "--case",
            "made_up_links",
        ],
    )
    assert result.exit_code == 1
    assert "FAIL" in result.output


@pytest.mark.parametrize(
    ("option", "value"),
    [("--known-email", "ada@gmail.com"), ("--known-phone", "07400 123456")],
)
def test_selftest_refuses_targets_that_could_reach_a_real_person(option: str, value: str) -> None:
    args = ["selftest", "spoofing", "--base-url", "http://127.0.0.1:9", "--known-email", KNOWN]
    result = CliRunner().invoke(charter_app, [*args, option, value])
    assert result.exit_code == 1
    assert "reserved domain" in result.output or "drama ranges" in result.output


def test_a_leaky_reply_is_caught() -> None:
    """The comparison itself: a different body, status or header is a failure; CSRF and
    link tokens, dates and cookie values are not."""
    page = '<input name="csrf_token" value="{}"><a href="/privacy-centre/code/{}">'
    one = httpx.Response(200, headers={"date": "a"}, text=page.format("1" * 64, "A" * 43))
    two = httpx.Response(200, headers={"date": "b"}, text=page.format("2" * 64, "B" * 43))
    assert selftest.differences(one, two) == []
    leaky = httpx.Response(200, headers={"date": "c"}, text="We found you")
    assert selftest.differences(one, leaky) == ["body"]
    assert selftest.differences(one, httpx.Response(404, text=one.text))[0].startswith("status")
    assert selftest.timing_verdict([0.010] * 5, [0.012] * 5)[0]
    assert not selftest.timing_verdict([0.010] * 5, [0.200] * 5)[0]


# Tokens ----------------------------------------------------------------------------------


def _secrets_calls(folder: Path) -> list[tuple[str, str, int]]:
    """(file, function, byte count) of every ``secrets.token_*(n)`` call under ``folder``."""
    found = []
    for path in sorted(folder.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "secrets"
                and node.func.attr.startswith("token_")
            ):
                assert node.args, f"{path}: secrets.{node.func.attr}() without a size"
                size = node.args[0]
                if isinstance(size, ast.Name):  # a module constant such as _ID_BYTES
                    size = _constant(path, size.id)
                assert isinstance(size, ast.Constant), f"{path}: size not a constant"
                assert isinstance(size.value, int)
                found.append((path.name, node.func.attr, size.value))
    return found


def _constant(path: Path, name: str) -> ast.expr:
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == name for target in node.targets
        ):
            return node.value
    raise AssertionError(f"{path}: {name} is not a module constant")


@pytest.mark.parametrize("feature", ["privacy_centre", "accounts", "web", "newsletter"])
def test_every_link_and_session_token_draws_at_least_128_bits(feature: str) -> None:
    calls = _secrets_calls(SRC / feature)
    assert calls, f"no tokens drawn in {feature}?"
    assert [call for call in calls if call[2] < 16] == []


def test_verification_tokens_are_43_url_safe_characters_and_never_repeat(
    runtime: Runtime,
) -> None:
    with runtime.unit(write=False) as work:
        drawn = [centre.new_token(work, b"test\x1f") for _ in range(500)]
    tokens = [token for token, _ in drawn]
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{43}", token) for token in tokens)  # 258 bits
    assert len(set(tokens)) == len(tokens)
    assert len({digest for _, digest in drawn}) == len(drawn)
    assert len(set("".join(tokens))) == 64  # the whole alphabet is used
    assert texts.MAX_ATTEMPTS <= selftest.MAX_CODE_TRIES


# Links: used and expired -----------------------------------------------------------------------


def test_used_verification_and_download_links_answer_410(
    site: Site, visitor: Callable[[], httpx.Client]
) -> None:
    client = visitor()
    assert ask(client, email=REPLAY).status_code == 303
    verify = newest_link(site, REPLAY, _VERIFY)
    assert post(client, verify, action="confirm").status_code == 200
    for again in (client.get(verify), post(client, verify, action="confirm")):
        assert again.status_code == 410
    assert post(client, verify, action="cancel").status_code == 410
    download = newest_link(site, REPLAY, _DOWNLOAD)
    first = post(client, download)
    assert (first.status_code, first.headers["content-type"]) == (200, "application/zip")
    other = visitor()  # another visitor (an attacker holding the link) fares no better
    for replay in (client.get(download), post(client, download), post(other, download)):
        assert replay.status_code == 410
        assert replay.headers["content-type"].startswith("text/html")


def test_links_and_codes_expire(site: Site, tmp_path: Path) -> None:
    """Links and a code made a week and an hour ago (by a runtime whose clock says so),
    tried now on the running site: every one is gone (410) and nothing more happens."""
    outbox = OutboxSender(tmp_path / "outbox", "privacy@ajp.example")
    phones = LocalTextOutbox(tmp_path / "text-outbox")
    made_at = datetime.now(UTC) - timedelta(days=7, hours=1)
    with opened(site, now=made_at) as runtime:
        with runtime.unit() as work:
            made = centre.submit_request(
                work, kind="access", email=EXPIRING, actor="test", sender=outbox
            ).id
        (first,) = outbox_messages(tmp_path / "outbox")
        confirmed = _VERIFY.search(body_text(first))
        assert confirmed is not None
        with runtime.unit() as work:
            token = confirmed.group(0).rsplit("/", 1)[1]
            centre.confirm_request(work, token, evidence={}, actor="test", sender=outbox)
        with runtime.unit() as work:
            centre.submit_request(work, kind="erasure", email=EXPIRING, actor="test", sender=outbox)
        with runtime.unit() as work:
            code_page = texts.submit_text_request(
                work,
                kind="access",
                email=None,
                phone=EXPIRING_PHONE,
                actor="test",
                text_sender=phones,
            )
    links = [body_text(message) for message in outbox_messages(tmp_path / "outbox")]
    (verify,) = {found.group(0) for body in links[2:] for found in _VERIFY.finditer(body)}
    (download,) = {found.group(0) for body in links for found in _DOWNLOAD.finditer(body)}
    code = _CODE.search(phones.sent()[-1]["text"])
    assert code is not None
    with httpx.Client(base_url=site.base_url, timeout=30.0) as client:
        code_path = f"/privacy-centre/code/{code_page}"
        assert client.get(verify).status_code == 410
        assert post(client, verify, action="confirm").status_code == 410
        assert client.get(download).status_code == 410
        assert post(client, download).status_code == 410
        assert client.get(code_path).status_code == 410
        assert post(client, code_path, code=code.group(1)).status_code == 410
    statuses = [request.status for request in requests_in(site) if request.id >= made]
    assert statuses == ["completed", "awaiting_verification", "awaiting_verification"]


def test_a_failing_mail_server_does_not_tell_customers_apart(
    runtime: Runtime, tmp_path: Path
) -> None:
    """The verification email is sent after the reply (``privacy_centre.deferred``): with
    the mail server down, a customer's request is answered exactly as an unknown
    person's, not with the 503 that would mark them out (nor a slower reply when up)."""
    new_customer(runtime, email=KNOWN)
    app = build_app(runtime, tmp_path / "outbox")
    app.state.email_sender = SmtpSender(f"smtp://127.0.0.1:{free_port()}", "privacy@ajp.example")
    replies = []
    for email in (KNOWN, "nobody@unknown.example"):
        client = AppClient(app)
        body = {"csrf_token": client.csrf_token("/privacy-centre"), "kind": "access"}
        body |= {"email": email, "phone": "", "by_text": "", "choice": ""}
        replies.append(client.post("/privacy-centre", content=urlencode(body), headers=FORM))
    assert replies[0].status_code == 303
    assert selftest.differences(replies[0], replies[1]) == []


# Codes -----------------------------------------------------------------------------------


def test_the_right_code_is_refused_once_wrong_guesses_locked_the_request(
    site: Site, visitor: Callable[[], httpx.Client]
) -> None:
    client = visitor()
    before = len(texts_sent(site))
    page = ask(client, phone=CODED_PHONE)
    assert page.status_code == 303
    path = page.headers["location"]
    settle(lambda: len(texts_sent(site)), before + 1)
    (sent,) = texts_sent(site)[before:]
    assert sent["to"] == "+441174960456"
    found = _CODE.search(sent["text"])
    assert found is not None
    right = found.group(1)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    answers = [post(client, path, code=wrong) for _ in range(texts.MAX_ATTEMPTS)]
    assert [answer.status_code for answer in answers] == [422] * texts.MAX_ATTEMPTS
    assert "locked" in answers[-1].text
    for late in range(selftest.MAX_CODE_TRIES - texts.MAX_ATTEMPTS + 1):
        assert post(client, path, code=right).status_code == 410, late
    assert client.get(path).status_code == 410
    assert not any(request.verification_method == "sms_code" for request in requests_in(site))


# Impostors -----------------------------------------------------------------------------------


def test_a_namesake_is_answered_only_at_their_own_address(
    site: Site, visitor: Callable[[], httpx.Client]
) -> None:
    """Two customers called Ada: asking as one never reaches the other, and a name is no
    way in (the form refuses a name field outright)."""
    client = visitor()
    before = len(emails(site))
    assert ask(client, email=NAMESAKE).status_code == 303
    settle(lambda: len(emails(site)), before + 1)
    assert [recipient for recipient, _ in emails(site)[before:]] == [NAMESAKE]
    with_name = ask(client, email=NAMESAKE, name="Ada")
    assert with_name.status_code == 400
    assert len(emails(site)) == before + 1


@pytest.mark.parametrize(
    "address",
    [f"{KNOWN.replace('@', '+privacy@')}", "ada.selftest@examp1e.com", "ada.selftest@example.co"],
)
def test_look_alike_and_plus_tag_reach_no_one(
    site: Site, visitor: Callable[[], httpx.Client], address: str
) -> None:
    before = len(emails(site))
    assert ask(visitor(), email=address).status_code == 303
    assert emails(site)[before:] == []


def test_a_new_address_to_send_to_is_refused(
    site: Site, visitor: Callable[[], httpx.Client]
) -> None:
    client = visitor()
    before, requests_before = len(emails(site)), len(requests_in(site))
    for field in ("send_to", "reply_to", "new_email", "deliver_to"):
        assert ask(client, email=KNOWN, **{field: ATTACKER}).status_code == 400
    assert emails(site)[before:] == []
    assert len(requests_in(site)) == requests_before


def test_spoofed_from_with_a_reply_to_is_answered_only_at_the_address_on_file(
    site: Site, tmp_path: Path
) -> None:
    """``From: customer``, ``Reply-To: attacker``, asking for the data to go to a "new
    address": the request is logged (Art. 12(2)); the only email goes to the customer's
    address on file, saying someone asked in their name; the attacker gets nothing."""
    message = tmp_path / "request.eml"
    message.write_bytes(spoofed_request(SPOOFED))
    before, requests_before = len(emails(site)), len(requests_in(site))
    imported = subprocess.run(
        charter_command("mail", "import", str(message)),
        env=site.env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert imported.returncode == 0, imported.stdout + imported.stderr
    told_only(site, SPOOFED, before=before, requests_before=requests_before)


def told_only(site: Site, customer: str, *, before: int, requests_before: int) -> None:
    """The one new email went to ``customer`` (on file), none to the attacker; the one new
    request is logged as received by email, naming no one yet."""
    new_mail = outbox_messages(site.data_dir / "outbox")[before:]
    assert [str(mail["To"]).lower() for mail in new_mail] == [customer]
    assert all(
        ATTACKER not in str(mail[header] or "")
        for mail in new_mail
        for header in ("To", "Cc", "Bcc", "Reply-To")
    )
    told = body_text(new_mail[0])
    assert "in an email sent in the name of this address" in told
    assert "This wasn't me" in told
    assert ATTACKER not in told
    assert "old mailbox" not in told
    (logged,) = requests_in(site)[requests_before:]
    assert (logged.kind, logged.received_via, logged.status) == (
        "access",
        "email",
        "awaiting_verification",
    )
    assert logged.subject_id is None  # no one is named until the owner confirms


def test_a_spoofed_request_delivered_by_smtp_is_answered_only_at_the_address_on_file(
    site: Site,
) -> None:
    """The same through ``charter mail serve``'s listener (real SMTP)."""
    port = free_port()
    before, requests_before = len(emails(site)), len(requests_in(site))
    with opened(site) as runtime:
        listener = correspondence_listener(runtime, host="127.0.0.1", port=port)
        listener.start()
        try:
            with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
                client.sendmail(
                    ATTACKER, ["privacy@ajp-it-services.example"], spoofed_request(BY_SMTP)
                )
        finally:
            listener.stop()
    told_only(site, BY_SMTP, before=before, requests_before=requests_before)


def spoofed_request(customer: str) -> bytes:
    return (
        f"From: A Customer <{customer}>\r\n"
        f"Reply-To: A Customer <{ATTACKER}>\r\n"
        "To: privacy@ajp-it-services.example\r\n"
        "Subject: Subject access request\r\n"
        f"Message-ID: <{secrets.token_hex(8)}@attacker.invalid>\r\n"
        "\r\n"
        "Under Article 15 please send a copy of all my personal data to my new\r\n"
        f"address, {ATTACKER}. My old mailbox no longer works.\r\n"
    ).encode()


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Please treat this as a subject access request.", RequestKind.ACCESS),
        ("Can I have a copy of my personal data?", RequestKind.ACCESS),
        ("Please delete all my data.", RequestKind.ERASURE),
        ("I am using my right to be forgotten.", RequestKind.ERASURE),
        ("The printer jams every morning.", None),
    ],
)
def test_emailed_requests_are_recognised(text: str, kind: RequestKind | None) -> None:
    assert requested_kind(text) is kind
