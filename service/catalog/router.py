"""Read-only access to the questionnaire definitions."""

from __future__ import annotations

from service.auth.dependencies import Reader
from service.catalog import service as catalog_service
from service.catalog.schemas import QuestionnaireDocument, QuestionnaireSummary
from service.dependencies import CatalogDep
from service.openapi import errors
from service.routing import api_router

router = api_router("/api/v1/questionnaires", "Questionnaires")


@router.get("", response_model=list[QuestionnaireSummary], responses=errors(401, 403))
def list_questionnaires(catalog: CatalogDep, _: Reader) -> list[QuestionnaireSummary]:
    """List the questionnaires, each at its latest version."""
    summaries = []
    for slug in catalog.slugs():
        versions = catalog.versions(slug)
        newest = versions[-1]
        summaries.append(
            QuestionnaireSummary(
                slug=slug,
                version=newest.version,
                title=newest.questionnaire.title,
                audience=newest.questionnaire.audience,
                content_hash=newest.content_hash,
                question_count=len(newest.questionnaire.questions),
                versions=[d.version for d in versions],
            )
        )
    return summaries


@router.get("/{slug}", response_model=QuestionnaireDocument, responses=errors(401, 403, 404))
def get_questionnaire(slug: str, catalog: CatalogDep, _: Reader) -> QuestionnaireDocument:
    """The latest version of one questionnaire, with every question."""
    return QuestionnaireDocument.of(catalog_service.latest(catalog, slug))


@router.get(
    "/{slug}/versions/{version}",
    response_model=QuestionnaireDocument,
    responses=errors(401, 403, 404),
)
def get_questionnaire_version(
    slug: str, version: str, catalog: CatalogDep, _: Reader
) -> QuestionnaireDocument:
    """One exact version of a questionnaire."""
    return QuestionnaireDocument.of(catalog_service.version(catalog, slug, version))
