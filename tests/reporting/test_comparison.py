"""The comparison: the latest scored assessment per vendor, 2 to 6 of them, told apart by name,
title and date, with the ranking and its reasons on page one."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from service.auth.models import Organisation
from service.clients.models import Client
from service.questionnaires.catalog import Catalog
from service.scoring.library import Library
from tests import builders
from tests.api import Caller, assert_problem, problem_errors
from tests.builders import example
from tests.reporting.conftest import pdf_text


def scored(
    session: Session,
    catalog: Catalog,
    org: Organisation,
    library: Library,
    client: Client,
    vendor: str,
    title: str,
    answers: str = "openweave.answers",
    submitted_at: datetime | None = None,
) -> uuid.UUID:
    vendor_row = builders.vendor(session, org, name=vendor)
    row = builders.assessment(
        session,
        catalog,
        org,
        vendor_row=vendor_row,
        client_row=client,
        answers=example(answers),
        submitted=True,
        library=library,
        title=title,
    )
    if submitted_at is not None:
        row.submitted_at = submitted_at
    session.flush()
    return row.id


def test_more_than_six_assessments_is_a_422_that_says_so(
    procurement: Caller, session: Session, catalog: Catalog, org: Organisation
) -> None:
    client = builders.client(session, catalog, org)
    session.commit()
    ids = [str(uuid.uuid4()) for _ in range(7)]
    response = procurement.get(
        f"/api/v1/clients/{client.id}/comparison.pdf", params={"assessment_id": ids}
    )
    body = assert_problem(response, 422, "invalid-input", detail_contains="at most 6 vendors")
    assert "7 assessments were given" in body["detail"]
    assert problem_errors(body, key="field") == {
        "query.assessment_id": "7 given, at most 6 allowed"
    }


def test_the_default_is_the_latest_scored_assessment_of_each_vendor(
    procurement: Caller,
    session: Session,
    catalog: Catalog,
    org: Organisation,
    library: Library,
) -> None:
    client = builders.client(session, catalog, org, name="Northwind Retail")
    vendor = builders.vendor(session, org, name="OpenWeave AI")
    for title, day in (("First look", 1), ("Second look", 20)):
        row = builders.assessment(
            session,
            catalog,
            org,
            vendor_row=vendor,
            client_row=client,
            answers=example("openweave.answers"),
            submitted=True,
            library=library,
            title=title,
        )
        row.submitted_at = datetime(2026, 11, day, tzinfo=UTC)
    scored(
        session,
        catalog,
        org,
        library,
        client,
        "Monolith Intelligence",
        "Monolith",
        "monolith.answers",
    )
    session.commit()
    text = pdf_text(procurement.get(f"/api/v1/clients/{client.id}/comparison.pdf").content)
    assert "2 vendors for Northwind Retail" in text
    assert "Second look" in text
    assert "First look" not in text
    first_page = text[: text.index("Key facts")]
    ranking = first_page[first_page.index("Ranking") :]
    assert ranking.index("1. OpenWeave AI: recommended") < ranking.index(
        "2. Monolith Intelligence: not recommended"
    )
    assert "Decisive findings" in text


def test_vendors_with_the_same_name_are_told_apart(
    procurement: Caller,
    session: Session,
    catalog: Catalog,
    org: Organisation,
    library: Library,
) -> None:
    client = builders.client(session, catalog, org)
    for title in ("Acme chat pilot", "Acme search pilot"):
        scored(session, catalog, org, library, client, "Acme AI", title)
    session.commit()
    text = pdf_text(procurement.get(f"/api/v1/clients/{client.id}/comparison.pdf").content)
    ranking = text[text.index("Ranking") : text.index("Recommendation")]
    assert "(Acme chat pilot, " in ranking
    assert "(Acme search pilot, " in ranking


def test_the_default_shows_at_most_six_vendors_and_says_how_many_there_are(
    procurement: Caller,
    session: Session,
    catalog: Catalog,
    org: Organisation,
    library: Library,
) -> None:
    client = builders.client(session, catalog, org, name="Big Client")
    for number in range(7):
        scored(session, catalog, org, library, client, f"Vendor {number}", f"Pilot {number}")
    session.commit()
    text = pdf_text(procurement.get(f"/api/v1/clients/{client.id}/comparison.pdf").content)
    assert "6 vendors for Big Client" in text
    assert "(6 of the 7 vendors scored for Big Client)" in text
