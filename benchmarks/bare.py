"""The bare baseline for `benchmarks/load.py`: FastAPI + SQLAlchemy, an API-key lookup, one query.

Served by uvicorn with the same settings as `stackvet serve` (as many processes as load.py's
`--workers`, no access log), on the same database, so the ratio shows what stackvet's own
per-request work costs. Like `stackvet serve`, it freezes its start-up heap out of the garbage
collector's full passes (service/process_heap.py), so neither p99 carries 140 ms pauses the
other does not.
"""

from __future__ import annotations

import os
import uuid
from typing import Annotated, Any

from fastapi import FastAPI, Header, HTTPException, Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from service import process_heap
from service.assessments.models import Assessment
from service.auth.models import ApiKey
from service.auth.tokens import hash_token
from service.db import create_db_engine, create_session_factory


def organisation(db: Session, authorization: str) -> uuid.UUID:
    digest = hash_token(authorization.removeprefix("Bearer "))
    org = db.scalar(select(ApiKey.organisation_id).where(ApiKey.token_hash == digest))
    if org is None:
        raise HTTPException(401)
    return org


# The session is opened inside the endpoint: a sync `yield` dependency holding a pooled
# connection deadlocks FastAPI's thread pool under a burst larger than the pool.
def read_one(
    assessment_id: uuid.UUID, request: Request, authorization: Annotated[str, Header()]
) -> dict[str, Any]:
    with request.app.state.factory() as db:
        org = organisation(db, authorization)
        query = select(Assessment.id, Assessment.title, Assessment.status, Assessment.answers)
        row = db.execute(
            query.where(Assessment.id == assessment_id, Assessment.organisation_id == org)
        ).one()
        return dict(row._mapping)


def read_page(request: Request, authorization: Annotated[str, Header()]) -> list[dict[str, Any]]:
    with request.app.state.factory() as db:
        org = organisation(db, authorization)
        query = (
            select(Assessment.id, Assessment.title, Assessment.status, Assessment.updated_at)
            .where(Assessment.organisation_id == org)
            .order_by(Assessment.updated_at.desc())
            .limit(50)
        )
        return [dict(row._mapping) for row in db.execute(query)]


def create_bare_app() -> FastAPI:
    app = FastAPI()
    app.state.factory = create_session_factory(create_db_engine(os.environ["BENCH_DATABASE_URL"]))
    app.get("/bare/assessments/{assessment_id}")(read_one)
    app.get("/bare/assessments")(read_page)
    process_heap.settle()
    return app
