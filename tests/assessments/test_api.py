"""The assessment lifecycle over the API: create, answer, history, submit, reopen."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy.orm import Session

from service.auth.models import Organisation
from service.auth.permissions import Role
from service.questionnaires.catalog import Catalog
from tests import builders
from tests.api import Caller, assert_problem, problem_errors
from tests.builders import example


@pytest.fixture
def parties(session: Session, catalog: Catalog, org: Organisation) -> dict[str, str]:
    vendor = builders.vendor(session, org, name="OpenWeave AI")
    client = builders.client(session, catalog, org, name="Northwind Retail")
    session.commit()
    return {"vendor_id": str(vendor.id), "client_id": str(client.id)}


def create(caller: Caller, parties: dict[str, str], **fields: Any) -> dict[str, Any]:
    response = caller.post("/api/v1/assessments", json={**parties, **fields})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def answer(caller: Caller, assessment: dict[str, Any], answers: dict[str, Any], **kw: Any) -> Any:
    return caller.patch(
        f"/api/v1/assessments/{assessment['id']}/answers", json={"answers": answers}, **kw
    )


def test_create_a_draft(procurement: Caller, parties: dict[str, str]) -> None:
    response = procurement.post("/api/v1/assessments", json=parties)
    assert response.status_code == 201
    body = response.json()
    assert response.headers["location"] == f"/api/v1/assessments/{body['id']}"
    assert response.headers["etag"] == '"1"'
    assert body["status"] == "draft"
    assert body["title"] == "OpenWeave AI for Northwind Retail"
    assert body["vendor"]["name"] == "OpenWeave AI"
    assert body["questionnaire"]["slug"] == "ai-framework"
    assert body["questionnaire"]["version"] == "2.0"
    assert body["answers"] == {}
    assert body["revision"] == 1
    assert "framework.primary" in body["missing_required"]


def test_create_checks_references_and_questionnaire(
    procurement: Caller, parties: dict[str, str]
) -> None:
    missing_vendor = {**parties, "vendor_id": str(uuid.uuid4())}
    response = procurement.post("/api/v1/assessments", json=missing_vendor)
    body = assert_problem(response, 422, "invalid-input", detail_contains="no vendor")
    assert problem_errors(body, key="field") == {"body.vendor_id": "no such vendor"}

    response = procurement.post(
        "/api/v1/assessments", json={**parties, "questionnaire": "client-environment"}
    )
    assert_problem(response, 422, "invalid-input", detail_contains="describes a client")
    response = procurement.post("/api/v1/assessments", json={**parties, "questionnaire": "nope"})
    assert_problem(response, 404, "not-found", detail_contains="no questionnaire 'nope'")


def test_create_with_initial_answers_validates_them(
    procurement: Caller, parties: dict[str, str]
) -> None:
    response = procurement.post(
        "/api/v1/assessments", json={**parties, "answers": {"framework.primary": "caffe"}}
    )
    body = assert_problem(response, 422, "invalid-input")
    assert "'caffe' is not an option" in problem_errors(body)["framework.primary"]
    created = create(procurement, parties, answers={"framework.primary": "pytorch"})
    assert created["answers"] == {"framework.primary": "pytorch"}


def test_answers_merge_and_null_clears(procurement: Caller, parties: dict[str, str]) -> None:
    assessment = create(procurement, parties)
    first = answer(
        procurement, assessment, {"framework.primary": "pytorch", "serving.stack": "vllm"}
    )
    assert first.status_code == 200
    assert first.headers["etag"] == '"2"'
    second = answer(procurement, assessment, {"serving.stack": None, "hardware.gpu": "unknown"})
    body = second.json()
    assert body["answers"] == {"framework.primary": "pytorch", "hardware.gpu": "unknown"}
    assert body["revision"] == 3
    assert body["progress"]["unknown"] == 1


def test_one_422_lists_every_bad_answer(procurement: Caller, parties: dict[str, str]) -> None:
    assessment = create(procurement, parties)
    response = answer(
        procurement,
        assessment,
        {
            "framwork.primary": "pytorch",
            "serving.stack": 3,
            "deployment.models": ["saas", "moon"],
            "hf.transformers_compatible": "yes",
            "product.base_models": "x" * 1001,
            "framework.version": "latest",
            "hardware.gpu": "required",
        },
    )
    body = assert_problem(response, 422, "invalid-input", detail_contains="6 answers are not valid")
    errors = problem_errors(body)
    assert set(errors) == {
        "framwork.primary",
        "serving.stack",
        "deployment.models",
        "hf.transformers_compatible",
        "product.base_models",
        "framework.version",
    }
    assert "did you mean 'framework.primary'" in errors["framwork.primary"]
    assert "'moon' is not options" in errors["deployment.models"]
    assert "limit is 1000" in errors["product.base_models"]
    after = procurement.get(f"/api/v1/assessments/{assessment['id']}").json()
    assert after["answers"] == {}, "a rejected patch changes nothing"
    assert after["revision"] == 1


def test_answers_body_must_be_an_object(procurement: Caller, parties: dict[str, str]) -> None:
    assessment = create(procurement, parties)
    response = procurement.patch(
        f"/api/v1/assessments/{assessment['id']}/answers", json={"answers": ["pytorch"]}
    )
    body = assert_problem(response, 422, "invalid-input")
    assert "answers" in problem_errors(body, key="field")


def test_if_match_protects_against_lost_updates(
    procurement: Caller, parties: dict[str, str]
) -> None:
    assessment = create(procurement, parties)
    ok = answer(procurement, assessment, {"hardware.gpu": "optional"}, headers={"If-Match": '"1"'})
    assert ok.status_code == 200
    stale = answer(
        procurement, assessment, {"hardware.gpu": "required"}, headers={"If-Match": '"1"'}
    )
    assert_problem(stale, 412, "precondition-failed", detail_contains="revision 2, not 1")
    assert stale.headers["etag"] == '"2"'
    current = procurement.get(f"/api/v1/assessments/{assessment['id']}")
    assert current.json()["answers"] == {"hardware.gpu": "optional"}
    assert current.headers["etag"] == '"2"'


def test_malformed_if_match_is_400(procurement: Caller, parties: dict[str, str]) -> None:
    assessment = create(procurement, parties)
    response = answer(
        procurement, assessment, {"hardware.gpu": "optional"}, headers={"If-Match": "yesterday"}
    )
    assert_problem(response, 400, "bad-request", detail_contains="If-Match must be an ETag")


def test_an_unchanged_patch_does_not_bump_the_revision(
    procurement: Caller, parties: dict[str, str]
) -> None:
    assessment = create(procurement, parties, answers={"hardware.gpu": "optional"})
    response = answer(procurement, assessment, {"hardware.gpu": "optional"})
    assert response.json()["revision"] == 1


def test_history_records_who_changed_what(
    procurement: Caller, parties: dict[str, str], as_role: Callable[[Role], Caller]
) -> None:
    assessment = create(procurement, parties, answers={"hardware.gpu": "optional"})
    integration = as_role(Role.INTEGRATION)
    answer(integration, assessment, {"hardware.gpu": "required"})
    answer(procurement, assessment, {"hardware.gpu": None})
    history = procurement.get(f"/api/v1/assessments/{assessment['id']}/history").json()
    assert [(h["kind"], h["question_id"], h["old_value"], h["new_value"]) for h in history] == [
        ("created", None, None, None),
        ("answer", "hardware.gpu", None, "optional"),
        ("answer", "hardware.gpu", "optional", "required"),
        ("answer", "hardware.gpu", "required", None),
    ]
    assert [h["revision"] for h in history] == [1, 1, 2, 3]
    assert history[2]["actor"]["type"] == "api_key"
    assert "integration test key" in history[2]["actor"]["label"]
    assert "procurement test key" in history[3]["actor"]["label"]


def test_submit_lists_missing_required_questions(
    procurement: Caller, parties: dict[str, str]
) -> None:
    partial = dict(example("openweave.answers"))
    del partial["serving.stack"]
    del partial["hf.model_swappable"]
    assessment = create(procurement, parties, answers=partial)
    response = procurement.post(f"/api/v1/assessments/{assessment['id']}/submit")
    body = assert_problem(
        response, 422, "invalid-input", detail_contains="2 required questions are unanswered"
    )
    assert set(problem_errors(body)) == {"serving.stack", "hf.model_swappable"}
    assert problem_errors(body)["serving.stack"].startswith("required: ")


def test_submit_locks_answers_and_reopen_unlocks(
    procurement: Caller, parties: dict[str, str]
) -> None:
    assessment = create(procurement, parties, answers=example("openweave.answers"))
    submitted = procurement.post(f"/api/v1/assessments/{assessment['id']}/submit")
    assert submitted.status_code == 200
    assert submitted.json()["status"] == "submitted"
    assert submitted.json()["submitted_at"] is not None

    locked = answer(procurement, assessment, {"hardware.gpu": "optional"})
    assert_problem(locked, 409, "conflict", detail_contains="answers are locked")
    again = procurement.post(f"/api/v1/assessments/{assessment['id']}/submit")
    assert_problem(again, 409, "conflict")

    reopened = procurement.post(f"/api/v1/assessments/{assessment['id']}/reopen")
    assert reopened.status_code == 200
    assert reopened.json()["status"] == "draft"
    assert answer(procurement, assessment, {"hardware.gpu": "optional"}).status_code == 200
    kinds = [
        h["kind"] for h in procurement.get(f"/api/v1/assessments/{assessment['id']}/history").json()
    ]
    assert kinds[-4:] == ["submitted", "scored", "reopened", "answer"]
    twice = procurement.post(f"/api/v1/assessments/{assessment['id']}/reopen")
    assert_problem(twice, 409, "conflict", detail_contains="already a draft")


def test_unknown_satisfies_required(procurement: Caller, parties: dict[str, str]) -> None:
    assessment = create(procurement, parties)
    detail = procurement.get(f"/api/v1/assessments/{assessment['id']}").json()
    answers = dict.fromkeys(detail["missing_required"], "unknown")
    answer(procurement, assessment, answers)
    response = procurement.post(f"/api/v1/assessments/{assessment['id']}/submit")
    assert response.status_code == 200, response.text


def test_roles_on_the_lifecycle(
    procurement: Caller, parties: dict[str, str], as_role: Callable[[Role], Caller]
) -> None:
    assessment = create(procurement, parties, answers=example("openweave.answers"))
    lead = as_role(Role.ACCOUNT_LEAD)
    assert lead.get(f"/api/v1/assessments/{assessment['id']}").status_code == 200
    assert_problem(answer(lead, assessment, {"hardware.gpu": "optional"}), 403, "forbidden")
    assert_problem(lead.post("/api/v1/assessments", json=parties), 403, "forbidden")
    integration = as_role(Role.INTEGRATION)
    assert integration.post(f"/api/v1/assessments/{assessment['id']}/submit").status_code == 200
    response = integration.post(f"/api/v1/assessments/{assessment['id']}/reopen")
    assert_problem(response, 403, "forbidden", detail_contains="cannot reopen assessments")


def test_patch_title_and_external_id(procurement: Caller, parties: dict[str, str]) -> None:
    assessment = create(procurement, parties, external_id="deal-1")
    response = procurement.patch(
        f"/api/v1/assessments/{assessment['id']}",
        json={"title": "Product copy pilot"},
        headers={"If-Match": '"1"'},
    )
    assert response.json()["title"] == "Product copy pilot"
    assert response.json()["external_id"] == "deal-1"
    assert response.headers["etag"] == '"2"'
    other = create(procurement, parties)
    clash = procurement.patch(f"/api/v1/assessments/{other['id']}", json={"external_id": "deal-1"})
    assert_problem(clash, 409, "conflict")


def test_list_filters(
    procurement: Caller,
    parties: dict[str, str],
    session: Session,
    catalog: Catalog,
    org: Organisation,
) -> None:
    first = create(procurement, parties, external_id="deal-1", answers=example("openweave.answers"))
    procurement.post(f"/api/v1/assessments/{first['id']}/submit")
    other_vendor = builders.vendor(session, org)
    session.commit()
    second = create(procurement, {**parties, "vendor_id": str(other_vendor.id)})

    def ids(**params: str) -> list[str]:
        page = procurement.get("/api/v1/assessments", params=params).json()
        return [a["id"] for a in page["items"]]

    assert ids() == [first["id"], second["id"]]
    assert ids(vendor_id=str(other_vendor.id)) == [second["id"]]
    assert ids(client_id=parties["client_id"]) == [first["id"], second["id"]]
    assert ids(status="draft") == [second["id"]]
    assert ids(external_id="deal-1") == [first["id"]]
    response = procurement.get("/api/v1/assessments", params={"status": "archived"})
    body = assert_problem(response, 422, "invalid-input")
    assert "status" in problem_errors(body, key="field")
