"""API shapes for workbook imports."""

from __future__ import annotations

from pydantic import BaseModel, Field

from service.assessments.schemas import AssessmentRead


class WorkbookImportRead(BaseModel):
    changed: list[str] = Field(description="Question ids whose answers the workbook changed.")
    unchanged: int = Field(description="Rows whose answer was already the assessment's.")
    not_in_workbook: list[str] = Field(
        description="Questions with no row in the workbook (deleted rows): left as they were."
    )
    assessment: AssessmentRead
