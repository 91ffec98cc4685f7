"""The Excel round-trip and exports in the web app, and on the vendor's invitation page."""

from __future__ import annotations

from sqlalchemy.orm import Session

from service.assessments import service as assessment_service
from service.assessments.models import AssessmentHistory
from service.invitations import service as invitation_service
from service.reviews import service as review_service
from tests import builders
from tests.spreadsheets.workbooks import XLSX, answer_cell, fill, open_book
from tests.web.conftest import World
from tests.web.visitor import Visitor, csrf_in


def test_a_buyer_downloads_fills_and_uploads_the_workbook(
    buyer: Visitor, world: World, session: Session
) -> None:
    page = buyer.get(f"/assessments/{world.draft.id}")
    assert "Work in Excel" in page.text
    url = f"/assessments/{world.draft.id}/questionnaire.xlsx"
    workbook = buyer.get(url)
    assert workbook.status_code == 200
    assert workbook.headers["content-type"] == XLSX
    filled = fill(workbook.content, {"framework.version": "2.14.1", "hardware.gpu": "GPU wanted"})
    refused = buyer.http.post(
        url, data={"_csrf": buyer.csrf}, files={"workbook": ("q.xlsx", filled, XLSX)}
    )
    assert refused.status_code == 422
    assert "nothing was saved" in refused.text
    assert "hardware.gpu" in refused.text
    assert "GPU wanted" in refused.text
    good = fill(workbook.content, {"framework.version": "2.14.1", "hardware.gpu": "GPU required"})
    done = buyer.http.post(
        url, data={"_csrf": buyer.csrf}, files={"workbook": ("q.xlsx", good, XLSX)}
    )
    assert done.status_code == 303
    assert "2 answers changed" in buyer.get(done.headers["location"]).text
    session.refresh(world.draft)
    assert world.draft.answers["hardware.gpu"] == "required"
    assert world.draft.answers["framework.version"] == "2.14.1"
    kinds = [
        h.kind.value
        for h in session.query(AssessmentHistory).filter_by(assessment_id=world.draft.id)
    ]
    assert kinds.count("imported") == 1


def test_no_file_is_a_clear_message(buyer: Visitor, world: World) -> None:
    response = buyer.post(f"/assessments/{world.draft.id}/questionnaire.xlsx", {})
    assert response.status_code == 422
    assert "Choose the filled workbook" in response.text


def test_exports_from_the_dashboard_and_the_result(buyer: Visitor, world: World) -> None:
    dashboard = buyer.get("/", params={"status": "draft"})
    assert "/assessments.csv?status=draft" in dashboard.text
    listed = buyer.get("/assessments.csv", params={"status": "draft"})
    assert listed.status_code == 200
    text = listed.content.decode("utf-8-sig")
    assert str(world.draft.id) in text
    assert str(world.scored.id) not in text
    result = buyer.get(f"/assessments/{world.scored.id}")
    assert f"/assessments/{world.scored.id}/findings.xlsx" in result.text
    assert buyer.get(f"/assessments/{world.scored.id}/findings.xlsx").status_code == 200


def test_the_vendor_round_trips_through_the_invitation(
    visitor: Visitor, world: World, session: Session
) -> None:
    page = visitor.get(f"/invite/{world.token}")
    assert "Download blank" in page.text
    url = f"/invite/{world.token}/questionnaire.xlsx"
    blank = visitor.get(url, params={"blank": "true"})
    assert blank.status_code == 200
    filled = fill(blank.content, {"serving.stack": "vLLM", "hf.model_swappable": "Yes"})
    forged = visitor.http.post(
        url, data={"_csrf": "forged"}, files={"workbook": ("q.xlsx", filled, XLSX)}
    )
    assert forged.status_code == 403
    done = visitor.http.post(
        url,
        data={"_csrf": csrf_in(page.text)},
        files={"workbook": ("q.xlsx", filled, XLSX)},
    )
    assert done.status_code == 303, done.text[:300]
    assert "2 answers changed" in visitor.get(done.headers["location"]).text
    session.refresh(world.draft)
    assert world.draft.answers["serving.stack"] == "vllm"
    assert world.draft.answers["framework.primary"] == "pytorch"  # an empty blank cell: kept
    entry = (
        session.query(AssessmentHistory)
        .filter_by(assessment_id=world.draft.id, kind="imported")
        .one()
    )
    assert entry.actor_label.startswith("Jane Doe") or "Jane" in entry.actor_label


def test_a_revoked_link_gives_no_workbook(visitor: Visitor, world: World, session: Session) -> None:
    page = visitor.get(f"/invite/{world.token}")
    actor = builders.principal(session, world.org)
    invitation_service.revoke(session, world.invitation, actor, world.draft)
    session.commit()
    url = f"/invite/{world.token}/questionnaire.xlsx"
    assert visitor.get(url).status_code == 410
    upload = visitor.http.post(
        url, data={"_csrf": csrf_in(page.text)}, files={"workbook": ("q.xlsx", b"PK", XLSX)}
    )
    assert upload.status_code == 410
    assert "closed" in upload.text.lower()


def test_the_vendor_downloads_what_they_submitted_as_a_workbook(
    visitor: Visitor, world: World, session: Session
) -> None:
    unknown = visitor.get("/invite/svi_not-a-real-token/copy.xlsx")
    assert unknown.status_code == 404
    assert "This link is not valid" in unknown.text
    url = f"/invite/{world.token}/copy.xlsx"
    before = visitor.get(url)
    assert before.status_code == 409
    assert "the answers have not been submitted with this link" in before.text
    done = visitor.submit_link(f"/invite/{world.token}", builders.example("openweave.answers"))
    assert done.status_code == 200
    assert f'href="/invite/{world.token}/copy.xlsx"' in done.text
    assert f'href="/invite/{world.token}/copy.pdf"' in done.text
    # A later change to the assessment (a reviewer's correction) is not what was submitted.
    session.refresh(world.draft)
    world.draft.answers = {**world.draft.answers, "framework.version": "1.13.1"}
    session.commit()

    copy = visitor.get(url)
    assert copy.status_code == 200
    assert copy.headers["content-type"] == XLSX
    disposition = copy.headers["content-disposition"]
    assert disposition.startswith("attachment; filename=")
    assert disposition.endswith(".xlsx")
    book = open_book(copy.content)
    assert answer_cell(book, "framework.version").value == "2.14.1"
    assert answer_cell(book, "framework.primary").value == "PyTorch"
    text = " ".join(
        str(cell.value) for sheet in book.worksheets for row in sheet.iter_rows() for cell in row
    )
    for verdict_words in ("Integration risk", "Technical currency", "Recommendation"):
        assert verdict_words not in text, "the vendor's copy shows answers, never scores"

    # Sent back for changes: the copy, edited, goes in on the same link like any workbook.
    reviewer = builders.principal(session, world.org)
    submitted = assessment_service.get_assessment(session, world.org.id, world.draft.id)
    review_service.start_review(session, reviewer, submitted, None)
    question = review_service.NewRequest("serving.stack", "Which serving software exactly?")
    review_service.request_changes(session, reviewer, submitted, None, requests=[question])
    session.commit()
    page = visitor.get(f"/invite/{world.token}").text
    edited = fill(copy.content, {"serving.stack": "vLLM"})
    upload = visitor.http.post(
        f"/invite/{world.token}/questionnaire.xlsx",
        data={"_csrf": csrf_in(page)},
        files={"workbook": ("copy.xlsx", edited, XLSX)},
    )
    assert upload.status_code == 303, upload.text[:300]
    session.refresh(world.draft)
    assert world.draft.answers["serving.stack"] == "vllm"
    assert world.draft.answers["framework.version"] == "1.13.1", "an unedited cell changes nothing"
