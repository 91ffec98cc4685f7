"""A questionnaire page after a refused save or submission, shown again at its own URL.

The payload kept by `refused_forms` holds plain data: the refused values and their messages,
whether to list the unanswered required questions, and the writer's answers to questions a
colleague changed too. Reading it back re-plans those against the assessment as it is now,
so the choice always shows the colleague's current answer and goes away once nothing differs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from service.assessments import merging
from service.assessments import service as assessment_service
from service.assessments.models import Assessment
from service.errors import PreconditionFailed
from service.web import answer_forms
from service.web.conflicts import ConflictRow, conflict_rows, shown
from service.web.questionnaire_view import QuestionnaireView, questionnaire_view
from service.web.saving import Saved, expected_revision


@dataclass(frozen=True)
class DraftState:
    view: QuestionnaireView
    notice: str | None = None
    conflicts: list[ConflictRow] = field(default_factory=list)
    unsaved: list[list[str]] = field(default_factory=list)
    """(question, answer) the writer changed in a save that could not be applied."""


def payload(
    saved: Saved | None, notice: str | None, *, show_missing: bool = False
) -> dict[str, Any]:
    kept: dict[str, Any] = {"notice": notice, "show_missing": show_missing}
    if saved is not None:
        kept.update(errors=saved.errors, entered=saved.entered)
        if saved.plan.conflicts:
            kept.update(conflicts=saved.plan.conflicts, base=saved.plan.base)
    return kept


def stale_payload(
    session: Session, assessment: Assessment, form: FormData, notice: str
) -> dict[str, Any]:
    """A save refused because the assessment moved on (submitted, reopened, upgraded): the
    writer's own changes, as typed, to list on the page so nothing is lost."""
    base = expected_revision(form)
    if base is None:
        return payload(None, notice)
    questionnaire = assessment_service.questionnaire_for(assessment)
    patch = answer_forms.decode(questionnaire, form, assessment.answers)
    mine = merging.own_changes(session, assessment, patch, max(base))
    questions = questionnaire.questions
    unsaved = [
        [questions[q].label if q in questions else q, shown(questions.get(q), v)]
        for q, v in mine.items()
    ]
    return {**payload(None, notice), "unsaved": unsaved}


def restore(session: Session, assessment: Assessment, kept: dict[str, Any]) -> DraftState:
    questionnaire = assessment_service.questionnaire_for(assessment)
    view = questionnaire_view(
        questionnaire,
        assessment.answers,
        errors=kept.get("errors") or {},
        entered=kept.get("entered") or {},
        show_missing=bool(kept.get("show_missing")),
    )
    rows = _conflicts(session, assessment, kept)
    unsaved = kept.get("unsaved") or []
    return DraftState(view=view, notice=kept.get("notice"), conflicts=rows, unsaved=unsaved)


def _conflicts(session: Session, assessment: Assessment, kept: dict[str, Any]) -> list[ConflictRow]:
    yours, base = kept.get("conflicts"), kept.get("base")
    if not yours or not isinstance(base, int):
        return []
    try:
        plan = merging.plan(session, assessment, yours, frozenset({base}))
    except PreconditionFailed:
        return []
    return conflict_rows(assessment_service.questionnaire_for(assessment), plan)
