"""Responses for route results that are already their response model.

FastAPI validates what a route returns against its `response_model` once more before
serialising it, and for a sync route does so in the thread pool: a second hop for a model the
route has just built (and pydantic has just validated). `model_response` serialises it
directly, exactly as FastAPI would (the model's own serialiser, by alias, compact JSON), and
the route keeps `response_model=` so that the OpenAPI document does not change.
"""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import Response
from pydantic import BaseModel


def model_response(
    model: BaseModel, *, status_code: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    """`model` as FastAPI's default JSON response for a route whose `response_model` is
    `type(model)`; headers of the route's injected `Response` must be passed here."""
    body = model.model_dump_json(by_alias=True)
    return Response(
        content=body, status_code=status_code, headers=headers, media_type="application/json"
    )
