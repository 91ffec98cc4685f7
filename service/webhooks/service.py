"""Webhook endpoints and the outbox: registering receivers, and recording events.

`record_event` is called inside the transaction that makes the change it reports, so a
crash can lose neither the change nor the event; `service.webhooks.delivery` sends them.
"""

from __future__ import annotations

import json
import secrets
import uuid
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload

from service.db import utcnow
from service.errors import InvalidInput, NotFound
from service.questionnaires.loader import did_you_mean
from service.webhooks import signing, targets
from service.webhooks.events import EventType
from service.webhooks.models import (
    DeliveryStatus,
    EndpointState,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)
from service.webhooks.schemas import EndpointCreate, EndpointUpdate

ROTATION_OVERLAP = timedelta(hours=24)
"""After a rotation, messages are signed with the old secret too, for this long."""


def check_events(events: Sequence[str]) -> list[str]:
    known = [e.value for e in EventType]
    wrong = [e for e in events if e not in known]
    if wrong:
        raise InvalidInput(
            f"Unknown event type '{wrong[0]}'{did_you_mean(wrong[0], known)}. "
            f"Known: {', '.join(known)}.",
            errors=[
                {"field": "body.events", "message": f"unknown event type '{e}'"} for e in wrong
            ],
        )
    return list(dict.fromkeys(events))


def check_target(url: str, allow_private: bool) -> None:
    try:
        targets.resolve(url, allow_private=allow_private)
    except targets.TargetRefused as exc:
        raise InvalidInput(
            f"This URL cannot receive webhooks: {exc}.",
            errors=[{"field": "body.url", "message": str(exc)}],
        ) from exc


def create_endpoint(
    session: Session, organisation_id: uuid.UUID, data: EndpointCreate, *, allow_private: bool
) -> WebhookEndpoint:
    check_target(data.url, allow_private)
    endpoint = WebhookEndpoint(
        organisation_id=organisation_id,
        url=data.url,
        description=data.description,
        events=check_events(data.events),
        enabled=data.enabled,
        state=EndpointState.HEALTHY if data.enabled else EndpointState.DISABLED,
        consecutive_failures=0,
        secret=signing.new_secret(),
    )
    session.add(endpoint)
    session.flush()
    return endpoint


def get_endpoint(
    session: Session, organisation_id: uuid.UUID, endpoint_id: uuid.UUID
) -> WebhookEndpoint:
    endpoint = session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None or endpoint.organisation_id != organisation_id:
        raise NotFound(f"There is no webhook {endpoint_id}.")
    return endpoint


def list_endpoints(session: Session, organisation_id: uuid.UUID) -> Sequence[WebhookEndpoint]:
    query = (
        select(WebhookEndpoint)
        .where(WebhookEndpoint.organisation_id == organisation_id)
        .order_by(WebhookEndpoint.created_at, WebhookEndpoint.id)
    )
    return session.scalars(query).all()


def update_endpoint(
    session: Session, endpoint: WebhookEndpoint, data: EndpointUpdate, *, allow_private: bool
) -> WebhookEndpoint:
    changes = data.model_dump(exclude_unset=True)
    if "url" in changes:
        check_target(changes["url"], allow_private)
    if "events" in changes:
        changes["events"] = check_events(changes["events"])
    for field, value in changes.items():
        setattr(endpoint, field, value)
    if "enabled" in changes:
        _set_enabled(session, endpoint, bool(changes["enabled"]))
    session.flush()
    return endpoint


def _set_enabled(session: Session, endpoint: WebhookEndpoint, enabled: bool) -> None:
    if enabled:
        endpoint.state, endpoint.state_reason, endpoint.consecutive_failures = (
            EndpointState.HEALTHY,
            None,
            0,
        )
    else:
        endpoint.state, endpoint.state_reason = EndpointState.DISABLED, "disabled by its owner"
        cancel_pending(session, endpoint.id)


def cancel_pending(session: Session, endpoint_id: uuid.UUID) -> None:
    session.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.endpoint_id == endpoint_id,
            WebhookDelivery.status == DeliveryStatus.PENDING,
        )
        .values(status=DeliveryStatus.CANCELLED, lease_until=None, lease_token=None)
    )


def delete_endpoint(session: Session, endpoint: WebhookEndpoint) -> None:
    session.delete(endpoint)
    session.flush()


def rotate_secret(session: Session, endpoint: WebhookEndpoint) -> WebhookEndpoint:
    endpoint.previous_secret = endpoint.secret
    endpoint.previous_secret_until = utcnow() + ROTATION_OVERLAP
    endpoint.secret = signing.new_secret()
    session.flush()
    return endpoint


def record_event(
    session: Session, organisation_id: uuid.UUID, event_type: EventType, data: dict[str, Any]
) -> WebhookEvent:
    """Write an event to the outbox, with a pending delivery for every subscribed endpoint."""
    now = utcnow()
    event_id = "msg_" + secrets.token_hex(12)
    event = WebhookEvent(
        id=event_id,
        organisation_id=organisation_id,
        type=event_type.value,
        payload={
            "id": event_id,
            "type": event_type.value,
            "timestamp": now.isoformat(),
            "data": data,
        },
        created_at=now,
    )
    session.add(event)
    query = select(WebhookEndpoint).where(
        WebhookEndpoint.organisation_id == organisation_id,
        WebhookEndpoint.enabled.is_(True),
        WebhookEndpoint.state != EndpointState.DISABLED,
    )
    for endpoint in session.scalars(query):
        if event_type.value in endpoint.events:
            session.add(
                WebhookDelivery(
                    event=event,
                    endpoint_id=endpoint.id,
                    status=DeliveryStatus.PENDING,
                    attempts=0,
                    next_attempt_at=now,
                )
            )
    return event


def body_of(event: WebhookEvent) -> bytes:
    """The exact bytes that are signed and sent (compact JSON, stable key order)."""
    return json.dumps(event.payload, separators=(",", ":"), sort_keys=True).encode()


def list_deliveries(
    session: Session, endpoint: WebhookEndpoint, limit: int, before: uuid.UUID | None
) -> tuple[Sequence[WebhookDelivery], dict[uuid.UUID, list[WebhookAttempt]]]:
    """The endpoint's deliveries, newest first, with their attempts."""
    query = select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id)
    if before is not None:
        anchor = session.get(WebhookDelivery, before)
        if anchor is not None:
            query = query.where(WebhookDelivery.created_at < anchor.created_at)
    query = query.order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id).limit(limit)
    deliveries = session.scalars(query.options(selectinload(WebhookDelivery.event))).all()
    attempts: dict[uuid.UUID, list[WebhookAttempt]] = {d.id: [] for d in deliveries}
    if deliveries:
        rows = session.scalars(
            select(WebhookAttempt)
            .where(WebhookAttempt.delivery_id.in_(attempts))
            .order_by(WebhookAttempt.attempt)
        )
        for attempt in rows:
            attempts[attempt.delivery_id].append(attempt)
    return deliveries, attempts


def redeliver(
    session: Session, endpoint: WebhookEndpoint, delivery_id: uuid.UUID
) -> WebhookDelivery:
    """Queue the delivery's event again for this endpoint (same event id, so receivers
    that already have it can ignore it)."""
    original = session.get(WebhookDelivery, delivery_id)
    if original is None or original.endpoint_id != endpoint.id:
        raise NotFound(f"There is no delivery {delivery_id} for webhook {endpoint.id}.")
    again = WebhookDelivery(
        event=session.get(WebhookEvent, original.event_id),
        endpoint_id=endpoint.id,
        status=DeliveryStatus.PENDING,
        attempts=0,
        next_attempt_at=utcnow(),
    )
    session.add(again)
    session.flush()
    return again
