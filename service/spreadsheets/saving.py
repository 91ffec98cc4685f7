"""Saving a workbook without temporary files, and sheets set up to print legibly.

openpyxl writes each worksheet to a temporary file, zips it, and deletes it. Deleting a file
with fresh data costs 2-9 ms on a busy disk (ext4 mounted with `discard`), about a third of an
export of eleven sheets. This writer streams each worksheet into memory instead, through the
same `WorksheetWriter`; tests open what it writes with openpyxl itself.
"""

from __future__ import annotations

import io
from typing import Any
from zipfile import ZIP_DEFLATED, ZipFile

from openpyxl import Workbook
from openpyxl.drawing.spreadsheet_drawing import SpreadsheetDrawing
from openpyxl.worksheet._writer import WorksheetWriter
from openpyxl.writer.excel import ExcelWriter


class _InMemoryWriter(ExcelWriter):
    """`ExcelWriter.write_worksheet` of openpyxl 3.1, with a buffer for the temporary file
    (the private attributes are openpyxl's own; the stubs do not list them)."""

    def write_worksheet(self, ws: Any) -> None:
        ws._drawing = SpreadsheetDrawing()
        ws._drawing.charts = ws._charts
        ws._drawing.images = ws._images
        buffer = io.BytesIO()
        writer: Any = WorksheetWriter(ws, out=buffer)
        writer.write()
        ws._rels = writer._rels
        archive: ZipFile = self._archive  # type: ignore[attr-defined]
        archive.writestr(ws.path[1:], buffer.getvalue())
        self.manifest.append(ws)


def workbook_bytes(book: Workbook) -> bytes:
    """The .xlsx file of a (not write-only) workbook."""
    buffer = io.BytesIO()
    with ZipFile(buffer, "w", ZIP_DEFLATED, allowZip64=True) as archive:
        _InMemoryWriter(book, archive).save()
    return buffer.getvalue()


def printable(sheet: Any, repeat_rows: str | None = None) -> None:
    """Printed (or saved as PDF) from Excel or LibreOffice, the sheet fits the page width in
    landscape, with `repeat_rows` (e.g. "3:3", the header row) on every page. Without this
    each column goes to pages of its own: the questionnaire printed as 60 pages of one column
    each in LibreOffice. Paper size is left to the application's locale (A4 or Letter)."""
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0  # as many pages down as the rows need
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    if repeat_rows is not None:
        sheet.print_title_rows = repeat_rows
