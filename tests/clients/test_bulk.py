"""POST /api/v1/clients/bulk: environments checked for every item before anything is written."""

from __future__ import annotations

from typing import Any

from tests import builders
from tests.api import Caller, assert_problem

BULK = "/api/v1/clients/bulk"


def _items(count: int) -> list[dict[str, Any]]:
    environment = builders.example("northwind.environment")
    return [
        {"external_id": f"c-{n}", "name": f"Client {n}", "environment": environment}
        for n in range(count)
    ]


def test_clients_are_created_then_updated_with_their_environment(procurement: Caller) -> None:
    first = procurement.post(BULK, json={"items": _items(50)})
    assert first.status_code == 200, first.text
    assert (first.json()["created"], first.json()["unchanged"]) == (50, 0)
    item = first.json()["items"][0]
    assert item["environment_questionnaire"]["slug"] == "client-environment"
    again = _items(50)
    again[3]["environment"] = {**again[3]["environment"], "orchestration": "none"}
    second = procurement.post(BULK, json={"items": again}).json()
    assert (second["created"], second["updated"], second["unchanged"]) == (0, 1, 49)
    read = procurement.get(f"/api/v1/clients/{second['items'][3]['id']}").json()
    assert read["environment"]["orchestration"] == "none"


def test_bad_environment_answers_of_every_item_are_listed(procurement: Caller) -> None:
    items = _items(3)
    items[0]["environment"] = {"orchestration": "kubernetez"}
    items[2]["environment"] = {"no_such_question": True}
    body = assert_problem(procurement.post(BULK, json={"items": items}), 422, "invalid-input")
    fields = [(e["field"], e["question"]) for e in body["errors"]]
    assert ("body.items.0.environment", "orchestration") in fields
    assert ("body.items.2.environment", "no_such_question") in fields
    assert "nothing was written" in body["detail"]
    listed = procurement.get("/api/v1/clients").json()["items"]
    assert listed == []
