"""What the access line and request metrics cost per request.

    .venv/bin/python benchmarks/observability.py

Times GET /healthz and GET /api/v1/questionnaires (an authenticated read) through the ASGI
app in-process, with the observability middleware (metrics + one JSON access line to a
discarded stream) and without it, and prints microseconds per request and the difference.
"""

from __future__ import annotations

import io
import logging
import statistics
import tempfile
import time
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient

from service import migration
from service.auth import service as auth_service
from service.auth.permissions import Role
from service.config import Settings
from service.db import create_db_engine, create_session_factory
from service.main import create_app
from service.observability.logs import JsonFormatter, RequestContextFilter
from service.observability.middleware import AccessMiddleware

REQUESTS = 2000
ROUNDS = 5


def app(settings: Settings, observed: bool) -> FastAPI:
    built = create_app(settings)
    if not observed:
        built.user_middleware = [
            m
            for m in built.user_middleware
            if getattr(m.cls, "__name__", "") != AccessMiddleware.__name__
        ]
    return built


def per_request_us(client: TestClient, path: str, headers: dict[str, str]) -> float:
    rounds = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        for _ in range(REQUESTS):
            client.get(path, headers=headers)
        rounds.append((time.perf_counter() - started) / REQUESTS * 1e6)
    return statistics.median(rounds)


def main() -> None:
    handler = logging.StreamHandler(io.StringIO())
    handler.addFilter(RequestContextFilter())
    handler.setFormatter(JsonFormatter())
    logging.getLogger().handlers[:] = [handler]
    logging.getLogger().setLevel(logging.INFO)
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        migration.upgrade(url)
        engine = create_db_engine(url)
        with create_session_factory(engine).begin() as session:
            org = auth_service.get_or_create_organisation(session, "Benchmark Agency")
            token = auth_service.create_key(session, org, Role.ADMIN, "benchmark").token
        engine.dispose()
        settings = Settings(database_url=url, embedded_worker=False)
        auth = {"Authorization": f"Bearer {token}"}
        for path, headers in (("/healthz", {}), ("/api/v1/questionnaires", auth)):
            times = {}
            for observed in (False, True):
                with TestClient(app(settings, observed)) as client:
                    per_request_us(client, path, headers)  # warm up
                    times[observed] = per_request_us(client, path, headers)
            extra = times[True] - times[False]
            print(
                f"{path}: {times[False]:.0f} us without, {times[True]:.0f} us with "
                f"metrics + access line: +{extra:.0f} us ({extra / times[False]:+.1%})"
            )


if __name__ == "__main__":
    main()
