"""What a questionnaire page shows: sections, questions with their state, and progress.

Visibility, completeness and validation come from `service.questionnaires.answers`, the same
functions the API uses; the autosave response carries their results to the page script.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from service.questionnaires.answers import (
    Progress,
    display,
    missing_required,
    progress,
    visible_questions,
)
from service.questionnaires.conditions import UNKNOWN
from service.questionnaires.messages import DONT_KNOW
from service.questionnaires.schema import Question, Questionnaire, QuestionType
from service.web.answer_forms import as_text

RADIO_LIMIT = 6
"""Single-choice questions with more options than this are drop-downs."""


def dom_id(question_id: str) -> str:
    """An HTML id for a question ('.' never appears in ids otherwise, so this is one-to-one)."""
    return "q-" + question_id.replace(".", "-")


@dataclass(frozen=True)
class QuestionView:
    question: Question
    value: Any
    visible: bool
    error: str | None = None
    missing: bool = False

    @property
    def id(self) -> str:
        return dom_id(self.question.id)

    @property
    def widget(self) -> str:
        kind = self.question.type
        if kind is QuestionType.SINGLE_CHOICE:
            return "radios" if len(self.question.options) <= RADIO_LIMIT else "select"
        if kind is QuestionType.MULTIPLE_CHOICE:
            return "checkboxes"
        if kind is QuestionType.BOOLEAN:
            return "boolean"
        if kind is QuestionType.TEXT and self.question.text_limit > 300:
            return "textarea"
        return "input"

    @property
    def unknown(self) -> bool:
        return bool(self.value == UNKNOWN)

    @property
    def text(self) -> str:
        return as_text(self.value)

    @property
    def shown(self) -> str:
        """The answer as a person reads it, "Don't know / won't say" as the form calls it."""
        return DONT_KNOW if self.unknown else display(self.question, self.value)

    def chosen(self, option: object) -> bool:
        if isinstance(self.value, list):
            return option in self.value
        return bool(self.value == option)


@dataclass(frozen=True)
class SectionView:
    id: str
    title: str
    description: str | None
    questions: list[QuestionView]

    @property
    def visible(self) -> int:
        return sum(1 for q in self.questions if q.visible)

    @property
    def answered(self) -> int:
        return sum(1 for q in self.questions if q.visible and q.value is not None and not q.error)


@dataclass(frozen=True)
class QuestionnaireView:
    title: str
    description: str
    sections: list[SectionView]
    progress: Progress
    missing: list[Question] = field(default_factory=list)
    """Required questions still unanswered, listed after a refused submission."""

    @property
    def attention(self) -> list[tuple[SectionView, list[QuestionView]]]:
        """Refused or missing answers by section, for the summary at the top of the page."""
        groups = [
            (s, [q for q in s.questions if q.visible and (q.error or q.missing)])
            for s in self.sections
        ]
        return [(section, questions) for section, questions in groups if questions]

    @property
    def attention_count(self) -> int:
        return sum(len(questions) for _, questions in self.attention)


def questionnaire_view(
    questionnaire: Questionnaire,
    answers: Mapping[str, Any],
    *,
    errors: Mapping[str, str] | None = None,
    entered: Mapping[str, Any] | None = None,
    show_missing: bool = False,
) -> QuestionnaireView:
    """The page's view of `answers`; `entered` are refused values to show back with `errors`."""
    errors, entered = errors or {}, entered or {}
    visible = {q.id for q in visible_questions(questionnaire, answers)}
    missing = missing_required(questionnaire, answers) if show_missing else []
    missing_ids = {q.id for q in missing}
    sections = [
        SectionView(
            id=section.id,
            title=section.title,
            description=section.description,
            questions=[
                QuestionView(
                    question=q,
                    value=entered.get(q.id, answers.get(q.id)),
                    visible=q.id in visible,
                    error=errors.get(q.id),
                    missing=q.id in missing_ids,
                )
                for q in section.questions
            ],
        )
        for section in questionnaire.sections
    ]
    return QuestionnaireView(
        title=questionnaire.title,
        description=questionnaire.description,
        sections=sections,
        progress=progress(questionnaire, answers),
        missing=missing,
    )


def state_payload(
    questionnaire: Questionnaire, answers: Mapping[str, Any], errors: Mapping[str, str]
) -> dict[str, Any]:
    """What the page script needs after a save: visibility, messages and progress."""
    view = questionnaire_view(questionnaire, answers, errors=errors)
    p = view.progress
    return {
        "visible": [q.id for q in visible_questions(questionnaire, answers)],
        "errors": dict(errors),
        "progress": {
            "percent": p.percent,
            "answered": p.answered,
            "visible": p.visible,
            "required_missing": p.required_missing,
        },
        "sections": {s.id: {"answered": s.answered, "visible": s.visible} for s in view.sections},
    }
