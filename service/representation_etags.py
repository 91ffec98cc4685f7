"""ETags for vendors and clients: a digest of the representation the API returns.

Vendors and clients keep no revision number, so their ETag is the SHA-256 (first 80 bits) of
the JSON the API answers with; any change (`updated_at` included) gives a new one. A write with
`If-Match` is refused with 412 unless the tag still names the current representation, checked
with the row locked, so two writers holding the same tag cannot both succeed (PostgreSQL; on
SQLite writes are serialised by the database).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from typing import Annotated, TypeVar

from fastapi import Header
from pydantic import BaseModel
from sqlalchemy.orm import Session

from service.errors import BadRequest, PreconditionFailed

IfMatchHeader = Annotated[
    str | None,
    Header(
        alias="If-Match",
        description="The ETag you read; the write is refused with 412 if it changed since.",
    ),
]

_TAG = re.compile(r'^(W/)?"[0-9a-f]{1,64}"$')


def etag_of(representation: BaseModel) -> str:
    digest = hashlib.sha256(representation.model_dump_json().encode()).hexdigest()
    return f'"{digest[:20]}"'


def parse_if_match(header: str | None) -> frozenset[str] | None:
    """The tags an If-Match header names; None when absent or `*` (no precondition)."""
    if header is None or header.strip() == "*":
        return None
    tags = [part.strip() for part in header.split(",")]
    if len(header) > 1000 or not all(_TAG.fullmatch(tag) for tag in tags):
        raise BadRequest(
            f'If-Match must be an ETag this API returned, such as "3f9a…"; got {header[:80]!r}.',
            errors=[{"field": "header.If-Match", "message": "not an ETag of this API"}],
        )
    # If-Match uses the strong comparison (RFC 9110 13.1.1): a weak tag never matches.
    return frozenset(tag for tag in tags if not tag.startswith("W/"))


def require_current(expected: frozenset[str] | None, current: str, what: str) -> None:
    if expected is None or current in expected:
        return
    raise PreconditionFailed(
        f"The {what} changed since you read it (If-Match {', '.join(sorted(expected)) or 'W/…'}, "
        f"now {current}). GET it again, re-apply your change and send the new ETag.",
        errors=[{"field": "header.If-Match", "message": "no longer the current ETag"}],
    )


Row = TypeVar("Row")


def require_current_row(
    session: Session,
    row: Row | None,
    expected: frozenset[str] | None,
    what: str,
    read: Callable[[Row], BaseModel],
) -> None:
    """412 unless `expected` names the row's current ETag; the row is locked (PostgreSQL FOR
    UPDATE) and re-read before the tags are compared. No row yet matches no tag."""
    if expected is None:
        return
    if row is None:
        require_current(expected, f"none (no such {what} yet)", what)
        return
    session.refresh(row, with_for_update=True)
    require_current(expected, etag_of(read(row)), what)
