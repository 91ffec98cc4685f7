"""Client endpoints and the environment profile."""

from __future__ import annotations

from typing import Any

from tests.api import Caller, assert_problem, problem_errors
from tests.builders import example


def create(caller: Caller, **fields: Any) -> dict[str, Any]:
    response = caller.post("/api/v1/clients", json={"name": "Northwind Retail", **fields})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def test_create_a_client_with_its_environment(procurement: Caller) -> None:
    environment = example("northwind.environment")
    client = create(procurement, environment=environment, external_id="crm-c1")
    assert client["environment"] == environment
    assert client["environment_questionnaire"]["slug"] == "client-environment"
    assert client["environment_questionnaire"]["content_hash"].startswith("sha256:")
    assert client["environment_missing"] == []
    assert procurement.get(f"/api/v1/clients/{client['id']}").json() == client


def test_a_client_without_environment_lists_what_is_missing(procurement: Caller) -> None:
    client = create(procurement)
    assert client["environment"] == {}
    assert {"orchestration", "gpu_availability", "air_gapped"} <= set(client["environment_missing"])


def test_environment_answers_are_validated_like_assessment_answers(procurement: Caller) -> None:
    response = procurement.post(
        "/api/v1/clients",
        json={
            "name": "Bad",
            "environment": {
                "orchestration": "kubernets",
                "cloud": "aws",
                "air_gapped": "no",
                "gpu_memory_gb": -4,
                "colour": "blue",
            },
        },
    )
    body = assert_problem(response, 422, "invalid-input", detail_contains="5 answers are not valid")
    errors = problem_errors(body)
    assert "did you mean 'kubernetes'" in errors["orchestration"]
    assert "expected a list of option ids" in errors["cloud"]
    assert "expected true or false" in errors["air_gapped"]
    assert "must be at least 0" in errors["gpu_memory_gb"]
    assert "there is no question 'colour'" in errors["colour"]


def test_environment_patch_merges_and_null_clears(procurement: Caller) -> None:
    client = create(procurement, environment={"orchestration": "vms", "air_gapped": False})
    response = procurement.patch(
        f"/api/v1/clients/{client['id']}",
        json={"environment": {"orchestration": "kubernetes", "air_gapped": None, "cloud": ["gcp"]}},
    )
    assert response.status_code == 200
    assert response.json()["environment"] == {"orchestration": "kubernetes", "cloud": ["gcp"]}


def test_environment_accepts_unknown(procurement: Caller) -> None:
    client = create(procurement, environment={"gpu_availability": "unknown"})
    assert client["environment"]["gpu_availability"] == "unknown"
    assert "gpu_availability" not in client["environment_missing"]


def test_client_patch_rejects_bad_values(procurement: Caller) -> None:
    client = create(procurement)
    response = procurement.patch(
        f"/api/v1/clients/{client['id']}", json={"environment": None, "name": ""}
    )
    body = assert_problem(response, 422, "invalid-input")
    errors = problem_errors(body, key="field")
    assert "cannot be null" in errors["environment"]
    assert "at least 1 character" in errors["name"]


def test_client_external_ids_conflict(procurement: Caller) -> None:
    create(procurement, external_id="c-1")
    other = create(procurement, name="Other")
    response = procurement.patch(f"/api/v1/clients/{other['id']}", json={"external_id": "c-1"})
    assert_problem(response, 409, "conflict", detail_contains="external_id 'c-1'")


def test_list_clients_by_external_id(procurement: Caller) -> None:
    client = create(procurement, external_id="hubspot-9")
    create(procurement, name="Other")
    page = procurement.get("/api/v1/clients", params={"external_id": "hubspot-9"}).json()
    assert [c["id"] for c in page["items"]] == [client["id"]]
    assert page["next_cursor"] is None
