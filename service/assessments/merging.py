"""Merging a save based on an older revision into the current answers.

A writer that read revision N saves while the assessment is at N+k. The history holds one row
per changed answer with the revision it produced, so the questions changed since N are known,
with the value each had at N. The writer "changes" a question when its value differs from the
value at N; questions it left alone keep whatever others saved since. Only a question changed by
both, to different values, is a conflict. Anything other than answers changed since N (a
submission, a reopening, a questionnaire upgrade) is not merged: the caller re-reads.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.assessments.models import Assessment, AssessmentHistory, HistoryKind
from service.errors import PreconditionFailed


@dataclass(frozen=True)
class TheirChange:
    """A question someone else changed after the writer's revision."""

    question_id: str
    base: Any
    """The value at the writer's revision."""
    value: Any
    """The value now."""
    actor_label: str
    at: datetime


@dataclass(frozen=True)
class Plan:
    patch: dict[str, Any]
    """What the save may apply: its own changes to questions nobody else touched."""
    conflicts: dict[str, Any] = field(default_factory=dict)
    """Question id -> the writer's value, for questions others changed to something else."""
    theirs: dict[str, TheirChange] = field(default_factory=dict)
    """Every question changed by others since the writer's revision."""
    base: int | None = None
    """The revision the save was based on, when older than the current one."""


def plan(
    session: Session,
    assessment: Assessment,
    patch: Mapping[str, Any],
    expected: frozenset[int] | None,
) -> Plan:
    """Split a save into what applies and what conflicts; stale non-answer changes raise 412."""
    if expected is None or assessment.revision in expected:
        return Plan(patch=dict(patch))
    base = max((r for r in expected if r < assessment.revision), default=None)
    if base is None:
        raise stale(assessment, expected)
    theirs = changes_since(session, assessment, base)
    if theirs is None:
        raise stale(assessment, expected)
    applied: dict[str, Any] = {}
    conflicts: dict[str, Any] = {}
    for question_id, value in patch.items():
        change = theirs.get(question_id)
        if change is None:
            applied[question_id] = value
        elif not same(value, change.base) and not same(value, change.value):
            conflicts[question_id] = value
    return Plan(patch=applied, conflicts=conflicts, theirs=theirs, base=base)


def changes_since(
    session: Session, assessment: Assessment, base: int
) -> dict[str, TheirChange] | None:
    """The answers changed after revision `base`; None when anything else changed too."""
    rows = session.scalars(
        select(AssessmentHistory)
        .where(AssessmentHistory.assessment_id == assessment.id)
        .where(AssessmentHistory.revision > base)
        .order_by(AssessmentHistory.revision, AssessmentHistory.created_at)
    ).all()
    if any(row.kind is not HistoryKind.ANSWER or row.question_id is None for row in rows):
        return None
    changes: dict[str, TheirChange] = {}
    for row in rows:
        assert row.question_id is not None
        first = changes.get(row.question_id)
        changes[row.question_id] = TheirChange(
            question_id=row.question_id,
            base=first.base if first else row.old_value,
            value=assessment.answers.get(row.question_id),
            actor_label=row.actor_label,
            at=row.created_at,
        )
    return changes


def own_changes(
    session: Session, assessment: Assessment, patch: Mapping[str, Any], base: int
) -> dict[str, Any]:
    """What a save based on `base` changed, whatever else happened since (for a stale save's
    "not saved" list: never a colleague's newer answer)."""
    rows = session.scalars(
        select(AssessmentHistory)
        .where(AssessmentHistory.assessment_id == assessment.id)
        .where(AssessmentHistory.revision > base)
        .where(AssessmentHistory.kind == HistoryKind.ANSWER)
        .order_by(AssessmentHistory.revision.desc(), AssessmentHistory.created_at.desc())
    ).all()
    then = {row.question_id: row.old_value for row in rows if row.question_id is not None}
    return {
        q: v
        for q, v in patch.items()
        if not same(v, then[q] if q in then else assessment.answers.get(q))
    }


def same(a: Any, b: Any) -> bool:
    """Equal answers; the options of a multiple choice in any order are the same answer."""
    if isinstance(a, list) and isinstance(b, list):
        return sorted(map(str, a)) == sorted(map(str, b))
    return bool(a == b)


def stale(assessment: Assessment, expected: frozenset[int]) -> PreconditionFailed:
    wanted = ", ".join(str(r) for r in sorted(expected))
    return PreconditionFailed(
        f"The assessment is at revision {assessment.revision}, not {wanted}: it changed since "
        "you read it. Fetch it again, re-apply your change and retry.",
        headers={"ETag": f'"{assessment.revision}"'},
    )


def conflicted(assessment: Assessment, result: Plan) -> PreconditionFailed:
    """The API's 412 for a save that changes questions others changed since its revision."""
    names = ", ".join(sorted(result.conflicts))
    return PreconditionFailed(
        f"The assessment is at revision {assessment.revision}, not {result.base}: since then "
        f"others changed the same question{'s' if len(result.conflicts) > 1 else ''} ({names}). "
        "Fetch it again, decide which answer to keep and retry; changes to other questions "
        "are merged automatically.",
        errors=[
            {
                "question": q,
                "message": f"changed by {result.theirs[q].actor_label} at "
                f"{result.theirs[q].at.isoformat(timespec='seconds')} since revision "
                f"{result.base}",
            }
            for q in sorted(result.conflicts)
        ],
        headers={"ETag": f'"{assessment.revision}"'},
    )
