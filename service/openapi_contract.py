"""The parts of the OpenAPI document FastAPI does not generate, added after generation.

Generated from the routes, the document misses what an integrator's client generator relies on:
`servers`, top-level `tags`, per-operation `security`, the response headers every answer carries
(`X-Request-Id`, `RateLimit`, `ETag`, `Location`, `Idempotent-Replayed`, `Retry-After`), the
statuses any API route can answer (429 beyond the rate limit, 503 when the database is
unavailable), and a `webhooks` section describing each event's payload. The rules here are
general (by path and status), so new routes are covered without listing them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from service.errors import PROBLEM_JSON
from service.webhooks.events import EVENT_DESCRIPTIONS, PING, EventType

TAGS: dict[str, str] = {
    "Health": "Liveness and readiness probes for orchestrators; no authentication.",
    "Me": "The API key in use and its organisation.",
    "API keys": "Create, list and revoke the organisation's API keys (admins).",
    "Questionnaires": "The published questionnaire definitions assessments are answered against.",
    "Vendors": "The AI vendors an agency assesses; upsert by your CRM's external id.",
    "Clients": "The agency's clients and their environment profiles.",
    "Assessments": "A vendor assessed for a client: answers, lifecycle and history.",
    "Review": (
        "Review before publication: start, request changes, approve with conditions; "
        "clarification threads per question; versions made by reopening an approved one."
    ),
    "Scores": "Technical currency and integration risk, their history and what-if scoring.",
    "Reports": "PDF (and HTML) reports of an assessment or a client's comparison.",
    "Webhooks": "Signed event deliveries to your endpoints (Standard Webhooks).",
    "Evidence": "Files the vendor ships (model cards, lock files, Helm values, SBOMs), read "
    "offline to mark each answer declared, evidenced or contradicted.",
    "Spreadsheets": "The questionnaire as an Excel workbook to send and import, and CSV or "
    "XLSX exports of lists and findings.",
    "Branding": "The organisation's logo, accent colour and contact on its reports (admins).",
    "Events": "The events of the last 30 days, for reconciliation after missed deliveries.",
}

_HEALTH_PATHS = ("/healthz", "/readyz", "/metrics")

_REQUEST_ID = {
    "description": "The request's id (yours if you sent a safe one); quote it to support.",
    "schema": {"type": "string"},
}
_RATE_LIMIT = {
    "description": (
        'The budget closest to running out: `"<policy>";r=<remaining>;t=<seconds to reset>` '
        "(IETF RateLimit header fields)."
    ),
    "schema": {"type": "string"},
}
_RATE_LIMIT_POLICY = {
    "description": 'Every budget that applies: `"key";q=<quota>;w=<window seconds>, "org";…`.',
    "schema": {"type": "string"},
}
_RETRY_AFTER = {
    "description": "Seconds to wait before retrying.",
    "schema": {"type": "integer", "minimum": 0},
}
_ETAG = {
    "description": "Identifies this revision (or these bytes); send it back in If-Match or "
    "If-None-Match.",
    "schema": {"type": "string"},
}
_LOCATION = {"description": "The URL of the created object.", "schema": {"type": "string"}}
_REPLAYED = {
    "description": "`true` when this answer is the stored first response to a retried "
    "Idempotency-Key.",
    "schema": {"type": "string", "enum": ["true"]},
}

_UNSUPPORTED = "The body was not sent as `application/json`."

_EXTRA_STATUSES = {
    429: "Beyond the API key's or the organisation's rate limit; see `Retry-After`.",
    503: "The database is unavailable or busy; retry after `Retry-After` seconds.",
}


def complete(
    spec: dict[str, Any], *, public_url: str, not_idempotent: frozenset[str]
) -> dict[str, Any]:
    """Add servers, tags, security, headers, statuses and webhooks to a generated document."""
    spec["servers"] = [{"url": public_url.rstrip("/") or "/", "description": "This service"}]
    spec["info"]["contact"] = {"name": "stackvet", "url": public_url.rstrip("/") or "/"}
    spec["info"]["license"] = {
        "name": "Proprietary",
        "identifier": "LicenseRef-stackvet-proprietary",
    }
    spec["security"] = [{"ApiKey": []}]
    used = {
        tag
        for methods in spec["paths"].values()
        for op in methods.values()
        for tag in op.get("tags", [])
    }
    spec["tags"] = [
        {"name": name, "description": TAGS.get(name, name)}
        for name in [*TAGS, *sorted(used - TAGS.keys())]
        if name in used
    ]
    for path, methods in spec["paths"].items():
        has_etag = any("412" in op.get("responses", {}) for op in methods.values())
        for method, operation in methods.items():
            _complete_operation(path, method, operation, has_etag, path in not_idempotent)
    _drop_empty_any_of(spec.get("components", {}).get("schemas", {}))
    spec["webhooks"] = webhooks(spec.setdefault("components", {}).setdefault("schemas", {}))
    return spec


def _complete_operation(
    path: str, method: str, operation: dict[str, Any], has_etag: bool, not_idempotent: bool
) -> None:
    responses: dict[str, Any] = operation.setdefault("responses", {})
    if path in _HEALTH_PATHS:
        operation["security"] = []
    if path.startswith("/api/"):
        for code, description in _EXTRA_STATUSES.items():
            responses.setdefault(str(code), _problem(description))
        body = operation.get("requestBody", {}).get("content", {})
        if "application/json" in body:
            responses.setdefault("415", _problem(_UNSUPPORTED))
    for status, response in responses.items():
        _type_files(response.get("content", {}))
        headers = response.setdefault("headers", {})
        headers["X-Request-Id"] = _REQUEST_ID
        if path.startswith("/api/"):
            headers["RateLimit"] = _RATE_LIMIT
            headers["RateLimit-Policy"] = _RATE_LIMIT_POLICY
        if status in {"429", "503"}:
            headers["Retry-After"] = _RETRY_AFTER
        if not status.startswith("2"):
            continue
        if status == "201":
            headers["Location"] = _LOCATION
        if (has_etag and method in {"get", "patch", "put", "post"}) or "304" in responses:
            headers["ETag"] = _ETAG
        if path.startswith("/api/") and method != "get" and not not_idempotent:
            headers["Idempotent-Replayed"] = _REPLAYED


def _type_files(content: dict[str, Any]) -> None:
    """Files (PDF, XLSX, CSV, HTML) as strings, binary where they are not text, so generated
    clients hand over bytes instead of trying to parse JSON."""
    for media_type, entry in content.items():
        if entry.get("schema") or "json" in media_type:
            continue
        if media_type.startswith("text/"):
            entry["schema"] = {"type": "string"}
        else:
            entry["schema"] = {"type": "string", "format": "binary"}


def _problem(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }


def _drop_empty_any_of(node: Any) -> None:
    """`Any | None` generates `anyOf: [{}, {type: null}]`, which matches anything: say so."""
    if isinstance(node, dict):
        any_of = node.get("anyOf")
        if isinstance(any_of, list) and {} in any_of:
            del node["anyOf"]
        for value in node.values():
            _drop_empty_any_of(value)
    elif isinstance(node, list):
        for value in node:
            _drop_empty_any_of(value)


class Party(BaseModel):
    id: str
    external_id: str | None
    name: str


class EventAssessment(BaseModel):
    id: str
    external_id: str | None
    title: str
    status: str = Field(description="The assessment's state when the event happened.")
    revision: int
    url: str = Field(description="The assessment in the API.")


class EventScore(BaseModel):
    sequence: int
    technical_currency: dict[str, Any] = Field(description="`score` (0-100) and `band`.")
    integration_risk: dict[str, Any] = Field(description="`score` (0-100) and `band`.")
    recommendation: str
    completeness: float
    computed_at: datetime


class AssessmentEventData(BaseModel):
    """The `data` of `assessment.*` and `report.*` events (more keys may be added)."""

    assessment: EventAssessment
    vendor: Party
    client: Party
    score: EventScore | None = Field(description="Set once the assessment has a score.")
    report_url: str | None


class EventVendor(Party):
    website: str | None
    deleted: bool
    url: str


class VendorEventData(BaseModel):
    """The `data` of `vendor.*` events."""

    vendor: EventVendor


class EventClient(Party):
    environment: dict[str, Any] = Field(description="The environment profile's answers.")
    deleted: bool
    url: str


class ClientEventData(BaseModel):
    """The `data` of `client.*` events."""

    client: EventClient


class PingData(BaseModel):
    """The `data` of a `ping`: the endpoint it was sent to."""

    webhook: dict[str, str] = Field(description="`id` and `url` of the endpoint.")


def _data_model(event_type: str) -> type[BaseModel]:
    if event_type.startswith("vendor."):
        return VendorEventData
    if event_type.startswith("client."):
        return ClientEventData
    if event_type == PING:
        return PingData
    return AssessmentEventData


def webhooks(schemas: dict[str, Any]) -> dict[str, Any]:
    """One entry per event type: the signed POST stackvet sends to a subscribed endpoint."""
    for model in (AssessmentEventData, VendorEventData, ClientEventData, PingData):
        generated = model.model_json_schema(ref_template="#/components/schemas/{model}")
        for name, definition in generated.pop("$defs", {}).items():
            schemas.setdefault(name, definition)
        schemas.setdefault(model.__name__, generated)
    described = {event.value: EVENT_DESCRIPTIONS.get(event, event.value) for event in EventType}
    described[PING] = "Sent on request to test an endpoint (`POST /api/v1/webhooks/{id}/ping`)."
    return {event_type: _webhook(event_type, text) for event_type, text in described.items()}


def _webhook(event_type: str, description: str) -> dict[str, Any]:
    data = _data_model(event_type).__name__
    envelope = {
        "type": "object",
        "required": ["id", "type", "timestamp", "data"],
        "properties": {
            "id": {"type": "string", "description": "The event id (`webhook-id` header too)."},
            "type": {"type": "string", "const": event_type},
            "timestamp": {"type": "string", "format": "date-time"},
            "data": {"$ref": f"#/components/schemas/{data}"},
        },
    }
    signature_headers = [
        {
            "name": name,
            "in": "header",
            "required": True,
            "description": text,
            "schema": {"type": "string"},
        }
        for name, text in (
            ("webhook-id", "The event id; deduplicate on it."),
            ("webhook-timestamp", "Unix seconds; refuse stale ones."),
            ("webhook-signature", "`v1,<base64 HMAC-SHA256>` (Standard Webhooks)."),
        )
    ]
    return {
        "post": {
            "operationId": f"webhook_{event_type.replace('.', '_')}",
            "summary": event_type,
            "description": description,
            "tags": ["Webhooks"],
            "security": [],
            "parameters": signature_headers,
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": envelope}},
            },
            "responses": {
                "200": {"description": "Any 2xx acknowledges the delivery."},
                "410": {"description": "Gone: stackvet disables the endpoint."},
            },
        }
    }
