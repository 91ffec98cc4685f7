"""Re-scoring after a knowledge-base change, and reproducing a score from its record."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from service.auth.models import Organisation
from service.questionnaires.catalog import Catalog
from service.scores import service as score_service
from service.scores.commands import rescore_report
from service.scores.rescore import rescore_all
from service.scoring.library import Library, load_library
from service.scoring.serialise import score_to_result
from service.webhooks.models import WebhookEvent
from tests import builders
from tests.api import Caller
from tests.builders import example
from tests.repository import REPO_ROOT

RESCORED = "assessment.rescored"
TORCHSERVE = {**example("openweave.answers"), "serving.stack": "torchserve"}


def library_with(tmp_path: Path, catalog: Catalog, **statuses: str) -> Library:
    """The shipped definitions with some knowledge-base statuses changed."""
    root = tmp_path / "questionnaires"
    shutil.copytree(REPO_ROOT / "questionnaires", root)
    path = root / "knowledge-base.yaml"
    data = yaml.safe_load(path.read_text())
    for entry in data["entries"]:
        if entry["id"] in statuses:
            entry["status"] = statuses[entry["id"]]
    data["as_of"] = "2027-01-15"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return load_library(root, catalog)


@pytest.fixture
def scored(session: Session, catalog: Catalog, org: Organisation, library: Library) -> str:
    assessment = builders.assessment(
        session, catalog, org, answers=TORCHSERVE, submitted=True, library=library
    )
    builders.assessment(session, catalog, org, answers=example("openweave.answers"))  # a draft
    session.commit()
    return str(assessment.id)


def test_rescore_after_a_knowledge_change_appends_and_keeps_the_old_score(
    tmp_path: Path,
    catalog: Catalog,
    library: Library,
    session_factory: sessionmaker[Session],
    procurement: Caller,
    scored: str,
) -> None:
    before = procurement.get(f"/api/v1/assessments/{scored}/score").json()
    limited = [f["rule_id"] for f in before["findings"] if "serving" in f["category"]]
    assert limited, "TorchServe counts against the vendor while it is in limited maintenance"

    changed = library_with(tmp_path, catalog, torchserve="current")
    summary = rescore_all(session_factory, changed)
    assert (summary.examined, summary.rescored, summary.unchanged) == (1, 1, 0)

    history = procurement.get(f"/api/v1/assessments/{scored}/scores").json()
    assert [(h["sequence"], h["knowledge_as_of"]) for h in history] == [
        (2, "2027-01-15"),
        (1, library.knowledge.as_of),
    ]
    after = procurement.get(f"/api/v1/assessments/{scored}/score").json()
    assert after["trigger"] == "rescored"
    assert after["technical_currency"]["score"] > before["technical_currency"]["score"]
    assert not set(limited) & {f["rule_id"] for f in after["findings"]}

    old = procurement.get(f"/api/v1/assessments/{scored}/scores/1").json()
    assert old == before, "the first score is left exactly as it was"

    again = rescore_all(session_factory, changed)
    assert (again.rescored, again.unchanged) == (0, 1)


def test_rescore_report_summarises_band_changes(
    tmp_path: Path,
    catalog: Catalog,
    session_factory: sessionmaker[Session],
    scored: str,
) -> None:
    summary = rescore_all(session_factory, library_with(tmp_path, catalog, torchserve="current"))
    report = rescore_report(summary)
    assert "1 scored assessments examined: 1 re-scored" in report
    assert summary.band_changes == {("technical_currency", "lagging", "current"): 1}
    assert "technical currency: lagging -> current: 1" in report


def test_a_stored_score_is_reproduced_from_its_record(
    session: Session, library: Library, catalog: Catalog, org: Organisation
) -> None:
    assessment = builders.assessment(
        session, catalog, org, answers=TORCHSERVE, submitted=True, library=library
    )
    record = score_service.latest_score(session, assessment)
    engine = score_service.engine_for(record)
    recomputed = engine.score(record.answers, record.client_environment)
    assert score_to_result(recomputed) == record.result


def rescored_events(session: Session, org: Organisation) -> int:
    query = select(func.count()).select_from(WebhookEvent)
    query = query.where(WebhookEvent.organisation_id == org.id, WebhookEvent.type == RESCORED)
    return session.scalar(query) or 0


def test_rescoring_writes_events_only_for_organisations_that_subscribed(
    tmp_path: Path,
    catalog: Catalog,
    library: Library,
    session: Session,
    session_factory: sessionmaker[Session],
    org: Organisation,
) -> None:
    quiet = builders.organisation(session)
    builders.webhook(session, org, events=[RESCORED])
    builders.webhook(session, quiet, events=["assessment.scored"])  # not this event
    for owner in (org, quiet):
        builders.assessment(
            session, catalog, owner, answers=TORCHSERVE, submitted=True, library=library
        )
    session.commit()
    summary = rescore_all(session_factory, library_with(tmp_path, catalog, torchserve="current"))
    assert summary.rescored == 2
    assert rescored_events(session, org) == 1
    assert rescored_events(session, quiet) == 0
