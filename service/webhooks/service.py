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
from service.errors import Conflict, InvalidInput, NotFound
from service.questionnaires.loader import did_you_mean
from service.webhooks import signing, targets
from service.webhooks.events import PING, EventType
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


def active_endpoints(session: Session, organisation_id: uuid.UUID) -> Sequence[WebhookEndpoint]:
    """The endpoints that receive new events (read once for a batch of events)."""
    query = select(WebhookEndpoint).where(
        WebhookEndpoint.organisation_id == organisation_id,
        WebhookEndpoint.enabled.is_(True),
        WebhookEndpoint.state != EndpointState.DISABLED,
    )
    return session.scalars(query).all()


def record_event(
    session: Session,
    organisation_id: uuid.UUID,
    event_type: EventType,
    data: dict[str, Any],
    *,
    endpoints: Sequence[WebhookEndpoint] | None = None,
) -> WebhookEvent:
    """Write an event to the outbox, with a pending delivery for every subscribed endpoint.

    `endpoints`: the organisation's `active_endpoints`, when the caller records many events.
    """
    event = _new_event(session, organisation_id, event_type.value, data)
    if endpoints is None:
        endpoints = active_endpoints(session, organisation_id)
    for endpoint in endpoints:
        if event_type.value in endpoint.events:
            _queue(session, event, endpoint.id)
    return event


def _new_event(
    session: Session, organisation_id: uuid.UUID, event_type: str, data: dict[str, Any]
) -> WebhookEvent:
    now = utcnow()
    event_id = "msg_" + secrets.token_hex(12)
    event = WebhookEvent(
        id=event_id,
        organisation_id=organisation_id,
        type=event_type,
        payload={"id": event_id, "type": event_type, "timestamp": now.isoformat(), "data": data},
        created_at=now,
    )
    session.add(event)
    return event


def _queue(session: Session, event: WebhookEvent, endpoint_id: uuid.UUID) -> WebhookDelivery:
    delivery = WebhookDelivery(
        event=event,
        endpoint_id=endpoint_id,
        status=DeliveryStatus.PENDING,
        attempts=0,
        next_attempt_at=event.created_at,
    )
    session.add(delivery)
    return delivery


def ping(session: Session, endpoint: WebhookEndpoint) -> WebhookDelivery:
    """A signed `ping` event for this endpoint alone, sent at once, to test the receiver."""
    _require_enabled(endpoint, "pinged")
    data = {"webhook": {"id": str(endpoint.id), "url": endpoint.url}}
    event = _new_event(session, endpoint.organisation_id, PING, data)
    delivery = _queue(session, event, endpoint.id)
    session.flush()
    return delivery


def _require_enabled(endpoint: WebhookEndpoint, action: str) -> None:
    if endpoint.enabled and endpoint.state is not EndpointState.DISABLED:
        return
    reason = endpoint.state_reason or "disabled"
    raise Conflict(
        f"Webhook {endpoint.id} is disabled ({reason}), so it cannot be {action}; "
        'enable it first with PATCH {"enabled": true}.'
    )


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
    """Send the delivery's event again to this endpoint, now (same event id, so receivers
    that already have it can ignore it).

    When the event is still pending for this endpoint (an automatic retry is scheduled), that
    delivery is brought forward instead of queueing a second one: the event goes once."""
    original = session.get(WebhookDelivery, delivery_id)
    if original is None or original.endpoint_id != endpoint.id:
        raise NotFound(f"There is no delivery {delivery_id} for webhook {endpoint.id}.")
    _require_enabled(endpoint, "redelivered to")
    pending = session.scalar(
        select(WebhookDelivery)
        .where(
            WebhookDelivery.event_id == original.event_id,
            WebhookDelivery.endpoint_id == endpoint.id,
            WebhookDelivery.status == DeliveryStatus.PENDING,
        )
        .options(selectinload(WebhookDelivery.event))
        .with_for_update(of=WebhookDelivery)
    )
    if pending is not None:
        if pending.lease_token is None:  # not being sent right now: due at once
            pending.next_attempt_at = utcnow()
        session.flush()
        return pending
    event = session.get(WebhookEvent, original.event_id)
    assert event is not None
    again = _queue(session, event, endpoint.id)
    again.next_attempt_at = utcnow()
    session.flush()
    return again
