"""Improvement paths are computed when a score is recorded and read back from the record."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from service.auth.models import Organisation
from service.questionnaires.catalog import Catalog
from service.scores import service as score_service
from service.scores import stored_paths
from service.scores.models import ScoreRecord
from service.scoring.library import Library
from service.scoring.paths import improvement_paths
from service.scoring.serialise import score_from_result
from tests import builders
from tests.api import Caller
from tests.builders import example

TORCHSERVE = {**example("openweave.answers"), "serving.stack": "torchserve"}


def scored(session: Session, catalog: Catalog, library: Library, org: Organisation) -> ScoreRecord:
    assessment = builders.assessment(
        session, catalog, org, answers=TORCHSERVE, submitted=True, library=library
    )
    session.commit()
    return session.scalars(
        select(ScoreRecord).where(ScoreRecord.assessment_id == assessment.id)
    ).one()


def paths_of(caller: Caller, record: ScoreRecord) -> list[dict[str, Any]]:
    response = caller.get(f"/api/v1/assessments/{record.assessment_id}/score")
    assert response.status_code == 200, response.text
    paths: list[dict[str, Any]] = response.json()["improvement_paths"]
    return paths


def test_the_record_stores_the_paths_the_engine_finds(
    session: Session, catalog: Catalog, library: Library, org: Organisation
) -> None:
    record = scored(session, catalog, library, org)
    engine = score_service.engine_for(session.scalars(score_service._with_inputs()).one())
    score = score_from_result(record.result, engine.pack)
    computed = improvement_paths(engine, record.answers, record.client_environment, score)
    assert computed, "TorchServe has a path to vLLM"
    assert record.improvement_paths == stored_paths.dump(computed)
    assert stored_paths.load(record.improvement_paths) == computed


def test_reading_a_score_does_not_search_for_paths(
    session: Session,
    catalog: Catalog,
    library: Library,
    org: Organisation,
    procurement: Caller,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    record = scored(session, catalog, library, org)

    def refuse(*_: object) -> None:
        raise AssertionError("improvement paths computed on read")

    monkeypatch.setattr(score_service, "improvement_paths", refuse)
    paths = paths_of(procurement, record)
    assert any("vllm" in c["options"] for p in paths for c in p["changes"])


def test_a_score_recorded_before_paths_were_stored_computes_them_when_read(
    session: Session, catalog: Catalog, library: Library, org: Organisation, procurement: Caller
) -> None:
    record = scored(session, catalog, library, org)
    stored = paths_of(procurement, record)
    record.improvement_paths = None
    session.commit()
    assert paths_of(procurement, record) == stored
    assert stored
