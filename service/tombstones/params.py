"""Query parameters of the delete and list routes."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Query

IncludeDeleted = Annotated[
    bool,
    Query(
        description="Also list deleted records (tombstones, `deleted: true`). Incremental "
        "syncs (`updated_since`) always include them."
    ),
]
Cascade = Annotated[
    Literal["assessments"] | None,
    Query(
        description="`assessments`: delete the record's assessments with it (each restorable, "
        "and restored with it). Without it, a record with assessments is refused (409)."
    ),
]
