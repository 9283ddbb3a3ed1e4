"""`/admin/engagements` through real HTTP: staff open and close their own engagements."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from charter.engagements import service
from charter.orders import service as orders
from charter.runtime import Runtime
from tests.app_client import AppClient, app_client
from tests.staff.factories import add_staff, audit_entries, email_for, sign_in

from .factories import new_client, new_staff

pytestmark = pytest.mark.postgres


@pytest.fixture
def client(runtime: Runtime) -> Iterator[AppClient]:
    with app_client(runtime) as opened:
        yield opened


def test_staff_open_list_and_close_an_engagement(runtime: Runtime, client: AppClient) -> None:
    customer = new_client(runtime)
    staff_id = add_staff(runtime, "staff")
    assert sign_in(client, email_for("staff")).status_code == 303
    token = client.csrf("/admin/engagements")
    response = client.post(
        "/admin/engagements",
        data={
            "csrf_token": token,
            "subject_ref": customer.ref,
            "order_id": str(customer.order_id),
            "systems": "reception PC",
        },
    )
    assert response.status_code == 303
    page = client.get("/admin/engagements").text
    assert customer.ref in page
    assert "reception PC" in page
    assert "Open" in page
    opened = audit_entries(runtime, "engagement.opened")
    assert len(opened) == 1
    assert opened[0].actor == f"staff:{staff_id}"
    engagement_id = opened[0].detail.split('"engagement_id":')[1].split(",")[0]
    response = client.post(f"/admin/engagements/{engagement_id}/close", data={"csrf_token": token})
    assert response.status_code == 303
    assert len(audit_entries(runtime, "engagement.closed")) == 1


def test_bad_input_and_someone_elses_engagement(runtime: Runtime, client: AppClient) -> None:
    customer = new_client(runtime)
    other = new_staff(runtime, name="other.engineer")
    add_staff(runtime, "staff")
    assert sign_in(client, email_for("staff")).status_code == 303
    token = client.csrf("/admin/engagements")
    refused = client.post(
        "/admin/engagements",
        data={
            "csrf_token": token,
            "subject_ref": customer.ref,
            "order_id": str(customer.order_id),
            "systems": "ring 0117 496 0123 first",
        },
    )
    assert refused.status_code == 422
    assert audit_entries(runtime, "engagement.opened") == []
    with runtime.unit() as work:
        subject = orders.find_subject(work, customer.ref)
        engagement = service.open_engagement(
            work,
            subject,
            order=orders.find_order(work, subject, customer.order_id),
            staff_id=other,
            systems="server room",
            actor="cli:test",
        )
        engagement_id = engagement.id
    response = client.post(f"/admin/engagements/{engagement_id}/close", data={"csrf_token": token})
    assert response.status_code == 403
    assert audit_entries(runtime, "engagement.closed") == []


def test_anonymous_visitors_are_sent_to_sign_in(client: AppClient) -> None:
    response = client.get("/admin/engagements")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/admin/login")
