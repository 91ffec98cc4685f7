"""From the cells of a filled workbook to one answers patch, or the list of every bad cell.

A cell still holding the answer it was exported with is not a change, so answers given in
stackvet after the download are kept. A cell changed in the workbook *and* in stackvet since
the download (to something else) is a conflict, listed like a bad value: nothing is lost.
Validation is `check_answers`, the JSON API's, so the messages are the API's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from service.questionnaires.answers import check_answers, display
from service.questionnaires.schema import Questionnaire
from service.spreadsheets.cells import from_cell, same_answer, to_cell
from service.spreadsheets.identity import Identity
from service.spreadsheets.reading import AnswerCell, ReadBook


@dataclass(frozen=True)
class CellProblem:
    sheet: str
    row: int
    cell: str
    question: str
    message: str

    def as_error(self) -> dict[str, str]:
        return {
            "sheet": self.sheet,
            "row": str(self.row),
            "cell": self.cell,
            "question": self.question,
            "message": self.message,
        }


@dataclass
class Plan:
    patch: dict[str, Any] = field(default_factory=dict)
    problems: list[CellProblem] = field(default_factory=list)
    unchanged: int = 0
    not_in_workbook: list[str] = field(default_factory=list)


def plan_import(
    questionnaire: Questionnaire, book: ReadBook, identity: Identity, current: Mapping[str, Any]
) -> Plan:
    plan = Plan()
    values = _decoded(questionnaire, book, plan)
    refused = {p.question: p.message for p in check_answers(questionnaire, values)}
    seen: dict[str, AnswerCell] = {}
    for cell in book.cells:
        seen.setdefault(cell.question_id, cell)  # a repeated row is reported on its own
    for question_id, value in values.items():
        cell = seen[question_id]
        if question_id in refused:
            plan.problems.append(_problem(cell, f"{refused[question_id]}{_typed(cell)}"))
        else:
            _merge(questionnaire, identity, current, cell, value, plan)
    plan.not_in_workbook = [q for q in questionnaire.questions if q not in seen]
    plan.problems.sort(key=lambda p: (_sheet_order(book, p.sheet), p.row))
    return plan


def _decoded(questionnaire: Questionnaire, book: ReadBook, plan: Plan) -> dict[str, Any]:
    """Each question's cell decoded; formulas, repeated ids and stray answers are problems."""
    values: dict[str, Any] = {}
    first: dict[str, AnswerCell] = {}
    for cell in book.cells:
        question = questionnaire.questions.get(cell.question_id)
        if cell.question_id in first:
            earlier = first[cell.question_id]
            plan.problems.append(
                _problem(cell, f"this question is already on {earlier.sheet} row {earlier.row}")
            )
        elif cell.formula:
            first[cell.question_id] = cell
            plan.problems.append(
                _problem(cell, "holds a formula; formulas are not read: type the answer itself")
            )
        else:
            first[cell.question_id] = cell
            values[cell.question_id] = from_cell(question, cell.raw) if question else cell.raw
    for sheet, row in book.stray:
        plan.problems.append(
            CellProblem(sheet, row, f"row {row}", "", "an answer on a row without a question id")
        )
    return values


def _merge(
    questionnaire: Questionnaire,
    identity: Identity,
    current: Mapping[str, Any],
    cell: AnswerCell,
    value: Any,
    plan: Plan,
) -> None:
    question = questionnaire.questions[cell.question_id]
    baseline = identity.baselines.get(cell.question_id)
    exported = from_cell(question, to_cell(question, baseline))
    now = current.get(cell.question_id)
    if same_answer(question, value, exported) or same_answer(question, value, now):
        plan.unchanged += 1
        return
    if not (same_answer(question, now, baseline) or same_answer(question, now, exported)):
        plan.problems.append(
            _problem(
                cell,
                f"was changed in stackvet to “{display(question, now)}” after this workbook "
                f"was downloaded (it then said “{display(question, baseline)}”); keep one: "
                "type the answer you want again in a freshly downloaded workbook, or change it "
                "in stackvet",
            )
        )
        return
    plan.patch[cell.question_id] = value


def _problem(cell: AnswerCell, message: str) -> CellProblem:
    return CellProblem(cell.sheet, cell.row, cell.cell, cell.question_id, message)


def _typed(cell: AnswerCell) -> str:
    text = str(cell.raw)
    shown = text if len(text) <= 60 else text[:59] + "…"
    return f" (the cell says “{shown}”)"


def _sheet_order(book: ReadBook, sheet: str) -> int:
    names = list(dict.fromkeys(c.sheet for c in book.cells))
    return names.index(sheet) if sheet in names else len(names)
