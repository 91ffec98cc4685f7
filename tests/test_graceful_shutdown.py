"""SIGTERM on `stackvet serve`: the request in flight (a first PDF render, which starts a render
worker) completes, and the process exits 0. Logs are JSON lines, uvicorn's access log is off."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import httpx2 as httpx

from service.db import create_db_engine, create_session_factory
from service.questionnaires.catalog import Catalog
from tests import builders
from tests.builders import example
from tests.databases import ScratchDatabases
from tests.processes import BOOT_SECONDS, answers, children, environment, free_port, wait_for

REPORT_ROUTE = "/api/v1/assessments/{assessment_id}/report.{fmt}"
STACKVET = str(Path(sys.executable).parent / "stackvet")  # the console script users run


def seed(url: str, catalog: Catalog) -> tuple[str, str]:
    """One scored assessment in a migrated database; an API key and the assessment's id."""
    engine = create_db_engine(url)
    with create_session_factory(engine).begin() as session:
        org = builders.organisation(session)
        token = builders.api_key(session, org)
        assessment = builders.assessment(
            session, catalog, org, answers=example("openweave.answers"), submitted=True
        )
        assessment_id = str(assessment.id)
    engine.dispose()
    return token, assessment_id


def test_sigterm_lets_a_render_in_flight_finish_then_exits_0(
    scratch_databases: ScratchDatabases, catalog: Catalog, tmp_path: Path
) -> None:
    url = scratch_databases.migrated("graceful")
    token, assessment_id = seed(url, catalog)
    port, log = free_port(), tmp_path / "serve.log"
    env = environment(
        STACKVET_DATABASE_URL=url,
        STACKVET_EMBEDDED_WORKER="false",  # so no worker pre-renders the report first
        STACKVET_LOG_FORMAT="json",
        STACKVET_REPORT_WORKERS="1",
        STACKVET_SHUTDOWN_GRACE_SECONDS="100",
    )
    command = [STACKVET, "serve", "--port", str(port)]
    with log.open("w") as stderr:
        server = subprocess.Popen(command, env=env, stdout=stderr, stderr=stderr, cwd=tmp_path)
    result: dict[str, Any] = {}

    def download() -> None:
        result["response"] = httpx.get(
            f"http://127.0.0.1:{port}/api/v1/assessments/{assessment_id}/report.pdf",
            headers={"Authorization": f"Bearer {token}", "X-Request-ID": "render-at-sigterm"},
            timeout=BOOT_SECONDS,
        )

    try:
        wait_for(lambda: answers(f"http://127.0.0.1:{port}/healthz"), BOOT_SECONDS, "serve")
        request = threading.Thread(target=download)
        request.start()
        # The render has begun once the server has spawned its render worker.
        wait_for(lambda: bool(children(server.pid)), BOOT_SECONDS, "a render worker")
        server.send_signal(signal.SIGTERM)
        assert request.is_alive(), "the request was still in flight at SIGTERM"
        request.join(BOOT_SECONDS)
        exit_code = server.wait(BOOT_SECONDS)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
    response = result["response"]
    assert response.status_code == 200, response.text
    assert response.content.startswith(b"%PDF-")
    assert exit_code == 0, log.read_text()
    assert_logs_are_json_with_one_access_line(log.read_text())


def assert_logs_are_json_with_one_access_line(text: str) -> None:
    lines = [json.loads(line) for line in text.splitlines() if line.strip()]
    access = [line for line in lines if line["logger"] == "stackvet.access"]
    render = [line for line in access if line.get("request_id") == "render-at-sigterm"]
    assert len(render) == 1, access
    assert (render[0]["route"], render[0]["status"]) == (REPORT_ROUTE, 200)
    assert not [line for line in lines if line["logger"] == "uvicorn.access"]
    assert any(line["message"] == "Shutting down" for line in lines)


def test_several_processes_add_up_their_metrics(
    scratch_databases: ScratchDatabases, tmp_path: Path
) -> None:
    """`serve --workers 2`: whichever process answers a scrape reports every process's count."""
    url = scratch_databases.migrated("multiprocess")
    port, folder = free_port(), tmp_path / "metrics"
    env = environment(
        STACKVET_DATABASE_URL=url,
        STACKVET_EMBEDDED_WORKER="false",
        PROMETHEUS_MULTIPROC_DIR=str(folder),
    )
    folder.mkdir()
    (folder / "counter_999999.db").write_bytes(b"stale values of an earlier run")
    command = [STACKVET, "serve", "--port", str(port), "--workers", "2"]
    server = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=tmp_path
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: answers(f"{base}/healthz"), BOOT_SECONDS, "serve")
        for _ in range(20):
            assert httpx.get(f"{base}/readyz", timeout=30).status_code == 200
        scrapes = [httpx.get(f"{base}/metrics", timeout=30).text for _ in range(10)]
        server.send_signal(signal.SIGTERM)
        exit_code = server.wait(BOOT_SECONDS)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
    ready = 'stackvet_http_requests_total{method="GET",route="/readyz",status="200"} 20.0'
    assert all(ready in text for text in scrapes), "every scrape counts all 20 requests"
    assert exit_code == 0
    assert not (folder / "counter_999999.db").exists(), "stale files are cleared at start"
    assert os.listdir(folder), "the processes wrote their values there"
