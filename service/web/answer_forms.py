"""Questionnaire forms: what the browser sends, decoded into answers for the service layer.

Only decoding lives here (form strings -> JSON values); whether an answer is valid is decided by
`service.questionnaires.answers.check_answers`, the same function the API uses.

Every question of the questionnaire is in the form, so a question with nothing sent is cleared.
Any question may be answered "unknown" (a "Don't know" radio or checkbox sending `unknown`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from starlette.datastructures import FormData

from service.questionnaires.conditions import UNKNOWN
from service.questionnaires.schema import Question, Questionnaire, QuestionType

_INTEGER = re.compile(r"^-?\d+$")
_DECIMAL = re.compile(r"^-?(\d+\.\d*|\.\d+)$")


def decode(
    questionnaire: Questionnaire, form: FormData, current: Mapping[str, Any]
) -> dict[str, Any]:
    """Every question's answer as the form gives it (None clears the answer)."""
    return {
        question.id: _decode(
            question,
            [value for value in form.getlist(question.id) if isinstance(value, str)],
            current.get(question.id),
        )
        for question in questionnaire.questions.values()
    }


def _decode(question: Question, values: list[str], current: Any) -> Any:
    if UNKNOWN in values:
        return UNKNOWN
    if question.type is QuestionType.TEXT:
        # Browsers send textarea line breaks as CRLF; store them as typed.
        filled = [v.replace("\r\n", "\n") for v in values if v.strip()]
    else:
        filled = [v.strip() for v in values if v.strip()]
    if not filled:
        return None
    if question.type is QuestionType.MULTIPLE_CHOICE:
        # The same options in another order are the same answer: keep the stored order.
        same = isinstance(current, list) and sorted(map(str, current)) == sorted(filled)
        return current if same else filled
    if question.type is QuestionType.BOOLEAN:
        return {"true": True, "false": False}.get(filled[0], filled[0])
    if question.type is QuestionType.NUMBER:
        return number(filled[0])
    return filled[0]


def number(text: str) -> int | float | str:
    """A number typed in a form; anything else is returned as typed, for the checks to refuse."""
    if _INTEGER.match(text):
        return int(text)
    if _DECIMAL.match(text):
        return float(text)
    return text


def as_text(value: Any) -> str:
    """An answer as it goes back into a text input."""
    if value is None or value == UNKNOWN:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


BASE_FIELD = "_base"
"""A form's answers as the page loaded them (JSON), so a save sends only what this page changed."""


def loaded(form: FormData) -> dict[str, Any] | None:
    """The answers the page loaded with; None when absent or not intact (then all count)."""
    raw = form.get(BASE_FIELD)
    try:
        value = json.loads(raw) if isinstance(raw, str) else None
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def loaded_json(answers: Mapping[str, Any]) -> str:
    """The `_base` value for a page showing `answers`."""
    return json.dumps(dict(answers), sort_keys=True)
