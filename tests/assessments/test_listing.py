"""List rows read as plain columns and written straight to JSON: the same bytes as the model,
and cursor pages that start where the cursor points."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import TypeAdapter
from sqlalchemy import Engine, text, update
from sqlalchemy.orm import Session

from service.assessments import listing
from service.assessments import service as assessment_service
from service.assessments.models import Assessment, AssessmentStatus
from service.assessments.presenters import to_summary
from service.assessments.schemas import AssessmentSummary
from service.auth.models import Organisation
from service.auth.permissions import Role
from service.db import create_session_factory
from service.pagination import Page, PageParams, encode_cursor
from service.questionnaires.catalog import Catalog
from tests import builders
from tests.api import Caller
from tests.api_limits.test_one_connection import observed
from tests.assessments.test_lists import statements
from tests.builders import example

PAGE = TypeAdapter(Page[AssessmentSummary])


def every_shape(session: Session, catalog: Catalog, org: Organisation) -> None:
    """A scored one, a draft with a CRM id and a due date, a tombstone, an approved version
    superseded by its next version (a draft with the same answers)."""
    actor = builders.principal(session, org, Role.ADMIN)
    answers = example("openweave.answers")
    builders.assessment(session, catalog, org, answers=answers, submitted=True)
    builders.assessment(session, catalog, org, external_id="crm-7", due_on=date(2027, 1, 31))
    gone = builders.assessment(session, catalog, org, title="Gone")
    gone.deleted_at = datetime.now(UTC)
    approved = builders.assessment(session, catalog, org, answers=answers, submitted=True)
    approved.status = AssessmentStatus.APPROVED
    approved.approved_at = datetime.now(UTC)
    assessment_service.reopen(session, actor, approved, None)
    session.flush()


def whole(session: Session, org: Organisation, ids: list[uuid.UUID]) -> list[AssessmentSummary]:
    """The summaries the entity path makes: each assessment loaded whole, `to_summary`."""
    read = assessment_service.get_assessment
    return [to_summary(read(session, org.id, i, include_deleted=True)) for i in ids]


def test_a_page_is_byte_for_byte_the_json_of_its_summaries(
    session: Session, catalog: Catalog, org: Organisation
) -> None:
    every_shape(session, catalog, org)
    page = PageParams(limit=4, until=datetime.now(UTC) + timedelta(seconds=1))
    rows, cursor = listing.list_assessments(
        session, org.id, page, all_versions=True, include_deleted=True
    )
    assert len(rows) == 4
    assert cursor is not None
    shapes = [(r.score_id is None, r.deleted_at is None, r.superseded_by_id is None) for r in rows]
    assert len(set(shapes)) >= 3, shapes  # scored and not, deleted, superseded
    summaries = whole(session, org, [r.id for r in rows])
    assert listing.summaries(rows) == summaries
    # As FastAPI writes the response model (by alias) from the entity path's summaries.
    expected = PAGE.dump_json(page.page(summaries, cursor), by_alias=True)
    assert listing.page_json(page, rows, cursor) == expected


def test_the_list_endpoint_answers_the_models_json(
    procurement: Caller, session: Session, catalog: Catalog, org: Organisation
) -> None:
    every_shape(session, catalog, org)
    session.commit()
    response = procurement.get(
        "/api/v1/assessments", params={"all_versions": "true", "include_deleted": "true"}
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    body = PAGE.validate_json(response.content)
    assert len(body.items) == 5
    assert PAGE.dump_json(body, by_alias=True) == response.content  # the model's own bytes
    assert sum(1 for i in response.json()["items"] if i["deleted"]) == 1


def test_a_pass_through_equal_change_times_neither_skips_nor_repeats(
    session: Session, catalog: Catalog, org: Organisation
) -> None:
    """Rows sharing an `updated_at` continue by id across page boundaries (the cursor's row
    comparison)."""
    made = [builders.assessment(session, catalog, org) for _ in range(5)]
    moment = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    session.execute(
        update(Assessment)
        .where(Assessment.id.in_([a.id for a in made[:4]]))
        .values(updated_at=moment)
    )
    session.expire_all()
    seen: list[uuid.UUID] = []
    cursor: str | None = None
    until = datetime.now(UTC) + timedelta(seconds=1)
    while True:
        page = PageParams(limit=2, cursor=cursor, until=until)
        rows, cursor = listing.list_assessments(session, org.id, page)
        seen += [r.id for r in rows]
        if cursor is None:
            break
    first_four = sorted((a.id for a in made[:4]), key=str)
    assert seen == [*first_four, made[4].id]


@pytest.mark.postgresql_only  # query plans
def test_a_cursor_page_starts_in_the_index_where_the_cursor_points(
    session: Session, catalog: Catalog, org: Organisation
) -> None:
    """The cursor bounds the index scan (an Index Cond), so page n of a sync does not read and
    discard the n - 1 pages before it."""
    made = builders.assessment(session, catalog, org)
    session.flush()
    until = datetime.now(UTC) + timedelta(seconds=1)
    cursor = encode_cursor(made.updated_at, made.id, until)
    page = PageParams(
        limit=200, cursor=cursor, updated_since=datetime(2000, 1, 1, tzinfo=UTC), until=until
    )
    session.execute(text("SET LOCAL enable_seqscan = off"))  # one row: a seq scan is cheaper
    with statements(session) as seen:
        listing.list_assessments(session, org.id, page)
    (statement, parameters), *_ = seen
    plan = (
        session.connection()
        .exec_driver_sql("EXPLAIN (FORMAT JSON) " + statement, parameters)
        .scalar_one()[0]["Plan"]
    )
    conditions = []
    nodes = [plan]
    while nodes:
        node = nodes.pop()
        if node.get("Index Name") == "ix_assessments_sync":
            conditions.append(node.get("Index Cond", ""))
        nodes.extend(node.get("Plans", []))
    assert any("ROW(updated_at, id) >" in c for c in conditions), conditions


@pytest.mark.postgresql_only  # SQLite counts in the request's own transaction (one writer)
def test_a_list_page_reads_in_autocommit_on_one_connection(
    live_app: FastAPI, engine: Engine, catalog: Catalog
) -> None:
    """The list route is `reads_only`: on PostgreSQL the count and the page's statement run
    in autocommit on one connection of the read lane's pool, with no BEGIN and COMMIT round
    trips, and the main pool is not touched."""
    with create_session_factory(engine).begin() as setup:
        org = builders.organisation(setup)
        token = builders.api_key(setup, org, Role.PROCUREMENT)
        builders.assessment(setup, catalog, org, title="Listed")
    client = TestClient(live_app)
    client.headers["Authorization"] = f"Bearer {token}"
    assert client.get("/api/v1/assessments").status_code == 200  # last_used_at is fresh now
    lane_engine = live_app.state.read_lane.engine.sync_engine
    with observed(engine) as main, observed(lane_engine) as seen:
        response = client.get("/api/v1/assessments")
    assert response.status_code == 200, response.text
    assert [i["title"] for i in response.json()["items"]] == ["Listed"]
    assert main == {"checkouts": [], "statements": [], "checked_in": []}
    assert len(seen["checkouts"]) == 1
    statements = seen["statements"]
    assert len(statements) == 2, statements  # the count, then the page: no BEGIN, no COMMIT
    assert "FROM assessments" in statements[1][2]
    assert all(autocommit for _, autocommit, _ in statements)
    assert seen["checked_in"] == [False]
