"""One slow receiver cannot delay anyone else: deadlines, per-endpoint claims, two workers."""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter

from sqlalchemy import func, select

from service.config import Settings
from service.db import create_db_engine, create_session_factory
from service.scoring.library import Library
from service.webhooks import sender
from service.webhooks.events import EventType
from service.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from service.webhooks.service import record_event
from service.worker.runner import Worker
from tests import builders
from tests.databases import ScratchDatabases
from tests.processes import wait_for
from tests.receiver import Receiver
from tests.webhooks.slow import SlowReceiver

logger = logging.getLogger(__name__)
EVENTS = 12


def test_an_attempt_stops_at_its_deadline_however_slowly_the_receiver_answers(
    slow_receiver: SlowReceiver,
) -> None:
    started = time.monotonic()
    attempt = sender.deliver(slow_receiver.url, b"{}", {}, allow_private=True, deadline=2)
    elapsed = time.monotonic() - started
    assert attempt.status_code is None
    assert attempt.error == "timed out: no complete answer within 2 s"
    # Without the deadline the 69-byte answer would take 69 x 4 s; a byte every 4 s never
    # trips the per-read timeout of 5 s.
    assert elapsed < 3.9, f"the attempt took {elapsed:.1f} s"
    assert sender.DEADLINE_SECONDS == 10


def test_a_slow_endpoint_does_not_delay_a_healthy_one_across_two_workers(
    scratch_databases: ScratchDatabases,
    library: Library,
    receiver: Receiver,
    slow_receiver: SlowReceiver,
) -> None:
    url = scratch_databases.migrated("isolation")
    engine = create_db_engine(url, pool_size=10)
    factory = create_session_factory(engine)
    with factory.begin() as session:
        org = builders.organisation(session)
        builders.webhook(session, org, url=slow_receiver.url, events=["assessment.scored"])
        builders.webhook(session, org, url=receiver.url, events=["assessment.scored"])
    settings = Settings(
        database_url=url, webhook_allow_private_targets=True, worker_poll_seconds=0.2
    )
    workers = [Worker(create_session_factory(engine), library, settings) for _ in range(2)]
    stops = [threading.Event() for _ in workers]
    threads = [
        threading.Thread(target=w.run_forever, args=(s,))
        for w, s in zip(workers, stops, strict=True)
    ]
    for thread in threads:
        thread.start()
    committed: dict[str, float] = {}
    try:
        for number in range(EVENTS):
            with factory.begin() as session:
                event = record_event(session, org.id, EventType.ASSESSMENT_SCORED, {"n": number})
            committed[event.id] = time.monotonic()
            time.sleep(0.25)
        wait_for(lambda: len(receiver.received) >= EVENTS, 60, "the healthy deliveries")
    finally:
        for stop in stops:
            stop.set()
        for thread in threads:
            thread.join(timeout=90)
    with factory() as session:
        slow_attempts = session.scalar(
            select(func.count())
            .select_from(WebhookAttempt)
            .join(WebhookDelivery, WebhookDelivery.id == WebhookAttempt.delivery_id)
            .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
            .where(WebhookEndpoint.url == slow_receiver.url)
        )
    engine.dispose()
    healthy_ids = [r.headers["webhook-id"] for r in receiver.received]
    delays = {
        r.headers["webhook-id"]: r.at - committed[r.headers["webhook-id"]]
        for r in receiver.received
    }
    logger.info("healthy deliveries: at most %.2f s after commit", max(delays.values()))
    assert Counter(healthy_ids) == Counter(committed.keys()), "every event once, none twice"
    assert max(delays.values()) < 5, delays
    assert len(slow_receiver.ids) >= 2, "the slow endpoint was being tried meanwhile"
    assert slow_receiver.most_open <= settings.webhook_endpoint_concurrency
    assert slow_attempts == len(slow_receiver.ids), "each request to it is one recorded attempt"
    assert not any(thread.is_alive() for thread in threads)
