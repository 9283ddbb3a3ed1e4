"""Writing campaigns, the retry job's registration, the CLI and the staff console."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from charter.campaigns import service
from charter.campaigns.models import Campaign
from charter.cli import app as charter_app
from charter.errors import InvalidInput, PolicyRefusal
from charter.installation.service import open_runtime
from charter.jobs.schedule import job_named
from charter.runtime import Runtime
from charter.settings import Settings
from tests.app_client import AppClient, app_client
from tests.staff.factories import add_staff, audit_entries, email_for, sign_in
from tests.web.asgi import outbox_messages

from .factories import ACTOR, TEXT, campaign, erase, messages, person, restrict, withdraw

pytestmark = pytest.mark.postgres
runner = CliRunner()


def _count(runtime: Runtime) -> int:
    with runtime.unit(write=False) as work:
        return int(work.session.scalar(select(func.count()).select_from(Campaign)) or 0)


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"purpose": "seek_feedback"}, PolicyRefusal),  # not a marketing purpose
        ({"purpose": "lead_generation"}, PolicyRefusal),  # undeclared
        ({"channel": "post"}, InvalidInput),
        ({"channel": "text", "html": "<p>Hi</p>"}, InvalidInput),
        ({"channel": "text", "text": "x" * 900}, InvalidInput),  # no room for the opt-out
        ({"title": " "}, InvalidInput),
        ({"subject_line": "s" * 201}, InvalidInput),
    ],
)
def test_a_campaign_that_could_not_lawfully_go_is_refused_and_not_stored(
    runtime: Runtime, changes: dict[str, str], error: type[Exception]
) -> None:
    values = {
        "title": "Winter",
        "purpose": "marketing",
        "channel": "email",
        "subject_line": "Winter offer",
        "text": TEXT,
        "html": None,
    } | changes
    with runtime.unit() as work, pytest.raises(error):
        service.create_campaign(work, actor=ACTOR, **values)  # type: ignore[arg-type]
    assert _count(runtime) == 0


def test_created_campaign_is_a_draft_and_audited(runtime: Runtime) -> None:
    campaign_id = campaign(runtime, html="<p>Offer</p>")
    with runtime.unit(write=False) as work:
        found = service.find_campaign(work, campaign_id)
        assert (found.status, found.channel, found.html, found.created_by) == (
            "draft",
            "email",
            "<p>Offer</p>",
            ACTOR,
        )
    [entry] = audit_entries(runtime, "campaign.created")
    assert entry.purpose == "marketing"
    with runtime.unit(write=False) as work, pytest.raises(service.CampaignNotFound):
        service.find_campaign(work, campaign_id + 1000)


def test_the_retry_job_is_scheduled_every_five_minutes() -> None:
    job = job_named("campaigns.retry_pending")
    assert job.every.total_seconds() == 300


# CLI ---------------------------------------------------------------------------------------


@pytest.fixture
def installation(
    tmp_path: Path, fresh_database_url: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Runtime]:
    """A real installation (SQLite or PostgreSQL) with a mixed marketing audience."""
    for name in ("CHARTER_KEYRING", "CHARTER_POLICY", "CHARTER_NOW", "CHARTER_SMTP_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("CHARTER_SMS_URL", raising=False)
    monkeypatch.setenv("CHARTER_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CHARTER_DATABASE_URL", fresh_database_url)
    runtime = open_runtime(Settings())
    try:
        with runtime.unit() as work:
            person(work, "one@example.org")
            person(work, "two@example.org")
            withdraw(work, person(work, "gone@example.org"))
            restrict(work, person(work, "paused@example.org"))
            erase(work, person(work, "erased@example.org"))
        yield runtime
    finally:
        runtime.close()


def test_cli_creates_previews_sends_and_lists(installation: Runtime, tmp_path: Path) -> None:
    body = tmp_path / "body.txt"
    body.write_text(TEXT, encoding="utf-8")
    create = ["campaign", "create", "--title", "Winter", "--subject", "Winter offer"]
    created = runner.invoke(charter_app, [*create, "--text-file", str(body)])
    assert created.exit_code == 0, created.output
    assert "Created campaign 1 (draft)." in created.output

    dry = runner.invoke(charter_app, ["campaign", "send", "1", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "eligible: 2" in dry.output
    assert "refused: 3 (erased 1, restricted 1, withdrawn 1)" in dry.output
    outbox = installation.settings.data_dir / "outbox"
    assert outbox_messages(outbox) == []
    assert messages(installation, 1) == {}

    sent = runner.invoke(charter_app, ["campaign", "send", "1"])
    assert sent.exit_code == 0, sent.output
    assert "Campaign 1: sent." in sent.output
    assert "sent now: 2, failed: 0, pending: 0" in sent.output
    assert sorted(str(message["To"]) for message in outbox_messages(outbox)) == [
        "one@example.org",
        "two@example.org",
    ]
    again = runner.invoke(charter_app, ["campaign", "send", "1"])
    assert again.exit_code == 1
    assert "sent already" in again.output
    assert len(outbox_messages(outbox)) == 2

    listed = runner.invoke(charter_app, ["campaign", "list"])
    assert listed.exit_code == 0, listed.output
    assert "Winter" in listed.output
    assert "sent" in listed.output
    assert "example.org" not in listed.output + sent.output + dry.output


def test_cli_refuses_bad_input_and_changes_nothing(installation: Runtime, tmp_path: Path) -> None:
    body = tmp_path / "body.txt"
    body.write_text(TEXT, encoding="utf-8")
    create = ["campaign", "create", "--title", "Feedback", "--subject", "How did we do?"]
    refused = runner.invoke(
        charter_app, [*create, "--text-file", str(body), "--purpose", "seek_feedback"]
    )
    assert refused.exit_code == 1
    assert "Error" in refused.output
    missing = runner.invoke(charter_app, ["campaign", "send", "42"])
    assert missing.exit_code == 1
    assert "no such campaign" in missing.output
    assert _count(installation) == 0


# Console -----------------------------------------------------------------------------------


@pytest.fixture
def client(runtime: Runtime) -> Iterator[AppClient]:
    with app_client(runtime) as opened:
        yield opened


def _signed_in(runtime: Runtime, client: AppClient, role: str) -> None:
    add_staff(runtime, role)
    assert sign_in(client, email_for(role)).status_code == 303


@pytest.mark.parametrize("role", ["anonymous", "staff", "privacy_officer", "admin"])
def test_console_role_matrix(runtime: Runtime, client: AppClient, role: str) -> None:
    campaign_id = campaign(runtime)
    if role != "anonymous":
        _signed_in(runtime, client, role)
    for path in ("/admin/campaigns", f"/admin/campaigns/{campaign_id}"):
        response = client.get(path)
        if role == "anonymous":
            assert response.status_code == 303
            assert response.headers["location"].startswith("/admin/login")
        else:
            expected = 200 if role in {"privacy_officer", "admin"} else 403
            assert response.status_code == expected, path


def test_console_creates_previews_and_sends(runtime: Runtime, client: AppClient) -> None:
    with runtime.unit() as work:
        person(work, "reader@example.org")
        withdraw(work, person(work, "left@example.org"))
        restrict(work, person(work, "paused@example.org"))
    _signed_in(runtime, client, "privacy_officer")
    token = client.csrf("/admin/campaigns")
    form = {
        "title": "Spring",
        "purpose": "marketing",
        "channel": "email",
        "subject_line": "Spring offer",
        "text": TEXT,
        "html": "",
    }
    forged = client.post("/admin/campaigns", data=form)
    assert forged.status_code == 403
    assert _count(runtime) == 0
    created = client.post("/admin/campaigns", data=form | {"csrf_token": token})
    assert created.status_code == 303
    location = created.headers["location"]
    assert location.startswith("/admin/campaigns/")
    campaign_id = int(location.rsplit("/", 1)[1])

    preview = client.post(f"{location}/preview", data={"csrf_token": token})
    assert preview.status_code == 200
    assert '<td data-reason="eligible">1</td>' in preview.text
    assert '<td data-reason="withdrawn">1</td>' in preview.text
    assert '<td data-reason="restricted">1</td>' in preview.text
    assert "example.org" not in preview.text
    outbox = runtime.settings.data_dir / "outbox"
    assert outbox_messages(outbox) == []

    wrong = {"csrf_token": "0" * 64}
    assert client.post(f"{location}/send", data=wrong).status_code == 403
    sent = client.post(f"{location}/send", data={"csrf_token": token})
    assert sent.status_code == 303
    [email] = outbox_messages(outbox)
    assert email["To"] == "reader@example.org"
    assert email["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    page = client.get(location).text
    assert '<dd id="campaign-status">sent</dd>' in page
    assert '<dd id="count-sent">1</dd>' in page
    assert "example.org" not in page
    for action in ("campaign.created", "campaign.previewed", "campaign.send_finished"):
        [entry] = audit_entries(runtime, action)
        assert entry.actor.startswith("staff:")
    assert len(messages(runtime, campaign_id)) == 3


def test_console_shows_a_clear_error_for_a_bad_campaign(
    runtime: Runtime, client: AppClient
) -> None:
    _signed_in(runtime, client, "admin")
    token = client.csrf("/admin/campaigns")
    response = client.post(
        "/admin/campaigns",
        data={
            "csrf_token": token,
            "title": "Feedback",
            "purpose": "seek_feedback",
            "channel": "email",
            "subject_line": "How did we do?",
            "text": TEXT,
            "html": "",
        },
    )
    assert 400 <= response.status_code < 500
    assert _count(runtime) == 0


def test_console_shows_a_phone_campaigns_call_list(runtime: Runtime, client: AppClient) -> None:
    with runtime.unit() as work:
        person(work, "caller@example.org", phone="07911 123458", channels=("phone",))
        person(work, "mailer@example.org", phone="07911 123459", channels=("email",))
    campaign_id = campaign(runtime, channel="phone")
    _signed_in(runtime, client, "admin")
    token = client.csrf(f"/admin/campaigns/{campaign_id}")
    assert client.post(
        f"/admin/campaigns/{campaign_id}/send", data={"csrf_token": token}
    ).is_redirect
    listed = client.post(f"/admin/campaigns/{campaign_id}/calls", data={"csrf_token": token})
    assert listed.status_code == 200
    assert listed.headers["cache-control"] == "no-store"
    assert "+447911123458" in listed.text
    assert "+447911123459" not in listed.text
    [entry] = audit_entries(runtime, "campaign.call_list_viewed")
    assert json.loads(entry.detail)["entries"] == 1
    email_campaign = campaign(runtime)
    refused = client.post(f"/admin/campaigns/{email_campaign}/calls", data={"csrf_token": token})
    assert refused.status_code == 409


def test_cli_call_list_of_a_phone_campaign(installation: Runtime, tmp_path: Path) -> None:
    with installation.unit() as work:
        person(work, "caller@example.org", phone="07911 123460", channels=("phone",))
    body = tmp_path / "script.txt"
    body.write_text("Ask about the winter health check.", encoding="utf-8")
    create = ["campaign", "create", "--title", "Calls", "--subject", "Winter calls"]
    created = runner.invoke(charter_app, [*create, "--text-file", str(body), "--channel", "phone"])
    assert created.exit_code == 0, created.output
    sent = runner.invoke(charter_app, ["campaign", "send", "1"])
    assert sent.exit_code == 0, sent.output
    assert outbox_messages(installation.settings.data_dir / "outbox") == []
    calls = runner.invoke(charter_app, ["campaign", "calls", "1"])
    assert calls.exit_code == 0, calls.output
    assert "+447911123460" in calls.output
    assert "example.org" not in calls.output
