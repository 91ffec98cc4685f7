"""PDF downloads from the pages, through the reporting service."""

from __future__ import annotations

import io

from pypdf import PdfReader

from tests.web.conftest import World
from tests.web.visitor import Visitor


def pdf_text(content: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_download_the_assessment_report(lead: Visitor, world: World) -> None:
    response = lead.get(f"/assessments/{world.scored.id}/report.pdf")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"].startswith('attachment; filename="')
    assert response.content.startswith(b"%PDF")
    assert world.scored.vendor.name in pdf_text(response.content)
    again = lead.get(
        f"/assessments/{world.scored.id}/report.pdf",
        headers={"If-None-Match": response.headers["etag"]},
    )
    assert again.status_code == 304


def test_a_draft_has_no_report_yet(lead: Visitor, world: World) -> None:
    response = lead.get(f"/assessments/{world.draft.id}/report.pdf")
    assert response.status_code == 409
    assert "reports are made from submitted assessments" in response.text


def test_download_the_comparison(lead: Visitor, world: World) -> None:
    response = lead.get(
        f"/compare/{world.scored.client_id}/comparison.pdf?assessment_id={world.scored.id}"
    )
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")
    assert world.scored.vendor.name in pdf_text(response.content)
