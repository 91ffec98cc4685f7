"""The PDF report summarises the evidence its score used, contradictions first."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from service.auth.models import Organisation
from service.questionnaires.catalog import Catalog
from tests import builders
from tests.api import Caller
from tests.builders import example
from tests.evidence.files import fixture
from tests.reporting.conftest import pdf_text


@pytest.mark.usefixtures("render_pool")
def test_the_report_lists_the_contradictions_with_both_values_and_where(
    procurement: Caller, session: Session, catalog: Catalog, org: Organisation
) -> None:
    row = builders.assessment(session, catalog, org, answers=example("openweave.answers"))
    session.commit()
    base = f"/api/v1/assessments/{row.id}"
    for name in ("requirements.txt", "values.yaml"):
        response = procurement.post(f"{base}/evidence", files={"file": (name, fixture(name))})
        assert response.status_code == 201
    assert procurement.post(f"{base}/submit").status_code == 200
    response = procurement.get(f"{base}/report.pdf")
    assert response.status_code == 200, response.text
    text = pdf_text(response.content)
    assert "Evidence checked" in text
    assert "2 files from the vendor were read (never run): 2 answer(s) contradicted" in text
    assert "framework.version" in text
    assert "requirements.txt line 3: torch==2.1.2" in text
    assert (
        "CRITICAL Framework version framework.version" in text
    )  # it hid a code-execution advisory
    start = text.index("Evidence checked")
    # before the findings: what the score rests on is said first
    assert text.index("framework.version", start) < text.index("One finding per cause")
