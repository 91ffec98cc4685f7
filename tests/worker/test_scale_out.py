"""Workers side by side, and a crash right after commit: nothing lost, nothing sent twice."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter

import httpx2 as httpx
from sqlalchemy import func, select

from service.config import Settings
from service.db import create_db_engine, create_session_factory
from service.questionnaires.catalog import Catalog
from service.scoring.library import Library
from service.webhooks.events import EventType
from service.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEvent
from service.webhooks.service import record_event
from service.worker.runner import Worker
from tests import builders
from tests.builders import example
from tests.databases import ScratchDatabases
from tests.processes import BOOT_SECONDS
from tests.receiver import Receiver
from tests.repository import REPO_ROOT

DELIVERIES = 200


def test_two_workers_deliver_each_message_exactly_once(
    scratch_databases: ScratchDatabases, library: Library, receiver: Receiver
) -> None:
    url = scratch_databases.migrated("two_workers")
    engine = create_db_engine(url, pool_size=4)
    factory = create_session_factory(engine)
    with factory.begin() as session:
        org = builders.organisation(session)
        builders.webhook(session, org, url=receiver.url, events=["assessment.scored"])
        for number in range(DELIVERIES):
            record_event(session, org.id, EventType.ASSESSMENT_SCORED, {"n": number})
    settings = Settings(database_url=url, webhook_allow_private_targets=True)
    workers = [Worker(create_session_factory(engine), library, settings) for _ in range(2)]
    handled: Counter[int] = Counter()

    def drain(index: int) -> None:
        # A claim takes at most two deliveries of one endpoint, so a worker may find none
        # free for a moment while the other sends: keep going until all are delivered.
        deadline = time.monotonic() + 120
        while handled.total() < DELIVERIES and time.monotonic() < deadline:
            count = workers[index].deliver()
            handled[index] += count
            if not count:
                time.sleep(0.005)

    threads = [threading.Thread(target=drain, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    ids = [request.headers["webhook-id"] for request in receiver.received]
    with factory() as session:
        statuses = Counter(session.scalars(select(WebhookDelivery.status)).all())
        attempts = set(session.scalars(select(WebhookDelivery.attempts)).all())
    engine.dispose()
    assert len(ids) == DELIVERIES
    assert len(set(ids)) == DELIVERIES, "no message was sent twice"
    assert statuses == {DeliveryStatus.SUCCEEDED: DELIVERIES}
    assert attempts == {1}
    assert handled[0] > 0
    assert handled[1] > 0, "both workers took part"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_events_survive_the_api_being_killed_right_after_commit(
    scratch_databases: ScratchDatabases, catalog: Catalog, library: Library, receiver: Receiver
) -> None:
    url = scratch_databases.migrated("crash")
    engine = create_db_engine(url)
    factory = create_session_factory(engine)
    with factory.begin() as session:
        org = builders.organisation(session)
        token = builders.api_key(session, org)
        assessment_id = builders.assessment(
            session, catalog, org, answers=example("openweave.answers")
        ).id
        builders.webhook(session, org, url=receiver.url, events=["assessment.scored"])
    port = free_port()
    env = {**os.environ, "STACKVET_DATABASE_URL": url, "STACKVET_EMBEDDED_WORKER": "false"}
    api = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "service.main:create_app",
            "--factory",
            "--port",
            str(port),
        ],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + BOOT_SECONDS  # a busy machine starts it slowly
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        response = httpx.post(
            f"{base}/api/v1/assessments/{assessment_id}/submit",
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )
        api.send_signal(signal.SIGKILL)  # the process dies the moment it has answered
    finally:
        api.kill()
        api.wait()
    assert response.status_code == 200
    with factory() as session:
        created = ["vendor.created", "client.created", "assessment.created"]
        events = session.scalars(
            select(WebhookEvent.type)
            .where(WebhookEvent.type.not_in(created))
            .order_by(WebhookEvent.created_at)
        ).all()
        assert list(events) == ["assessment.submitted", "assessment.scored"]
        pending = session.scalar(select(func.count()).select_from(WebhookDelivery))
        assert pending == 1
    worker = Worker(
        factory, library, Settings(database_url=url, webhook_allow_private_targets=True)
    )
    worker.deliver()
    engine.dispose()
    assert len(receiver.received) == 1
    assert receiver.received[0].headers["webhook-id"].startswith("msg_")
