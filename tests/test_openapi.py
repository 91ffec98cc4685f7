"""The OpenAPI document is what a CRM integrator reads: it must be complete."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

PUBLIC = {"get_health", "get_readiness"}


def operations(app: FastAPI) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, operation)
        for path, methods in app.openapi()["paths"].items()
        for method, operation in methods.items()
    ]


def resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].split("/")[-1]]
    return schema


def has_examples(spec: dict[str, Any], schema: dict[str, Any]) -> bool:
    schema = resolve(spec, schema)
    if "examples" in schema or "example" in schema:
        return True
    return any(
        "examples" in resolve(spec, prop) or "example" in prop
        for prop in schema.get("properties", {}).values()
    )


def test_every_operation_is_documented(app: FastAPI) -> None:
    spec = app.openapi()
    assert spec["components"]["securitySchemes"]["ApiKey"] == {
        "type": "http",
        "description": spec["components"]["securitySchemes"]["ApiKey"]["description"],
        "scheme": "bearer",
    }
    ids = []
    for method, path, operation in operations(app):
        where = f"{method.upper()} {path}"
        ids.append(operation["operationId"])
        assert operation.get("summary"), where
        assert operation.get("description"), where
        if operation["operationId"] in PUBLIC:
            continue
        assert operation.get("security") == [{"ApiKey": []}], where
        statuses = set(operation["responses"])
        assert "401" in statuses, where
        for status in statuses - {"200", "201", "202", "204", "304"}:
            content = operation["responses"][status]["content"]
            assert "application/problem+json" in content, (where, status)
        body = operation.get("requestBody")
        if body and "multipart/form-data" in body["content"]:  # a file upload: fields described
            schema = resolve(spec, body["content"]["multipart/form-data"]["schema"])
            assert all(p.get("description") for p in schema["properties"].values()), where
        elif body and "application/json" in body["content"]:
            schema = body["content"]["application/json"]["schema"]
            assert has_examples(spec, schema), f"{where}: the request body has no example"
        elif body:  # a file upload: its media type, binary, and what to send
            for content in body["content"].values():
                schema = content["schema"]
                assert schema["type"] == "string", where
                assert schema.get("format") == "binary" or schema.get("contentMediaType"), where
            assert body.get("description"), f"{where}: the upload is not described"
    assert len(ids) == len(set(ids)), "operation ids are unique"


def test_spreadsheets_are_documented_as_binary(app: FastAPI) -> None:
    paths = app.openapi()["paths"]
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    workbook = paths["/api/v1/assessments/{assessment_id}/questionnaire.xlsx"]
    assert xlsx in workbook["get"]["responses"]["200"]["content"]
    assert xlsx in workbook["post"]["requestBody"]["content"]
    assert {"412", "413", "422"} <= set(workbook["post"]["responses"])
    listed = paths["/api/v1/assessments.{fmt}"]["get"]["responses"]["200"]["content"]
    assert {"text/csv", xlsx} <= set(listed)


def test_idempotency_and_if_match_are_documented(app: FastAPI) -> None:
    spec = app.openapi()
    submit = spec["paths"]["/api/v1/assessments/{assessment_id}/submit"]["post"]
    names = {p["name"] for p in submit.get("parameters", [])}
    assert {"if-match", "idempotency-key"} <= {n.lower() for n in names}
