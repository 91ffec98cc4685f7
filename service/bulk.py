"""What the vendor and client bulk upserts share: the request limit and the answer's shape."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Literal, Protocol

from pydantic import BaseModel, Field

from service.errors import InvalidInput

MAX_ITEMS = 500
Outcome = Literal["created", "updated", "unchanged"]


class Keyed(Protocol):
    external_id: str


class BulkCounts(BaseModel):
    created: int
    updated: int
    unchanged: int


def counts(outcomes: Sequence[Outcome]) -> BulkCounts:
    seen = Counter(outcomes)
    return BulkCounts(created=seen["created"], updated=seen["updated"], unchanged=seen["unchanged"])


def refuse_duplicates(items: Sequence[Keyed]) -> None:
    """One item per external id: two would race each other inside one request."""
    first: dict[str, int] = {}
    errors = []
    for index, item in enumerate(items):
        if item.external_id in first:
            errors.append(
                {
                    "field": f"body.items.{index}.external_id",
                    "message": f"'{item.external_id}' is also item {first[item.external_id]}",
                }
            )
        first.setdefault(item.external_id, index)
    if errors:
        raise InvalidInput(
            f"{len(errors)} external id(s) appear more than once; send each record once.",
            errors=errors,
        )


ITEMS_DESCRIPTION = (
    f"1 to {MAX_ITEMS} records, each the whole record by its external id. All or nothing: "
    "any invalid item refuses the whole request (422 lists every one) and nothing is written."
)
ItemsField = Field(min_length=1, max_length=MAX_ITEMS, description=ITEMS_DESCRIPTION)
