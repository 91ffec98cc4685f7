"""Sending the outbox: claim due deliveries with a lease, send, record the outcome.

Claiming takes row locks that skip rows other workers hold (`FOR UPDATE SKIP LOCKED` on
PostgreSQL; SQLite serialises writers instead) and sets a lease, so any number of workers can
run side by side, no delivery is sent by two of them at once, and a worker killed mid-send
has its delivery picked up again when the lease runs out. Delivery is at least once:
receivers de-duplicate on `webhook-id`.

Claims are scoped per endpoint: a claim takes at most `per_endpoint` deliveries of one
endpoint, less those already in flight (leased by any worker), so a slow or dead receiver
holds at most that many sending slots and the deliveries of every other endpoint go on.
"""

from __future__ import annotations

import random
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.orm import Session, aliased

from service.db import utcnow
from service.leases import release_claim
from service.webhooks import signing
from service.webhooks.models import (
    DeliveryStatus,
    EndpointState,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)
from service.webhooks.sender import Attempt
from service.webhooks.service import body_of, cancel_pending

RETRY_SCHEDULE = (
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=10),
)
"""Waits after each failed attempt (Standard Webhooks' schedule): 8 attempts over ~28 hours."""
JITTER = 0.2
FAILING_AFTER = 5
LEASE = timedelta(seconds=60)


@dataclass(frozen=True)
class Claimed:
    delivery_id: uuid.UUID
    lease_token: uuid.UUID
    attempt: int
    url: str
    secrets: tuple[str, ...]
    event_id: str
    body: bytes


def claim(
    session: Session, limit: int, now: datetime | None = None, *, per_endpoint: int = 2
) -> list[Claimed]:
    """Lease up to `limit` due deliveries, at most `per_endpoint` in flight per endpoint."""
    now = now or utcnow()
    if limit <= 0:
        return []
    query = (
        select(WebhookDelivery)
        .where(WebhookDelivery.id.in_(_within_endpoint_budget(now, per_endpoint)), _due(now))
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    deliveries = session.scalars(query).all()
    token = uuid.uuid4()
    for row in deliveries:
        row.lease_until, row.lease_token = now + LEASE, token
        row.attempts += 1
    session.flush()
    return [_claimed(session, delivery, token, now) for delivery in deliveries]


def _due(now: datetime) -> ColumnElement[bool]:
    return and_(
        WebhookDelivery.status == DeliveryStatus.PENDING,
        WebhookDelivery.next_attempt_at <= now,
        or_(WebhookDelivery.lease_until.is_(None), WebhookDelivery.lease_until < now),
    )


def _within_endpoint_budget(now: datetime, per_endpoint: int) -> Select[tuple[uuid.UUID]]:
    """Ids of due deliveries that fit in their endpoint's budget of concurrent sends."""
    leased = aliased(WebhookDelivery)
    in_flight = (
        select(leased.endpoint_id, func.count().label("busy"))
        .where(leased.status == DeliveryStatus.PENDING, leased.lease_until >= now)
        .group_by(leased.endpoint_id)
        .subquery()
    )
    rank = func.row_number().over(
        partition_by=WebhookDelivery.endpoint_id,
        order_by=(WebhookDelivery.next_attempt_at, WebhookDelivery.id),
    )
    ranked = (
        select(
            WebhookDelivery.id,
            rank.label("rank"),
            func.coalesce(in_flight.c.busy, 0).label("busy"),
        )
        .outerjoin(in_flight, in_flight.c.endpoint_id == WebhookDelivery.endpoint_id)
        .where(_due(now))
        .subquery()
    )
    return select(ranked.c.id).where(ranked.c.rank + ranked.c.busy <= per_endpoint)


def _claimed(
    session: Session, delivery: WebhookDelivery, token: uuid.UUID, now: datetime
) -> Claimed:
    endpoint = session.get(WebhookEndpoint, delivery.endpoint_id)
    event = session.get(WebhookEvent, delivery.event_id)
    assert endpoint is not None
    assert event is not None
    in_use = [endpoint.secret]
    if (
        endpoint.previous_secret
        and endpoint.previous_secret_until
        and endpoint.previous_secret_until > now
    ):
        in_use.append(endpoint.previous_secret)
    return Claimed(
        delivery_id=delivery.id,
        lease_token=token,
        attempt=delivery.attempts,
        url=endpoint.url,
        secrets=tuple(in_use),
        event_id=event.id,
        body=body_of(event),
    )


def still_ours(session: Session, claimed: Claimed) -> bool:
    """False when the delivery was cancelled (its endpoint disabled) since it was claimed."""
    query = select(WebhookDelivery.lease_token).where(WebhookDelivery.id == claimed.delivery_id)
    return session.scalar(query) == claimed.lease_token


def release(session: Session, claimed: Claimed) -> None:
    """Give back a claimed delivery that was not sent (the worker is stopping)."""
    release_claim(session, WebhookDelivery, claimed.delivery_id, claimed.lease_token)


def signed_headers(claimed: Claimed) -> dict[str, str]:
    return signing.headers(claimed.secrets, claimed.event_id, int(time.time()), claimed.body)


def finish(
    session: Session, claimed: Claimed, attempt: Attempt, now: datetime | None = None
) -> None:
    """Record the attempt and decide what happens next, unless the lease was lost."""
    now = now or utcnow()
    delivery = session.get(WebhookDelivery, claimed.delivery_id, with_for_update=True)
    if delivery is None or delivery.lease_token != claimed.lease_token:
        return  # another worker took over after our lease ran out; it records its own attempt
    endpoint = session.get(WebhookEndpoint, delivery.endpoint_id)
    assert endpoint is not None
    session.add(
        WebhookAttempt(
            delivery_id=delivery.id,
            attempt=claimed.attempt,
            status_code=attempt.status_code,
            duration_ms=attempt.duration_ms,
            error=attempt.error,
            response_excerpt=attempt.excerpt,
            attempted_at=now,
        )
    )
    delivery.lease_until, delivery.lease_token = None, None
    delivery.last_status_code, delivery.last_error = attempt.status_code, attempt.error
    if attempt.succeeded:
        _succeeded(delivery, endpoint, now)
    elif attempt.gone:
        _gone(session, delivery, endpoint)
    else:
        _failed(delivery, endpoint, now)
    session.flush()


def _succeeded(delivery: WebhookDelivery, endpoint: WebhookEndpoint, now: datetime) -> None:
    delivery.status, delivery.delivered_at = DeliveryStatus.SUCCEEDED, now
    endpoint.consecutive_failures = 0
    if endpoint.state is EndpointState.FAILING:
        endpoint.state, endpoint.state_reason = EndpointState.HEALTHY, None


def _gone(session: Session, delivery: WebhookDelivery, endpoint: WebhookEndpoint) -> None:
    delivery.status = DeliveryStatus.FAILED
    delivery.last_error = "HTTP 410 Gone: the receiver asked to stop; the webhook is disabled"
    endpoint.enabled = False
    endpoint.state = EndpointState.DISABLED
    endpoint.state_reason = "the receiver answered 410 Gone"
    session.flush()
    cancel_pending(session, endpoint.id)


def _failed(delivery: WebhookDelivery, endpoint: WebhookEndpoint, now: datetime) -> None:
    endpoint.consecutive_failures += 1
    if endpoint.consecutive_failures >= FAILING_AFTER and endpoint.state is EndpointState.HEALTHY:
        endpoint.state = EndpointState.FAILING
        endpoint.state_reason = f"{endpoint.consecutive_failures} deliveries in a row failed"
    if delivery.attempts > len(RETRY_SCHEDULE):
        delivery.status = DeliveryStatus.FAILED
        return
    wait = RETRY_SCHEDULE[delivery.attempts - 1]
    delivery.next_attempt_at = now + wait * random.uniform(1 - JITTER, 1 + JITTER)  # noqa: S311
