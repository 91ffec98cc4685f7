"""Queue gauges read from the database when Prometheus scrapes, not on every request.

Each scrape runs three small queries on the `(status, due)` indexes of the outbox and the job
queue. Every API replica reports the same numbers: aggregate them with `max`, not `sum`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from datetime import datetime

from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from service.db import utcnow
from service.jobs.models import Job, JobStatus
from service.webhooks.models import DeliveryStatus, WebhookDelivery

logger = logging.getLogger(__name__)


class QueueCollector(Collector):
    def __init__(self, sessions: Callable[[], Session]) -> None:
        self.sessions = sessions

    def describe(self) -> Iterator[Metric]:
        return iter(())  # read at scrape time only: registering must not query

    def collect(self) -> Iterator[Metric]:
        try:
            with self.sessions() as session:
                values = _read(session, utcnow())
        except SQLAlchemyError as exc:
            logger.warning("queue metrics unavailable: %s", type(exc).__name__)
            values = None
        up = GaugeMetricFamily(
            "stackvet_queue_metrics_up", "1 if the queue gauges below could be read."
        )
        up.add_metric([], 0 if values is None else 1)
        yield up
        if values is None:
            return
        for name, documentation, value in values:
            family = GaugeMetricFamily(name, documentation)
            family.add_metric([], value)
            yield family


def _read(session: Session, now: datetime) -> list[tuple[str, str, float]]:
    pending = WebhookDelivery.status == DeliveryStatus.PENDING
    deliveries = session.scalar(select(func.count()).where(pending)) or 0
    oldest_due = session.scalar(
        select(func.min(WebhookDelivery.next_attempt_at)).where(
            pending, WebhookDelivery.next_attempt_at <= now
        )
    )
    jobs = session.scalar(select(func.count()).where(Job.status == JobStatus.PENDING)) or 0
    age = (now - _aware(oldest_due)).total_seconds() if oldest_due is not None else 0.0
    return [
        (
            "stackvet_webhook_deliveries_pending",
            "Webhook deliveries waiting to be sent (due now or retrying later).",
            deliveries,
        ),
        (
            "stackvet_webhook_oldest_due_delivery_age_seconds",
            "How long the oldest delivery that is due has waited (0 when none is due).",
            max(age, 0.0),
        ),
        ("stackvet_job_queue_depth", "Background jobs waiting to run.", jobs),
    ]


def _aware(value: datetime) -> datetime:
    """`func.min` bypasses the column type, so SQLite hands back a naive UTC value."""
    if isinstance(value, str):  # SQLite returns the stored text for an aggregate
        value = datetime.fromisoformat(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=utcnow().tzinfo)
