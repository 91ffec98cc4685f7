"""Accepting a suggested answer: one click, through the ordinary answer path (history kept)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from service.assessments import service as assessment_service
from service.assessments.models import Assessment
from service.auth.principal import Principal
from service.errors import Conflict
from service.evidence import overview as evidence_overview
from service.evidence.crosscheck import Status


def accept(
    session: Session,
    principal: Principal,
    assessment: Assessment,
    question_id: str,
    expected: frozenset[int] | None,
) -> Assessment:
    """Answer `question_id` with the value its evidence suggests."""
    item = evidence_overview.overview(session, assessment).by_question.get(question_id)
    if item is None or item.check.status is not Status.SUGGESTED:
        status = item.check.status.value if item else "no evidence"
        raise Conflict(
            f"There is no suggested answer for '{question_id}' (its status is {status}): only "
            "an unknown or missing answer with evidence can be accepted. Reload the evidence."
        )
    patch = {question_id: item.check.evidenced}
    return assessment_service.update_answers(session, principal, assessment, patch, expected)
