"""A burst of concurrent requests with one API key against a real `stackvet serve` process.

A CRM's parallel sync sends many requests at once with one key. When that key's `last_used_at`
is older than its refresh interval, every request of the burst once updated the key's row inside
its own request transaction: the row lock and a pool connection were held until each response,
the small production pool ran dry, and the service (`/healthz` included) stopped answering.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import httpx2 as httpx
from sqlalchemy import select, update

from service import migration
from service.auth.models import ApiKey
from service.auth.tokens import hash_token
from service.db import create_db_engine, create_session_factory, utcnow
from service.questionnaires.catalog import Catalog
from tests import builders
from tests.builders import example
from tests.databases import ScratchDatabases
from tests.processes import BOOT_SECONDS, answers, environment, free_port, wait_for

STACKVET = str(Path(sys.executable).parent / "stackvet")
BURST = 50
REQUEST_SECONDS = 60.0
"""Generous for a busy 2-core machine; a wedged server never answers, however long we wait."""
HEALTH_SECONDS = 10.0


def seed_stale_key(url: str, catalog: Catalog) -> tuple[str, str]:
    """One assessment and an API key last used long before the refresh interval."""
    migration.upgrade(url)
    engine = create_db_engine(url)
    with create_session_factory(engine).begin() as session:
        org = builders.organisation(session)
        token = builders.api_key(session, org)
        assessment = builders.assessment(
            session, catalog, org, answers=example("openweave.answers"), submitted=True
        )
        session.execute(update(ApiKey).values(last_used_at=utcnow() - timedelta(hours=1)))
        assessment_id = str(assessment.id)
    engine.dispose()
    return token, assessment_id


class HealthWatch(threading.Thread):
    """Polls `/healthz` until stopped and keeps whatever did not answer 200 in time."""

    def __init__(self, base: str) -> None:
        super().__init__(daemon=True)
        self.base = base
        self.stop = threading.Event()
        self.failures: list[str] = []
        self.polls = 0

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                status = httpx.get(f"{self.base}/healthz", timeout=HEALTH_SECONDS).status_code
                if status != 200:
                    self.failures.append(f"status {status}")
            except httpx.TransportError as exc:
                self.failures.append(repr(exc))
            self.polls += 1
            time.sleep(0.1)


def get(url: str, token: str) -> str:
    try:
        response = httpx.get(
            url, headers={"Authorization": f"Bearer {token}"}, timeout=REQUEST_SECONDS
        )
    except httpx.TransportError as exc:
        return repr(exc)
    return str(response.status_code)


def test_a_burst_with_one_stale_key_is_answered_and_healthz_stays_up(
    scratch_databases: ScratchDatabases, catalog: Catalog, tmp_path: Path
) -> None:
    url = scratch_databases.create("burst")
    token, assessment_id = seed_stale_key(url, catalog)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = environment(STACKVET_DATABASE_URL=url, STACKVET_EMBEDDED_WORKER="false")
    server = subprocess.Popen(  # production defaults: one process, a pool of 5 (+5)
        [STACKVET, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=tmp_path,
    )
    watch = HealthWatch(base)
    try:
        wait_for(lambda: answers(f"{base}/healthz"), BOOT_SECONDS, "serve")
        watch.start()
        target = f"{base}/api/v1/assessments/{assessment_id}"
        with ThreadPoolExecutor(max_workers=BURST) as pool:
            statuses = list(pool.map(lambda _: get(target, token), range(BURST)))
        after = get(target, token)
    finally:
        watch.stop.set()
        if watch.is_alive():
            watch.join(HEALTH_SECONDS + 5)
        server.kill()
        server.wait()
    assert statuses == ["200"] * BURST, statuses
    assert after == "200"
    assert watch.polls > 0
    assert watch.failures == [], watch.failures
    engine = create_db_engine(url)
    with create_session_factory(engine)() as session:
        last_used = session.scalar(
            select(ApiKey.last_used_at).where(ApiKey.token_hash == hash_token(token))
        )
    engine.dispose()
    assert last_used is not None
    assert utcnow() - last_used < timedelta(minutes=5), "the burst refreshed last_used_at"
