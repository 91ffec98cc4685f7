"""The "Work in Excel" card of a questionnaire page: its links and a refused import's cells."""

from __future__ import annotations

from dataclasses import dataclass, field

from service.assessments.models import Assessment
from service.errors import ServiceError


@dataclass(frozen=True)
class CellRow:
    sheet: str
    cell: str
    question: str
    message: str


@dataclass(frozen=True)
class WorkbookPanel:
    """The "Work in Excel" card: where to download and upload, and a refused import's cells."""

    download: str
    upload: str | None
    message: str = ""
    problems: list[CellRow] = field(default_factory=list)

    @classmethod
    def refused(cls, download: str, upload: str | None, error: ServiceError) -> WorkbookPanel:
        rows = [
            CellRow(e.get("sheet", ""), e.get("cell", ""), e.get("question", ""), e["message"])
            for e in error.errors
            if "sheet" in e
        ]
        if not rows:
            return cls(download, upload, error.detail, [CellRow("", "", "", error.detail)])
        count = len(rows)
        message = (
            f"{count} cell{'s are' if count > 1 else ' is'} not valid, so nothing was saved. "
            "Correct them in the workbook and upload it again:"
        )
        return cls(download, upload, message, rows)


def panel_for(assessment: Assessment, editable: bool) -> WorkbookPanel:
    base = f"/assessments/{assessment.id}/questionnaire.xlsx"
    return WorkbookPanel(download=base, upload=base if editable else None)
