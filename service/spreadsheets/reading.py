"""Reading an uploaded questionnaire workbook safely.

Before openpyxl sees a byte: a size limit, and the zip directory's declared sizes (total,
per entry, compression ratio), so a zip bomb is refused unopened; Python's zipfile never
inflates an entry past its declared size, so the declared sizes are the real bound. Then
openpyxl in read-only mode, formulas kept as formulas (never evaluated; a formula in an answer
cell is refused), external links not loaded, no macros. Its XML parser is expat 2.4 or later,
which refuses entity-expansion bombs.
"""

from __future__ import annotations

import io
import json
import logging
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from service.errors import InvalidInput, PayloadTooLarge
from service.spreadsheets import layout
from service.spreadsheets.identity import Identity

logger = logging.getLogger(__name__)

MAX_WORKBOOK_BYTES = 1024 * 1024
MAX_ENTRIES = 300
MAX_UNCOMPRESSED_BYTES = 25 * 1024 * 1024
MAX_RATIO = 100
"""Compression ratio refused for an entry over RATIO_FROM_BYTES (real sheets stay under 20)."""
RATIO_FROM_BYTES = 1024 * 1024
MAX_ROWS = 5000
HEADER_SEARCH_ROWS = 10

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"


@dataclass(frozen=True)
class AnswerCell:
    sheet: str
    row: int
    column: int
    question_id: str
    raw: Any
    formula: bool

    @property
    def cell(self) -> str:
        return f"{get_column_letter(self.column)}{self.row}"


@dataclass
class ReadBook:
    identity: Identity | None
    identity_problem: str | None
    cells: list[AnswerCell] = field(default_factory=list)
    stray: list[tuple[str, int]] = field(default_factory=list)
    """(sheet, row) of answers typed on a row whose question id was cleared."""


def refused(message: str) -> InvalidInput:
    return InvalidInput(message, errors=[{"field": "workbook", "message": message}])


def read_workbook(content: bytes) -> ReadBook:
    check_container(content)
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=False, keep_links=False)
    except Exception as exc:  # any parse failure of untrusted input is the sender's problem
        logger.info("unreadable workbook: %s: %s", type(exc).__name__, exc)
        raise refused(
            "The file could not be read as an Excel workbook (it is damaged or not an .xlsx "
            "file). Save it again as “Excel Workbook (.xlsx)” and upload that."
        ) from None
    try:
        return _read(book)
    finally:
        book.close()


def check_container(content: bytes) -> None:
    """Size, type and the zip directory, before anything is decompressed."""
    if len(content) > MAX_WORKBOOK_BYTES:
        raise PayloadTooLarge(
            f"The workbook is {len(content) // 1024} KiB; the limit is "
            f"{MAX_WORKBOOK_BYTES // 1024} KiB. A filled questionnaire is far smaller: remove "
            "images or extra sheets and try again."
        )
    if content.startswith(_OLE_MAGIC):
        raise refused(
            "This is an old-style .xls file or a password-protected workbook. Remove the "
            "password and save it as “Excel Workbook (.xlsx)”, then upload it again."
        )
    if not content.startswith(_ZIP_MAGIC):
        raise refused("This is not an Excel workbook (.xlsx). Upload the .xlsx file itself.")
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise refused(
            "The workbook is damaged (its zip container cannot be read). Save it again as "
            "“Excel Workbook (.xlsx)” and upload that."
        ) from None
    _check_entries(entries)


def _check_entries(entries: list[zipfile.ZipInfo]) -> None:
    if len(entries) > MAX_ENTRIES:
        raise refused(f"The workbook holds {len(entries)} parts; at most {MAX_ENTRIES} are read.")
    total = sum(entry.file_size for entry in entries)
    bomb = any(
        entry.file_size > RATIO_FROM_BYTES
        and entry.file_size > MAX_RATIO * max(entry.compress_size, 1)
        for entry in entries
    )
    if total > MAX_UNCOMPRESSED_BYTES or bomb:
        raise PayloadTooLarge(
            f"The workbook would unpack to {total // (1024 * 1024)} MiB"
            f"{' at a suspicious compression ratio' if bomb else ''}; the limit is "
            f"{MAX_UNCOMPRESSED_BYTES // (1024 * 1024)} MiB. It was not opened. Upload the "
            "questionnaire workbook as downloaded from stackvet, filled in."
        )


def _read(book: Any) -> ReadBook:
    if layout.META_SHEET not in book.sheetnames:
        return ReadBook(None, _NOT_OURS)
    identity, problem = _identity(book[layout.META_SHEET])
    result = ReadBook(identity, problem)
    rows_read = 0
    for sheet in book.worksheets:
        if sheet.title in (layout.META_SHEET, layout.OPTIONS_SHEET, layout.README_SHEET):
            continue
        for found in _answer_cells(sheet, result):
            result.cells.append(found)
            rows_read += 1
            if rows_read > MAX_ROWS:
                raise refused(f"The workbook has more than {MAX_ROWS} question rows.")
    return result


_NOT_OURS = (
    "This workbook was not downloaded from stackvet (it has no hidden stackvet sheet naming "
    "its assessment). Download the questionnaire workbook from the assessment, fill it in "
    "and upload that."
)


def _identity(sheet: Any) -> tuple[Identity | None, str | None]:
    fields: dict[str, str] = {}
    baselines: dict[str, Any] = {}
    checksum = ""
    for row_number, row in enumerate(sheet.iter_rows(max_col=2, values_only=True), start=1):
        name, value = (str(v) if v is not None else "" for v in (*row, None, None)[:2])
        if row_number <= len(layout.META_FIELDS):
            fields[name] = value
        elif row_number == layout.META_CHECKSUM_ROW:
            checksum = value
        elif row_number >= layout.META_FIRST_BASELINE_ROW and name:
            try:
                baselines[name] = json.loads(value)
            except ValueError:
                return None, _TAMPERED
    try:
        identity = Identity(
            assessment_id=fields["assessment_id"],
            questionnaire=fields["questionnaire"],
            version=fields["version"],
            content_hash=fields["content_hash"],
            revision=int(fields["revision"]),
            baselines=baselines,
            format=fields["format"],
        )
    except (KeyError, ValueError):
        return None, _TAMPERED
    if identity.format != layout.FORMAT:
        return None, f"This workbook has format '{identity.format[:40]}'; expected {layout.FORMAT}."
    if identity.checksum != checksum:
        return None, _TAMPERED
    return identity, None


_TAMPERED = (
    "The workbook's hidden stackvet sheet was changed, so stackvet cannot tell which "
    "assessment it belongs to. Download the workbook again and copy your answers into it."
)


def _answer_cells(sheet: Any, result: ReadBook) -> Iterator[AnswerCell]:
    columns: tuple[int, int] | None = None
    for row_number, row in enumerate(sheet.iter_rows(), start=1):
        cells = {getattr(c, "column", None): c for c in row}
        if columns is None:
            columns = _header(cells) if row_number <= HEADER_SEARCH_ROWS else None
            if columns is None and row_number > HEADER_SEARCH_ROWS:
                return  # not a questionnaire sheet (no header): nothing to read
            continue
        id_cell, answer_cell = cells.get(columns[0]), cells.get(columns[1])
        question_id = _value(id_cell)
        raw = _value(answer_cell)
        if question_id is None or not str(question_id).strip():
            if raw is not None and str(raw).strip():
                result.stray.append((sheet.title, row_number))
            continue
        yield AnswerCell(
            sheet=sheet.title,
            row=row_number,
            column=columns[1],
            question_id=str(question_id).strip(),
            raw=raw,
            formula=getattr(answer_cell, "data_type", None) == "f",
        )


def _header(cells: dict[Any, Any]) -> tuple[int, int] | None:
    by_text = {str(_value(c)).strip(): column for column, c in cells.items() if _value(c)}
    id_column, answer_column = by_text.get(layout.ID_HEADER), by_text.get(layout.ANSWER_HEADER)
    if id_column is None or answer_column is None:
        return None
    return int(id_column), int(answer_column)


def _value(cell: Any) -> Any:
    return getattr(cell, "value", None)
