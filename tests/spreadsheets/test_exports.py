"""CSV and XLSX exports of the assessment list (filters applied) and of the findings."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from service.assessments.models import Assessment
from service.auth.models import Organisation
from service.questionnaires.catalog import Catalog
from service.spreadsheets.tables import defused
from tests import builders
from tests.api import Caller, assert_problem
from tests.builders import example


def csv_rows(content: bytes) -> list[dict[str, str]]:
    assert content.startswith("\ufeff".encode())
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


def xlsx_rows(content: bytes) -> list[dict[str, Any]]:
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    headers = [str(h) for h in rows[0]]
    return [dict(zip(headers, row, strict=True)) for row in rows[1:]]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+SUM(A1)", "'+SUM(A1)"),
        ("-2+3", "'-2+3"),
        ("@cmd", "'@cmd"),
        ("\t=1", "'\t=1"),
        ("plain = text", "plain = text"),
        (-5, -5),
        (None, None),
    ],
)
def test_formula_cells_are_defused(value: Any, expected: Any) -> None:
    assert defused(value) == expected


@pytest.fixture
def listed(session: Session, catalog: Catalog, org: Organisation) -> tuple[Assessment, Assessment]:
    hostile = builders.vendor(session, org, name='=HYPERLINK("http://evil.example","x")')
    client = builders.client(session, catalog, org, name="Northwind Retail")
    scored = builders.assessment(
        session,
        catalog,
        org,
        answers=example("openweave.answers"),
        submitted=True,
        client_row=client,
    )
    draft = builders.assessment(session, catalog, org, vendor_row=hostile, client_row=client)
    session.commit()
    return scored, draft


def test_the_list_as_csv_with_filters(procurement: Caller, listed: tuple[Assessment, ...]) -> None:
    scored, draft = listed
    response = procurement.get("/api/v1/assessments.csv")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert 'filename="assessments.csv"' in response.headers["content-disposition"]
    rows = {r["Assessment id"]: r for r in csv_rows(response.content)}
    assert set(rows) == {str(scored.id), str(draft.id)}
    assert rows[str(draft.id)]["Vendor"].startswith("'=HYPERLINK")
    assert rows[str(scored.id)]["Recommendation"] == "recommended"
    assert rows[str(scored.id)]["Technical currency"] == "100"
    drafts = csv_rows(
        procurement.get("/api/v1/assessments.csv", params={"status": "draft"}).content
    )
    assert [r["Assessment id"] for r in drafts] == [str(draft.id)]


def test_the_list_as_xlsx(procurement: Caller, listed: tuple[Assessment, ...]) -> None:
    scored, _draft = listed
    response = procurement.get("/api/v1/assessments.xlsx", params={"q": "for"})
    assert response.status_code == 200, response.text
    rows = {r["Assessment id"]: r for r in xlsx_rows(response.content)}
    assert rows[str(scored.id)]["Integration risk"] == 0
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    vendor_cells = [c for c in sheet["B"] if str(c.value).startswith("=HYPERLINK")]
    assert vendor_cells
    assert all(c.data_type == "s" for c in vendor_cells)
    setup = sheet.sheet_properties.pageSetUpPr
    assert setup is not None
    assert setup.fitToPage  # printed one page wide
    assert (sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight) == (1, 0)
    assert str(sheet.print_title_rows) == "$1:$1"  # the header row on every page


def test_a_bad_filter_is_422(procurement: Caller) -> None:
    assert_problem(
        procurement.get("/api/v1/assessments.csv", params={"status": "lost"}), 422, "invalid-input"
    )
    assert procurement.get("/api/v1/assessments.pdf").status_code in {404, 422}


def test_findings_as_csv_and_xlsx(
    procurement: Caller, make_draft: Callable[..., Assessment]
) -> None:
    monolith = make_draft(answers=example("monolith.answers"), submitted=True)
    response = procurement.get(f"/api/v1/assessments/{monolith.id}/findings.csv")
    assert response.status_code == 200, response.text
    rows = csv_rows(response.content)
    assert len(rows) > 10
    assert rows[0]["Severity"] == "critical"
    assert rows[0]["What to require"]
    score = procurement.get(f"/api/v1/assessments/{monolith.id}/score").json()
    assert {r["Rule"] for r in rows} == {f["rule_id"] for f in score["findings"]}
    book = procurement.get(f"/api/v1/assessments/{monolith.id}/findings.xlsx")
    assert len(xlsx_rows(book.content)) == len(rows)


def test_findings_of_a_draft_are_404(procurement: Caller, draft: Assessment) -> None:
    response = procurement.get(f"/api/v1/assessments/{draft.id}/findings.csv")
    assert_problem(response, 404, "not-found", detail_contains="no score yet")
