"""The contact form end to end: a real `charter serve` process, real HTTP, and a real SMTP
server (aiosmtpd on a loopback port) receiving what the firm and the person get."""

from __future__ import annotations

import re
from pathlib import Path

import httpx

from tests.server import running_server
from tests.web.asgi import body_text, csrf_of
from tests.web.mailbox import smtp_server

from .factories import EMAIL, FIRST_NAME, LAST_NAME, MESSAGE, NORMALISED_EMAIL, PHONE, WORDINGS

#: Where links in emails point: the public site, served in the test by the local server.
PUBLIC = "https://www.ajp-it-services.example"
STAFF = "office@ajp-it-services.example"


def local(url: str, base: str) -> str:
    assert url.startswith(PUBLIC), url
    return base + url[len(PUBLIC) :]


def test_contact_form_mails_the_person_their_consent_and_the_firm_only_a_link(
    tmp_path: Path, fresh_database_url: str
) -> None:
    with smtp_server() as (smtp_url, mailbox):
        env = {
            "CHARTER_DATABASE_URL": fresh_database_url,
            "CHARTER_SMTP_URL": smtp_url,
            "CHARTER_BASE_URL": PUBLIC,
            "CHARTER_STAFF_NOTIFICATION_EMAIL": STAFF,
        }
        with running_server(tmp_path / "site", env) as base, httpx.Client(base_url=base) as web:
            token = csrf_of(web.get("/contact").text)
            response = web.post(
                "/contact",
                data={
                    "csrf_token": token,
                    "title": "Dr",
                    "first_name": FIRST_NAME,
                    "last_name": LAST_NAME,
                    "email": EMAIL,
                    "phone": PHONE,
                    "message": MESSAGE,
                    "marketing_email": "yes",
                    "marketing_text": "yes",
                    "website": "",
                    "confirmed_special": "",
                },
            )
            assert response.status_code == 303
            assert response.headers["location"] == "/contact/thanks"
            mailbox.wait_for(2)
            (staff,) = mailbox.to(STAFF)
            (person,) = mailbox.to(NORMALISED_EMAIL)

            staff_text = f"{staff['Subject']}\n{body_text(staff)}"
            assert re.search(rf"{PUBLIC}/admin/enquiries/ENQ-[A-Z0-9]{{10}}", staff_text)
            for planted in (FIRST_NAME, LAST_NAME, NORMALISED_EMAIL, PHONE, "4960123", MESSAGE):
                assert planted.lower() not in staff_text.lower(), planted
            for planted in (FIRST_NAME, LAST_NAME, NORMALISED_EMAIL, "printer", "jams"):
                assert planted.lower() not in staff.as_string().lower(), planted

            text = body_text(person)
            assert "Your reference: ENQ-" in text
            assert WORDINGS["email"] in text
            assert WORDINGS["text"] in text
            assert WORDINGS["phone"] not in text
            links = re.findall(
                rf"{PUBLIC}/consent-records/[0-9a-f-]{{36}}\?token=[0-9a-f]{{64}}", text
            )
            assert len(links) == 2
            for link in links:
                assert FIRST_NAME.lower() not in link.lower()
                assert "zebedee" not in link.lower()
                record = httpx.get(local(link, base))
                assert record.status_code == 200
                assert record.json()["state"] == "given"
                assert record.json()["notice"]["wording"] in (WORDINGS["email"], WORDINGS["text"])
