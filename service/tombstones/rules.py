"""What a tombstone means to readers: hidden from reads and default lists, named in 404s.

Imported by the vendor, client and assessment services, so it imports none of them.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select

from service.errors import NotFound

RESTORE_WINDOW = timedelta(days=30)


def live_or_gone(row: Any, noun: str, row_id: uuid.UUID, include_deleted: bool = False) -> Any:
    """`row` when it exists and is not deleted (or `include_deleted`); NotFound otherwise,
    saying so when it is a tombstone of this organisation."""
    if row is None:
        raise NotFound(f"There is no {noun} {row_id}.")
    if row.deleted_at is not None and not include_deleted:
        raise NotFound(deleted_detail(noun, row_id, row.deleted_at))
    return row


def deleted_detail(noun: str, row_id: uuid.UUID, deleted_at: datetime) -> str:
    until = (deleted_at + RESTORE_WINDOW).date().isoformat()
    return (
        f"The {noun} {row_id} was deleted on {deleted_at.date().isoformat()}; it can be "
        f"restored until {until} with POST /api/v1/{noun}s/{row_id}/restore."
    )


def visible(query: Select[Any], model: Any, *, include_deleted: bool, syncing: bool) -> Select[Any]:
    """Lists hide tombstones unless asked (`include_deleted`) or syncing (`updated_since`):
    an incremental sync must learn about deletions."""
    if include_deleted or syncing:
        return query
    return query.where(model.deleted_at.is_(None))
