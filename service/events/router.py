"""The event log: every event of the last 30 days, whether or not a webhook receives it."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

from service.auth.dependencies import Reader
from service.dependencies import DbSession
from service.events import service as event_service
from service.events.schemas import EventPage, EventRead
from service.openapi import errors
from service.pagination import DEFAULT_LIMIT, MAX_LIMIT
from service.routing import api_router
from service.webhooks.models import WebhookEvent

router = api_router("/api/v1/events", "Events")


@router.get("", response_model=EventPage, responses=errors(401, 403, 422))
def list_events(
    session: DbSession,
    principal: Reader,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Page size.")] = DEFAULT_LIMIT,
    cursor: Annotated[
        str | None, Query(max_length=500, description="next_cursor of the previous page.")
    ] = None,
    type: Annotated[
        str | None, Query(max_length=50, description="Only events of this type.")
    ] = None,
) -> EventPage:
    """List the organisation's events of the last 30 days, oldest first, cursor paginated."""
    rows, next_cursor = event_service.list_events(
        session, principal.organisation_id, limit=limit, cursor=cursor, event_type=type
    )
    return EventPage(items=[_read(e) for e in rows], next_cursor=next_cursor)


@router.get("/{event_id}", response_model=EventRead, responses=errors(401, 403, 404))
def get_event(
    event_id: Annotated[str, Path(max_length=40, pattern=r"^msg_[0-9a-f]{1,36}$")],
    session: DbSession,
    principal: Reader,
) -> EventRead:
    """Read one event of the last 30 days, with the exact payload webhooks deliver."""
    return _read(event_service.get_event(session, principal.organisation_id, event_id))


def _read(event: WebhookEvent) -> EventRead:
    return EventRead(
        id=event.id, type=event.type, created_at=event.created_at, payload=event.payload
    )
