"""Which assessments a comparison shows: the latest scored one per vendor, at most six."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from service.assessments.models import Assessment
from service.errors import InvalidInput

MAX_COMPARED = 6
"""More columns than this do not fit a page, nor a reader's attention."""


@dataclass(frozen=True)
class Selection:
    chosen: list[Assessment]
    available: int
    """How many vendors could have been compared (the latest scored assessment of each)."""


def latest_per_vendor(scored: Sequence[Assessment]) -> list[Assessment]:
    """The most recently submitted scored assessment of each vendor, most recent first."""
    latest: dict[uuid.UUID, Assessment] = {}
    for assessment in sorted(scored, key=_submitted, reverse=True):
        latest.setdefault(assessment.vendor_id, assessment)
    return list(latest.values())


def default_selection(scored: Sequence[Assessment]) -> Selection:
    per_vendor = latest_per_vendor(scored)
    return Selection(per_vendor[:MAX_COMPARED], len(per_vendor))


def check_count(assessment_ids: Sequence[uuid.UUID]) -> list[uuid.UUID]:
    """The ids once each, refused when there are more than a comparison can show."""
    unique = list(dict.fromkeys(assessment_ids))
    if len(unique) > MAX_COMPARED:
        raise InvalidInput(
            f"A comparison shows at most {MAX_COMPARED} vendors; {len(unique)} assessments were "
            f"given. Pick the {MAX_COMPARED} to compare, or leave assessment_id out to compare "
            "the latest scored assessment of each vendor.",
            errors=[
                {
                    "field": "query.assessment_id",
                    "message": f"{len(unique)} given, at most {MAX_COMPARED} allowed",
                }
            ],
        )
    return unique


def _submitted(assessment: Assessment) -> tuple[datetime, str]:
    return (assessment.submitted_at or assessment.created_at, str(assessment.id))
