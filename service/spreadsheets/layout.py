"""Where things sit in a questionnaire workbook: sheet names, columns, the hidden sheets.

The reader finds its columns by their header text, so a workbook stays readable if a column
was moved; the writer uses this order.
"""

from __future__ import annotations

import re

FORMAT = "stackvet-questionnaire/1"
"""Written in the hidden sheet; a workbook of another format is refused."""

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MEDIA_TYPE = "text/csv; charset=utf-8"

README_SHEET = "Read me"
META_SHEET = "_stackvet"
"""Hidden: assessment id, questionnaire version, checksum, and each question's exported answer."""
OPTIONS_SHEET = "_options"
"""Hidden: the dropdown lists (option labels with commas cannot go in an inline list)."""

ID_HEADER = "Question id"
ANSWER_HEADER = "Your answer"
COLUMNS: tuple[tuple[str, int], ...] = (
    (ID_HEADER, 24),
    ("Question", 46),
    ("Answer type", 18),
    (ANSWER_HEADER, 38),
    ("Allowed answers", 40),
    ("Applies only when", 34),
    ("Help", 60),
)
"""(header, width in characters) of each section sheet's columns, left to right."""

TITLE_ROW = 1
INTRO_ROW = 2
HEADER_ROW = 3
FIRST_QUESTION_ROW = 4

META_FIELDS = ("format", "assessment_id", "questionnaire", "version", "content_hash", "revision")
META_CHECKSUM_ROW = len(META_FIELDS) + 1
META_FIRST_BASELINE_ROW = META_CHECKSUM_ROW + 2

SHEET_NAME_LIMIT = 31
_NOT_IN_SHEET_NAMES = re.compile(r"[\[\]:*?/\\]")


def column_of(header: str) -> int:
    """1-based column number of a header in the writer's order."""
    return next(i for i, (name, _) in enumerate(COLUMNS, start=1) if name == header)


def sheet_names(titles: list[str]) -> list[str]:
    """Excel-safe, unique sheet names for section titles (31 characters, no []:*?/\\)."""
    taken = {README_SHEET.casefold(), META_SHEET, OPTIONS_SHEET}
    names: list[str] = []
    for title in titles:
        base = " ".join(_NOT_IN_SHEET_NAMES.sub(" ", title).split()) or "Section"
        if len(base) > SHEET_NAME_LIMIT:
            base = base[: SHEET_NAME_LIMIT - 1].rstrip() + "…"
        name, number = base, 2
        while name.casefold() in taken:
            suffix = f" {number}"
            name, number = base[: SHEET_NAME_LIMIT - len(suffix)] + suffix, number + 1
        taken.add(name.casefold())
        names.append(name)
    return names
