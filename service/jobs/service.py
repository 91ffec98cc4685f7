"""Background jobs: enqueue in the caller's transaction, claim with a lease, finish."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from service.db import utcnow
from service.jobs.models import Job, JobStatus
from service.leases import claim_due, release_claim

LEASE = timedelta(minutes=5)
MAX_ATTEMPTS = 3
PRERENDER_REPORT = "prerender_report"


@dataclass(frozen=True)
class ClaimedJob:
    id: uuid.UUID
    kind: str
    payload: dict[str, Any]
    lease_token: uuid.UUID
    attempt: int


def enqueue(session: Session, kind: str, payload: dict[str, Any]) -> Job:
    job = Job(kind=kind, payload=payload, status=JobStatus.PENDING, attempts=0, run_at=utcnow())
    session.add(job)
    return job


def claim(session: Session, limit: int, now: datetime | None = None) -> list[ClaimedJob]:
    jobs, token = claim_due(
        session,
        Job,
        pending=Job.status == JobStatus.PENDING,
        due=Job.run_at,
        limit=limit,
        lease=LEASE,
        now=now or utcnow(),
    )
    return [ClaimedJob(job.id, job.kind, dict(job.payload), token, job.attempts) for job in jobs]


def finish(session: Session, claimed: ClaimedJob, error: str | None) -> None:
    job = session.get(Job, claimed.id, with_for_update=True)
    if job is None or job.lease_token != claimed.lease_token:
        return
    job.lease_until, job.lease_token = None, None
    if error is None:
        job.status, job.finished_at, job.last_error = JobStatus.DONE, utcnow(), None
        return
    job.last_error = error[:500]
    if job.attempts >= MAX_ATTEMPTS:
        job.status, job.finished_at = JobStatus.FAILED, utcnow()
    else:
        job.run_at = utcnow() + timedelta(minutes=job.attempts)


def release(session: Session, claimed: ClaimedJob) -> None:
    """Give back a claimed job that was not started (the worker is stopping)."""
    release_claim(session, Job, claimed.id, claimed.lease_token)
