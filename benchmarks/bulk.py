"""Bulk upserts against single upserts, through a real `stackvet serve`, in the same run.

    .venv/bin/python -m benchmarks.bulk                  # SQLite in a temporary folder
    .venv/bin/python -m benchmarks.bulk --postgres URL   # a schema of its own

Seeds an organisation with an admin key and a webhook endpoint subscribed to every event (so
each upsert also writes its event and delivery, as in production), then times:
- 500 vendors created one `PUT /api/v1/vendors/by-external-id/{id}` at a time, then the same
  500 changed the same way (what an integrator without a bulk endpoint does), and the same
  with 8 requests in flight;
- 500 other vendors created by one `POST /api/v1/vendors/bulk`, then changed by another;
- 500 clients with their environment, one PUT at a time and in one bulk request.
Prints upserts per second for each and the ratio bulk / single (goal: at least 10x).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from benchmarks.live import ROOT, environment, postgres_schema, stackvet_serve
from service import migration
from service.auth import service as auth_service
from service.auth.permissions import Role
from service.db import create_db_engine, create_session_factory
from service.webhooks import signing
from service.webhooks.events import EventType
from service.webhooks.models import EndpointState, WebhookEndpoint

ITEMS = 500
IN_FLIGHT = 8
ENVIRONMENT = json.loads((ROOT / "questionnaires/examples/northwind.environment.json").read_text())


def seed(url: str) -> str:
    migration.upgrade(url)
    engine = create_db_engine(url)
    with create_session_factory(engine).begin() as session:
        org = auth_service.get_or_create_organisation(session, "Bulk benchmark")
        session.add(
            WebhookEndpoint(
                organisation_id=org.id,
                url="https://crm.example/hooks",
                events=[e.value for e in EventType],
                enabled=True,
                state=EndpointState.HEALTHY,
                consecutive_failures=0,
                secret=signing.new_secret(),
            )
        )
        token = auth_service.create_key(session, org, Role.ADMIN, "bench").token
    engine.dispose()
    return token


def vendor(n: int, round_: int) -> dict[str, Any]:
    return {"name": f"Vendor {n} r{round_}", "website": f"https://v{n}.example"}


def client(n: int, round_: int) -> dict[str, Any]:
    return {"name": f"Client {n} r{round_}", "environment": ENVIRONMENT}


async def singles(
    http: httpx.AsyncClient, kind: str, prefix: str, make: Any, round_: int, in_flight: int
) -> float:
    """Upserts per second, one PUT per record, `in_flight` at a time."""
    queue = list(range(ITEMS))

    async def worker() -> None:
        while queue:
            n = queue.pop()
            response = await http.put(
                f"/api/v1/{kind}/by-external-id/{prefix}{n}", json=make(n, round_)
            )
            assert response.status_code in (200, 201), response.text

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(in_flight)))
    return ITEMS / (time.perf_counter() - started)


async def bulk(http: httpx.AsyncClient, kind: str, prefix: str, make: Any, round_: int) -> float:
    items = [{"external_id": f"{prefix}{n}", **make(n, round_)} for n in range(ITEMS)]
    started = time.perf_counter()
    response = await http.post(f"/api/v1/{kind}/bulk", json={"items": items}, timeout=120)
    elapsed = time.perf_counter() - started
    assert response.status_code == 200, response.text
    return ITEMS / elapsed


async def measure(base: str, token: str) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=60) as http:
        await http.get("/api/v1/vendors")  # warm
        rows = []
        for kind, make in (("vendors", vendor), ("clients", client)):
            for round_, what in ((0, "create"), (1, "update")):
                one = await singles(http, kind, "s-", make, round_, 1)
                many = await singles(http, kind, "c-", make, round_, IN_FLIGHT)
                batch = await bulk(http, kind, "b-", make, round_)
                rows.append((f"{kind} {what}", one, many, batch))
    print(
        f"{'500 upserts':18} {'single/s':>9} {f'{IN_FLIGHT} in flight/s':>15} {'bulk/s':>9} "
        f"{'bulk/single':>12} {'bulk/8 in flight':>17}"
    )
    for name, one, many, batch in rows:
        print(
            f"{name:18} {one:9.1f} {many:15.1f} {batch:9.1f} {batch / one:11.1f}x "
            f"{batch / many:16.1f}x"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", metavar="URL", help="PostgreSQL server to use")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = (
            postgres_schema(args.postgres, "stackvet_bench_bulk")
            if args.postgres
            else f"sqlite:///{Path(folder) / 'bulk.db'}"
        )
        token = seed(url)
        with stackvet_serve(environment(url)) as base:
            asyncio.run(measure(base, token))


if __name__ == "__main__":
    main()
