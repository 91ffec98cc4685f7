"""Back-pressure: 60 concurrent downloads of unrendered reports, with cheap reads alongside.

    .venv/bin/python -m benchmarks.backpressure                     # SQLite in a temporary folder
    .venv/bin/python -m benchmarks.backpressure --postgres URL      # a schema of its own
    .venv/bin/python -m benchmarks.backpressure --baseline c6ca38c  # and that commit, same load
    .venv/bin/python -m benchmarks.backpressure --baseline c6ca38c --runs 3  # alternating

Seeds 60 scored assessments (no report rendered yet), starts `stackvet serve` on loopback with
the production defaults (pool 5 + 5, two render workers; rate limits off, so that only the
back-pressure shows), and at once:
- 60 clients each download a different assessment's PDF; a 503 with Retry-After is waited out
  and retried (what a well-behaved integrator does), anything else is an error;
- 4 clients read `GET /assessments/{id}` in a loop (a cheap read), with 50 ms between reads.
Prints every answer's status, p50/p99 of the cheap reads, and renders per second. With
`--baseline REF` the same load first runs against that commit's code (exported from git into a
temporary folder, run with this virtualenv) on the same database, its stored reports deleted;
`--runs N` alternates the two N times, so that a change in the machine's load hits both. A
download still waiting when the load's deadline passes is counted as cut off, not as an error.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

from benchmarks.live import environment, postgres_schema, stackvet_serve
from service import migration
from service.assessments import service as assessment_service
from service.assessments.schemas import AssessmentCreate
from service.auth import service as auth_service
from service.auth.permissions import Role
from service.clients import service as client_service
from service.clients.schemas import ClientCreate
from service.db import create_db_engine, create_session_factory
from service.questionnaires.catalog import load_catalog
from service.scoring.library import load_library
from service.vendors import service as vendor_service
from service.vendors.schemas import VendorCreate

ROOT = Path(__file__).resolve().parent.parent
DEFINITIONS = ROOT / "questionnaires"
DOWNLOADS = 60
READERS = 4
READ_PAUSE = 0.05
DEADLINE = 240.0  # seconds for the whole load, however the server behaves


def seed(url: str) -> tuple[str, list[str]]:
    migration.upgrade(url)
    catalog = load_catalog(DEFINITIONS)
    library = load_library(DEFINITIONS, catalog)
    examples = DEFINITIONS / "examples"
    answers = json.loads((examples / "openweave.answers.json").read_text())
    environment = json.loads((examples / "northwind.environment.json").read_text())
    engine = create_db_engine(url)
    with create_session_factory(engine).begin() as session:
        org = auth_service.get_or_create_organisation(session, "Back-pressure benchmark")
        created = auth_service.create_key(session, org, Role.ADMIN, "bench")
        actor = auth_service.principal_for_key(created.key)
        client = client_service.create_client(
            session, catalog, org.id, ClientCreate(name="Northwind", environment=environment)
        )
        ids = []
        for n in range(DOWNLOADS):
            vendor = vendor_service.create_vendor(session, org.id, VendorCreate(name=f"V{n}"))
            data = AssessmentCreate(vendor_id=vendor.id, client_id=client.id, answers=answers)
            row = assessment_service.create_assessment(session, catalog, actor, data)
            assessment_service.submit(session, library, actor, row, None)
            ids.append(str(row.id))
    engine.dispose()
    return created.token, ids


@dataclass
class Tally:
    download_statuses: Counter[str] = field(default_factory=Counter)
    read_statuses: Counter[str] = field(default_factory=Counter)
    read_latencies: list[float] = field(default_factory=list)
    rendered: int = 0
    last_render: float = 0.0


def _status(response: httpx.Response) -> str:
    if response.status_code == 503:
        return "503+Retry-After" if "retry-after" in response.headers else "503 no Retry-After"
    return str(response.status_code)


async def download(client: httpx.AsyncClient, url: str, tally: Tally, stop: float) -> None:
    while time.perf_counter() < stop:
        try:
            response = await client.get(url, timeout=max(stop - time.perf_counter(), 1))
        except httpx.HTTPError as exc:
            # the benchmark's own deadline cut the wait short: not the server's error
            late = isinstance(exc, httpx.TimeoutException) and time.perf_counter() >= stop - 1
            tally.download_statuses["cut off at the deadline" if late else type(exc).__name__] += 1
            return
        status = _status(response)
        tally.download_statuses[status] += 1
        if response.status_code == 200:
            tally.rendered += 1
            tally.last_render = time.perf_counter()
            return
        if status != "503+Retry-After":
            return
        await asyncio.sleep(float(response.headers["retry-after"]))


async def read(client: httpx.AsyncClient, url: str, tally: Tally, done: asyncio.Event) -> None:
    while not done.is_set():
        started = time.perf_counter()
        try:
            response = await client.get(url, timeout=60)
            tally.read_statuses[_status(response)] += 1
        except httpx.HTTPError as exc:
            tally.read_statuses[type(exc).__name__] += 1
        tally.read_latencies.append(time.perf_counter() - started)
        await asyncio.sleep(READ_PAUSE)


async def load(base: str, token: str, ids: list[str]) -> tuple[Tally, float]:
    tally = Tally()
    headers = {"Authorization": f"Bearer {token}"}
    limits = httpx.Limits(max_connections=DOWNLOADS + READERS)
    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits) as client:
        await client.get(f"/api/v1/assessments/{ids[0]}")  # warm
        done = asyncio.Event()
        readers = [
            asyncio.create_task(read(client, f"/api/v1/assessments/{ids[0]}", tally, done))
            for _ in range(READERS)
        ]
        started = time.perf_counter()
        stop = started + DEADLINE
        await asyncio.gather(
            *(download(client, f"/api/v1/assessments/{i}/report.pdf", tally, stop) for i in ids)
        )
        done.set()
        await asyncio.gather(*readers)
    return tally, started


def report(name: str, tally: Tally, started: float) -> None:
    ordered = sorted(tally.read_latencies)
    p50 = 1000 * statistics.median(ordered)
    p99 = 1000 * ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    span = (tally.last_render - started) if tally.rendered else float("nan")
    print(f"== {name}")
    print(f"  downloads: {dict(sorted(tally.download_statuses.items()))}")
    print(
        f"  rendered {tally.rendered} of {DOWNLOADS} in {span:.1f} s: "
        f"{tally.rendered / span if tally.rendered else 0:.2f} renders/s"
    )
    print(
        f"  cheap reads: {len(ordered)}, {dict(sorted(tally.read_statuses.items()))}, "
        f"p50 {p50:.0f} ms, p99 {p99:.0f} ms, max {1000 * ordered[-1]:.0f} ms"
    )
    errors = {
        k: v
        for k, v in (tally.download_statuses + tally.read_statuses).items()
        if k not in ("200", "503+Retry-After", "cut off at the deadline")
    }
    print(f"  errors other than 200 / 503+Retry-After: {errors or 'none'}")


def run(name: str, code: Path, url: str, token: str, ids: list[str]) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM rendered_reports"))
    engine.dispose()
    with stackvet_serve(environment(url, code)) as base:
        before = os.getloadavg()[0]
        tally, started = asyncio.run(load(base, token, ids))
        after = os.getloadavg()[0]
    report(name, tally, started)
    print(f"  load average (1 min) before / after: {before:.2f} / {after:.2f}")


def export(commit: str, folder: Path) -> Path:
    archive = subprocess.run(
        ["git", "archive", commit], cwd=ROOT, check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", metavar="URL", help="PostgreSQL server to use")
    parser.add_argument("--baseline", metavar="REF", help="also measure this commit first")
    parser.add_argument(
        "--runs", type=int, default=1, help="rounds (baseline, then this tree, in each)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = (
            postgres_schema(args.postgres, "stackvet_bench_backpressure")
            if args.postgres
            else f"sqlite:///{folder}/bp.db"
        )
        token, ids = seed(url)
        old = None
        if args.baseline:
            (Path(folder) / "baseline").mkdir()
            old = export(args.baseline, Path(folder) / "baseline")
        for round_ in range(1, args.runs + 1):
            suffix = f" (round {round_} of {args.runs})" if args.runs > 1 else ""
            if old is not None:
                run(f"baseline {args.baseline}{suffix}", old, url, token, ids)
            run(f"this tree{suffix}", ROOT, url, token, ids)


if __name__ == "__main__":
    main()
