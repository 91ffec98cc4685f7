"""Statements of plain columns run as SQL text on PostgreSQL (`service/plain_rows.py`): the
same values the column types give, in UTC whatever the server's zone, pending changes seen."""

from __future__ import annotations

import enum
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Connection, event, make_url
from sqlalchemy.orm import Session

from service.assessments import listing, reading
from service.auth.models import Organisation
from service.db import create_db_engine
from service.pagination import PageParams
from service.questionnaires.catalog import Catalog
from tests import builders
from tests.assessments.test_listing import every_shape


def processed(value: Any) -> Any:
    """A value as plain SQL gives it: an enum member as its value."""
    return value.value if isinstance(value, enum.Enum) else value


@pytest.mark.postgresql_only  # elsewhere the statements run through Session.execute
def test_plain_rows_hold_what_the_column_types_give(
    session: Session, catalog: Catalog, org: Organisation
) -> None:
    """Every column of a list page and of a single read, for every kind of assessment: the
    value SQLAlchemy's result processing gives (a `str_enum` as its value), of the same type.
    A column whose type converts what psycopg returns (a Numeric, a JSON kept as text) would
    show up here."""
    every_shape(session, catalog, org)
    until = datetime.now(UTC) + timedelta(seconds=1)
    page = PageParams(limit=10, until=until)
    rows, _ = listing.list_assessments(
        session, org.id, page, all_versions=True, include_deleted=True
    )
    assert len(rows) == 5
    shape = listing.Shape(
        (), all_versions=True, include_deleted=True, syncing=False, after_cursor=False
    )
    parameters = {"organisation_id": org.id, "until": until, "limit": 11}
    typed = session.execute(listing._page(shape).statement, parameters).all()
    assert [tuple(r) for r in rows] == [tuple(processed(v) for v in r) for r in typed]
    for plain, expected in zip(rows, typed, strict=True):
        assert [type(v) for v in plain] == [type(processed(v)) for v in expected]
    for row in rows:
        read = reading._read_query()
        values = {"assessment_id": row.id, "organisation_id": org.id}
        (plain,) = read.rows(session, values)
        (expected,) = session.execute(read.statement, values).all()
        assert tuple(plain) == tuple(processed(v) for v in expected)
        assert [type(v) for v in plain] == [type(processed(v)) for v in expected]


@pytest.mark.postgresql_only  # SQLite keeps no zone: UTCDateTime stores and reads UTC
def test_times_are_utc_whatever_the_servers_time_zone(database_url: str, catalog: Catalog) -> None:
    """A server (or role) set to Europe/Berlin: every connection is switched to UTC when it is
    opened, so plain rows' times, and the JSON written from them, are UTC ("Z")."""
    url = make_url(database_url)
    options = f"{url.query.get('options', '')} -c TimeZone=Europe/Berlin".strip()
    berlin = url.update_query_dict({"options": options}).render_as_string(hide_password=False)
    engine = create_db_engine(berlin)
    try:
        with engine.connect() as connection:
            transaction = connection.begin()
            assert connection.exec_driver_sql("SHOW TimeZone").scalar_one() == "UTC"
            session = Session(bind=connection)
            org = builders.organisation(session)
            builders.assessment(session, catalog, org, title="Zoned")
            session.flush()
            page = PageParams(until=datetime.now(UTC) + timedelta(seconds=1))
            rows, cursor = listing.list_assessments(session, org.id, page)
            body = json.loads(listing.page_json(page, rows, cursor))
            transaction.rollback()
    finally:
        engine.dispose()
    (item,) = body["items"]
    assert item["title"] == "Zoned"
    assert item["created_at"].endswith("Z"), item["created_at"]
    assert item["updated_at"].endswith("Z"), item["updated_at"]
    assert rows[0].updated_at.utcoffset() == timedelta(0)


def test_a_session_that_autoflushes_lists_its_pending_changes(
    connection: Connection, catalog: Catalog
) -> None:
    """As `Session.execute` would: a change not yet flushed shows in the page."""
    session = Session(bind=connection, join_transaction_mode="create_savepoint", autoflush=True)
    org = builders.organisation(session)
    made = builders.assessment(session, catalog, org, title="Before")
    session.flush()
    made.title = "After"  # pending
    page = PageParams(until=datetime.now(UTC) + timedelta(seconds=1))
    rows, _ = listing.list_assessments(session, org.id, page)
    assert [r.title for r in rows] == ["After"]


@pytest.mark.postgresql_only
def test_a_list_page_runs_as_sql_text_compiled_once_per_shape(
    session: Session, catalog: Catalog, org: Organisation
) -> None:
    """Pages of one shape (here: filtered by vendor) run the same SQL text, with no compiled
    statement behind it (no per-row type processing); another shape runs another text."""
    first = builders.assessment(session, catalog, org, title="First")
    second = builders.assessment(session, catalog, org, title="Second")
    session.flush()
    seen: list[tuple[str, bool]] = []

    def note(_c: Any, _cur: Any, statement: str, _p: Any, context: Any, _m: bool) -> None:
        if "FROM assessments" in statement:
            seen.append((statement, context.compiled is None))

    connection = session.connection()
    event.listen(connection, "before_cursor_execute", note)
    try:
        page = PageParams(until=datetime.now(UTC) + timedelta(seconds=1))
        titles = []
        for made in (first, second):
            rows, _ = listing.list_assessments(session, org.id, page, vendor_id=made.vendor_id)
            titles += [r.title for r in rows]
        listing.list_assessments(session, org.id, page, client_id=first.client_id)
    finally:
        event.remove(connection, "before_cursor_execute", note)
    assert titles == ["First", "Second"]
    assert len(seen) == 3
    assert all(plain for _, plain in seen), "run through a compiled statement"
    assert seen[0][0] == seen[1][0]
    assert seen[2][0] != seen[0][0]
    assert "vendor_id = %(vendor_id)s" in seen[0][0]
