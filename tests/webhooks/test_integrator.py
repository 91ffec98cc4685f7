"""Redelivery that never doubles a delivery, ping, and the new vendor, client and assessment
events, written in the transaction of the change."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from standardwebhooks import Webhook

from service.auth.models import Organisation
from service.questionnaires.catalog import Catalog
from service.webhooks.events import EventType
from service.webhooks.models import WebhookDelivery, WebhookEvent
from service.webhooks.service import record_event
from service.worker.runner import Worker
from tests import builders
from tests.api import Caller, assert_problem
from tests.builders import example
from tests.receiver import Receiver


def register(caller: Caller, receiver: Receiver, events: list[str]) -> dict[str, Any]:
    response = caller.post("/api/v1/webhooks", json={"url": receiver.url, "events": events})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def deliveries(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(WebhookDelivery)) or 0)


def test_redelivery_brings_the_pending_retry_forward_instead_of_sending_twice(
    admin: Caller, receiver: Receiver, worker: Worker, session: Session, org: Organisation
) -> None:
    hook = register(admin, receiver, ["assessment.scored"])
    receiver.script = [500]
    record_event(session, org.id, EventType.ASSESSMENT_SCORED, {"n": 1})
    session.commit()
    assert worker.deliver() == 1
    assert worker.deliver() == 0, "the automatic retry is minutes away"
    first = admin.get(f"/api/v1/webhooks/{hook['id']}/deliveries").json()["items"][0]
    again = admin.post(f"/api/v1/webhooks/{hook['id']}/deliveries/{first['id']}/redeliver")
    assert again.status_code == 202, again.text
    assert again.json()["id"] == first["id"], "merged with the pending retry"
    assert deliveries(session) == 1
    assert worker.deliver() == 1
    assert worker.deliver() == 0, "nothing left: the retry was the redelivery"
    assert [r.headers["webhook-id"] for r in receiver.received] == [first["event_id"]] * 2
    assert (
        admin.get(f"/api/v1/webhooks/{hook['id']}/deliveries").json()["items"][0]["status"]
        == "succeeded"
    )


def test_redelivery_to_a_webhook_disabled_by_410_is_refused(
    admin: Caller, receiver: Receiver, worker: Worker, session: Session, org: Organisation
) -> None:
    hook = register(admin, receiver, ["assessment.scored"])
    receiver.script = [410]
    record_event(session, org.id, EventType.ASSESSMENT_SCORED, {"n": 1})
    session.commit()
    worker.deliver()
    first = admin.get(f"/api/v1/webhooks/{hook['id']}/deliveries").json()["items"][0]
    response = admin.post(f"/api/v1/webhooks/{hook['id']}/deliveries/{first['id']}/redeliver")
    assert_problem(response, 409, "conflict", detail_contains="the receiver answered 410 Gone")
    ping = admin.post(f"/api/v1/webhooks/{hook['id']}/ping")
    assert_problem(ping, 409, "conflict", detail_contains="enable it first")
    assert deliveries(session) == 1
    assert worker.deliver() == 0
    assert len(receiver.received) == 1


def test_ping_sends_a_signed_ping_to_that_webhook_only(
    admin: Caller, receiver: Receiver, worker: Worker
) -> None:
    hook = register(admin, receiver, ["assessment.scored"])
    other = register(admin, receiver, ["vendor.created"])
    response = admin.post(f"/api/v1/webhooks/{hook['id']}/ping")
    assert response.status_code == 202, response.text
    assert response.json()["event_type"] == "ping"
    assert worker.deliver() == 1
    assert len(receiver.received) == 1
    payload = Webhook(hook["secret"]).verify(
        receiver.received[0].body, receiver.received[0].headers
    )
    assert payload["type"] == "ping"
    assert payload["data"]["webhook"] == {"id": hook["id"], "url": receiver.url}
    assert other["id"] != hook["id"]
    missing = admin.post("/api/v1/webhooks/00000000-0000-0000-0000-000000000000/ping")
    assert_problem(missing, 404, "not-found")


def types_of(session: Session) -> list[str]:
    query = select(WebhookEvent.type).order_by(WebhookEvent.created_at, WebhookEvent.id)
    return list(session.scalars(query))


def test_vendor_changes_are_events_and_a_same_value_put_is_silent(
    admin: Caller, session: Session
) -> None:
    body = {"name": "OpenWeave AI", "website": "https://openweave.example"}
    created = admin.put("/api/v1/vendors/by-external-id/hs-1", json=body)
    assert created.status_code == 201
    assert admin.put("/api/v1/vendors/by-external-id/hs-1", json=body).status_code == 200
    changed = admin.patch(f"/api/v1/vendors/{created.json()['id']}", json={"name": "OpenWeave"})
    assert changed.status_code == 200
    assert types_of(session) == ["vendor.created", "vendor.updated"]
    event = session.scalars(select(WebhookEvent).order_by(WebhookEvent.created_at)).all()[-1]
    assert event.payload["data"]["vendor"]["name"] == "OpenWeave"
    assert event.payload["data"]["vendor"]["external_id"] == "hs-1"


def test_client_and_assessment_events(
    admin: Caller, session: Session, catalog: Catalog, org: Organisation
) -> None:
    client = admin.put(
        "/api/v1/clients/by-external-id/hs-c",
        json={"name": "Northwind", "environment": example("northwind.environment")},
    )
    assert client.status_code == 201, client.text
    patched = admin.patch(
        f"/api/v1/clients/{client.json()['id']}", json={"environment": {"air_gapped": True}}
    )
    assert patched.status_code == 200, patched.text
    vendor = builders.vendor(session, org)
    session.commit()
    created = admin.post(
        "/api/v1/assessments",
        json={
            "vendor_id": str(vendor.id),
            "client_id": client.json()["id"],
            "answers": example("openweave.answers"),
        },
    )
    assert created.status_code == 201, created.text
    assessment_id = created.json()["id"]
    assert admin.post(f"/api/v1/assessments/{assessment_id}/submit").status_code == 200
    assert admin.post(f"/api/v1/assessments/{assessment_id}/reopen").status_code == 200
    assert types_of(session) == [
        "client.created",
        "client.updated",
        "vendor.created",
        "assessment.created",
        "assessment.submitted",
        "assessment.scored",
        "assessment.reopened",
    ]
    reopened = session.scalars(
        select(WebhookEvent).where(WebhookEvent.type == "assessment.reopened")
    ).one()
    assert reopened.payload["data"]["assessment"]["status"] == "draft"
    assert json.dumps(reopened.payload)
