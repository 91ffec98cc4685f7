"""Evidence on the pages: upload, the status next to each answer, accepting a suggestion, the
result page's summary, and the vendor's invitation page."""

from __future__ import annotations

from sqlalchemy.orm import Session

from service.assessments import service as assessment_service
from service.questionnaires.catalog import Catalog
from service.scoring.library import Library
from tests import builders
from tests.evidence.files import binary_junk, fixture
from tests.web.conftest import World
from tests.web.visitor import Visitor, csrf_in


def upload(visitor: Visitor, url: str, csrf: str, name: str, content: bytes | None = None) -> str:
    body = fixture(name) if content is None else content
    response = visitor.http.post(url, data={"_csrf": csrf}, files={"file": (name, body)})
    assert response.status_code == 303, response.text[:500]
    return str(response.headers["location"])


def test_procurement_uploads_and_sees_statuses_next_to_answers(
    buyer: Visitor, world: World, session: Session
) -> None:
    base = f"/assessments/{world.draft.id}"
    location = upload(buyer, f"{base}/evidence", buyer.csrf, "requirements.txt")
    assert location == f"{base}#evidence"
    page = buyer.get(base).text
    assert "requirements.txt added: 5 facts found." in page
    assert 'data-evidence="evidenced"' in page  # framework.primary: pytorch, pinned
    assert 'data-evidence="suggested"' in page  # framework.version was not answered
    assert "Suggested from evidence:</strong> 2.1.2" in page
    response = buyer.post(f"{base}/evidence/accept", {"question": "framework.version"})
    assert response.status_code == 303
    assert response.headers["location"] == f"{base}#q-framework-version"
    session.expire_all()
    draft = assessment_service.get_assessment(session, world.org.id, world.draft.id)
    assert draft.answers["framework.version"] == "2.1.2"


def test_an_unreadable_file_is_listed_with_its_error(buyer: Visitor, world: World) -> None:
    base = f"/assessments/{world.draft.id}"
    upload(buyer, f"{base}/evidence", buyer.csrf, "config.json", binary_junk())
    page = buyer.get(base).text
    assert "config.json is kept, but could not be read." in page
    assert "the file is binary" in page


def test_the_result_page_summarises_the_evidence_the_score_used(
    buyer: Visitor, world: World
) -> None:
    base = f"/assessments/{world.scored.id}"
    upload(buyer, f"{base}/evidence", buyer.csrf, "requirements.txt")
    page = buyer.get(base).text
    assert "note only" in page  # uploaded after submission: a note, not a change
    assert "reopen the assessment to act on it" in page
    assert "Evidence checked" not in page  # the score used no evidence


def test_the_vendor_uploads_and_accepts_on_the_invitation_page(
    world: World, visitor: Visitor, session: Session
) -> None:
    link = f"/invite/{world.token}"
    csrf = csrf_in(visitor.get(link).text)
    location = upload(visitor, f"{link}/evidence", csrf, "poetry.lock")
    assert location == f"{link}?evidence=added#evidence"
    page = visitor.get(location).text
    assert "Evidence file added" in page
    assert "poetry.lock · 953 bytes" in page
    assert " · you, " in page  # the vendor's page names no one at the agency
    assert "Suggested from evidence:</strong> 2.14.1" in page
    accepted = visitor.http.post(
        f"{link}/evidence/accept", data={"_csrf": csrf, "question": "framework.version"}
    )
    assert accepted.status_code == 303
    session.expire_all()
    draft = assessment_service.get_assessment(session, world.org.id, world.draft.id)
    assert draft.answers["framework.version"] == "2.14.1"
    refused = visitor.http.post(
        f"{link}/evidence", data={"_csrf": "forged"}, files={"file": ("poetry.lock", b"x")}
    )
    assert refused.status_code == 403


def test_the_result_page_shows_the_contradictions_the_score_used(
    buyer: Visitor, world: World, session: Session, catalog: Catalog, library: Library
) -> None:
    draft = builders.assessment(
        session, catalog, world.org, answers=builders.example("openweave.answers")
    )
    session.commit()
    base = f"/assessments/{draft.id}"
    upload(buyer, f"{base}/evidence", buyer.csrf, "requirements.txt")
    assert "Contradicted by evidence." in buyer.get(base).text
    session.expire_all()
    row = assessment_service.get_assessment(session, world.org.id, draft.id, lock=True)
    principal = builders.principal(session, world.org)
    assessment_service.submit(session, library, principal, row, None)
    session.commit()
    result = buyer.get(base).text
    assert "Evidence checked" in result
    assert "Contradicted: Framework version" in result
    assert "The score uses the evidenced value." in result
