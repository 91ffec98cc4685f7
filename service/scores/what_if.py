"""What-if scoring: the score an assessment would get with some answers changed.

Nothing is stored: the current rule pack scores the merged answers against the client's
environment, and the result is presented like a stored score without a record. Evidence
counts as it does in the stored score: a contradicted answer is scored with its evidenced
value, unless the what-if changes that answer (the change is the hypothesis: say the vendor
upgrades), so asking with no changes gives the latest score (`tests/evidence/test_api.py`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from service.assessments.models import Assessment
from service.catalog import service as catalog_service
from service.catalog.schemas import QuestionnaireRef
from service.errors import Conflict
from service.evidence import scoring as evidence_scoring
from service.evidence import service as evidence_service
from service.evidence.scoring import EvidenceUse
from service.observability import metrics
from service.questionnaires.answers import merge
from service.scores.presenters import unstored
from service.scores.schemas import ScoreRead
from service.scoring.engine import Engine
from service.scoring.library import Library


def what_if(
    session: Session, library: Library, assessment: Assessment, patch: Mapping[str, Any]
) -> ScoreRead:
    """The score the assessment would get with some answers changed; nothing is stored."""
    pinned = assessment.questionnaire
    key = f"{pinned.slug}@{pinned.version}"
    loaded, engine = library.pack_for(key), library.engine(key)
    if loaded is None or engine is None:
        raise Conflict(f"There is no rule pack for {key}, so this assessment cannot be scored.")
    catalog_service.require_valid_answers(engine.vendor, patch)
    answers = merge(assessment.answers, patch)
    client = dict(assessment.client.environment)
    evidence = _evidence(session, assessment, engine, answers, patch)
    scored = evidence.scored_answers if evidence else answers
    with metrics.SCORING_SECONDS.time():
        score = engine.score(scored, client)
    return unstored(
        score,
        engine,
        library,
        QuestionnaireRef.of(pinned),
        QuestionnaireRef.of(assessment.client.environment_questionnaire),
        answers,
        client,
        scored_answers=scored,
        evidence=evidence_scoring.record(engine, evidence, score, client) if evidence else None,
    )


def _evidence(
    session: Session,
    assessment: Assessment,
    engine: Engine,
    answers: dict[str, Any],
    patch: Mapping[str, Any],
) -> EvidenceUse | None:
    """The assessment's evidence as the stored score uses it, over the changed answers; a
    changed answer is taken as given, so the evidence no longer replaces it."""
    found = evidence_service.use_for(session, assessment, engine.vendor)
    if found is None:
        return None
    checks = {q: check for q, check in found.checks.items() if q not in patch}
    return dataclasses.replace(found, checks=checks, answers=answers)
