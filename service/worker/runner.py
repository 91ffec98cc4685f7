"""The worker: sends webhook deliveries, pre-renders reports, and tidies up.

`stackvet worker` runs it on its own; with the embedded SQLite default, `make run` runs the
same loop in a thread of the API process. Each unit of work is its own short transaction;
a job's effect (a stored report, a `report.ready` event) commits together with the job being
marked done.

Stopping (SIGTERM, or the API shutting down the embedded worker) sets the stop event: the
delivery or job in progress finishes and is recorded, the rest of the round's claims are
released for another worker, and no new round starts.
"""

from __future__ import annotations

import logging
import threading
import uuid
from datetime import timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session, sessionmaker

from service.assessments import service as assessment_service
from service.config import Settings
from service.db import utcnow
from service.errors import ServiceError
from service.idempotency.models import IdempotencyKey
from service.jobs import service as job_service
from service.observability import metrics
from service.ratelimits import service as ratelimits
from service.reporting import service as report_service
from service.scores import service as score_service
from service.scoring.library import Library
from service.webhooks import delivery, notify, sender

logger = logging.getLogger(__name__)

DELIVERIES_PER_ROUND = 10
JOBS_PER_ROUND = 2
HOUSEKEEPING_EVERY = timedelta(minutes=10)


class Worker:
    def __init__(self, factory: sessionmaker[Session], library: Library, settings: Settings):
        self.factory = factory
        self.library = library
        self.settings = settings
        self._last_housekeeping = utcnow() - HOUSEKEEPING_EVERY
        self.stop = threading.Event()

    def run_once(self) -> int:
        """One round; returns how many deliveries and jobs it handled."""
        handled = self.deliver() + self.run_jobs()
        if utcnow() - self._last_housekeeping >= HOUSEKEEPING_EVERY:
            self.housekeeping()
        return handled

    def run_forever(self, stop: threading.Event) -> None:
        self.stop = stop
        logger.info("worker started")
        while not stop.is_set():
            try:
                handled = self.run_once()
            except Exception:
                logger.exception("worker round failed; retrying shortly")
                handled = 0
            self._heartbeat()
            if not handled:
                stop.wait(self.settings.worker_poll_seconds)
        logger.info("worker stopped")

    def _heartbeat(self) -> None:
        """Touch the heartbeat file, if configured: container health checks read its age."""
        if self.settings.worker_heartbeat_file is not None:
            self.settings.worker_heartbeat_file.touch()

    def deliver(self) -> int:
        with self.factory.begin() as session:
            claimed = delivery.claim(session, DELIVERIES_PER_ROUND)
        for index, item in enumerate(claimed):
            if self.stop.is_set():
                self._release_deliveries(claimed[index:])
                break
            self._deliver(item)
        return len(claimed)

    def _deliver(self, item: delivery.Claimed) -> None:
        with self.factory() as session:
            if not delivery.still_ours(session, item):
                return
        attempt = sender.deliver(
            item.url,
            item.body,
            delivery.signed_headers(item),
            allow_private=self.settings.webhook_allow_private_targets,
            proxy=self.settings.webhook_proxy,
        )
        with self.factory.begin() as session:
            delivery.finish(session, item, attempt)
        outcome = "succeeded" if attempt.succeeded else "gone" if attempt.gone else "failed"
        metrics.WEBHOOK_DELIVERIES.labels(outcome).inc()
        log = logger.info if attempt.succeeded else logger.warning
        log(
            "webhook %s attempt %s: %s",
            item.event_id,
            item.attempt,
            attempt.error or attempt.status_code,
        )

    def _release_deliveries(self, items: list[delivery.Claimed]) -> None:
        with self.factory.begin() as session:
            for item in items:
                delivery.release(session, item)
        metrics.WEBHOOK_DELIVERIES.labels("released").inc(len(items))
        logger.info("stopping: released %d claimed webhook deliveries", len(items))

    def run_jobs(self) -> int:
        with self.factory.begin() as session:
            claimed = job_service.claim(session, JOBS_PER_ROUND)
        for index, job in enumerate(claimed):
            if self.stop.is_set():
                with self.factory.begin() as session:
                    for unstarted in claimed[index:]:
                        job_service.release(session, unstarted)
                logger.info("stopping: released %d claimed jobs", len(claimed) - index)
                break
            try:
                with self.factory.begin() as session:
                    self._handle(session, job)
                    job_service.finish(session, job, None)
            except (ServiceError, Exception) as exc:
                logger.exception("job %s (%s) failed", job.id, job.kind)
                with self.factory.begin() as session:
                    job_service.finish(session, job, f"{type(exc).__name__}: {exc}")
        return len(claimed)

    def _handle(self, session: Session, job: job_service.ClaimedJob) -> None:
        if job.kind == job_service.PRERENDER_REPORT:
            prerender_report(session, self.library, job.payload)
        else:
            raise ValueError(f"unknown job kind {job.kind!r}")

    def housekeeping(self) -> None:
        cutoff = utcnow() - timedelta(hours=self.settings.idempotency_hours)
        with self.factory.begin() as session:
            session.execute(delete(IdempotencyKey).where(IdempotencyKey.created_at < cutoff))
            ratelimits.purge_stale(session)
        self._last_housekeeping = utcnow()


def prerender_report(session: Session, library: Library, payload: dict[str, str]) -> None:
    """Render (and store) the report of a freshly scored assessment, then say it is ready."""
    organisation_id = uuid.UUID(payload["organisation_id"])
    assessment = assessment_service.get_assessment(
        session, organisation_id, uuid.UUID(payload["assessment_id"])
    )
    if str(assessment.latest_score_id) != payload["score_id"]:
        return  # reopened or re-scored since: a newer score has its own job
    report_service.assessment_report(session, library, organisation_id, assessment.id, "pdf")
    notify.report_ready(session, assessment, score_service.latest_score(session, assessment))


def start_in_thread(worker: Worker) -> tuple[threading.Thread, threading.Event]:
    stop = threading.Event()
    thread = threading.Thread(
        target=worker.run_forever, args=(stop,), name="stackvet-worker", daemon=True
    )
    thread.start()
    return thread, stop
