"""Edit conflicts on a questionnaire page: only questions that two people changed differently.

A save based on an older revision keeps its changes to questions nobody else touched (see
`service.assessments.merging`); for each question changed by both, the page shows theirs (who,
when) and yours side by side, with a choice. The choice posts back the writer's value as JSON,
based on the revision the page showed theirs at, so a third change in between is caught again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from starlette.datastructures import FormData

from service.assessments.merging import Plan
from service.errors import InvalidInput
from service.questionnaires.answers import display
from service.questionnaires.conditions import UNKNOWN
from service.questionnaires.messages import DONT_KNOW
from service.questionnaires.schema import Question, Questionnaire
from service.web.answer_forms import as_text

CHOICE_PREFIX = "choose:"
YOURS_PREFIX = "yours:"


@dataclass(frozen=True)
class ConflictRow:
    question_id: str
    label: str
    theirs: str
    theirs_by: str
    theirs_at: datetime
    yours: str
    yours_json: str


def conflict_rows(questionnaire: Questionnaire, plan: Plan) -> list[ConflictRow]:
    questions = questionnaire.questions
    return [
        ConflictRow(
            question_id=q,
            label=questions[q].label if q in questions else q,
            theirs=shown(questions.get(q), plan.theirs[q].value),
            theirs_by=plan.theirs[q].actor_label,
            theirs_at=plan.theirs[q].at,
            yours=shown(questions.get(q), value),
            yours_json=json.dumps(value),
        )
        for q, value in plan.conflicts.items()
    ]


def shown(question: Question | None, value: Any) -> str:
    """An answer in the words of the form ("Don't know / won't say", not "unknown")."""
    return DONT_KNOW if value == UNKNOWN else display(question, value)


def chosen(form: FormData) -> dict[str, Any]:
    """The questions where the writer chose their own answer, with that answer."""
    patch: dict[str, Any] = {}
    for key, choice in form.multi_items():
        if not key.startswith(CHOICE_PREFIX) or choice != "yours":
            continue
        question_id = key.removeprefix(CHOICE_PREFIX)
        raw = form.get(YOURS_PREFIX + question_id)
        try:
            patch[question_id] = json.loads(raw if isinstance(raw, str) else "")
        except ValueError:
            raise InvalidInput(
                "Your answer to keep did not come back intact; reload the page and enter it again.",
                errors=[{"question": question_id, "message": "answer to keep is missing"}],
            ) from None
    return patch


def form_values(plan: Plan) -> dict[str, list[str]]:
    """Answers others saved that this page should now show, as form values per question."""
    return {
        q: as_form_values(change.value)
        for q, change in plan.theirs.items()
        if q not in plan.conflicts
    }


def as_form_values(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v) for v in value]
    return [UNKNOWN if value == UNKNOWN else as_text(value)]


def merged_notice(questionnaire: Questionnaire, plan: Plan) -> str:
    """Which of the colleagues' changes were merged in, for the save status."""
    names = [
        f"{questionnaire.questions[q].name if q in questionnaire.questions else q} "
        f"({change.actor_label})"
        for q, change in plan.theirs.items()
        if q not in plan.conflicts
    ]
    if not names:
        return ""
    return "Saved; also merged in changes others made meanwhile: " + ", ".join(names) + "."
