"""Re-scoring in chunks with bulk statements records what scoring one at a time records, and
an interrupted run resumes where it stopped without writing anything twice."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, selectinload, sessionmaker, undefer_group

from service.assessments.models import Assessment, AssessmentHistory, HistoryKind
from service.auth.models import Organisation
from service.clients.models import Client
from service.questionnaires.catalog import Catalog
from service.scores import rescore, stored_paths
from service.scores import service as score_service
from service.scores.models import DETAIL, ScoreRecord, ScoreTrigger
from service.scores.rescore import rescore_all
from service.scoring.library import Library
from service.webhooks.models import WebhookEvent
from tests import builders
from tests.builders import example
from tests.scores.test_rescore import RESCORED, TORCHSERVE, library_with
from tests.scoring import reference_paths
from tests.scoring.test_scenarios import scenarios

SKIPPED_COLUMNS = {"id", "computed_at", "sequence"}
"""Made afresh each time (the sequence follows the latest: checked on its own)."""


def _latest(session: Session, assessment_id: Any) -> ScoreRecord:
    query = (
        select(ScoreRecord)
        .join(Assessment, Assessment.latest_score_id == ScoreRecord.id)
        .where(Assessment.id == assessment_id)
        .options(undefer_group(DETAIL))
    )
    record = session.scalar(query)
    assert record is not None
    return record


def _one_at_a_time(session: Session, library: Library, assessment_id: Any) -> ScoreRecord:
    """The record the per-assessment path (`record_score`) makes from today's inputs."""
    query = (
        select(Assessment)
        .where(Assessment.id == assessment_id)
        .options(
            selectinload(Assessment.client).selectinload(Client.environment_questionnaire),
            selectinload(Assessment.questionnaire),
            selectinload(Assessment.latest_score),
        )
    )
    assessment = session.scalars(query).one()
    publisher = score_service.Publisher(session, library)
    inputs = score_service.current_inputs(publisher, assessment)
    return score_service.record_score(session, assessment, inputs, ScoreTrigger.RESCORED)


def _columns(record: ScoreRecord) -> dict[str, Any]:
    return {
        column.key: getattr(record, column.key)
        for column in ScoreRecord.__table__.columns
        if column.key not in SKIPPED_COLUMNS
    }


def _submitted(
    session: Session,
    catalog: Catalog,
    library: Library,
    org: Organisation,
    inputs: list[tuple[dict[str, Any], dict[str, Any]]],
) -> list[Any]:
    """Ids of submitted, scored assessments of these (answers, client environment) pairs,
    each for a client of its own, committed."""
    ids = []
    for answers, environment in inputs:
        client = builders.client(session, catalog, org, environment=environment)
        row = builders.assessment(
            session,
            catalog,
            org,
            answers=answers,
            submitted=True,
            library=library,
            client_row=client,
        )
        ids.append(row.id)
    session.commit()
    return ids


def _assert_as_one_at_a_time(
    session_factory: sessionmaker[Session], library: Library, ids: list[Any]
) -> None:
    """Each assessment's latest record has the columns scoring it alone would record."""
    with session_factory() as check:
        for assessment_id in ids:
            got = _columns(_latest(check, assessment_id))
            wanted = _columns(_one_at_a_time(check, library, assessment_id))
            assert got == wanted
            check.rollback()


def test_bulk_rescore_records_what_scoring_one_at_a_time_records(
    tmp_path: Path,
    catalog: Catalog,
    library: Library,
    session: Session,
    session_factory: sessionmaker[Session],
    org: Organisation,
) -> None:
    inputs = [(scenario.answers, scenario.client) for scenario in scenarios()[:8]]
    ids = _submitted(session, catalog, library, org, inputs)
    before = {i: session.get(Assessment, i).updated_at for i in ids}  # type: ignore[union-attr]
    changed = library_with(tmp_path, catalog, torchserve="current")

    summary = rescore_all(session_factory, changed, force=True)
    assert (summary.examined, summary.rescored) == (len(ids), len(ids))

    with_paths = 0
    with session_factory() as check:
        for assessment_id in ids:
            got = _latest(check, assessment_id)
            assert (got.sequence, got.trigger) == (2, ScoreTrigger.RESCORED)
            wanted = _one_at_a_time(check, changed, assessment_id)
            assert _columns(got) == _columns(wanted)
            engine = changed.engine("ai-framework@2.0")
            assert engine is not None
            score = engine.score(got.answers, got.client_environment)
            old_search = reference_paths.improvement_paths(
                engine, got.answers, got.client_environment, score
            )
            assert got.improvement_paths == stored_paths.dump(old_search)
            with_paths += bool(old_search)
            check.rollback()
            updated = check.get(Assessment, assessment_id)
            assert updated is not None
            assert updated.updated_at > before[assessment_id], "a sync sees the new score"
            history = check.scalars(
                select(AssessmentHistory).where(
                    AssessmentHistory.assessment_id == assessment_id,
                    AssessmentHistory.actor_label == rescore.ACTOR,
                )
            ).all()
            assert [(h.kind, (h.new_value or {}).get("sequence")) for h in history] == [
                (HistoryKind.SCORED, 2)
            ]
            # Set explicitly with the chunk's history rows: the column's own `onupdate`
            # would give each row a later, different time than the history says.
            assert updated.updated_at == history[0].created_at, "the time of the re-score"
    assert with_paths > 0, "some scenario has improvement paths, so they are compared"


@pytest.fixture
def six(session: Session, catalog: Catalog, library: Library, org: Organisation) -> list[Any]:
    """Ids of six expert scenarios, submitted and scored, each for a client of its own."""
    inputs = [(scenario.answers, scenario.client) for scenario in scenarios()[:6]]
    return _submitted(session, catalog, library, org, inputs)


def _copies(session: Session, ids: list[Any]) -> dict[Any, tuple[Any, ...]]:
    """Each assessment's copies of its latest scores (the dashboard sorts by them), and the
    latest record's own."""
    query = (
        select(
            Assessment.id,
            Assessment.latest_technical_currency,
            Assessment.latest_integration_risk,
            ScoreRecord.technical_currency,
            ScoreRecord.integration_risk,
        )
        .join(ScoreRecord, ScoreRecord.id == Assessment.latest_score_id)
        .where(Assessment.id.in_(ids))
    )
    return {row[0]: tuple(row[1:]) for row in session.execute(query)}


def test_the_copies_the_dashboard_sorts_by_follow_every_new_score(
    tmp_path: Path,
    catalog: Catalog,
    session: Session,
    session_factory: sessionmaker[Session],
    six: list[Any],
) -> None:
    ids = six
    submitted = _copies(session, ids)
    assert len(submitted) == len(ids)
    for copies in submitted.values():
        assert copies[:2] == copies[2:], "written with the score (record_score)"
    assert len({copies[:2] for copies in submitted.values()}) > 1, "the scenarios differ"
    session.execute(update(Assessment).values(latest_technical_currency=-1))
    session.commit()  # copies a re-score must put right

    rescore_all(session_factory, library_with(tmp_path, catalog, torchserve="current"), force=True)
    with session_factory() as check:
        rescored = _copies(check, ids)
    assert len(rescored) == len(ids)
    for copies in rescored.values():
        assert copies[:2] == copies[2:], "written with the re-score's bulk update"


class Interrupted(Exception):
    pass


def _events(session: Session, org: Organisation) -> list[str]:
    query = select(WebhookEvent).where(
        WebhookEvent.organisation_id == org.id, WebhookEvent.type == RESCORED
    )
    return sorted(e.payload["data"]["assessment"]["id"] for e in session.scalars(query))


def test_an_interrupted_rescore_resumes_after_the_last_chunk_without_double_events(
    tmp_path: Path,
    catalog: Catalog,
    library: Library,
    session: Session,
    session_factory: sessionmaker[Session],
    org: Organisation,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    builders.webhook(session, org, events=[RESCORED])
    quiet = builders.organisation(session)  # no endpoint: no events, still re-scored
    rows = [
        builders.assessment(
            session, catalog, owner, answers=TORCHSERVE, submitted=True, library=library
        )
        for owner in (org, org, org, quiet, org)
    ]
    session.commit()
    changed = library_with(tmp_path, catalog, torchserve="current")
    monkeypatch.setattr(rescore, "BATCH", 2)
    real = score_service.score_values
    calls = 0

    def failing_on_the_third(*args: Any, **kwargs: Any) -> dict[str, Any]:
        nonlocal calls
        calls += 1
        if calls == 3:
            raise Interrupted
        return real(*args, **kwargs)

    monkeypatch.setattr(score_service, "score_values", failing_on_the_third)
    with pytest.raises(Interrupted):
        rescore_all(session_factory, changed)
    session.expire_all()
    first_chunk = sorted(rows, key=lambda r: r.id)[:2]  # chunks go in id order
    done = sorted(str(r.id) for r in first_chunk if r.organisation_id == org.id)
    assert _events(session, org) == done, "the first chunk was committed, the second not"
    assert rescore.count_scored(session) == 5
    records = session.scalar(select(func.count()).select_from(ScoreRecord))
    assert records == 5 + 2

    monkeypatch.setattr(score_service, "score_values", real)
    summary = rescore_all(session_factory, changed)
    assert (summary.examined, summary.unchanged, summary.rescored) == (5, 2, 3)

    session.expire_all()
    mine = sorted(str(r.id) for r in rows if r.organisation_id == org.id)
    assert _events(session, org) == mine, "one event per assessment of the subscribed agency"
    assert _events(session, quiet) == []
    counts = session.execute(
        select(ScoreRecord.assessment_id, func.count()).group_by(ScoreRecord.assessment_id)
    ).all()
    assert sorted(n for _, n in counts) == [2] * 5, "one new record each, none twice"

    again = rescore_all(session_factory, changed)
    assert (again.unchanged, again.rescored) == (5, 0)


def test_an_assessment_never_scored_gets_the_next_sequence(
    catalog: Catalog,
    library: Library,
    session: Session,
    session_factory: sessionmaker[Session],
    org: Organisation,
) -> None:
    """A submitted assessment whose latest score was cleared continues its numbering."""
    row = builders.assessment(
        session, catalog, org, answers=example("openweave.answers"), submitted=True
    )
    row.latest_score_id = None
    session.commit()
    summary = rescore_all(session_factory, library)
    assert summary.rescored == 1
    session.expire_all()
    assert _latest(session, row.id).sequence == 2


def test_assessments_with_the_same_inputs_are_scored_once_per_run(
    tmp_path: Path,
    catalog: Catalog,
    library: Library,
    session: Session,
    session_factory: sessionmaker[Session],
    org: Organisation,
) -> None:
    scenario = scenarios()[0]
    other = next(s for s in scenarios() if s.answers != scenario.answers)
    inputs = [(a, scenario.client) for a in (scenario.answers, other.answers, scenario.answers)]
    ids = _submitted(session, catalog, library, org, inputs)
    changed = library_with(tmp_path, catalog, torchserve="current")

    without = rescore_all(session_factory, changed, force=True, reuse=False)
    assert (without.rescored, without.reused) == (3, 0)
    summary = rescore_all(session_factory, changed, force=True)
    assert (summary.rescored, summary.reused) == (3, 1), "the third has the first's inputs"
    _assert_as_one_at_a_time(session_factory, changed, ids)


def test_scoring_in_worker_processes_records_what_scoring_here_records(
    tmp_path: Path,
    catalog: Catalog,
    session_factory: sessionmaker[Session],
    six: list[Any],
) -> None:
    ids = six
    changed = library_with(tmp_path, catalog, torchserve="current")

    summary = rescore_all(session_factory, changed, force=True, workers=2)
    assert (summary.examined, summary.rescored) == (len(ids), len(ids))
    _assert_as_one_at_a_time(session_factory, changed, ids)
