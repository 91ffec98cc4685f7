"""A draft on an older questionnaire version offers to move to the newest, from its page."""

from __future__ import annotations

from sqlalchemy.orm import Session

from service.assessments.history import history
from service.assessments.models import Assessment, HistoryKind
from service.catalog.models import QuestionnaireVersion
from service.questionnaires.catalog import Catalog
from tests import builders
from tests.assessments.test_versions import API_VENDOR
from tests.web.conftest import World
from tests.web.visitor import Visitor

BUTTON = "Move to version "


def pinned_version(session: Session, draft: Assessment) -> str:
    session.refresh(draft)
    row = session.get(QuestionnaireVersion, draft.questionnaire_id)
    assert row is not None
    return row.version


def old_draft(session: Session, catalog: Catalog, world: World) -> Assessment:
    row = builders.assessment(
        session, catalog, world.org, answers=API_VENDOR, version="1.0", title="Old draft"
    )
    session.commit()
    return row


def test_a_1_0_draft_moves_to_the_newest_version(
    buyer: Visitor, world: World, session: Session, catalog: Catalog
) -> None:
    draft = old_draft(session, catalog, world)
    latest = catalog.latest("ai-framework")
    assert latest is not None
    page = buyer.get(f"/assessments/{draft.id}").text
    assert f"This draft uses version 1.0 of the questionnaire; version {latest.version}" in page
    assert f'action="/assessments/{draft.id}/upgrade"' in page

    response = buyer.post(f"/assessments/{draft.id}/upgrade", {"_revision": str(draft.revision)})

    assert response.status_code == 303
    assert response.headers["location"] == f"/assessments/{draft.id}"
    page = buyer.get(f"/assessments/{draft.id}").text
    kept = len(API_VENDOR)
    assert f"Moved to questionnaire version {latest.version}: {kept} answers kept." in page
    assert BUTTON not in page
    assert pinned_version(session, draft) == latest.version
    assert draft.answers == API_VENDOR
    assert history(session, draft)[-1].kind is HistoryKind.UPGRADED
    timeline = buyer.get(f"/assessments/{draft.id}/history").text
    assert "ai-framework@1.0" in timeline
    assert f"ai-framework@{latest.version}" in timeline


def test_the_newest_version_and_readers_see_no_button(
    buyer: Visitor, lead: Visitor, world: World, session: Session, catalog: Catalog
) -> None:
    assert BUTTON not in buyer.get(f"/assessments/{world.draft.id}").text
    draft = old_draft(session, catalog, world)
    assert BUTTON not in lead.get(f"/assessments/{draft.id}").text
    refused = lead.post(f"/assessments/{draft.id}/upgrade", {"_revision": str(draft.revision)})
    assert refused.status_code == 403
    assert "cannot start, answer or submit assessments" in refused.text
    assert pinned_version(session, draft) == "1.0"


def test_a_stale_revision_changes_nothing(
    buyer: Visitor, world: World, session: Session, catalog: Catalog
) -> None:
    draft = old_draft(session, catalog, world)
    response = buyer.post(f"/assessments/{draft.id}/upgrade", {"_revision": "1"})
    assert response.status_code == 412
    assert "changed since you read it" in response.text
    assert pinned_version(session, draft) == "1.0"
