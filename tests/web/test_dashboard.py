"""The dashboard: assessments with scores and bands, filters and search."""

from __future__ import annotations

from sqlalchemy.orm import Session

from service.questionnaires.catalog import Catalog
from tests import builders
from tests.web.conftest import World
from tests.web.visitor import Visitor


def rows(page: str) -> int:
    return page.count('<a class="strong-link" href="/assessments/')


def test_the_dashboard_lists_scores_and_bands(buyer: Visitor, world: World) -> None:
    page = buyer.get("/").text
    assert rows(page) == 2
    assert world.scored.title in page
    assert world.draft.title in page
    assert (
        '<span class="score__num">100</span> <span class="badge badge--good">Current</span>' in page
    )
    assert '<span class="badge badge--good">Low</span>' in page
    assert '<span class="badge badge--good">Recommended</span>' in page
    assert "% answered" in page  # the draft's progress


def test_filters_and_search(
    buyer: Visitor, world: World, session: Session, catalog: Catalog
) -> None:
    builders.assessment(session, catalog, world.org, title="Quarterly AI review")
    session.commit()
    assert rows(buyer.get("/").text) == 3
    assert rows(buyer.get("/?status=submitted").text) == 1
    assert rows(buyer.get("/?q=quarterly").text) == 1
    assert rows(buyer.get(f"/?client={world.draft.client_id}").text) == 2
    assert rows(buyer.get(f"/?vendor={world.draft.vendor_id}&status=draft").text) == 1
    nothing = buyer.get("/?q=no+such+thing").text
    assert "No assessment matches these filters." in nothing
    assert rows(buyer.get("/?status=bogus").text) == 3, "a status it does not know is ignored"
    unknown = buyer.get("/?client=not-a-name")
    assert rows(unknown.text) == 0
    assert "No client name contains “not-a-name”." in unknown.text


def test_an_empty_organisation_is_told_what_to_do(buyer: Visitor) -> None:
    page = buyer.get("/").text
    assert "No assessments yet" in page
    assert "Add a client and a vendor" in page
