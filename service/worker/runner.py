"""The worker: sends webhook deliveries, pre-renders reports, and tidies up.

`stackvet worker` runs it on its own; with the embedded SQLite default, `make run` runs the
same loop in a thread of the API process. Each unit of work is its own short transaction;
a job's effect (a stored report, a `report.ready` event) commits together with the job being
marked done.

Webhook deliveries run on a pool of `webhook_senders` threads when the worker runs for good
(`run_forever`): the loop claims as many deliveries as there are free senders, hands them
over and goes on, so one receiver that is slow to answer (up to the 10-second deadline of an
attempt) holds one sender, never the loop; claims are capped per endpoint (see
`service.webhooks.delivery`). `run_once` (tests, `stackvet worker --once`) sends in the
calling thread.

Stopping (SIGTERM, or the API shutting down the embedded worker) sets the stop event: the
deliveries and the job in progress finish and are recorded, unstarted claims are released for
another worker, and no new round starts.
"""

from __future__ import annotations

import logging
import threading
import uuid
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from datetime import timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session, sessionmaker

from service.api_limits import service as api_limits
from service.assessments import service as assessment_service
from service.config import Settings
from service.db import utcnow
from service.errors import ServiceError
from service.idempotency.models import IdempotencyKey
from service.jobs import service as job_service
from service.mail import outbox, reminders
from service.mail.schedule import Schedule, parse_schedule
from service.mail.sender import Sender, sender_for
from service.observability import metrics
from service.ratelimits import service as ratelimits
from service.reporting import service as report_service
from service.scores import service as score_service
from service.scoring.library import Library
from service.webhooks import delivery, notify, sender

logger = logging.getLogger(__name__)

DELIVERIES_PER_ROUND = 10
MAILS_PER_ROUND = 10
REMINDERS_EVERY = timedelta(minutes=5)
JOBS_PER_ROUND = 2
HOUSEKEEPING_EVERY = timedelta(minutes=10)


class Worker:
    def __init__(self, factory: sessionmaker[Session], library: Library, settings: Settings):
        self.factory = factory
        self.library = library
        self.settings = settings
        self._last_housekeeping = utcnow() - HOUSEKEEPING_EVERY
        self.stop = threading.Event()
        self._senders: ThreadPoolExecutor | None = None
        self._in_flight: set[Future[None]] = set()
        self.mail_sender: Sender = sender_for(settings.smtp_url)
        self._last_reminders = utcnow() - REMINDERS_EVERY

    def run_once(self) -> int:
        """One round; returns how many deliveries and jobs it handled."""
        handled = self.deliver() + self.run_jobs() + self.send_mail()
        self._periodic()
        return handled

    def _periodic(self) -> None:
        if utcnow() - self._last_reminders >= REMINDERS_EVERY:
            self.queue_reminders()
        if utcnow() - self._last_housekeeping >= HOUSEKEEPING_EVERY:
            self.housekeeping()

    def run_forever(self, stop: threading.Event) -> None:
        self.stop = stop
        self._senders = ThreadPoolExecutor(
            self.settings.webhook_senders, thread_name_prefix="stackvet-webhook"
        )
        logger.info("worker started")
        try:
            while not stop.is_set():
                try:
                    handled = self.deliver(wait=False) + self.run_jobs() + self.send_mail()
                    self._periodic()
                except Exception:
                    logger.exception("worker round failed; retrying shortly")
                    handled = 0
                self._heartbeat()
                if not handled:
                    self._idle(self.settings.worker_poll_seconds)
        finally:
            self._senders.shutdown(wait=True)  # deliveries in progress finish and are recorded
            self._senders = None
        logger.info("worker stopped")

    def _idle(self, seconds: float) -> None:
        """Wait for a sender to come free, the stop event, or the next poll."""
        if self._in_flight:
            wait(self._in_flight, timeout=seconds, return_when=FIRST_COMPLETED)
        else:
            self.stop.wait(seconds)

    def _heartbeat(self) -> None:
        """Touch the heartbeat file, if configured: container health checks read its age."""
        if self.settings.worker_heartbeat_file is not None:
            self.settings.worker_heartbeat_file.touch()

    def deliver(self, *, wait: bool = True) -> int:
        """Claim due deliveries and send them: in this thread (`wait`), or on the senders."""
        self._in_flight = {f for f in self._in_flight if not f.done()}
        room = DELIVERIES_PER_ROUND
        if not wait and self._senders is not None:
            room = self.settings.webhook_senders - len(self._in_flight)
        with self.factory.begin() as session:
            claimed = delivery.claim(
                session, room, per_endpoint=self.settings.webhook_endpoint_concurrency
            )
        for index, item in enumerate(claimed):
            if self.stop.is_set():
                self._release_deliveries(claimed[index:])
                break
            if wait or self._senders is None:
                self._deliver(item)
            else:
                self._in_flight.add(self._senders.submit(self._send_logged, item))
        return len(claimed)

    def _send_logged(self, item: delivery.Claimed) -> None:
        try:
            self._deliver(item)
        except Exception:
            logger.exception("webhook %s: delivery failed; the lease will expire", item.event_id)

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

    def send_mail(self) -> int:
        """Claim due e-mails and send them one by one, in this thread."""
        lease = timedelta(seconds=self.settings.mail_lease_seconds)
        with self.factory.begin() as session:
            claimed = outbox.claim(session, MAILS_PER_ROUND, self.settings.mail_from, lease)
        for index, item in enumerate(claimed):
            if self.stop.is_set():
                with self.factory.begin() as session:
                    for unsent in claimed[index:]:
                        outbox.release(session, unsent)
                break
            self._send_one(item)
        return len(claimed)

    def _send_one(self, item: outbox.Claimed) -> None:
        with self.factory() as session:
            if not outbox.still_ours(session, item):
                return
        sent = self.mail_sender.send(item.outgoing)
        with self.factory.begin() as session:
            outbox.finish(session, item, sent)
        log = logger.info if sent.ok else logger.warning
        log(
            "e-mail %s to %s attempt %s: %s",
            item.message_id,
            item.outgoing.recipient,
            item.attempt,
            "sent" if sent.ok else sent.error,
        )

    def queue_reminders(self) -> int:
        schedule = Schedule(
            parse_schedule(self.settings.reminder_schedule),
            self.settings.reminder_overdue_every_days,
            self.settings.reminder_max,
        )
        with self.factory.begin() as session:
            queued = reminders.queue_due(session, schedule, utcnow().date())
        self._last_reminders = utcnow()
        return queued

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
            api_limits.purge(session, timedelta(days=1))
            ratelimits.purge_stale(session)
        self._last_housekeeping = utcnow()


def prerender_report(session: Session, library: Library, payload: dict[str, str]) -> None:
    """Render (and store) the report of a freshly scored assessment, then say it is ready."""
    organisation_id = uuid.UUID(payload["organisation_id"])
    assessment = assessment_service.get_assessment(
        session, organisation_id, uuid.UUID(payload["assessment_id"]), include_deleted=True
    )
    if assessment.deleted_at is not None or str(assessment.latest_score_id) != payload["score_id"]:
        return  # deleted, reopened or re-scored since (a newer score has its own job)
    report_service.assessment_report(session, library, organisation_id, assessment.id, "pdf")
    notify.report_ready(session, assessment, score_service.latest_score(session, assessment))


def start_in_thread(worker: Worker) -> tuple[threading.Thread, threading.Event]:
    stop = threading.Event()
    thread = threading.Thread(
        target=worker.run_forever, args=(stop,), name="stackvet-worker", daemon=True
    )
    thread.start()
    return thread, stop
