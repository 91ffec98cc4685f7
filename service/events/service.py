"""Listing and reading the organisation's events of the last 30 days.

Events are listed oldest first in (created_at, id) order with an opaque cursor, like the
other lists; events are never changed, so a pass through the pages is stable.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from service.db import utcnow
from service.errors import InvalidInput, NotFound
from service.webhooks.models import WebhookEvent

RETENTION = timedelta(days=30)
"""Events older than this are not listed (the outbox keeps them for the delivery log)."""


def list_events(
    session: Session,
    organisation_id: uuid.UUID,
    *,
    limit: int,
    cursor: str | None,
    event_type: str | None = None,
) -> tuple[Sequence[WebhookEvent], str | None]:
    query = select(WebhookEvent).where(
        WebhookEvent.organisation_id == organisation_id,
        WebhookEvent.created_at >= utcnow() - RETENTION,
    )
    if event_type is not None:
        query = query.where(WebhookEvent.type == event_type)
    if cursor is not None:
        stamp, last_id = decode_cursor(cursor)
        query = query.where(
            or_(
                WebhookEvent.created_at > stamp,
                and_(WebhookEvent.created_at == stamp, WebhookEvent.id > last_id),
            )
        )
    query = query.order_by(WebhookEvent.created_at, WebhookEvent.id).limit(limit + 1)
    rows = session.scalars(query).all()
    if len(rows) <= limit:
        return rows, None
    last = rows[limit - 1]
    return rows[:limit], encode_cursor(last.created_at, last.id)


def get_event(session: Session, organisation_id: uuid.UUID, event_id: str) -> WebhookEvent:
    event = session.get(WebhookEvent, event_id)
    if (
        event is None
        or event.organisation_id != organisation_id
        or event.created_at < utcnow() - RETENTION
    ):
        raise NotFound(f"There is no event {event_id} (events are kept for 30 days).")
    return event


def encode_cursor(created_at: datetime, event_id: str) -> str:
    raw = json.dumps([created_at.isoformat(), event_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        stamp, event_id = json.loads(base64.urlsafe_b64decode(padded))
        moment = datetime.fromisoformat(stamp)
        if moment.tzinfo is None or not isinstance(event_id, str):
            raise ValueError("not a cursor")
        return moment, event_id
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError) as exc:
        raise InvalidInput(
            "The cursor is not valid; pass the next_cursor value of a previous page unchanged.",
            errors=[{"field": "query.cursor", "message": "not a cursor issued by this API"}],
        ) from exc
