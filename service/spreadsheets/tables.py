"""A table (headers and rows) as CSV or as a one-sheet XLSX, safe to open in a spreadsheet.

CSV: a text cell starting with = + - @ (or a tab or carriage return) is what a spreadsheet
runs as a formula, so it gets a leading apostrophe (OWASP's advice); numbers are left alone.
UTF-8 with a byte-order mark, so Excel reads accents right. XLSX: text cells are written as
text, never as formulas, in write-only mode.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from service.spreadsheets.layout import CSV_MEDIA_TYPE, XLSX_MEDIA_TYPE
from service.spreadsheets.saving import printable

Value = str | int | float | bool | datetime | None

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Column:
    header: str
    width: int = 20


@dataclass(frozen=True)
class Table:
    title: str
    columns: Sequence[Column]
    rows: Sequence[Sequence[Value]]


@dataclass(frozen=True)
class Export:
    content: bytes
    media_type: str
    filename: str


def export(table: Table, name: str, fmt: str) -> Export:
    """The table in `fmt` ("csv" or "xlsx") with a file name."""
    if fmt == "csv":
        return Export(to_csv(table), CSV_MEDIA_TYPE, f"{name}.csv")
    return Export(to_xlsx(table), XLSX_MEDIA_TYPE, f"{name}.xlsx")


def defused(value: Value) -> Value:
    """A cell a spreadsheet will show, never run."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def to_csv(table: Table) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([defused(c.header) for c in table.columns])
    for row in table.rows:
        writer.writerow([_csv_value(defused(v)) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _csv_value(value: Value) -> str | int | float:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    return value


def to_xlsx(table: Table) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(table.title[:31] or "Export")
    for index, column in enumerate(table.columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.freeze_panes = "A2"
    printable(sheet, "1:1")
    sheet.append([_cell(sheet, c.header, _HEADER) for c in table.columns])
    for row in table.rows:
        sheet.append([_cell(sheet, v, _WRAP) for v in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


_HEADER = (Font(bold=True), Alignment(wrap_text=True, vertical="top"))
_WRAP = (Font(), Alignment(wrap_text=True, vertical="top"))


def _cell(sheet: object, value: Value, style: tuple[Font, Alignment]) -> Cell:
    if isinstance(value, datetime) and value.tzinfo is not None:
        value = value.replace(tzinfo=None)  # Excel has no time zones; stored times are UTC
    cell = WriteOnlyCell(sheet, value=value)  # type: ignore[arg-type]
    if isinstance(value, str):
        cell.data_type = "s"
    cell.font, cell.alignment = style
    return cell
