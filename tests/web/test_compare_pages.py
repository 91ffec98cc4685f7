"""The comparison pages: clients with their scored vendors, and a comparison of up to six."""

from __future__ import annotations

import html
import re
import uuid

import pytest
from sqlalchemy.orm import Session

from service.assessments.models import Assessment, AssessmentStatus
from service.auth.models import Organisation
from service.clients.models import Client
from service.questionnaires.catalog import Catalog
from service.reporting.selection import MAX_COMPARED
from tests import builders
from tests.web.visitor import Visitor

CLIENT_ROW = re.compile(
    r'<a class="strong-link" href="/clients/([0-9a-f-]{36})">([^<]*)</a></td>\s*<td>(\d+)</td>'
)
COLUMN = re.compile(
    r'<th scope="col">\s*(?:<span class="eyebrow">Best fit</span>)?\s*'
    r'<a class="strong-link" href="/assessments/([0-9a-f-]{36})">'
)


def scored(
    session: Session,
    catalog: Catalog,
    org: Organisation,
    client: Client,
    vendor_name: str,
    title: str | None = None,
) -> Assessment:
    return builders.assessment(
        session,
        catalog,
        org,
        client_row=client,
        vendor_row=builders.vendor(session, org, name=vendor_name),
        answers=builders.example("openweave.answers"),
        submitted=True,
        title=title or f"{vendor_name} review",
    )


def test_the_index_counts_scored_vendors_per_client(
    buyer: Visitor, session: Session, catalog: Catalog, org: Organisation
) -> None:
    two = builders.client(session, catalog, org, name="Alpha Retail")
    none = builders.client(session, catalog, org, name="Beta Foods")
    first = scored(session, catalog, org, two, "OpenWeave AI")
    again = builders.assessment(
        session,
        catalog,
        org,
        client_row=two,
        vendor_row=session.get(type(first.vendor), first.vendor_id),
        answers=builders.example("openweave.answers"),
        submitted=True,
    )
    assert again.vendor_id == first.vendor_id
    scored(session, catalog, org, two, "Monolith Intelligence")
    builders.assessment(session, catalog, org, client_row=two)  # a draft: not comparable
    builders.assessment(session, catalog, org, client_row=none)
    session.commit()
    page = buyer.get("/compare").text
    counts = {html.unescape(name): int(n) for _, name, n in CLIENT_ROW.findall(page)}
    assert counts == {"Alpha Retail": 2, "Beta Foods": 0}, "vendors, not assessments"
    assert f'href="/compare/{two.id}"' in page
    assert f'href="/compare/{none.id}"' not in page
    assert "Nothing scored yet" in page


def test_the_index_pages_through_clients_by_name_and_finds_one(
    buyer: Visitor, session: Session, catalog: Catalog, org: Organisation
) -> None:
    for n in range(53):
        builders.client(session, catalog, org, name=f"Client {n:02d}")
    session.commit()
    first = buyer.get("/compare").text
    names = [html.unescape(name) for _, name, _ in CLIENT_ROW.findall(first)]
    assert names == [f"Client {n:02d}" for n in range(50)]
    following = re.search(r'href="([^"]+)" rel="next"', first)
    assert following
    second = buyer.get(html.unescape(following.group(1))).text
    assert [name for _, name, _ in CLIENT_ROW.findall(second)] == [
        "Client 50",
        "Client 51",
        "Client 52",
    ]
    found = buyer.get("/compare", params={"q": "client 4"}).text
    assert [name for _, name, _ in CLIENT_ROW.findall(found)] == [
        f"Client {n}" for n in range(40, 50)
    ]
    assert "No client name contains “zz”" in buyer.get("/compare", params={"q": "zz"}).text
    stale = buyer.get("/compare", params={"cursor": "garbage"})
    assert stale.status_code == 200
    assert "That page link is not a link of this site" in stale.text


@pytest.fixture
def seven(session: Session, catalog: Catalog, org: Organisation) -> tuple[Client, list[Assessment]]:
    """A client with seven scored vendors (one more than a comparison shows), two named alike."""
    client = builders.client(session, catalog, org, name="Northwind Retail")
    names = ["Acme", "Birch", "Cedar", "Delta", "Echo", "Acme", "Fjord"]
    rows = [
        scored(session, catalog, org, client, name, title=f"{name} review {n}")
        for n, name in enumerate(names)
    ]
    session.commit()
    return client, rows


def test_a_comparison_of_six_chosen_vendors(
    buyer: Visitor, seven: tuple[Client, list[Assessment]]
) -> None:
    client, rows = seven
    chosen = rows[:6]
    query = "&".join(f"assessment_id={a.id}" for a in chosen)
    response = buyer.get(f"/compare/{client.id}?{query}")
    assert response.status_code == 200
    page = response.text
    shown = {uuid.UUID(i) for i in COLUMN.findall(page)}
    assert shown == {a.id for a in chosen}
    pdf = re.search(r'href="(/compare/[^"]+/comparison\.pdf\?[^"]+)"', page)
    assert pdf
    assert {
        uuid.UUID(i)
        for i in re.findall(r"assessment_id=([0-9a-f-]{36})", html.unescape(pdf.group(1)))
    } == shown
    assert "(Acme review 5" in page, "two vendors named Acme are told apart by title"
    for a in rows:
        assert f'value="{a.id}"' in page, "the picker lists every scored assessment"
    assert page.count('name="assessment_id"') == 7
    assert page.count(" checked>") == 6
    assert "technical currency 100" in page, "the picker shows the scores"


def test_by_default_each_vendors_latest_at_most_six(
    buyer: Visitor, seven: tuple[Client, list[Assessment]]
) -> None:
    client, _ = seven
    page = buyer.get(f"/compare/{client.id}").text
    assert len(COLUMN.findall(page)) == MAX_COMPARED
    assert "7 scored assessments of 7 vendors" in page


def test_more_than_six_is_a_clear_message(
    buyer: Visitor, seven: tuple[Client, list[Assessment]]
) -> None:
    client, rows = seven
    query = "&".join(f"assessment_id={a.id}" for a in rows)
    response = buyer.get(f"/compare/{client.id}?{query}")
    assert response.status_code == 200
    assert "7 assessments were chosen: a comparison shows at most 6." in response.text
    assert len(COLUMN.findall(response.text)) == MAX_COMPARED


def test_a_draft_or_another_clients_assessment_is_not_compared(
    buyer: Visitor,
    seven: tuple[Client, list[Assessment]],
    session: Session,
    catalog: Catalog,
    org: Organisation,
) -> None:
    client, rows = seven
    other = scored(session, catalog, org, builders.client(session, catalog, org), "Elsewhere")
    rows[0].status = AssessmentStatus.CHANGES_REQUESTED
    session.commit()
    query = f"assessment_id={other.id}&assessment_id={rows[0].id}&assessment_id={rows[1].id}"
    page = buyer.get(f"/compare/{client.id}?{query}").text
    assert [uuid.UUID(i) for i in COLUMN.findall(page)] == [rows[1].id]
    assert f'value="{rows[0].id}"' not in page
