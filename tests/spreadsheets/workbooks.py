"""Filling questionnaire workbooks in tests, the way a person would in Excel."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from service.spreadsheets import layout

XLSX = layout.XLSX_MEDIA_TYPE


def open_book(content: bytes) -> Workbook:
    return load_workbook(io.BytesIO(content))


def saved(book: Workbook) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def find_row(book: Workbook, question_id: str) -> tuple[Worksheet, int]:
    for sheet in book.worksheets:
        if sheet.title.startswith("_"):
            continue
        for row in range(layout.FIRST_QUESTION_ROW, sheet.max_row + 1):
            if sheet.cell(row=row, column=1).value == question_id:
                return sheet, row
    raise AssertionError(f"no row for {question_id}")


def answer_cell(book: Workbook, question_id: str) -> Any:
    sheet, row = find_row(book, question_id)
    return sheet.cell(row=row, column=layout.column_of(layout.ANSWER_HEADER))


def fill(content: bytes, answers: dict[str, Any]) -> bytes:
    """The workbook with these answer cells typed over (None empties a cell)."""
    book = open_book(content)
    for question_id, value in answers.items():
        answer_cell(book, question_id).value = value
    return saved(book)
