"""POST /api/v1/assessments/{id}/upgrade: a draft moves to a newer questionnaire version."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from service.assessments.models import Assessment
from service.auth.models import Organisation
from service.auth.permissions import Role
from service.config import Settings
from service.main import create_app
from service.questionnaires.catalog import Catalog, load_catalog
from service.questionnaires.schema import Questionnaire
from service.scoring.library import Library, load_library
from service.webhooks.models import WebhookEvent
from tests import builders
from tests.api import Caller, assert_problem, caller, problem_errors
from tests.assessments.test_versions import API_VENDOR
from tests.repository import REPO_ROOT


def in_order(questionnaire: Questionnaire, answers: dict[str, Any]) -> list[str]:
    return [q for q in questionnaire.questions if q in answers]


def url(row: Assessment | str) -> str:
    return f"/api/v1/assessments/{row if isinstance(row, str) else row.id}/upgrade"


@pytest.fixture
def draft_v1(session: Session, catalog: Catalog, org: Organisation) -> Assessment:
    row = builders.assessment(session, catalog, org, answers=API_VENDOR, version="1.0")
    session.commit()
    return row


def test_a_1_0_draft_moves_to_the_latest_version_keeping_every_answer(
    procurement: Caller, draft_v1: Assessment, catalog: Catalog
) -> None:
    latest = catalog.latest("ai-framework")
    assert latest is not None
    before = procurement.get(f"/api/v1/assessments/{draft_v1.id}")
    assert before.json()["missing_required"] == []

    response = procurement.post(url(draft_v1), headers={"If-Match": before.headers["etag"]})

    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    revision = before.json()["revision"] + 1
    assert response.headers["etag"] == f'"{revision}"'
    assert body["from"] == before.json()["questionnaire"]
    assert body["to"] == {
        "slug": "ai-framework",
        "version": latest.version,
        "content_hash": latest.content_hash,
    }
    assert body["kept"] == in_order(latest.questionnaire, API_VENDOR)
    assert body["dropped"] == []
    moved = body["assessment"]
    assert moved["status"] == "draft"
    assert moved["revision"] == revision
    assert moved["questionnaire"] == body["to"]
    assert moved["answers"] == API_VENDOR
    assert moved["missing_required"] == ["serving.provider_account"], "2.0 asks one more question"
    assert procurement.get(f"/api/v1/assessments/{draft_v1.id}").json() == moved


def test_the_upgrade_is_in_the_history_and_the_webhook_outbox(
    procurement: Caller, draft_v1: Assessment, session: Session
) -> None:
    response = procurement.post(url(draft_v1), json={"to": "2.0"})
    assert response.status_code == 200, response.text

    history = procurement.get(f"/api/v1/assessments/{draft_v1.id}/history").json()
    last = history[-1]
    assert last["kind"] == "upgraded"
    assert last["revision"] == response.json()["assessment"]["revision"]
    assert last["old_value"] == {"questionnaire": "ai-framework@1.0"}
    assert last["new_value"] == {
        "from": "1.0",
        "to": "2.0",
        "questionnaire": "ai-framework@2.0",
        "dropped": [],
    }
    assert last["actor"]["type"] == "api_key"

    events = session.scalars(
        select(WebhookEvent).where(WebhookEvent.type == "assessment.upgraded")
    ).all()
    assert len(events) == 1
    data = events[0].payload["data"]
    assert data["assessment"]["id"] == str(draft_v1.id)
    assert data["upgrade"]["to"] == "2.0"


def test_a_stale_if_match_is_refused(procurement: Caller, draft_v1: Assessment) -> None:
    response = procurement.post(url(draft_v1), headers={"If-Match": '"99"'})
    body = assert_problem(response, 412, "precondition-failed", detail_contains="not 99")
    assert response.headers["etag"] == f'"{draft_v1.revision}"'
    assert "Fetch it again" in body["detail"]
    after = procurement.get(f"/api/v1/assessments/{draft_v1.id}").json()
    assert after["questionnaire"]["version"] == "1.0"


def test_a_malformed_if_match_is_a_400(procurement: Caller, draft_v1: Assessment) -> None:
    response = procurement.post(url(draft_v1), headers={"If-Match": "yesterday"})
    body = assert_problem(response, 400, "bad-request", detail_contains="If-Match")
    assert problem_errors(body) == {"header.If-Match": "not an ETag of this API"}


def test_already_on_that_version_is_a_conflict(procurement: Caller, draft_v1: Assessment) -> None:
    assert procurement.post(url(draft_v1)).status_code == 200
    again = procurement.post(url(draft_v1))
    assert_problem(again, 409, "conflict", detail_contains="already on ai-framework 2.0.")
    down = procurement.post(url(draft_v1), json={"to": "1.0"})
    assert_problem(down, 409, "conflict", detail_contains="drafts only move up")


def test_an_unknown_version_is_a_422(procurement: Caller, draft_v1: Assessment) -> None:
    response = procurement.post(url(draft_v1), json={"to": "9.9"})
    body = assert_problem(response, 422, "invalid-input", detail_contains="has no version 9.9")
    assert problem_errors(body) == {"body.to": "no such version; known: 1.0, 2.0"}


def test_an_unknown_body_field_is_a_422(procurement: Caller, draft_v1: Assessment) -> None:
    response = procurement.post(url(draft_v1), json={"version": "2.0"})
    body = assert_problem(response, 422, "invalid-input")
    assert problem_errors(body, key="field") == {"version": "unknown field 'version'"}


def test_only_a_draft_moves(
    procurement: Caller,
    session: Session,
    catalog: Catalog,
    org: Organisation,
    library: Library,
) -> None:
    scored = builders.assessment(
        session, catalog, org, answers=API_VENDOR, version="1.0", submitted=True, library=library
    )
    session.commit()
    response = procurement.post(url(scored))
    assert_problem(response, 409, "conflict", detail_contains="only a draft can move")
    score = procurement.get(f"/api/v1/assessments/{scored.id}/score").json()
    assert score["provenance"]["questionnaire"]["version"] == "1.0"


def test_who_may_upgrade(as_role: Any, draft_v1: Assessment) -> None:
    lead = as_role(Role.ACCOUNT_LEAD)
    assert_problem(lead.post(url(draft_v1)), 403, "forbidden")
    missing = as_role(Role.PROCUREMENT).post(url("00000000-0000-0000-0000-000000000000"))
    assert_problem(missing, 404, "not-found", detail_contains="There is no assessment")


def test_a_retry_with_the_same_idempotency_key_replays(
    procurement: Caller, draft_v1: Assessment
) -> None:
    headers = {"Idempotency-Key": "upgrade-1"}
    first = procurement.post(url(draft_v1), headers=headers)
    second = procurement.post(url(draft_v1), headers=headers)
    assert first.status_code == second.status_code == 200
    assert second.headers["idempotent-replayed"] == "true"
    assert second.json() == first.json()


# ---------------------------------------------------------------- answers that do not carry over

DROPPED = {
    "maintenance.critical_cve_patch_days": 45,
    "deployment.upgrade_mechanism": "blue_green",
    "hf.hub_repo": "https://huggingface.co/example",
}


@pytest.fixture
def with_v3(tmp_path: Path) -> tuple[Catalog, Library]:
    """The shipped definitions plus an ai-framework 3.0 that narrows three questions of 2.0."""
    root = tmp_path / "questionnaires"
    shutil.copytree(REPO_ROOT / "questionnaires", root)
    definition = yaml.safe_load((root / "definitions" / "ai-framework-2.0.yaml").read_text())
    definition["version"] = "3.0"
    for section in definition["sections"]:
        section["questions"] = [q for q in section["questions"] if q["id"] != "hf.hub_repo"]
        for question in section["questions"]:
            if question["id"] == "maintenance.critical_cve_patch_days":
                question["maximum"] = 30
            if question["id"] == "deployment.upgrade_mechanism":
                question["options"] = [o for o in question["options"] if o["id"] != "blue_green"]
    (root / "definitions" / "ai-framework-3.0.yaml").write_text(yaml.safe_dump(definition))
    pack = (root / "rules" / "ai-framework-2.0.yaml").read_text()
    pack = pack.replace("ai-framework@2.0", "ai-framework@3.0").replace(
        'version: "2.0"', 'version: "3.0"'
    )
    (root / "rules" / "ai-framework-3.0.yaml").write_text(pack)
    catalog = load_catalog(root)
    return catalog, load_library(root, catalog)


@pytest.fixture
def v3_app(
    settings: Settings,
    engine: Engine,
    session_factory: sessionmaker[Session],
    with_v3: tuple[Catalog, Library],
) -> FastAPI:
    app = create_app(settings, catalog=with_v3[0], library=with_v3[1], engine=engine)
    app.state.session_factory = session_factory
    return app


@pytest.fixture
def v3_caller(v3_app: FastAPI, session: Session, org: Organisation) -> Caller:
    return caller(TestClient(v3_app), session, org, Role.PROCUREMENT)


def test_answers_no_longer_valid_are_dropped_and_listed(
    v3_caller: Caller,
    session: Session,
    catalog: Catalog,
    org: Organisation,
    with_v3: tuple[Catalog, Library],
) -> None:
    v3 = with_v3[0].get("ai-framework", "3.0")
    assert v3 is not None
    answers = {**API_VENDOR, **DROPPED}
    draft = builders.assessment(session, catalog, org, answers=answers, version="2.0")
    session.commit()

    response = v3_caller.post(url(draft))

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["to"]["version"] == "3.0"
    still_valid = {q: v for q, v in API_VENDOR.items() if q not in DROPPED}
    assert body["kept"] == in_order(v3.questionnaire, still_valid)
    assert body["dropped"] == [
        {
            "question": "deployment.upgrade_mechanism",
            "value": "blue_green",
            "reason": "not a valid answer in ai-framework@3.0: 'blue_green' is not an option; "
            "choose from: rolling, manual, vendor_managed",
        },
        {
            "question": "maintenance.critical_cve_patch_days",
            "value": 45,
            "reason": "not a valid answer in ai-framework@3.0: must be at most 30",
        },
        {
            "question": "hf.hub_repo",
            "value": "https://huggingface.co/example",
            "reason": "ai-framework@3.0 no longer asks this question",
        },
    ]
    assert body["assessment"]["answers"] == still_valid
    assert "maintenance.critical_cve_patch_days" in body["assessment"]["missing_required"], (
        "a dropped required answer is asked again"
    )

    history = v3_caller.get(f"/api/v1/assessments/{draft.id}/history").json()
    cleared = {
        h["question_id"]: h for h in history if h["kind"] == "answer" and h["new_value"] is None
    }
    assert set(cleared) == set(DROPPED)
    assert cleared["maintenance.critical_cve_patch_days"]["old_value"] == 45
    assert history[-1]["new_value"]["dropped"] == [d["question"] for d in body["dropped"]]
    listed = v3_caller.get("/api/v1/assessments").json()["items"]
    assert [a["progress"] for a in listed if a["id"] == str(draft.id)] == [
        body["assessment"]["progress"]
    ], "the list's stored progress follows the upgrade"
    assert body["assessment"]["progress"]["required_missing"] >= 1
