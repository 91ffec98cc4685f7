"""OpenAPI helpers: the problem+json schema and the `responses=` entries for domain errors."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from service.errors import PROBLEM_JSON


class FieldProblem(BaseModel):
    field: str | None = Field(default=None, description="Where the problem is, e.g. body.name.")
    question: str | None = Field(default=None, description="The question id, for answers.")
    sheet: str | None = Field(default=None, description="The workbook sheet, for imports.")
    row: str | None = Field(default=None, description="The workbook row, for imports.")
    cell: str | None = Field(default=None, description="The workbook cell, e.g. D7.")
    message: str


class Problem(BaseModel):
    """An RFC 9457 problem detail."""

    type: str = Field(examples=["/problems/invalid-input"])
    title: str = Field(examples=["The request contains invalid values"])
    status: int = Field(examples=[422])
    detail: str = Field(examples=["framework.primary: 'pytorh' is not an option"])
    instance: str | None = Field(default=None, examples=["/api/v1/assessments/…/answers"])
    request_id: str | None = None
    errors: list[FieldProblem] | None = None


_DESCRIPTIONS = {
    400: "The request is malformed (for example a bad header value).",
    401: "No API key, or the key is not valid.",
    403: "The key's role does not allow this.",
    404: "No such object in this organisation.",
    409: "The request conflicts with the object's current state.",
    410: "Gone: deleted more than 30 days ago, no longer restorable.",
    412: "If-Match names a revision that is no longer current.",
    413: "The request body is larger than the limit.",
    422: "Invalid input; `errors` lists each field or question with a message.",
    503: "Busy or not ready (database unreachable, render workers all taken): retry after "
    "the `Retry-After` seconds.",
}


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a route: each status documented as problem+json."""
    return {
        status: {
            "model": Problem,
            "description": _DESCRIPTIONS[status],
            "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for status in statuses
    }


IDEMPOTENCY_PARAMETER = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": (
        "Any unique string (a UUID is best). A retry with the same key and body replays the "
        "first response (header `Idempotent-Replayed: true`) without acting twice; the same key "
        "with another body is 422; while the first is still in flight, 409. Kept 48 hours."
    ),
    "schema": {"type": "string", "maxLength": 255},
}


def add_idempotency_header(spec: dict[str, Any], skip: frozenset[str]) -> dict[str, Any]:
    """Document the Idempotency-Key header on every POST of the API."""
    for path, methods in spec.get("paths", {}).items():
        post = methods.get("post")
        if post is not None and path.startswith("/api/") and path not in skip:
            post.setdefault("parameters", []).append(IDEMPOTENCY_PARAMETER)
    return spec


def problem_validation_errors(spec: dict[str, Any]) -> dict[str, Any]:
    """FastAPI documents request validation as its own JSON shape; ours is problem+json."""
    problem = {
        "description": _DESCRIPTIONS[422],
        "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
    for methods in spec.get("paths", {}).values():
        for operation in methods.values():
            responses = operation.get("responses", {})
            if "422" in responses:
                responses["422"] = problem
    schemas = spec.setdefault("components", {}).setdefault("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    schemas.setdefault(
        "Problem", Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    )
    return spec


def malformed_request_errors(spec: dict[str, Any]) -> dict[str, Any]:
    """400 (and 413 with a body) where a request can be malformed: unparseable bodies and bad
    header values (Idempotency-Key, If-Match) are refused before any validation."""
    for path, methods in spec.get("paths", {}).items():
        for operation in methods.values():
            headers = [p for p in operation.get("parameters", []) if p.get("in") == "header"]
            has_body = "requestBody" in operation
            if not path.startswith("/api/") or not (has_body or headers):
                continue
            responses = operation.setdefault("responses", {})
            for status in (400, 413) if has_body else (400,):
                responses.setdefault(str(status), _problem(status))
    return spec


def _problem(status: int) -> dict[str, Any]:
    return {
        "description": _DESCRIPTIONS[status],
        "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
