"""Scores over the API: submit -> score, history, one past score, what-if."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.auth.models import Organisation
from service.auth.permissions import Role
from service.questionnaires.catalog import Catalog
from service.scores.models import ScoreRecord
from service.scoring.library import Library
from tests import builders
from tests.api import Caller, assert_problem, problem_errors
from tests.builders import example


@pytest.fixture
def draft(session: Session, catalog: Catalog, org: Organisation) -> str:
    vendor = builders.vendor(session, org, name="OpenWeave AI")
    client = builders.client(session, catalog, org, name="Northwind Retail")
    assessment = builders.assessment(
        session,
        catalog,
        org,
        vendor_row=vendor,
        client_row=client,
        answers=example("openweave.answers"),
    )
    session.commit()
    return str(assessment.id)


def submit(caller: Caller, assessment_id: str) -> dict[str, Any]:
    response = caller.post(f"/api/v1/assessments/{assessment_id}/submit")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_submitting_scores_in_the_same_request(procurement: Caller, draft: str) -> None:
    body = submit(procurement, draft)
    assert body["status"] == "submitted"
    assert body["score"]["sequence"] == 1
    assert body["score"]["technical_currency"]["band"] == "current"
    assert body["score"]["integration_risk"]["band"] == "low"
    assert body["score"]["recommendation"] == "recommended"
    kinds = [h["kind"] for h in procurement.get(f"/api/v1/assessments/{draft}/history").json()]
    assert kinds[-2:] == ["submitted", "scored"]


def test_the_score_explains_itself(procurement: Caller, draft: str, library: Library) -> None:
    submit(procurement, draft)
    score = procurement.get(f"/api/v1/assessments/{draft}/score").json()
    assert set(score) >= {
        "technical_currency",
        "integration_risk",
        "recommendation",
        "completeness",
        "findings",
        "top_reasons",
        "improvement_paths",
        "provenance",
    }
    assert score["technical_currency"]["score"] >= 75
    assert score["completeness"]["ratio"] > 0.9
    provenance = score["provenance"]
    pack = library.pack_for("ai-framework@2.0")
    assert pack is not None
    assert provenance["rule_pack"]["content_hash"] == pack.content_hash
    assert provenance["knowledge_base"]["content_hash"] == library.knowledge_hash
    assert provenance["knowledge_base"]["as_of"] == library.knowledge.as_of
    assert provenance["questionnaire"]["slug"] == "ai-framework"
    assert provenance["answers"] == example("openweave.answers")
    assert provenance["client_environment"] == example("northwind.environment")
    assert provenance["engine_version"]


def test_findings_carry_evidence_and_advice(
    procurement: Caller, session: Session, catalog: Catalog, org: Organisation
) -> None:
    answers = {**example("openweave.answers"), "serving.stack": "torchserve"}
    assessment = builders.assessment(session, catalog, org, answers=answers)
    session.commit()
    submit(procurement, str(assessment.id))
    score = procurement.get(f"/api/v1/assessments/{assessment.id}/score").json()
    serving = [
        f for f in score["findings"] if any(e["question"] == "serving.stack" for e in f["evidence"])
    ]
    assert serving, "a finding about TorchServe"
    finding = serving[0]
    assert finding["verified"] is True
    assert finding["rationale"]
    assert finding["recommendation"]
    assert finding["follow_up"]
    evidence = next(e for e in finding["evidence"] if e["question"] == "serving.stack")
    assert evidence["value"] == "torchserve"
    assert evidence["value_label"] == "TorchServe"
    assert score["technical_currency"]["band"] != "current"
    path_questions = {c["question"] for p in score["improvement_paths"] for c in p["changes"]}
    assert "serving.stack" in path_questions
    assert any("vllm" in c["options"] for p in score["improvement_paths"] for c in p["changes"])


def test_a_draft_has_no_score_yet(procurement: Caller, draft: str) -> None:
    response = procurement.get(f"/api/v1/assessments/{draft}/score")
    assert_problem(response, 404, "not-found", detail_contains="scored when it is submitted")


def test_score_history_keeps_every_score(procurement: Caller, draft: str, session: Session) -> None:
    first = submit(procurement, draft)["score"]
    procurement.post(f"/api/v1/assessments/{draft}/reopen")
    procurement.patch(
        f"/api/v1/assessments/{draft}/answers", json={"answers": {"serving.stack": "torchserve"}}
    )
    second = submit(procurement, draft)["score"]
    assert second["sequence"] == 2
    history = procurement.get(f"/api/v1/assessments/{draft}/scores").json()
    assert [h["sequence"] for h in history] == [2, 1]
    assert history[1]["technical_currency"] == first["technical_currency"]["score"]
    old = procurement.get(f"/api/v1/assessments/{draft}/scores/1").json()
    assert old["provenance"]["answers"]["serving.stack"] == "vllm"
    assert old["technical_currency"]["score"] == first["technical_currency"]["score"]
    count = session.scalar(select(func.count()).select_from(ScoreRecord))
    assert count == 2
    assert_problem(procurement.get(f"/api/v1/assessments/{draft}/scores/9"), 404, "not-found")


def test_what_if_scores_without_storing(procurement: Caller, draft: str, session: Session) -> None:
    submit(procurement, draft)
    before = session.scalar(select(func.count()).select_from(ScoreRecord))
    response = procurement.post(
        f"/api/v1/assessments/{draft}/what-if",
        json={"answers": {"serving.stack": "torchserve", "hf.model_swappable": False}},
    )
    assert response.status_code == 200
    result = response.json()
    assert result["id"] is None
    assert result["sequence"] is None
    assert result["provenance"]["answers"]["serving.stack"] == "torchserve"
    current = procurement.get(f"/api/v1/assessments/{draft}/score").json()
    assert result["technical_currency"]["score"] < current["technical_currency"]["score"]
    assert session.scalar(select(func.count()).select_from(ScoreRecord)) == before
    stored = procurement.get(f"/api/v1/assessments/{draft}").json()
    assert stored["answers"]["serving.stack"] == "vllm"


def test_what_if_validates_answers(procurement: Caller, draft: str) -> None:
    response = procurement.post(
        f"/api/v1/assessments/{draft}/what-if", json={"answers": {"serving.stack": "vlm"}}
    )
    body = assert_problem(response, 422, "invalid-input")
    assert "did you mean 'vllm'" in problem_errors(body)["serving.stack"]


def test_account_leads_can_read_scores_and_ask_what_if(
    procurement: Caller, draft: str, as_role: Callable[[Role], Caller]
) -> None:
    submit(procurement, draft)
    lead = as_role(Role.ACCOUNT_LEAD)
    assert lead.get(f"/api/v1/assessments/{draft}/score").status_code == 200
    what_if = lead.post(f"/api/v1/assessments/{draft}/what-if", json={"answers": {}})
    assert what_if.status_code == 200
