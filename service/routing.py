"""The router every API domain uses: idempotent POSTs (Idempotency-Key) included."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from service.api_limits.dependency import rate_limit
from service.idempotency.dependency import ApiRoute, idempotency_guard


def api_router(prefix: str, tag: str) -> APIRouter:
    return APIRouter(
        prefix=prefix,
        tags=[tag],
        route_class=ApiRoute,
        # The idempotency guard first: it claims in short transactions of its own, which on
        # SQLite must not wait behind the request's unit of work (the rate-limit check
        # authenticates through it and so begins it). A replay is therefore not counted.
        dependencies=[Depends(idempotency_guard), Depends(rate_limit)],
    )
