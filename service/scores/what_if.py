"""What-if scoring: the score an assessment would get with some answers changed.

Nothing is stored: the current rule pack scores the merged answers against the client's
environment, and the result is presented like a stored score without a record.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from service.assessments.models import Assessment
from service.catalog import service as catalog_service
from service.catalog.schemas import QuestionnaireRef
from service.errors import Conflict
from service.observability import metrics
from service.questionnaires.answers import merge
from service.scores.presenters import unstored
from service.scores.schemas import ScoreRead
from service.scoring.library import Library


def what_if(library: Library, assessment: Assessment, patch: Mapping[str, Any]) -> ScoreRead:
    """The score the assessment would get with some answers changed; nothing is stored."""
    pinned = assessment.questionnaire
    key = f"{pinned.slug}@{pinned.version}"
    loaded, engine = library.pack_for(key), library.engine(key)
    if loaded is None or engine is None:
        raise Conflict(f"There is no rule pack for {key}, so this assessment cannot be scored.")
    catalog_service.require_valid_answers(engine.vendor, patch)
    answers = merge(assessment.answers, patch)
    client = dict(assessment.client.environment)
    with metrics.SCORING_SECONDS.time():
        score = engine.score(answers, client)
    return unstored(
        score,
        engine,
        library,
        QuestionnaireRef.of(pinned),
        QuestionnaireRef.of(assessment.client.environment_questionnaire),
        answers,
        client,
    )
