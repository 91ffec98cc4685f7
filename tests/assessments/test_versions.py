"""An assessment pinned to questionnaire 1.0 keeps being judged by 1.0, whatever is latest."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from service.assessments.models import Assessment
from service.auth.models import Organisation
from service.questionnaires.answers import missing_required
from service.questionnaires.catalog import Catalog
from service.scores.rescore import rescore_all
from service.scoring.library import Library
from tests import builders
from tests.api import Caller
from tests.builders import example
from tests.reporting.conftest import pdf_text

V1 = "ai-framework@1.0"

# A vendor that calls a third-party model API. Questionnaire 2.0 also asks whose account the
# calls go through (required), 1.0 does not: what submit demands shows which version judges.
API_VENDOR: dict[str, Any] = {
    "product.model_types": ["llm"],
    "product.model_source": ["third_party_api"],
    "product.base_models": "GPT-4o through the vendor's OpenAI account",
    "framework.primary": "proprietary",
    "serving.stack": "third_party_api",
    "serving.third_party_provider": ["openai"],
    "serving.api_compatibility": ["openai_compatible"],
    "deployment.models": ["saas"],
    "deployment.container_image": False,
    "deployment.kubernetes": "not_supported",
    "deployment.vendor_connection_required": True,
    "deployment.observability": ["structured_logs"],
    "deployment.upgrade_mechanism": "vendor_managed",
    "hardware.gpu": "not_needed",
    "hardware.dedicated_server_required": False,
    "hf.hub_distribution": "none",
    "hf.transformers_compatible": False,
    "hf.weight_formats": "unknown",
    "hf.fine_tuning": "not_offered",
    "hf.model_swappable": False,
    "portability.weights_licence": "api_only",
    "portability.weights_access": "no_access",
    "portability.exports": ["prompts_config"],
    "portability.exit_plan": False,
    "maintenance.framework_upgrade_policy": "unknown",
    "maintenance.critical_cve_patch_days": "unknown",
    "maintenance.release_cadence": "more_than_monthly",
    "maintenance.sbom": "none",
    "maintenance.version_support": "latest_only",
}


@pytest.fixture
def on_v1(session: Session, catalog: Catalog, org: Organisation, library: Library) -> Assessment:
    """A 1.0 assessment, submitted and scored."""
    row = builders.assessment(
        session, catalog, org, answers=API_VENDOR, version="1.0", submitted=True, library=library
    )
    session.commit()
    return row


def test_the_answers_submit_on_1_0_but_not_on_2_0(catalog: Catalog) -> None:
    """The premise of the tests below: only 2.0 asks whose model-API account is used."""
    v1, v2 = catalog.get("ai-framework", "1.0"), catalog.latest("ai-framework")
    assert v1 is not None
    assert v2 is not None
    assert v2.version != "1.0"
    assert [q.id for q in missing_required(v1.questionnaire, API_VENDOR)] == []
    assert "serving.provider_account" in {
        q.id for q in missing_required(v2.questionnaire, API_VENDOR)
    }


def test_a_1_0_score_is_computed_and_explained_by_the_1_0_pack(
    procurement: Caller, on_v1: Assessment, library: Library
) -> None:
    assessment = procurement.get(f"/api/v1/assessments/{on_v1.id}").json()
    assert assessment["status"] == "submitted"
    assert assessment["questionnaire"]["version"] == "1.0"

    score = procurement.get(f"/api/v1/assessments/{on_v1.id}/score").json()
    provenance = score["provenance"]
    assert provenance["questionnaire"]["version"] == "1.0"
    assert provenance["rule_pack"]["questionnaire"] == V1
    assert provenance["rule_pack"]["content_hash"] == library.packs[V1].content_hash

    expected = _v1_score(library, on_v1)
    assert score["technical_currency"]["score"] == expected.technical_currency.score
    assert score["integration_risk"]["score"] == expected.integration_risk.score
    assert score["recommendation"] == expected.recommendation.value
    v1_rules = {rule.id for rule in library.packs[V1].pack.rules}
    assert score["findings"], "an API-only vendor has findings"
    assert {f["rule_id"] for f in score["findings"]} <= v1_rules


def test_what_if_on_a_1_0_assessment_uses_1_0(procurement: Caller, on_v1: Assessment) -> None:
    response = procurement.post(
        f"/api/v1/assessments/{on_v1.id}/what-if",
        json={"answers": {"portability.exit_plan": True}},
    )
    assert response.status_code == 200, response.text
    assert response.json()["provenance"]["rule_pack"]["questionnaire"] == V1


def test_the_report_of_a_1_0_assessment_names_1_0(procurement: Caller, on_v1: Assessment) -> None:
    response = procurement.get(f"/api/v1/assessments/{on_v1.id}/report.pdf")
    assert response.status_code == 200, response.text
    text = pdf_text(response.content)
    assert "ai-framework 1.0" in text
    assert f"{V1} rules, version 1.0" in text
    assert "ai-framework 2.0" not in text


def test_rescoring_a_1_0_assessment_uses_the_1_0_pack(
    procurement: Caller,
    on_v1: Assessment,
    library: Library,
    session_factory: sessionmaker[Session],
) -> None:
    summary = rescore_all(session_factory, library, force=True)
    assert summary.rescored == 1
    scores = procurement.get(f"/api/v1/assessments/{on_v1.id}/scores").json()
    assert [(s["sequence"], s["rule_pack_version"]) for s in scores] == [(2, "1.0"), (1, "1.0")]
    latest = procurement.get(f"/api/v1/assessments/{on_v1.id}/score").json()
    assert latest["trigger"] == "rescored"
    assert latest["provenance"]["questionnaire"]["version"] == "1.0"
    assert latest["recommendation"] == _v1_score(library, on_v1).recommendation.value


def test_a_new_assessment_takes_the_latest_version(
    session: Session, catalog: Catalog, org: Organisation
) -> None:
    latest = catalog.latest("ai-framework")
    assert latest is not None
    row = builders.assessment(session, catalog, org, answers=example("openweave.answers"))
    assert row.questionnaire.version == latest.version != "1.0"


def _v1_score(library: Library, assessment: Assessment) -> Any:
    engine = library.engine(V1)
    assert engine is not None
    return engine.score(assessment.answers, assessment.client.environment)
