"""Liveness and readiness probes."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from service.dependencies import DbSession
from service.errors import Unavailable
from service.health import service as health_service
from service.openapi import errors

router = APIRouter(tags=["Health"])


class Health(BaseModel):
    status: str


class Readiness(BaseModel):
    status: str
    database: str
    migration: str


@router.get("/healthz", response_model=Health)
async def get_health() -> Health:
    """The process is alive."""
    # async: answered on the event loop, even when every worker thread waits on the database
    return Health(status="ok")


@router.get("/readyz", response_model=Readiness, responses=errors(503))
def get_readiness(session: DbSession) -> Readiness:
    """The database is reachable and migrated to the latest revision."""
    state = health_service.migration_state(session)
    if not state.reachable:
        raise Unavailable(f"The database is not reachable: {state.error}")
    if not state.at_head:
        raise Unavailable(
            f"The database is at migration {state.current or 'none'}, not {state.head}; "
            "run `stackvet migrate`."
        )
    return Readiness(status="ok", database="reachable", migration=state.head)
