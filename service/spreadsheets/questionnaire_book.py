"""Writing an assessment's questionnaire as an Excel workbook.

One sheet per section, one row per question: id, question, answer type, the answer (a
dropdown for choices), the allowed answers, the condition under which it is asked, and the
help text. Only the answer cells are unlocked; the workbook's structure is locked so sheets
cannot be renamed, deleted or unhidden by accident. Vendor-typed text is always written as
text, never as a formula.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from service.questionnaires.messages import DONT_KNOW
from service.questionnaires.schema import Question, Questionnaire, QuestionType, Section
from service.spreadsheets import layout, wording
from service.spreadsheets.cells import NO, YES, CellValue, to_cell
from service.spreadsheets.identity import Identity
from service.spreadsheets.saving import printable, workbook_bytes

_WRAP = Alignment(wrap_text=True, vertical="top")
_BOLD = Font(bold=True)
_TITLE = Font(bold=True, size=14)
_HEADER_FONT = Font(bold=True, color="FFFFFF")
_HEADER_FILL = PatternFill("solid", fgColor="1F3A5F")
_ANSWER_FILL = PatternFill("solid", fgColor="FFF6D5")
_UNLOCKED = Protection(locked=False)
_TEXT_FORMAT = "@"
_LINE_HEIGHT = 15.0
PROMPT_LIMIT = 255  # Excel's limit for a data validation's input message


@dataclass(frozen=True)
class BookSource:
    """Everything the workbook shows; `answers` is empty for a blank questionnaire."""

    identity: Identity
    questionnaire: Questionnaire
    title: str
    vendor: str
    client: str
    answers: Mapping[str, Any]


def questionnaire_workbook(source: BookSource) -> bytes:
    book = Workbook()
    readme = book.active
    assert readme is not None
    _readme(readme, source)
    options = _options_sheet(book, source.questionnaire)
    names = layout.sheet_names([s.title for s in source.questionnaire.sections])
    for name, section in zip(names, source.questionnaire.sections, strict=True):
        _section_sheet(book.create_sheet(name), section, source, options)
    options_sheet = book[layout.OPTIONS_SHEET]  # hidden sheets go last
    book.move_sheet(options_sheet, offset=len(book.sheetnames) - 1 - book.index(options_sheet))
    _meta_sheet(book, source.identity)
    book.security = WorkbookProtection(lockStructure=True)
    return workbook_bytes(book)


def _text_cell(sheet: Worksheet, row: int, column: int, value: CellValue) -> Cell:
    """A cell whose string is text even when it starts with "=" (never a formula)."""
    cell = sheet.cell(row=row, column=column)
    assert isinstance(cell, Cell)  # never a merged cell: only row 2 is merged, at column 1
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"
    return cell


def _readme(sheet: Worksheet, source: BookSource) -> None:
    sheet.title = layout.README_SHEET
    lines: list[tuple[str, str]] = [
        (source.questionnaire.title, ""),
        ("Assessment", source.title),
        ("Vendor", source.vendor),
        ("Client", source.client),
        ("Questionnaire", f"{source.questionnaire.slug} {source.questionnaire.version}"),
        ("", ""),
        ("How to fill it in", _HOW_TO),
        ("Don't know?", f"Write or pick “{DONT_KNOW}”: it counts as an answer."),
        ("Several choices", "Separate them with “;” (the allowed answers are listed)."),
        ("Sending it back", _SENDING_BACK),
    ]
    for row, (label, text) in enumerate(lines, start=1):
        _text_cell(sheet, row, 1, label or None).font = _TITLE if row == 1 else _BOLD
        _text_cell(sheet, row, 2, text or None).alignment = _WRAP
    sheet.column_dimensions["A"].width = 22
    sheet.column_dimensions["B"].width = 90
    printable(sheet)
    for row in (7, 10):
        sheet.row_dimensions[row].height = _LINE_HEIGHT * 3


_HOW_TO = (
    "Each section of the questionnaire is a sheet. Fill in the yellow “Your answer” column; "
    "choices have a dropdown. Leave the other columns and the question ids as they are. Some "
    "questions only apply after a particular answer (see “Applies only when”); leave them "
    "empty otherwise."
)
_SENDING_BACK = (
    "Upload the saved workbook on the assessment page (or your invitation page). Every answer "
    "is checked: if any cell is not valid, nothing is saved and you get a list of the cells to "
    "correct. Empty cells clear an answer that was exported filled in."
)


def _options_sheet(book: Workbook, questionnaire: Questionnaire) -> dict[str, str]:
    """Dropdown lists in a hidden sheet; returns question id -> the list's range."""
    sheet = book.create_sheet(layout.OPTIONS_SHEET)
    ranges: dict[str, str] = {}
    column = 0
    for question in questionnaire.questions.values():
        choices = _dropdown(question)
        if not choices:
            continue
        column += 1
        for row, label in enumerate(choices, start=1):
            _text_cell(sheet, row, column, label)
        letter = get_column_letter(column)
        ranges[question.id] = f"'{layout.OPTIONS_SHEET}'!${letter}$1:${letter}${len(choices)}"
    sheet.sheet_state = "hidden"
    return ranges


def _dropdown(question: Question) -> list[str]:
    if question.type is QuestionType.SINGLE_CHOICE:
        return [o.label for o in question.options] + [DONT_KNOW]
    if question.type is QuestionType.BOOLEAN:
        return [YES, NO, DONT_KNOW]
    return []


def _section_sheet(
    sheet: Worksheet, section: Section, source: BookSource, options: Mapping[str, str]
) -> None:
    _text_cell(sheet, layout.TITLE_ROW, 1, section.title).font = _TITLE
    intro = _text_cell(sheet, layout.INTRO_ROW, 1, section.description or None)
    intro.alignment = _WRAP
    last = get_column_letter(len(layout.COLUMNS))
    sheet.merge_cells(f"A{layout.INTRO_ROW}:{last}{layout.INTRO_ROW}")
    sheet.row_dimensions[layout.INTRO_ROW].height = _LINE_HEIGHT * 2
    for column, (header, width) in enumerate(layout.COLUMNS, start=1):
        cell = _text_cell(sheet, layout.HEADER_ROW, column, header)
        cell.font, cell.fill, cell.alignment = _HEADER_FONT, _HEADER_FILL, _WRAP
        sheet.column_dimensions[get_column_letter(column)].width = width
    for row, question in enumerate(section.questions, start=layout.FIRST_QUESTION_ROW):
        _question_row(sheet, row, question, source, options)
    sheet.freeze_panes = f"C{layout.FIRST_QUESTION_ROW}"
    printable(sheet, f"{layout.HEADER_ROW}:{layout.HEADER_ROW}")
    sheet.protection.sheet = True
    sheet.protection.formatColumns = False  # people may widen columns and rows
    sheet.protection.formatRows = False


def _question_row(
    sheet: Worksheet,
    row: int,
    question: Question,
    source: BookSource,
    options: Mapping[str, str],
) -> None:
    allowed = wording.allowed_answers(question)
    values: list[CellValue] = [
        question.id,
        question.label,
        wording.answer_type(question),
        to_cell(question, source.answers.get(question.id)),
        allowed,
        wording.applies_when(source.questionnaire, question),
        question.help,
    ]
    for column, value in enumerate(values, start=1):
        _text_cell(sheet, row, column, value if value != "" else None).alignment = _WRAP
    answer = sheet.cell(row=row, column=layout.column_of(layout.ANSWER_HEADER))
    assert isinstance(answer, Cell)
    answer.fill, answer.protection = _ANSWER_FILL, _UNLOCKED
    if question.type is not QuestionType.NUMBER:
        answer.number_format = _TEXT_FORMAT  # "2.10" must not become the number 2.1
    _validation(sheet, answer, question, options.get(question.id), allowed)
    sheet.row_dimensions[row].height = _height(values)


def _validation(
    sheet: Worksheet, cell: Cell, question: Question, choices: str | None, allowed: str
) -> None:
    prompt = allowed if len(allowed) <= PROMPT_LIMIT else allowed[: PROMPT_LIMIT - 1] + "…"
    check = DataValidation(
        type="list" if choices else None,
        formula1=choices,
        allow_blank=True,
        showInputMessage=True,
        promptTitle=question.name[:32],
        prompt=prompt,
        showErrorMessage=choices is not None,
        errorTitle="Not one of the choices",
        error=f"Pick an answer from the list, or “{DONT_KNOW}”.",
    )
    sheet.add_data_validation(check)
    check.add(cell)


def _height(values: list[CellValue]) -> float:
    """Rows tall enough for their wrapped text (Excel does not size rows on opening)."""
    lines = 1
    for (_, width), value in zip(layout.COLUMNS, values, strict=True):
        text = "" if value is None else str(value)
        wrapped = sum(max(1, math.ceil(len(part) / (width * 1.1))) for part in text.split("\n"))
        lines = max(lines, wrapped)
    return _LINE_HEIGHT * min(lines, 20)


def _meta_sheet(book: Workbook, identity: Identity) -> None:
    sheet = book.create_sheet(layout.META_SHEET)
    for row, (name, value) in enumerate(identity.fields().items(), start=1):
        _text_cell(sheet, row, 1, name)
        _text_cell(sheet, row, 2, value)
    _text_cell(sheet, layout.META_CHECKSUM_ROW, 1, "checksum")
    _text_cell(sheet, layout.META_CHECKSUM_ROW, 2, identity.checksum)
    for row, (question_id, value) in enumerate(
        identity.baselines.items(), start=layout.META_FIRST_BASELINE_ROW
    ):
        _text_cell(sheet, row, 1, question_id)
        _text_cell(sheet, row, 2, json.dumps(value))
    sheet.sheet_state = "hidden"
