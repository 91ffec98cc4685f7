"""The append-only assessment history: answer changes, state changes and clarifications."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.assessments.models import (
    Assessment,
    AssessmentHistory,
    AssessmentStatus,
    HistoryKind,
)
from service.auth.principal import Principal
from service.db import utcnow


def record_transition(
    session: Session,
    assessment: Assessment,
    principal: Principal,
    kind: HistoryKind,
    previous: AssessmentStatus,
    reason: str | None,
) -> None:
    """A state change in the history: from and to as old and new values, with the reason."""
    record_history(
        session,
        assessment,
        principal,
        kind,
        old=previous.value,
        new=assessment.status.value,
        reason=reason,
    )


def record_history(
    session: Session,
    assessment: Assessment,
    principal: Principal,
    kind: HistoryKind,
    *,
    question_id: str | None = None,
    old: Any = None,
    new: Any = None,
    reason: str | None = None,
) -> None:
    """Append one history entry at the assessment's current revision."""
    session.add(
        AssessmentHistory(
            assessment=assessment,
            revision=assessment.revision,
            kind=kind,
            question_id=question_id,
            old_value=old,
            new_value=new,
            actor_type=principal.actor_type,
            actor_id=principal.actor_id,
            actor_label=principal.label,
            reason=reason,
            created_at=utcnow(),
        )
    )


def history(session: Session, assessment: Assessment) -> Sequence[AssessmentHistory]:
    query = (
        select(AssessmentHistory)
        .where(AssessmentHistory.assessment_id == assessment.id)
        .order_by(
            AssessmentHistory.revision,
            AssessmentHistory.created_at,
            AssessmentHistory.question_id,
        )
    )
    return session.scalars(query).all()
