"""The single-assessment and score reads: one statement for the key (and its rate-limit
counts on PostgreSQL), one for what the response shows, and the same bodies as before."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime

import pytest
from pydantic import TypeAdapter
from sqlalchemy import Connection, event
from sqlalchemy.orm import Session

from service.assessments import service as assessment_service
from service.assessments.models import AssessmentStatus
from service.assessments.presenters import to_read
from service.assessments.schemas import AssessmentRead
from service.auth.models import Organisation
from service.auth.permissions import Role
from service.catalog import service as catalog_service
from service.questionnaires.catalog import Catalog
from service.scores import service as score_service
from service.scores.models import ScoreTrigger
from service.scores.schemas import ScoreRead
from service.scoring.library import Library
from tests import builders
from tests.api import Caller, assert_problem
from tests.builders import example


@contextmanager
def statements(connection: Connection) -> Iterator[list[str]]:
    """The SQL statements run on the test's connection meanwhile (savepoints left out)."""
    seen: list[str] = []

    def note(*args: object) -> None:
        statement = str(args[2])
        if "SAVEPOINT" not in statement.upper():
            seen.append(statement)

    event.listen(connection, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(connection, "before_cursor_execute", note)


def key_reads(seen: list[str]) -> list[str]:
    """Statements that read the API key (not the `last_used_at` refresh, an UPDATE)."""
    return [s for s in seen if "FROM api_keys" in s and not s.startswith("UPDATE")]


def reading(seen: list[str]) -> list[str]:
    """The statements that read the response's rows: neither the key nor rate counters."""
    return [s for s in seen if "api_keys" not in s and "api_rate_counters" not in s]


def scored(session: Session, catalog: Catalog, library: Library, org: Organisation) -> str:
    row = builders.assessment(
        session,
        catalog,
        org,
        answers=example("openweave.answers"),
        submitted=True,
        library=library,
    )
    session.commit()
    return str(row.id)


def test_reading_an_assessment_reads_the_key_once_and_the_rows_in_one_statement(
    procurement: Caller,
    session: Session,
    connection: Connection,
    catalog: Catalog,
    library: Library,
    org: Organisation,
) -> None:
    assessment_id = scored(session, catalog, library, org)
    with statements(connection) as seen:
        response = procurement.get(f"/api/v1/assessments/{assessment_id}")
    assert response.status_code == 200, response.text
    assert len(key_reads(seen)) == 1, seen
    assert len(reading(seen)) == 1, reading(seen)
    full = assessment_service.get_assessment(session, org.id, uuid.UUID(assessment_id))
    assert response.json() == to_read(full).model_dump(mode="json")
    # Byte for byte what FastAPI sends for the model the entity path builds.
    assert response.content == TypeAdapter(AssessmentRead).dump_json(to_read(full), by_alias=True)
    assert response.headers["content-type"] == "application/json"
    assert response.headers["etag"] == f'"{full.revision}"'
    assert response.headers["ratelimit"]


def test_every_kind_of_assessment_reads_as_the_models_bytes(
    procurement: Caller,
    session: Session,
    connection: Connection,
    catalog: Catalog,
    library: Library,
    org: Organisation,
) -> None:
    """The read is plain columns, not the entity: a draft with required questions missing, one
    with a CRM id and a due date, an approved one with conditions (and the draft reopened
    from it) answer what the entity path's model writes, and the missing questions are the
    ones `to_read` evaluates."""
    actor = builders.principal(session, org, Role.ADMIN)
    answers = example("openweave.answers")
    empty = builders.assessment(session, catalog, org)
    partial = builders.assessment(
        session, catalog, org, answers={"framework.primary": "pytorch"}, external_id="crm-9",
        due_on=date(2027, 3, 31),
    )  # fmt: skip
    approved = builders.assessment(
        session, catalog, org, answers=answers, submitted=True, library=library
    )
    approved.status = AssessmentStatus.APPROVED
    approved.approved_at = datetime.now(UTC)
    approved.approved_by = "Rae Reviewer"
    approved.conditions = ["Ship the weights as safetensors", "Name a support contact"]
    reopened = assessment_service.reopen(session, actor, approved, None)
    ids = [row.id for row in (empty, partial, approved, reopened)]
    session.commit()
    for assessment_id in ids:
        with statements(connection) as seen:
            response = procurement.get(f"/api/v1/assessments/{assessment_id}")
        assert response.status_code == 200, response.text
        assert len(reading(seen)) == 1, reading(seen)
        session.expire_all()
        full = to_read(assessment_service.get_assessment(session, org.id, assessment_id))
        assert response.content == TypeAdapter(AssessmentRead).dump_json(full, by_alias=True)
    assert procurement.get(f"/api/v1/assessments/{ids[1]}").json()["missing_required"]
    assert procurement.get(f"/api/v1/assessments/{ids[2]}").json()["conditions"] == [
        "Ship the weights as safetensors",
        "Name a support contact",
    ]


def test_a_score_read_runs_one_statement_once_its_body_is_kept(
    procurement: Caller,
    session: Session,
    connection: Connection,
    catalog: Catalog,
    library: Library,
    org: Organisation,
) -> None:
    assessment_id = scored(session, catalog, library, org)
    # The first read of a record in a process fetches the definitions behind it, once per
    # content hash (see `score_service.engine_for`), and builds the body it keeps.
    url = f"/api/v1/assessments/{assessment_id}/score"
    with statements(connection) as first_seen:
        first = procurement.get(url)
    assert first.status_code == 200, first.text
    with statements(connection) as seen:
        response = procurement.get(url)
    assert response.status_code == 200, response.text
    assert len(key_reads(seen)) == 1, seen
    assert len(reading(seen)) == 1, reading(seen)
    assert "FROM scores" not in reading(seen)[0], "a kept body needs only the score pointer"
    assert any("FROM scores" in s for s in reading(first_seen)), first_seen
    full = assessment_service.get_assessment(session, org.id, uuid.UUID(assessment_id))
    expected = score_service.read_score(score_service.latest_score(session, full))
    assert response.json() == expected.model_dump(mode="json")
    assert response.content == first.content
    assert response.content == TypeAdapter(ScoreRead).dump_json(expected, by_alias=True)
    assert response.headers["content-type"] == "application/json"


def test_a_kept_score_body_follows_the_latest_score(
    procurement: Caller,
    session: Session,
    catalog: Catalog,
    library: Library,
    org: Organisation,
) -> None:
    """A new score (a rescore, a resubmission) is a new record: its body is read afresh."""
    assessment_id = scored(session, catalog, library, org)
    url = f"/api/v1/assessments/{assessment_id}/score"
    before = procurement.get(url).json()
    full = assessment_service.get_assessment(session, org.id, uuid.UUID(assessment_id))
    monolith = example("monolith.answers")
    full.answers = monolith
    inputs = score_service.current_inputs(score_service.Publisher(session, library), full)
    score_service.record_score(session, full, inputs, ScoreTrigger.RESCORED)
    session.commit()
    after = procurement.get(url).json()
    assert after["sequence"] == before["sequence"] + 1
    assert after["provenance"]["answers"] == monolith
    assert after["technical_currency"] != before["technical_currency"]


def test_a_score_read_of_a_draft_a_deleted_or_a_foreign_assessment_is_404(
    procurement: Caller,
    session: Session,
    catalog: Catalog,
    library: Library,
    org: Organisation,
) -> None:
    draft = builders.assessment(session, catalog, org)
    deleted = scored(session, catalog, library, org)
    other = scored(session, catalog, library, builders.organisation(session, "Elsewhere"))
    session.commit()
    remove = procurement.delete(
        f"/api/v1/assessments/{deleted}",
        headers={"If-Match": procurement.get(f"/api/v1/assessments/{deleted}").headers["etag"]},
    )
    assert remove.status_code == 200, remove.text
    assert_problem(
        procurement.get(f"/api/v1/assessments/{draft.id}/score"),
        404,
        "not-found",
        detail_contains="has no score yet",
    )
    assert_problem(
        procurement.get(f"/api/v1/assessments/{deleted}/score"),
        404,
        "not-found",
        detail_contains="was deleted on",
    )
    for assessment_id in (deleted, other):
        assert_problem(procurement.get(f"/api/v1/assessments/{assessment_id}"), 404, "not-found")
    assert_problem(
        procurement.get(f"/api/v1/assessments/{other}/score"),
        404,
        "not-found",
        detail_contains=f"There is no assessment {other}",
    )


def test_a_revoked_key_is_refused_on_its_next_read(
    admin: Caller, session: Session, catalog: Catalog, library: Library, org: Organisation
) -> None:
    assessment_id = scored(session, catalog, library, org)
    reader = builders.api_key(session, org)
    session.commit()
    headers = {"Authorization": f"Bearer {reader}"}
    assert (
        admin.http.get(f"/api/v1/assessments/{assessment_id}", headers=headers).status_code == 200
    )
    key_id = next(k["id"] for k in admin.get("/api/v1/api-keys").json() if k["prefix"] in reader)
    assert admin.delete(f"/api/v1/api-keys/{key_id}").status_code in {200, 204}
    refused = admin.http.get(f"/api/v1/assessments/{assessment_id}/score", headers=headers)
    assert_problem(refused, 401, "unauthenticated", detail_contains="not valid")


def test_a_process_that_has_not_met_the_questionnaire_reads_it_for_the_missing_questions(
    procurement: Caller,
    session: Session,
    connection: Connection,
    catalog: Catalog,
    org: Organisation,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A fresh process knows no questionnaire yet: a draft's read fetches its pinned version
    once (one more statement) to list the required questions still missing."""
    draft = builders.assessment(session, catalog, org)
    assessment_id, content_hash = draft.id, draft.questionnaire.content_hash
    session.commit()
    expected = to_read(assessment_service.get_assessment(session, org.id, assessment_id))
    assert expected.missing_required
    monkeypatch.delitem(catalog_service._PARSED, content_hash)
    with statements(connection) as seen:
        response = procurement.get(f"/api/v1/assessments/{assessment_id}")
    assert response.status_code == 200, response.text
    assert response.json()["missing_required"] == expected.missing_required
    assert any("FROM questionnaire_versions" in s for s in reading(seen)), seen
    assert content_hash in catalog_service._PARSED
