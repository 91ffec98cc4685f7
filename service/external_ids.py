"""CRM external ids: unique per organisation, for vendors, clients and assessments alike."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.errors import Conflict


def ensure_free(
    session: Session,
    model: Any,
    organisation_id: uuid.UUID,
    external_id: str | None,
    *,
    current_id: uuid.UUID | None = None,
) -> None:
    """Raise Conflict when another record of this kind already uses `external_id`."""
    if external_id is None:
        return
    query = select(model.id).where(
        model.organisation_id == organisation_id, model.external_id == external_id
    )
    superseded = getattr(model, "superseded_by_id", None)
    if superseded is not None:  # an earlier assessment version keeps the id of its series
        query = query.where(superseded.is_(None))
    taken_by = session.scalar(query)
    if taken_by is not None and taken_by != current_id:
        noun = model.__tablename__.removesuffix("s")
        raise Conflict(
            f"external_id '{external_id}' is already used by {noun} {taken_by}; "
            "external ids are unique per organisation.",
            errors=[{"field": "body.external_id", "message": "already in use"}],
        )
