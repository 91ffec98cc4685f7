"""SIGTERM on `stackvet worker`: the delivery being sent is finished and recorded, the other
deliveries it had claimed are released at once (lease cleared, attempt not counted), exit 0."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlalchemy import select

from service.db import create_db_engine, create_session_factory
from service.webhooks.events import EventType
from service.webhooks.models import DeliveryStatus, WebhookAttempt, WebhookDelivery
from service.webhooks.service import record_event
from tests import builders
from tests.databases import ScratchDatabases
from tests.processes import BOOT_SECONDS, environment, wait_for

STACKVET = str(Path(sys.executable).parent / "stackvet")


class SlowReceiver:
    """Holds each webhook request until the test lets it answer 200."""

    def __init__(self) -> None:
        self.arrived = threading.Event()
        self.answer = threading.Event()
        self.count = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("content-length", 0)))
                receiver.count += 1
                receiver.arrived.set()
                receiver.answer.wait(BOOT_SECONDS)
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def slow_receiver() -> Iterator[SlowReceiver]:
    receiver = SlowReceiver()
    yield receiver
    receiver.answer.set()
    receiver.server.shutdown()


def test_sigterm_finishes_the_delivery_in_hand_and_releases_the_rest(
    scratch_databases: ScratchDatabases, slow_receiver: SlowReceiver, tmp_path: Path
) -> None:
    url = scratch_databases.migrated("worker_sigterm")
    engine = create_db_engine(url)
    factory = create_session_factory(engine)
    with factory.begin() as session:
        org = builders.organisation(session)
        builders.webhook(session, org, url=slow_receiver.url, events=["assessment.scored"])
        for number in range(3):
            record_event(session, org.id, EventType.ASSESSMENT_SCORED, {"n": number})
    env = environment(
        STACKVET_DATABASE_URL=url,
        STACKVET_WEBHOOK_ALLOW_PRIVATE_TARGETS="true",
        STACKVET_WORKER_POLL_SECONDS="0.2",
        # one delivery in hand at a time, so "the delivery being sent" is one
        STACKVET_WEBHOOK_ENDPOINT_CONCURRENCY="1",
    )
    log = tmp_path / "worker.log"
    with log.open("w") as output:
        worker = subprocess.Popen(
            [STACKVET, "worker"], env=env, stdout=output, stderr=output, cwd=tmp_path
        )
    try:
        wait_for(slow_receiver.arrived.is_set, BOOT_SECONDS, "the first delivery to arrive")
        worker.send_signal(signal.SIGTERM)
        wait_for(lambda: "SIGTERM" in log.read_text(), BOOT_SECONDS, "the worker to notice")
        slow_receiver.answer.set()
        exit_code = worker.wait(BOOT_SECONDS)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
    with factory() as session:
        deliveries = session.scalars(select(WebhookDelivery)).all()
        attempts = session.scalars(select(WebhookAttempt)).all()
    engine.dispose()
    assert exit_code == 0, log.read_text()
    assert slow_receiver.count == 1, "nothing was sent after SIGTERM"
    assert Counter(d.status for d in deliveries) == {
        DeliveryStatus.SUCCEEDED: 1,
        DeliveryStatus.PENDING: 2,
    }
    assert [(a.attempt, a.status_code) for a in attempts] == [(1, 200)]
    for delivery in deliveries:
        assert (delivery.lease_token, delivery.lease_until) == (None, None), "no lease left"
        expected = 1 if delivery.status is DeliveryStatus.SUCCEEDED else 0
        assert delivery.attempts == expected, "a released claim is not an attempt"
