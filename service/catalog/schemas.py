"""API shapes for questionnaire definitions."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from service.catalog.models import QuestionnaireVersion
from service.questionnaires.catalog import Definition
from service.questionnaires.schema import Audience


class QuestionnaireRef(BaseModel):
    """The exact questionnaire version something was answered against."""

    slug: str
    version: str
    content_hash: str

    @classmethod
    def of(cls, row: QuestionnaireVersion) -> QuestionnaireRef:
        return cls(slug=row.slug, version=row.version, content_hash=row.content_hash)


class QuestionnaireSummary(BaseModel):
    slug: str
    version: str
    title: str
    audience: Audience
    content_hash: str
    question_count: int
    versions: list[str] = Field(description="Every published version, oldest first.")


class QuestionnaireDocument(BaseModel):
    slug: str
    version: str
    content_hash: str = Field(description="sha256 of the definition; assessments pin it.")
    definition: dict[str, Any] = Field(
        description="Sections and questions: types, options, help, required, show_if."
    )

    @classmethod
    def of(cls, definition: Definition) -> QuestionnaireDocument:
        return cls(
            slug=definition.slug,
            version=definition.version,
            content_hash=definition.content_hash,
            definition=definition.questionnaire.model_dump(
                mode="json", by_alias=True, exclude_none=True
            ),
        )
