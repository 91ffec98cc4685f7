"""List pages: `q` across title, vendor and client names; stored progress; indexed filters."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.orm import Session

from service.assessments import listing
from service.assessments import service as assessment_service
from service.assessments.models import Assessment, AssessmentStatus
from service.assessments.presenters import to_read, to_summary
from service.auth.models import Organisation
from service.auth.permissions import Role
from service.pagination import PageParams
from service.questionnaires.catalog import Catalog
from tests import builders
from tests.api import Caller
from tests.builders import example


def titles(caller: Caller, path: str = "/api/v1/assessments", **params: str) -> list[str]:
    response = caller.get(path, params=params)
    assert response.status_code == 200, response.text
    return sorted(item.get("title") or item["name"] for item in response.json()["items"])


@pytest.fixture
def three(session: Session, catalog: Catalog, org: Organisation) -> None:
    """Three assessments whose vendor, client and title each carry a different word."""
    rows = (
        ("Falcon Systems", "Northwind Retail", "Yearly review"),
        ("Osprey Labs", "Harbourview Bank", "Second look"),
        ("Kestrel AI", "Contoso Foods", "Pelican platform"),
    )
    for vendor, client, title in rows:
        builders.assessment(
            session,
            catalog,
            org,
            vendor_row=builders.vendor(session, org, name=vendor),
            client_row=builders.client(session, catalog, org, name=client),
            title=title,
        )
    session.commit()


@pytest.mark.usefixtures("three")
def test_q_searches_the_title_and_the_vendor_and_client_names(procurement: Caller) -> None:
    assert titles(procurement, q="pelican") == ["Pelican platform"]
    assert titles(procurement, q="OSPREY") == ["Second look"], "by the vendor's name, any case"
    assert titles(procurement, q="northwind") == ["Yearly review"], "by the client's name"
    assert titles(procurement, q="o") == ["Pelican platform", "Second look", "Yearly review"]
    assert titles(procurement, q="heron") == []


@pytest.mark.usefixtures("three")
def test_q_combines_with_the_other_filters(procurement: Caller) -> None:
    assert titles(procurement, q="o", status="draft") == [
        "Pelican platform",
        "Second look",
        "Yearly review",
    ]
    assert titles(procurement, q="o", status="submitted") == []
    first = procurement.get("/api/v1/assessments", params={"q": "o", "limit": "2"}).json()
    rest = procurement.get(
        "/api/v1/assessments", params={"q": "o", "limit": "2", "cursor": first["next_cursor"]}
    ).json()
    assert len(first["items"]) == 2
    assert len(rest["items"]) == 1
    assert rest["next_cursor"] is None
    everything = procurement.get("/api/v1/assessments", params={"q": "o"}).json()["items"]
    assert [i["id"] for i in first["items"] + rest["items"]] == [i["id"] for i in everything]


def test_q_takes_percent_and_underscore_literally(
    procurement: Caller, session: Session, catalog: Catalog, org: Organisation
) -> None:
    for vendor, title in (("100% Cloud", "plain"), ("Cloud 1000", "other"), ("a_b", "x")):
        builders.assessment(
            session,
            catalog,
            org,
            vendor_row=builders.vendor(session, org, name=vendor),
            title=title,
        )
    builders.assessment(session, catalog, org, title="axb")
    session.commit()
    assert titles(procurement, q="100%") == ["plain"]
    assert titles(procurement, q="a_b") == ["x"]
    assert titles(procurement, q="%") == ["plain"]
    assert titles(procurement, q="_") == ["x"]


def test_vendor_and_client_lists_search_their_names(
    procurement: Caller, session: Session, catalog: Catalog, org: Organisation
) -> None:
    for name in ("Osprey Labs", "50% Off Ltd", "Kestrel"):
        builders.vendor(session, org, name=name)
        builders.client(session, catalog, org, name=f"{name} client")
    session.commit()
    assert titles(procurement, "/api/v1/vendors", q="osPREY") == ["Osprey Labs"]
    assert titles(procurement, "/api/v1/vendors", q="0%") == ["50% Off Ltd"]
    assert titles(procurement, "/api/v1/clients", q="kestrel") == ["Kestrel client"]


def test_a_list_page_shows_the_same_progress_as_the_assessment(
    procurement: Caller, session: Session, catalog: Catalog, org: Organisation
) -> None:
    """The list reads stored counts; every write of the answers keeps them equal to the
    counts worked out from the answers (create, answer, upgrade, the next version)."""
    created = procurement.post(
        "/api/v1/assessments",
        json={
            "vendor_id": str(builders.vendor(session, org).id),
            "client_id": str(builders.client(session, catalog, org).id),
            "answers": {"framework.primary": "pytorch"},
        },
    ).json()
    session.commit()
    url = f"/api/v1/assessments/{created['id']}"

    def same_progress() -> dict[str, Any]:
        one = procurement.get(url).json()["progress"]
        listed = procurement.get("/api/v1/assessments").json()["items"]
        assert [i["progress"] for i in listed if i["id"] == created["id"]] == [one]
        return dict(one)

    first = same_progress()
    assert first["answered"] == 1
    assert first["required_missing"] > 0
    response = procurement.patch(f"{url}/answers", json={"answers": example("openweave.answers")})
    assert response.status_code == 200, response.text
    answered = same_progress()
    assert answered["answered"] > first["answered"]
    assert answered["required_missing"] == 0
    response = procurement.patch(f"{url}/answers", json={"answers": {"framework.primary": None}})
    assert response.status_code == 200, response.text
    cleared = same_progress()
    assert cleared["answered"] < answered["answered"]
    assert cleared["required_missing"] > 0


def test_a_next_version_stores_its_progress(
    session: Session, catalog: Catalog, org: Organisation
) -> None:
    """(An upgrade's counts: tests/assessments/test_upgrade.py, answers dropped.)"""
    actor = builders.principal(session, org, Role.ADMIN)
    approved = builders.assessment(
        session, catalog, org, answers=example("openweave.answers"), submitted=True
    )
    approved.status = AssessmentStatus.APPROVED
    successor = assessment_service.reopen(session, actor, approved, None)
    assert successor.id != approved.id
    assert to_summary(successor).progress == to_read(successor).progress
    assert to_summary(successor).progress.answered == len(example("openweave.answers"))


def test_a_list_row_loads_only_what_a_summary_shows(
    session: Session, catalog: Catalog, org: Organisation
) -> None:
    builders.assessment(session, catalog, org, answers=example("openweave.answers"))
    session.commit()
    session.expunge_all()
    with statements(session) as seen:
        rows, _ = listing.list_assessments(session, org.id, PageParams())
    summaries = listing.summaries(rows)
    assert [s.progress.answered for s in summaries] == [len(example("openweave.answers"))]
    assert len(seen) == 1  # one statement: vendor, client, questionnaire and score joined
    assert "answers" not in rows[0]._fields
    assert "assessments.answers" not in seen[0][0]
    assert "environment" not in seen[0][0]  # nor the client's environment


@contextmanager
def statements(session: Session) -> Iterator[list[tuple[str, Any]]]:
    seen: list[tuple[str, Any]] = []
    connection = session.connection()

    def record(_c: Any, _cur: Any, statement: str, parameters: Any, _x: Any, _m: bool) -> None:
        seen.append((statement, parameters))

    event.listen(connection, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(connection, "before_cursor_execute", record)


def index_names(session: Session, statement: str, parameters: Any) -> set[str]:
    plan = (
        session.connection()
        .exec_driver_sql("EXPLAIN (FORMAT JSON) " + statement, parameters)
        .scalar_one()[0]["Plan"]
    )
    found: set[str] = set()
    nodes = [plan]
    while nodes:
        node = nodes.pop()
        if "Index Name" in node:
            found.add(node["Index Name"])
        nodes.extend(node.get("Plans", []))
    return found


def planned_indexes(session: Session, org: Organisation, **filters: Any) -> set[str]:
    """Indexes in the plans of every query one list page runs."""
    with statements(session) as seen:
        listing.list_assessments(session, org.id, PageParams(), **filters)
    used: set[str] = set()
    for statement, parameters in seen:
        used |= index_names(session, statement, parameters)
    return used


def copies(session: Session, table: str, count: int, overrides: dict[str, str]) -> None:
    """`count` SQL copies of the table's first row, some columns computed from g (1..count)."""
    columns = session.scalars(
        text(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = "
            "current_schema() AND table_name = :t ORDER BY ordinal_position"
        ),
        {"t": table},
    ).all()
    values = ", ".join(overrides.get(c, f"t.{c}") for c in columns)
    session.execute(
        text(
            f"INSERT INTO {table} ({', '.join(columns)}) SELECT {values} "
            f"FROM generate_series(1, {count}) AS g, (SELECT * FROM {table} LIMIT 1) AS t"
        )
    )


@pytest.mark.postgresql_only  # trigram indexes and query plans
def test_status_and_q_filters_are_index_searches(
    session: Session, catalog: Catalog, org: Organisation
) -> None:
    """At the benchmark's vendor and client counts the planner itself picks the indexes (no
    enable_* settings): fastupdate is off, so no pending list inflates a search's cost."""
    builders.assessment(session, catalog, org, title="Pelican platform")
    session.flush()
    named = {"id": "gen_random_uuid()", "external_id": "NULL"}
    copies(session, "vendors", 5000, named | {"name": "'Vendor ' || md5(g::text)"})
    copies(session, "clients", 1000, named | {"name": "'Client ' || md5(g::text)"})
    copies(session, "assessments", 5000, named | {"title": "'Assessment ' || md5(g::text)"})
    session.execute(text("ANALYZE assessments, vendors, clients"))
    # Any index that leads with the organisation and status serves the filter; which one the
    # planner takes follows the statistics (the partial ones of migration 0016 are smaller)
    by_status = {
        "ix_assessments_status",
        "ix_assessments_listed_status",
        "ix_assessments_listed_counts",
    }
    assert by_status & planned_indexes(session, org, status=AssessmentStatus.SUBMITTED)
    searched = planned_indexes(session, org, search="pelican")
    assert {"ix_assessments_title_trgm", "ix_vendors_name_trgm", "ix_clients_name_trgm"} <= searched
    rows, _ = listing.list_assessments(session, org.id, PageParams(), search="pelican")
    assert [r.title for r in rows] == ["Pelican platform"]


@pytest.mark.postgresql_only  # title statistics and query plans
def test_a_rare_q_is_read_by_id_whatever_the_title_statistics(
    session: Session, catalog: Catalog, org: Organisation, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`title ILIKE '%term%'` is estimated from the title histogram. Here 10 rows of 5,001 hold
    10 of its 100 bounds (ANALYZE reads every row of so small a table), so the term reads as
    10% of the rows; as a condition, the page is then read along the list order's index, every
    row filtered (343 ms at 100,000). Looked up first, the ids are counted exactly and the page
    is read by primary key, with the same rows in the same order."""
    builders.assessment(session, catalog, org, title="A first look")
    session.flush()
    numbered = "lpad(g::text, 5, '0') || CASE WHEN g % 500 = 0 THEN ' zeppelin' ELSE '' END"
    overrides = {"id": "gen_random_uuid()", "external_id": "NULL"}
    overrides |= {"title": f"'Assessment ' || {numbered}"}
    copies(
        session,
        "assessments",
        5000,
        overrides | {"updated_at": "t.updated_at - g * interval '1 minute'"},
    )
    session.execute(text("ANALYZE assessments"))

    def page() -> tuple[list[str], set[str]]:
        with statements(session) as seen:
            rows, _ = listing.list_assessments(session, org.id, PageParams(), search="Zeppelin")
        return [r.title for r in rows], index_names(session, *seen[-1])

    oldest_first = [f"Assessment {g:05d} zeppelin" for g in range(5000, 499, -500)]
    rows, used = page()
    assert rows == oldest_first
    assert "pk_assessments" in used
    assert "ix_assessments_sync" not in used
    monkeypatch.setattr(listing, "FOUND_LIMIT", 0)  # the search stays a condition
    rows, used = page()
    assert rows == oldest_first
    assert "ix_assessments_sync" in used, "the statistics no longer mislead: this proves nothing"


def test_a_list_row_is_an_assessment_of_this_organisation(
    session: Session, catalog: Catalog, org: Organisation
) -> None:
    other = builders.organisation(session)
    builders.assessment(session, catalog, other, title="Elsewhere")
    vendor = builders.vendor(session, other, name="Shared Name")
    builders.assessment(session, catalog, other, vendor_row=vendor, title="Theirs")
    builders.assessment(
        session, catalog, org, vendor_row=builders.vendor(session, org, name="Mine"), title="Ours"
    )
    session.flush()
    rows, _ = listing.list_assessments(session, org.id, PageParams(), search="e")
    assert [r.title for r in rows] == ["Ours"]
    found = session.get(Assessment, rows[0].id)
    assert found is not None
    assert found.organisation_id == org.id


@pytest.mark.usefixtures("three")
def test_a_broad_term_matching_many_names_filters_by_subquery(
    procurement: Caller, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past NAMED_LIMIT matching names, `q` filters by a subquery rather than a list of ids."""
    monkeypatch.setattr(listing, "NAMED_LIMIT", 1)
    assert titles(procurement, q="s") == ["Pelican platform", "Second look", "Yearly review"]
    assert titles(procurement, q="o") == ["Pelican platform", "Second look", "Yearly review"]
    assert titles(procurement, q="labs") == ["Second look"]
