"""Webhook endpoints, their signing secret, the delivery log and manual redelivery."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Query, Response, status

from service.auth.dependencies import WebhookManager
from service.dependencies import AppSettings, DbSession
from service.openapi import errors
from service.routing import api_router
from service.webhooks import service as webhook_service
from service.webhooks.models import DeliveryStatus, WebhookAttempt, WebhookDelivery
from service.webhooks.schemas import (
    AttemptRead,
    DeliveryPage,
    DeliveryRead,
    EndpointCreate,
    EndpointRead,
    EndpointUpdate,
    EndpointWithSecret,
)

router = api_router("/api/v1/webhooks", "Webhooks")


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=EndpointWithSecret,
    responses=errors(401, 403, 422),
)
def create_webhook(
    body: EndpointCreate,
    response: Response,
    session: DbSession,
    settings: AppSettings,
    principal: WebhookManager,
) -> EndpointWithSecret:
    """Register a receiver; the response shows its signing secret, once."""
    endpoint = webhook_service.create_endpoint(
        session,
        principal.organisation_id,
        body,
        allow_private=settings.webhook_allow_private_targets,
    )
    response.headers["Location"] = f"/api/v1/webhooks/{endpoint.id}"
    return EndpointWithSecret.model_validate(endpoint)


@router.get("", response_model=list[EndpointRead], responses=errors(401, 403))
def list_webhooks(session: DbSession, principal: WebhookManager) -> list[EndpointRead]:
    """List the organisation's webhooks (never their secrets)."""
    endpoints = webhook_service.list_endpoints(session, principal.organisation_id)
    return [EndpointRead.model_validate(e) for e in endpoints]


@router.get("/{webhook_id}", response_model=EndpointRead, responses=errors(401, 403, 404))
def get_webhook(
    webhook_id: uuid.UUID, session: DbSession, principal: WebhookManager
) -> EndpointRead:
    """Read one webhook, with its health."""
    return EndpointRead.model_validate(
        webhook_service.get_endpoint(session, principal.organisation_id, webhook_id)
    )


@router.patch("/{webhook_id}", response_model=EndpointRead, responses=errors(401, 403, 404, 422))
def update_webhook(
    webhook_id: uuid.UUID,
    body: EndpointUpdate,
    session: DbSession,
    settings: AppSettings,
    principal: WebhookManager,
) -> EndpointRead:
    """Change the URL, events, description, or enable / disable (re-enabling resets health)."""
    endpoint = webhook_service.get_endpoint(session, principal.organisation_id, webhook_id)
    updated = webhook_service.update_endpoint(
        session, endpoint, body, allow_private=settings.webhook_allow_private_targets
    )
    return EndpointRead.model_validate(updated)


@router.delete(
    "/{webhook_id}", status_code=status.HTTP_204_NO_CONTENT, responses=errors(401, 403, 404)
)
def delete_webhook(
    webhook_id: uuid.UUID, session: DbSession, principal: WebhookManager
) -> Response:
    """Delete a webhook and its delivery log; events themselves are kept."""
    endpoint = webhook_service.get_endpoint(session, principal.organisation_id, webhook_id)
    webhook_service.delete_endpoint(session, endpoint)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/{webhook_id}/rotate-secret",
    response_model=EndpointWithSecret,
    responses=errors(401, 403, 404),
)
def rotate_webhook_secret(
    webhook_id: uuid.UUID, session: DbSession, principal: WebhookManager
) -> EndpointWithSecret:
    """A new signing secret, shown once; the old one also signs for 24 hours."""
    endpoint = webhook_service.get_endpoint(session, principal.organisation_id, webhook_id)
    return EndpointWithSecret.model_validate(webhook_service.rotate_secret(session, endpoint))


@router.get(
    "/{webhook_id}/deliveries", response_model=DeliveryPage, responses=errors(401, 403, 404, 422)
)
def list_webhook_deliveries(
    webhook_id: uuid.UUID,
    session: DbSession,
    principal: WebhookManager,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    before: Annotated[
        uuid.UUID | None, Query(description="next_before of the previous page.")
    ] = None,
) -> DeliveryPage:
    """The delivery log, newest first: status, attempts with status code, duration and error."""
    endpoint = webhook_service.get_endpoint(session, principal.organisation_id, webhook_id)
    deliveries, attempts = webhook_service.list_deliveries(session, endpoint, limit, before)
    items = [_delivery(d, attempts[d.id]) for d in deliveries]
    next_before = deliveries[-1].id if len(deliveries) == limit else None
    return DeliveryPage(items=items, next_before=next_before)


@router.post(
    "/{webhook_id}/deliveries/{delivery_id}/redeliver",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=DeliveryRead,
    responses=errors(401, 403, 404, 409),
)
def redeliver_webhook(
    webhook_id: uuid.UUID, delivery_id: uuid.UUID, session: DbSession, principal: WebhookManager
) -> DeliveryRead:
    """Send an event again now (same event id); a pending retry of it is brought forward
    instead (one delivery, not two). 409 when the webhook is disabled."""
    endpoint = webhook_service.get_endpoint(session, principal.organisation_id, webhook_id)
    again = webhook_service.redeliver(session, endpoint, delivery_id)
    return _delivery(again, [])


@router.post(
    "/{webhook_id}/ping",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=DeliveryRead,
    responses=errors(401, 403, 404, 409),
)
def ping_webhook(
    webhook_id: uuid.UUID, session: DbSession, principal: WebhookManager
) -> DeliveryRead:
    """Send a signed `ping` event to this webhook at once, to test the receiver."""
    endpoint = webhook_service.get_endpoint(session, principal.organisation_id, webhook_id)
    return _delivery(webhook_service.ping(session, endpoint), [])


def _delivery(delivery: WebhookDelivery, attempts: list[WebhookAttempt]) -> DeliveryRead:
    return DeliveryRead(
        id=delivery.id,
        event_id=delivery.event_id,
        event_type=delivery.event.type,
        status=delivery.status,
        attempts=delivery.attempts,
        next_attempt_at=delivery.next_attempt_at
        if delivery.status is DeliveryStatus.PENDING
        else None,
        last_status_code=delivery.last_status_code,
        last_error=delivery.last_error,
        created_at=delivery.created_at,
        delivered_at=delivery.delivered_at,
        log=[AttemptRead.model_validate(a) for a in attempts],
    )
