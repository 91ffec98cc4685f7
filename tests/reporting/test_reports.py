"""PDF reports over the API: content, caching, ETags, drafts, comparison, failures."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from service.auth.models import Organisation
from service.auth.permissions import Role
from service.questionnaires.catalog import Catalog
from service.reporting import pool
from service.reporting.models import RenderedReport
from service.scoring.library import Library
from tests import builders
from tests.api import Caller, assert_problem, problem_errors
from tests.builders import example
from tests.reporting.conftest import page_count, pdf_text


@pytest.fixture
def seeded(
    session: Session, catalog: Catalog, org: Organisation, library: Library
) -> dict[str, Any]:
    client = builders.client(session, catalog, org, name="Northwind Retail")
    rows = {}
    for name, answers in (
        ("OpenWeave AI", "openweave.answers"),
        ("Monolith Intelligence", "monolith.answers"),
    ):
        vendor = builders.vendor(session, org, name=name)
        rows[name] = builders.assessment(
            session,
            catalog,
            org,
            vendor_row=vendor,
            client_row=client,
            answers=example(answers),
            submitted=True,
            library=library,
        )
    draft = builders.assessment(session, catalog, org, client_row=client)
    session.commit()
    return {"client": client, "draft": draft, **rows}


def get_report(caller: Caller, assessment: Any, fmt: str = "pdf", **kw: Any) -> Any:
    return caller.get(f"/api/v1/assessments/{assessment.id}/report.{fmt}", **kw)


def test_the_assessment_report_says_what_the_score_says(
    as_role: Callable[[Role], Caller], seeded: dict[str, Any], library: Library
) -> None:
    lead = as_role(Role.ACCOUNT_LEAD)
    response = get_report(lead, seeded["Monolith Intelligence"])
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    disposition = response.headers["content-disposition"]
    assert disposition.startswith(
        'attachment; filename="Monolith Intelligence - Northwind Retail - assessment '
    )
    text = pdf_text(response.content)
    score = lead.get(f"/api/v1/assessments/{seeded['Monolith Intelligence'].id}/score").json()
    for expected in (
        "Monolith Intelligence",
        "Northwind Retail",
        lead.org.name,
        f"{score['technical_currency']['score']} / 100",
        f"{score['integration_risk']['score']} / 100",
        score["technical_currency"]["band"].upper(),
        score["integration_risk"]["band"].upper(),
        "Not recommended",
        "Environment fit",
        "How these scores were made",
        "ai-framework 2.0",
        score["provenance"]["rule_pack"]["content_hash"],
        f"As of {library.knowledge.as_of}",
        score["provenance"]["knowledge_base"]["content_hash"],
    ):
        assert expected in text, expected
    for finding in score["findings"]:  # each under its finding, in the technical appendix
        assert finding["rule_id"] in text, finding["rule_id"]
    assert 10 <= page_count(response.content) <= 40


def test_unknown_answers_show_as_unknown_and_unverified(
    procurement: Caller, session: Session, catalog: Catalog, org: Organisation, library: Library
) -> None:
    answers = {**example("openweave.answers"), "hf.model_swappable": "unknown"}
    del answers["hf.bring_your_own_model"]
    assessment = builders.assessment(
        session, catalog, org, answers=answers, submitted=True, library=library
    )
    session.commit()
    text = pdf_text(get_report(procurement, assessment).content)
    assert "Unknown: the vendor did not know or would not say" in text
    assert "Not answered" in text
    # listed once as a question to confirm, not as an unverified finding card
    assert "To confirm (2)" in text
    assert "Model swappable" in text.split("To confirm (2)")[1]
    assert "Model cannot be swapped without rebuilding" not in text


def test_a_repeated_download_serves_the_stored_bytes_with_an_etag(
    procurement: Caller, seeded: dict[str, Any], session: Session
) -> None:
    first = get_report(procurement, seeded["OpenWeave AI"])
    etag = first.headers["etag"]
    assert etag.startswith('"')
    assert etag.endswith('"')
    second = get_report(procurement, seeded["OpenWeave AI"])
    assert second.content == first.content
    assert second.headers["etag"] == etag
    assert session.scalar(select(func.count()).select_from(RenderedReport)) == 1
    not_modified = get_report(procurement, seeded["OpenWeave AI"], headers={"If-None-Match": etag})
    assert not_modified.status_code == 304
    assert not_modified.content == b""
    assert not_modified.headers["etag"] == etag
    stale = get_report(procurement, seeded["OpenWeave AI"], headers={"If-None-Match": '"old"'})
    assert stale.status_code == 200


def test_a_new_score_gives_a_new_report(procurement: Caller, seeded: dict[str, Any]) -> None:
    assessment = seeded["OpenWeave AI"]
    before = get_report(procurement, assessment)
    procurement.post(f"/api/v1/assessments/{assessment.id}/reopen")
    procurement.patch(
        f"/api/v1/assessments/{assessment.id}/answers",
        json={"answers": {"serving.stack": "torchserve"}},
    )
    procurement.post(f"/api/v1/assessments/{assessment.id}/submit")
    after = get_report(procurement, assessment)
    assert after.headers["etag"] != before.headers["etag"]
    assert "Serving stack in limited maintenance" in pdf_text(after.content)


def test_a_draft_has_no_report(procurement: Caller, seeded: dict[str, Any]) -> None:
    for fmt in ("pdf", "html"):
        response = get_report(procurement, seeded["draft"], fmt)
        assert_problem(response, 409, "conflict", detail_contains="is a draft")


def test_the_html_preview_is_locked_down(procurement: Caller, seeded: dict[str, Any]) -> None:
    response = get_report(procurement, seeded["OpenWeave AI"], "html")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.headers["content-disposition"].startswith("inline; ")
    assert "default-src 'none'" in response.headers["content-security-policy"]
    assert "OpenWeave AI" in response.text
    assert "/report-assets/css/report.css" in response.text
    assert procurement.get("/report-assets/css/report.css").status_code == 200


def test_the_comparison_ranks_the_vendors(procurement: Caller, seeded: dict[str, Any]) -> None:
    client = seeded["client"]
    response = procurement.get(f"/api/v1/clients/{client.id}/comparison.pdf")
    assert response.status_code == 200
    assert (
        'filename="Northwind Retail - vendor comparison' in response.headers["content-disposition"]
    )
    text = pdf_text(response.content)
    assert "2 vendors for Northwind Retail" in text
    ranking = text[text.index("Ranking") :]
    assert ranking.index("1. OpenWeave AI") < ranking.index("2. Monolith Intelligence")
    assert "built on a proprietary ML framework; dedicated server the client will not accept" in (
        ranking
    )
    for fact in ("Framework", "Serving stack", "Kubernetes", "Hardware", "Hugging Face", "vLLM"):
        assert fact in text


def test_the_comparison_can_be_narrowed(procurement: Caller, seeded: dict[str, Any]) -> None:
    client = seeded["client"]
    chosen = seeded["Monolith Intelligence"]
    response = procurement.get(
        f"/api/v1/clients/{client.id}/comparison.pdf", params={"assessment_id": str(chosen.id)}
    )
    text = pdf_text(response.content)
    assert "1 vendor for Northwind Retail" in text
    assert "OpenWeave AI" not in text


def test_comparison_refuses_drafts_and_other_clients(
    procurement: Caller,
    seeded: dict[str, Any],
    session: Session,
    catalog: Catalog,
    org: Organisation,
) -> None:
    client = seeded["client"]
    url = f"/api/v1/clients/{client.id}/comparison.pdf"
    draft = procurement.get(url, params={"assessment_id": str(seeded["draft"].id)})
    assert_problem(draft, 409, "conflict", detail_contains="is a draft")
    elsewhere = builders.assessment(
        session, catalog, org, answers=example("openweave.answers"), submitted=True
    )
    session.commit()
    other = procurement.get(url, params={"assessment_id": str(elsewhere.id)})
    body = assert_problem(other, 422, "invalid-input", detail_contains="must be of this client")
    assert problem_errors(body, key="field") == {
        "query.assessment_id": f"{elsewhere.id} is of another client"
    }
    empty = builders.client(session, catalog, org)
    session.commit()
    none = procurement.get(f"/api/v1/clients/{empty.id}/comparison.pdf")
    assert_problem(none, 409, "conflict", detail_contains="no scored assessments")


def test_a_render_over_its_limits_is_a_clear_5xx_and_a_log_line(
    procurement: Caller,
    seeded: dict[str, Any],
    render_pool: pool.RenderPool,
    caplog: pytest.LogCaptureFixture,
) -> None:
    small = pool.RenderPool(workers=1, timeout=60, max_pages=2, memory_mb=1024)
    pool._default = small
    try:
        with caplog.at_level(logging.ERROR):
            response = get_report(procurement, seeded["OpenWeave AI"])
    finally:
        small.close()
        pool._default = render_pool
    body = assert_problem(response, 500, "render-failed", detail_contains="the limit is 2")
    assert body["request_id"]
    assert any("failed to render" in r.getMessage() for r in caplog.records)


def test_a_render_past_its_time_limit_is_stopped(
    procurement: Caller, seeded: dict[str, Any], render_pool: pool.RenderPool
) -> None:
    hasty = pool.RenderPool(workers=1, timeout=0.05, max_pages=80, memory_mb=1024)
    pool._default = hasty
    try:
        response = get_report(procurement, seeded["Monolith Intelligence"])
    finally:
        hasty.close()
        pool._default = render_pool
    assert_problem(response, 500, "render-failed", detail_contains="longer than 0.05 seconds")


def test_the_same_inputs_render_byte_identical_pdfs_in_separate_processes(
    procurement: Caller, seeded: dict[str, Any], session: Session, render_pool: pool.RenderPool
) -> None:
    first = get_report(procurement, seeded["Monolith Intelligence"])
    session.execute(delete(RenderedReport))
    session.commit()
    render_pool.restart()  # the next render happens in a new worker process
    second = get_report(procurement, seeded["Monolith Intelligence"])
    assert second.content == first.content
    assert second.headers["etag"] == first.headers["etag"]
