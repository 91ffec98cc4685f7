"""Webhooks end to end: outbox, signed delivery to a real receiver, retries, 410, the log."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session
from standardwebhooks import Webhook

from service.auth.models import Organisation
from service.db import utcnow
from service.questionnaires.catalog import Catalog
from service.webhooks.events import EventType
from service.webhooks.models import (
    DeliveryStatus,
    EndpointState,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)
from service.webhooks.service import record_event
from service.worker.runner import Worker
from tests import builders
from tests.api import Caller, assert_problem
from tests.builders import example
from tests.receiver import Receiver


def register(caller: Caller, receiver: Receiver, events: list[str] | None = None) -> dict[str, Any]:
    response = caller.post(
        "/api/v1/webhooks",
        json={
            "url": receiver.url,
            "events": events or ["assessment.submitted", "assessment.scored", "report.ready"],
        },
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


@pytest.fixture
def draft(session: Session, catalog: Catalog, org: Organisation) -> Any:
    vendor = builders.vendor(session, org, name="OpenWeave AI", external_id="hs-vendor-7")
    client = builders.client(session, catalog, org, name="Northwind Retail", external_id="hs-co-3")
    assessment = builders.assessment(
        session,
        catalog,
        org,
        vendor_row=vendor,
        client_row=client,
        answers=example("openweave.answers"),
        external_id="hs-deal-42",
    )
    session.commit()
    return assessment


def test_a_scored_assessment_reaches_the_crm_signed(
    admin: Caller, draft: Any, receiver: Receiver, worker: Worker
) -> None:
    hook = register(admin, receiver)
    assert hook["secret"].startswith("whsec_")
    assert admin.post(f"/api/v1/assessments/{draft.id}/submit").status_code == 200
    while worker.run_once():
        pass
    types = [json.loads(r.body)["type"] for r in receiver.received]
    assert types == ["assessment.submitted", "assessment.scored"]  # the preview: no report yet
    assert admin.post(f"/api/v1/assessments/{draft.id}/approve").status_code == 200
    while worker.run_once():
        pass
    types = [json.loads(r.body)["type"] for r in receiver.received]
    assert types == ["assessment.submitted", "assessment.scored", "report.ready"]
    for request in receiver.received:
        payload = Webhook(hook["secret"]).verify(request.body, request.headers)
        assert payload["id"] == request.headers["webhook-id"]
    scored = json.loads(receiver.received[1].body)
    data = scored["data"]
    assert data["assessment"]["id"] == str(draft.id)
    assert data["assessment"]["external_id"] == "hs-deal-42"
    assert data["vendor"] == {
        "id": str(draft.vendor_id),
        "external_id": "hs-vendor-7",
        "name": "OpenWeave AI",
    }
    assert data["client"]["external_id"] == "hs-co-3"
    assert data["score"]["technical_currency"] == {"score": 100, "band": "current"}
    assert data["score"]["integration_risk"]["band"] == "low"
    assert data["score"]["recommendation"] == "recommended"
    assert data["report_url"] == f"http://127.0.0.1:8000/api/v1/assessments/{draft.id}/report.pdf"
    assert scored["timestamp"]


def test_a_tampered_message_does_not_verify(
    admin: Caller, draft: Any, receiver: Receiver, worker: Worker
) -> None:
    hook = register(admin, receiver, ["assessment.scored"])
    admin.post(f"/api/v1/assessments/{draft.id}/submit")
    worker.deliver()
    request = receiver.received[0]
    with pytest.raises(Exception, match="No matching signature"):
        Webhook(hook["secret"]).verify(request.body.replace(b"low", b"high"), request.headers)


def test_failures_are_retried_with_backoff_and_logged(
    admin: Caller, draft: Any, receiver: Receiver, worker: Worker, session: Session
) -> None:
    hook = register(admin, receiver, ["assessment.scored"])
    receiver.script = [500, 503]
    admin.post(f"/api/v1/assessments/{draft.id}/submit")
    started = utcnow()
    worker.deliver()
    delivery = session.scalars(select(WebhookDelivery)).one()
    session.refresh(delivery)
    assert delivery.status is DeliveryStatus.PENDING
    wait = delivery.next_attempt_at - started
    assert timedelta(seconds=3.9) <= wait <= timedelta(seconds=6.5)  # 5 s, with jitter
    assert worker.deliver() == 0, "not due yet"
    for _ in range(2):
        session.execute(update(WebhookDelivery).values(next_attempt_at=utcnow()))
        session.commit()
        worker.deliver()
    log = admin.get(f"/api/v1/webhooks/{hook['id']}/deliveries").json()["items"][0]
    assert log["status"] == "succeeded"
    assert [a["status_code"] for a in log["log"]] == [500, 503, 200]
    assert [a["error"] for a in log["log"]] == ["HTTP 500", "HTTP 503", None]
    assert all(a["duration_ms"] >= 0 for a in log["log"])
    assert len(receiver.received) == 3
    assert len({r.headers["webhook-id"] for r in receiver.received}) == 1


def test_a_410_disables_the_webhook(
    admin: Caller, draft: Any, receiver: Receiver, worker: Worker, session: Session
) -> None:
    hook = register(admin, receiver)
    receiver.script = [410]
    admin.post(f"/api/v1/assessments/{draft.id}/submit")
    worker.deliver()
    endpoint = admin.get(f"/api/v1/webhooks/{hook['id']}").json()
    assert endpoint["state"] == "disabled"
    assert endpoint["enabled"] is False
    assert endpoint["state_reason"] == "the receiver answered 410 Gone"
    statuses = session.scalars(select(WebhookDelivery.status)).all()
    assert sorted(statuses) == ["cancelled", "failed"], "the other event was not sent"
    assert len(receiver.received) == 1


def test_repeated_failures_mark_the_webhook_failing(
    admin: Caller, receiver: Receiver, worker: Worker, session: Session, org: Organisation
) -> None:
    hook = register(admin, receiver, ["assessment.scored"])
    receiver.script = [500] * 5
    for _ in range(5):
        record_event(session, org.id, EventType.ASSESSMENT_SCORED, {"n": 1})
    session.commit()
    while worker.deliver():  # a claim takes at most two deliveries of one endpoint
        pass
    endpoint = admin.get(f"/api/v1/webhooks/{hook['id']}").json()
    assert endpoint["state"] == "failing"
    assert endpoint["consecutive_failures"] == 5
    session.execute(update(WebhookDelivery).values(next_attempt_at=utcnow()))
    session.commit()
    worker.deliver()
    assert admin.get(f"/api/v1/webhooks/{hook['id']}").json()["state"] == "healthy"


def test_a_redirect_is_not_followed(
    admin: Caller, receiver: Receiver, worker: Worker, session: Session, org: Organisation
) -> None:
    register(admin, receiver, ["assessment.scored"])
    receiver.script = [302]
    record_event(session, org.id, EventType.ASSESSMENT_SCORED, {"n": 1})
    session.commit()
    worker.deliver()
    delivery = session.scalars(select(WebhookDelivery)).one()
    session.refresh(delivery)
    assert delivery.last_status_code == 302
    assert delivery.status is DeliveryStatus.PENDING
    assert len(receiver.received) == 1


def test_manual_redelivery_sends_the_same_event_again(
    admin: Caller, draft: Any, receiver: Receiver, worker: Worker
) -> None:
    hook = register(admin, receiver, ["assessment.scored"])
    admin.post(f"/api/v1/assessments/{draft.id}/submit")
    worker.deliver()
    first = admin.get(f"/api/v1/webhooks/{hook['id']}/deliveries").json()["items"][0]
    again = admin.post(f"/api/v1/webhooks/{hook['id']}/deliveries/{first['id']}/redeliver")
    assert again.status_code == 202
    assert again.json()["status"] == "pending"
    assert again.json()["event_id"] == first["event_id"]
    worker.deliver()
    ids = [r.headers["webhook-id"] for r in receiver.received]
    assert ids == [first["event_id"], first["event_id"]]


def test_rotation_signs_with_both_secrets_for_a_day(
    admin: Caller, draft: Any, receiver: Receiver, worker: Worker
) -> None:
    hook = register(admin, receiver, ["assessment.scored"])
    rotated = admin.post(f"/api/v1/webhooks/{hook['id']}/rotate-secret").json()
    assert rotated["secret"] != hook["secret"]
    admin.post(f"/api/v1/assessments/{draft.id}/submit")
    worker.deliver()
    request = receiver.received[0]
    assert len(request.headers["webhook-signature"].split(" ")) == 2
    for secret in (hook["secret"], rotated["secret"]):
        Webhook(secret).verify(request.body, request.headers)


def test_events_are_written_with_the_change_or_not_at_all(
    admin: Caller, session: Session, catalog: Catalog, org: Organisation, receiver: Receiver
) -> None:
    register(admin, receiver)
    incomplete = builders.assessment(
        session, catalog, org, answers={"framework.primary": "pytorch"}
    )
    session.commit()
    failed = admin.post(f"/api/v1/assessments/{incomplete.id}/submit")
    assert_problem(failed, 422, "invalid-input")
    submitted = WebhookEvent.type.in_(["assessment.submitted", "assessment.scored"])
    assert session.scalar(select(func.count()).select_from(WebhookEvent).where(submitted)) == 0


def test_only_subscribed_enabled_webhooks_get_deliveries(
    admin: Caller, draft: Any, receiver: Receiver, session: Session
) -> None:
    register(admin, receiver, ["report.ready"])
    off = register(admin, receiver, ["assessment.scored"])
    admin.patch(f"/api/v1/webhooks/{off['id']}", json={"enabled": False})
    admin.post(f"/api/v1/assessments/{draft.id}/submit")
    assert session.scalar(select(func.count()).select_from(WebhookDelivery)) == 0
    endpoint = session.get(WebhookEndpoint, uuid.UUID(off["id"]))
    assert endpoint is not None
    assert endpoint.state is EndpointState.DISABLED
