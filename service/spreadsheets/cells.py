"""Answers to cell values and back. Decoding never judges: a value it cannot read is passed on
as typed, for `check_answers` (the JSON API's own validation) to refuse with its message."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, time
from typing import Any

from service.questionnaires.conditions import UNKNOWN
from service.questionnaires.messages import DONT_KNOW
from service.questionnaires.schema import Question, QuestionType
from service.spreadsheets.wording import MULTIPLE_SEPARATOR

CellValue = str | int | float | bool | None

YES, NO = "Yes", "No"
_SPLIT = re.compile(r"[;\n]")
_INTEGER = re.compile(r"^-?\d+$")
_DECIMAL = re.compile(r"^-?(\d+\.\d*|\.\d+)$")


def to_cell(question: Question, value: Any) -> CellValue:
    """An answer as the workbook shows it: option labels, Yes/No, the "don't know" label."""
    if value is None:
        return None
    if value == UNKNOWN:
        return DONT_KNOW
    return _shown(question, value)


def _shown(question: Question, value: Any) -> CellValue:
    kind = question.type
    if kind is QuestionType.SINGLE_CHOICE:
        return question.option_label(str(value))
    if kind is QuestionType.MULTIPLE_CHOICE and isinstance(value, list):
        return MULTIPLE_SEPARATOR.join(question.option_label(str(v)) for v in value)
    if kind is QuestionType.BOOLEAN and isinstance(value, bool):
        return YES if value else NO
    if isinstance(value, int | float | str) and not isinstance(value, bool):
        return value
    return str(value)


def from_cell(question: Question, raw: object) -> Any:
    """The answer a cell holds (None for an empty cell)."""
    if isinstance(raw, datetime | date | time):
        raw = raw.isoformat()
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if isinstance(raw, str) and raw.strip().casefold() in _UNKNOWN_WORDS:
        return UNKNOWN
    return _DECODE[question.type](question, raw)


_UNKNOWN_WORDS = frozenset({DONT_KNOW.casefold(), UNKNOWN})


def _option(question: Question, text: str) -> str:
    wanted = text.strip().casefold()
    for option in question.options:
        if wanted in (option.id.casefold(), option.label.casefold()):
            return option.id
    return text.strip()


def _single(question: Question, raw: object) -> Any:
    return _option(question, _text(raw))


def _multiple(question: Question, raw: object) -> Any:
    parts = [part for part in _SPLIT.split(_text(raw)) if part.strip()]
    return [_option(question, part) for part in parts]


def _boolean(question: Question, raw: object) -> Any:
    if isinstance(raw, bool):
        return raw
    word = _text(raw).strip().casefold()
    return {"yes": True, "true": True, "no": False, "false": False}.get(word, _text(raw).strip())


def _number(question: Question, raw: object) -> Any:
    if isinstance(raw, bool):
        return _text(raw)
    if isinstance(raw, float) and raw.is_integer() and question.integer:
        return int(raw)
    if isinstance(raw, int | float):
        return raw
    text = _text(raw).strip()
    if _INTEGER.match(text):
        return int(text)
    if _DECIMAL.match(text):
        return float(text)
    return text


def _text_answer(question: Question, raw: object) -> Any:
    return _text(raw).replace("\r\n", "\n").strip()


def _text(raw: object) -> str:
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    return str(raw)


_DECODE: dict[QuestionType, Callable[[Question, object], Any]] = {
    QuestionType.SINGLE_CHOICE: _single,
    QuestionType.MULTIPLE_CHOICE: _multiple,
    QuestionType.BOOLEAN: _boolean,
    QuestionType.NUMBER: _number,
    QuestionType.TEXT: _text_answer,
    QuestionType.VERSION: _text_answer,
}


def same_answer(question: Question, left: Any, right: Any) -> bool:
    """Equal answers, the order of a multiple choice aside."""
    lists = isinstance(left, list) and isinstance(right, list)
    if question.type is QuestionType.MULTIPLE_CHOICE and lists:
        return sorted(map(str, left)) == sorted(map(str, right))
    return (bool(left == right) and type(left) is type(right)) or _same_number(left, right)


def _same_number(left: Any, right: Any) -> bool:
    numbers = (int, float)
    plain = not isinstance(left, bool) and not isinstance(right, bool)
    return plain and isinstance(left, numbers) and isinstance(right, numbers) and left == right
