"""Throughput under load: stackvet's API against a bare FastAPI + SQLAlchemy endpoint.

    .venv/bin/python benchmarks/load.py                        # SQLite in a temporary folder
    .venv/bin/python benchmarks/load.py --postgres URL         # a schema of its own on PostgreSQL

Starts `stackvet serve` and the bare app (benchmarks/bare.py, same uvicorn settings) on
loopback, seeds 60 scored assessments and an API key, then drives each endpoint with wrk (or a
bounded asyncio client) at 1, 10 and 50 connections for a fixed time. Prints requests per second,
p50/p99 latency, errors, and each figure's ratio to its baseline measured in the same run:
GET /assessments/{id} and a list page of 50 against the bare endpoint, GET .../score against
GET /assessments/{id}, and PASS/FAIL against each goal of issue 16 (ratios, p99 under 50 ms at
10 connections, no errors at 50).

    --repeat 3        every figure three times, interleaved; min/median/max, paired ratios
    --only reads      skip the list pages
    --only list       the list pages only (a list of 50 against the bare list)
    --workers N       `stackvet serve --workers N` (STACKVET_WEB_CONCURRENCY), and as many
                      uvicorn workers for the bare endpoint; `--workers cores` for one per
                      core, the README's sizing (`make bench-load` runs 1, then cores)
    --connections 10  one level only (repeatable; default 1, 10 and 50)
    --client wrk      drive with wrk (Debian's, in C; the default when it is installed): on a
                      2-core machine the asyncio client takes much of a core from the servers
    --client asyncio  drive with the bounded asyncio client (the default without wrk)
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

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
STACKVET = str(Path(sys.executable).parent / "stackvet")
ASSESSMENTS = 60
CONNECTIONS = (1, 10, 50)


@dataclass(frozen=True)
class Result:
    rate: float
    p50_ms: float
    p99_ms: float
    errors: int
    failures: str = ""
    """What the errors were, e.g. "429 x12, timeout x3"."""


def seed(url: str) -> tuple[str, str]:
    """An API key and the id of one of ASSESSMENTS scored assessments."""
    migration.upgrade(url)
    catalog = load_catalog(DEFINITIONS)
    library = load_library(DEFINITIONS, catalog)
    examples = DEFINITIONS / "examples"
    answers = [
        json.loads((examples / f"{name}.answers.json").read_text())
        for name in ("openweave", "monolith")
    ]
    environment = json.loads((examples / "northwind.environment.json").read_text())
    engine = create_db_engine(url)
    with create_session_factory(engine).begin() as session:
        org = auth_service.get_or_create_organisation(session, "Load benchmark")
        created = auth_service.create_key(session, org, Role.ADMIN, "load")
        actor = auth_service.principal_for_key(created.key)
        client = client_service.create_client(
            session, catalog, org.id, ClientCreate(name="Northwind", environment=environment)
        )
        for n in range(ASSESSMENTS):
            vendor = vendor_service.create_vendor(session, org.id, VendorCreate(name=f"V{n}"))
            data = AssessmentCreate(
                vendor_id=vendor.id, client_id=client.id, answers=answers[n % 2]
            )
            row = assessment_service.create_assessment(session, catalog, actor, data)
            assessment_service.submit(session, library, actor, row, None)
        assessment_id = str(row.id)
    engine.dispose()
    return created.token, assessment_id


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def server(command: list[str], env: dict[str, str], port: int, probe: str) -> Iterator[str]:
    base = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if httpx.get(base + probe, timeout=2).status_code < 500:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            raise SystemExit(f"{command[0]} did not start")
        yield base
    finally:
        process.terminate()
        process.wait(30)


async def drive(url: str, token: str, connections: int, seconds: float) -> Result:
    latencies: list[float] = []
    failures: Counter[str] = Counter()
    limits = httpx.Limits(max_connections=connections)
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(limits=limits, headers=headers, timeout=10) as client:
        with contextlib.suppress(httpx.HTTPError):  # a wedged server is measured, not fatal
            await client.get(url)  # warm: caches, connections
        deadline = time.perf_counter() + seconds

        async def worker() -> None:
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                try:
                    status = str((await client.get(url)).status_code)
                except httpx.HTTPError as exc:
                    status = type(exc).__name__
                latencies.append(time.perf_counter() - started)
                if status != "200":
                    failures[status] += 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(connections)))
        elapsed = time.perf_counter() - started
    ordered = sorted(latencies)
    return Result(
        rate=len(ordered) / elapsed,
        p50_ms=1000 * statistics.median(ordered),
        p99_ms=1000 * ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))],
        errors=sum(failures.values()),
        failures=", ".join(f"{what} x{n}" for what, n in failures.most_common()),
    )


WRK_SCRIPT = """
wrk.headers["Authorization"] = "Bearer %s"
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %%d %%d %%d %%d %%d %%d %%d %%d %%d\\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.status, e.connect, e.read, e.write, e.timeout))
end
"""
"""Sends the key; prints requests, duration and latencies in microseconds, then errors."""


def drive_wrk(url: str, token: str, connections: int, seconds: float) -> Result:
    """The same figures from wrk: `connections` kept-alive connections on up to 2 threads."""
    wrk = shutil.which("wrk")
    if wrk is None:
        raise SystemExit("wrk is not installed (apt-get install wrk), or use --client asyncio")
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
        script.write(WRK_SCRIPT % token)
        script.flush()
        threads = str(min(connections, 2))
        common = ["-t", threads, "-c", str(connections), "--timeout", "10s", "-s", script.name]
        warm = [wrk, *common, "-d", "1s", url]  # caches and connections, as the asyncio client
        subprocess.run(warm, check=True, capture_output=True)
        timed = [wrk, *common, "-d", f"{max(1, round(seconds))}s", url]
        out = subprocess.run(timed, check=True, capture_output=True, text=True).stdout
    line = next(x for x in out.splitlines() if x.startswith("RESULT "))
    requests, duration, p50, p99, *errors = (int(x) for x in line.split()[1:])
    kinds = ("non-2xx/3xx", "connect", "read", "write", "timeout")
    return Result(
        rate=requests / (duration / 1e6),
        p50_ms=p50 / 1000,
        p99_ms=p99 / 1000,
        errors=sum(errors),
        failures=", ".join(f"{kind} x{n}" for kind, n in zip(kinds, errors, strict=True) if n),
    )


def processes(value: str) -> int:
    """`--workers`: a number, or `cores` for the cores this process may run on."""
    if value == "cores":
        return len(os.sched_getaffinity(0))
    return int(value)


def postgres_schema(url: str) -> str:
    schema = "stackvet_bench_load"
    admin = create_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    admin.dispose()
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}options=-csearch_path%3D{schema}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", metavar="URL", help="PostgreSQL server to use")
    parser.add_argument("--seconds", type=float, default=5.0, help="per endpoint and level")
    parser.add_argument("--repeat", type=int, default=1, help="runs (3: min/median/max)")
    parser.add_argument(
        "--workers",
        type=processes,
        default=1,
        help="`stackvet serve --workers`, and bare's: a number, or `cores` (one per core)",
    )
    parser.add_argument(
        "--only", choices=("reads", "list", "all"), default="all", help="reads or list pages only"
    )
    parser.add_argument(
        "--connections", type=int, action="append", help="a level (default: 1, 10 and 50)"
    )
    parser.add_argument(
        "--client",
        choices=("asyncio", "wrk"),
        default="wrk" if shutil.which("wrk") else "asyncio",
        help="what sends the load (default: wrk when installed)",
    )
    args = parser.parse_args()
    print(f"load from: {args.client}" + ("" if shutil.which("wrk") else " (wrk not installed)"))
    print(f"processes: {args.workers} (`stackvet serve --workers {args.workers}`; bare as many)")
    levels = tuple(args.connections or CONNECTIONS)
    with tempfile.TemporaryDirectory() as folder:
        url = postgres_schema(args.postgres) if args.postgres else f"sqlite:///{folder}/load.db"
        token, assessment_id = seed(url)
        env = {k: v for k, v in os.environ.items() if not k.startswith("STACKVET_")}
        env |= {"STACKVET_DATABASE_URL": url, "STACKVET_EMBEDDED_WORKER": "false"}
        env |= {"STACKVET_METRICS": "enabled", "BENCH_DATABASE_URL": url}
        # Requests are still counted (that cost is measured), but a run of several thousand
        # requests with one key must not be answered 429 beyond the default 600 a minute.
        env |= {"STACKVET_API_RATE_LIMIT_PER_KEY": "1000000000"}
        env |= {"STACKVET_API_RATE_LIMIT_PER_ORGANISATION": "1000000000"}
        serve = [STACKVET, "serve", "--port", str(port := free_port())]
        serve += ["--workers", str(args.workers)]
        bare = [sys.executable, "-m", "uvicorn", "benchmarks.bare:create_bare_app", "--factory"]
        bare += ["--port", str(bare_port := free_port()), "--no-access-log"]
        bare += ["--workers", str(args.workers)]  # the baseline gets as many processes
        with (
            server(serve, env, port, "/healthz") as api,
            server(bare, env, bare_port, "/docs") as b,
        ):
            targets = {}
            if args.only != "list":
                targets[BARE_ONE] = f"{b}/bare/assessments/{assessment_id}"
                targets[ONE] = f"{api}/api/v1/assessments/{assessment_id}"
                targets[SCORE] = f"{api}/api/v1/assessments/{assessment_id}/score"
            if args.only != "reads":
                targets[BARE_LIST] = f"{b}/bare/assessments"
                targets[LIST] = f"{api}/api/v1/assessments?limit=50"
            verdicts = report(targets, token, args.seconds, args.repeat, levels, args.client)
    print("\n".join(verdicts))


BARE_ONE, ONE, SCORE = "bare one", "GET /assessments/{id}", "GET .../score"
BARE_LIST, LIST = "bare list of 50", "list of 50"

RATIO_GOALS = ((ONE, BARE_ONE, 0.60), (LIST, BARE_LIST, 0.40), (SCORE, ONE, 0.50))
"""(figure, baseline, the least ratio of their rates) at every level, from issue 16."""
P99_GOAL_MS, P99_GOAL_CONNECTIONS = 50.0, 10
ERRORS_GOAL_CONNECTIONS = 50


def report(
    targets: dict[str, str],
    token: str,
    seconds: float,
    repeat: int,
    levels: tuple[int, ...],
    client: str = "asyncio",
) -> list[str]:
    """Every figure `repeat` times, interleaved so that load on the machine hits all alike;
    prints each run, then min/median/max; returns one PASS/FAIL line per goal."""
    print(f"{'endpoint':24} {'conns':>5} {'run':>3} {'req/s':>8} {'p50 ms':>8} ", end="")
    print(f"{'p99 ms':>8} {'errors':>6}")
    verdicts = []
    for connections in levels:
        runs: dict[str, list[Result]] = {name: [] for name in targets}
        for run in range(repeat):
            for name, url in targets.items():
                if client == "wrk":
                    result = drive_wrk(url, token, connections, seconds)
                else:
                    result = asyncio.run(drive(url, token, connections, seconds))
                runs[name].append(result)
                print(
                    f"{name:24} {connections:5} {run + 1:3} {result.rate:8.1f} "
                    f"{result.p50_ms:8.1f} {result.p99_ms:8.1f} {result.errors:6} {result.failures}"
                )
        verdicts += summarise(runs, connections)
    return verdicts


def spread(values: list[float], unit: str = "") -> str:
    """min/median/max (or the one value) of several runs."""
    if len(values) == 1:
        return f"{values[0]:.1f}{unit}"
    low, mid, high = min(values), statistics.median(values), max(values)
    return f"{low:.1f}/{mid:.1f}/{high:.1f}{unit}"


def summarise(runs: dict[str, list[Result]], connections: int) -> list[str]:
    print(f"-- {connections} connection(s): req/s, p50, p99 as min/median/max over runs")
    for name, results in runs.items():
        rates = spread([r.rate for r in results])
        p50 = spread([r.p50_ms for r in results], " ms")
        p99 = spread([r.p99_ms for r in results], " ms")
        errors = sum(r.errors for r in results)
        print(f"   {name:24} {rates:>20} req/s  p50 {p50:>22}  p99 {p99:>22}  errors {errors}")
    return ratio_verdicts(runs, connections) + latency_verdicts(runs, connections)


def ratio_verdicts(runs: dict[str, list[Result]], connections: int) -> list[str]:
    verdicts = []
    for name, base, goal in RATIO_GOALS:
        if name not in runs:
            continue
        # Paired ratios: run i of the figure against run i of its baseline (same minute).
        ratios = [r.rate / b.rate for r, b in zip(runs[name], runs[base], strict=True)]
        verdict = "PASS" if statistics.median(ratios) >= goal else "FAIL"
        ours, theirs = spread([r.rate for r in runs[name]]), spread([b.rate for b in runs[base]])
        verdicts.append(
            f"{verdict} {connections:2} conns: {name} / {base} = "
            f"{spread([100 * x for x in ratios], '%')} (goal >= {goal:.0%}; "
            f"{ours} vs {theirs} req/s)"
        )
    return _printed(verdicts)


def latency_verdicts(runs: dict[str, list[Result]], connections: int) -> list[str]:
    verdicts = []
    for name, results in runs.items():
        if name.startswith("bare"):
            continue
        if connections == P99_GOAL_CONNECTIONS:
            p99 = statistics.median([r.p99_ms for r in results])
            verdict = "PASS" if p99 < P99_GOAL_MS else "FAIL"
            verdicts.append(
                f"{verdict} {connections:2} conns: {name} p99 {p99:.1f} ms "
                f"(median of runs; goal < {P99_GOAL_MS:.0f} ms)"
            )
        if connections == ERRORS_GOAL_CONNECTIONS:
            errors = sum(r.errors for r in results)
            verdict = "PASS" if errors == 0 else "FAIL"
            verdicts.append(f"{verdict} {connections:2} conns: {name} errors {errors} (goal 0)")
    return _printed(verdicts)


def _printed(lines: list[str]) -> list[str]:
    for line in lines:
        print("  " + line)
    return lines


if __name__ == "__main__":
    main()
