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
        # Rate limits first: a replayed response is a request like any other.
        dependencies=[Depends(rate_limit), Depends(idempotency_guard)],
    )
