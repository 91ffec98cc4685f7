"""Scale: one organisation with 100,000 assessments, 1,000 clients and 5,000 vendors.

    .venv/bin/python -m benchmarks.scale --postgres URL [--assessments 100000]
    .venv/bin/python -m benchmarks.scale --postgres URL --reuse --only sync   # no new seed
    .venv/bin/python -m benchmarks.scale --postgres URL --repeat 3   # as `make bench-scale`

Seeds a schema of its own on PostgreSQL cheaply (benchmarks/scale_seed.py: two real scored
assessments copied in SQL with new ids, names and change times). Starts `stackvet serve` on it and
times each read by the server's own `Server-Timing` (so the client's overhead is not counted):
API list pages with every filter and `q`, a full `updated_since` sync pass, and the web
dashboard. For each API query it prints PostgreSQL's EXPLAIN ANALYZE execution time and the
plan's scan nodes, and the server's peak memory (VmHWM). Budgets (issue 16): list pages and
filters under 50 ms, sync under 60 ms per page, dashboard and /compare under 200 ms, a 6-vendor
compare page under 300 ms, API process under 300 MB.

With `--repeat N` it seeds and starts the server once, then runs the selected parts N times,
interleaved, printing each run and the load average at its start and end; at the end one table
gives every figure's min/median/max over the runs, its budget, and met/NOT MET by the median.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Connection, event, text
from sqlalchemy.engine import Engine

from benchmarks.figures import Figures, load_average
from benchmarks.load import free_port, server
from benchmarks.scale_seed import USER, seeded
from service.assessments import listing
from service.assessments.keyset import Cursor, Key
from service.clients import service as client_service
from service.db import create_db_engine, create_session_factory
from service.pagination import PageParams, decode_cursor
from service.vendors import service as vendor_service

STACKVET = str(Path(sys.executable).parent / "stackvet")
GETS, WEB_GETS = 15, 5
"""GETs of each API page and of each web page per run, after one warm-up."""
LIST_BUDGET, SYNC_BUDGET = 50, 60
DASHBOARD_BUDGET, COMPARE_BUDGET, COMPARE_SIX_BUDGET = 200, 200, 300
RSS_BUDGET_MB = 300
"""Issue 16's budgets: ms of server time (a sync page of 200; the 6-vendor compare page)."""


def server_ms(response: httpx.Response) -> float:
    match = re.search(r"app;dur=([\d.]+)", response.headers.get("server-timing", ""))
    return float(match.group(1)) if match else float("nan")


def time_get(client: httpx.Client, path: str, gets: int = GETS) -> tuple[float, float, int]:
    """(median server ms, p95 server ms, bytes) of `gets` GETs after one warm-up."""
    response = client.get(path)
    response.raise_for_status()
    times = []
    for _ in range(gets):
        response = client.get(path)
        response.raise_for_status()
        times.append(server_ms(response))
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1], len(response.content)


@contextmanager
def captured(engine: Engine) -> Iterator[list[tuple[str, Any]]]:
    statements: list[tuple[str, Any]] = []

    def record(_c: Any, _cur: Any, statement: str, parameters: Any, _ctx: Any, _many: bool) -> None:
        statements.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def explain(engine: Engine, call: Callable[[Any], object]) -> tuple[float, str]:
    """EXPLAIN ANALYZE of the slowest statement `call(session)` runs: ms and scan nodes."""
    with create_session_factory(engine)() as session, captured(engine) as statements:
        call(session)
    worst = (0.0, "")
    with engine.connect() as connection:
        for statement, parameters in statements:
            if not statement.lstrip().upper().startswith("SELECT"):
                continue
            plan = connection.exec_driver_sql(
                "EXPLAIN (ANALYZE, FORMAT JSON) " + statement, parameters
            ).scalar_one()[0]
            elapsed = float(plan["Execution Time"])
            if elapsed >= worst[0]:
                worst = (elapsed, ", ".join(sorted(set(_scans(plan["Plan"])))))
    return worst


def _scans(node: dict[str, Any]) -> Iterator[str]:
    kind = node["Node Type"]
    if "Scan" in kind:
        yield f"{kind}({node.get('Index Name') or node.get('Relation Name', '?')})"
    for child in node.get("Plans", []):
        yield from _scans(child)


@dataclass(frozen=True)
class Probe:
    """One page to time: its figure's name, path and budget, and for API queries the service
    call whose slowest statement is EXPLAINed."""

    name: str
    path: str
    budget: float
    plan: Callable[[Any], object] | None = None


def api_probes(client: httpx.Client, engine: Engine, org_id: uuid.UUID) -> list[Probe]:
    """Every filter and `q` of the assessments list, its second page, and vendor and client
    `q`: found once, timed each run."""
    with engine.connect() as connection:
        vendor_id, client_id, vendor, client_name = connection.execute(
            text(
                "SELECT a.vendor_id, a.client_id, v.name, c.name FROM assessments a "
                "JOIN vendors v ON v.id = a.vendor_id JOIN clients c ON c.id = a.client_id "
                "WHERE v.name LIKE 'Vendor %' AND c.name LIKE 'Client %' "
                # a live, current row: the seed's tombstones share their clients, so the
                # first row's client could list nothing (an empty page, timed for nothing)
                "AND a.deleted_at IS NULL AND a.superseded_by_id IS NULL LIMIT 1"
            )
        ).one()
    filters: dict[str, dict[str, Any]] = {
        "first page": {},
        "vendor_id": {"vendor_id": vendor_id},
        "client_id": {"client_id": client_id},
        "status=draft": {"status": "draft"},
        "status=submitted": {"status": "submitted"},
        "status=approved (none)": {"status": "approved"},
        "external_id": {"external_id": "crm-a-1-777"},
        "external_id, all_versions": {"external_id": "crm-a-1-777", "all_versions": True},
        "all_versions": {"all_versions": True},
        "include_deleted": {"include_deleted": True},
        "q=title words": {"search": "Assessment 4242 "},
        "q=vendor name": {"search": vendor[:12]},
        "q=client name": {"search": client_name[:11]},
        "q=2 letters": {"search": "ab"},
        "q=no match": {"search": "zzzz-nothing"},
        "q + status=draft": {"search": "Assessment 42", "status": "draft"},
    }
    probes = [_list_probe(name, org_id, params) for name, params in filters.items()]
    second = client.get("/api/v1/assessments?limit=50").json()["next_cursor"]
    path = f"/api/v1/assessments?limit=50&cursor={second}"
    probes.append(
        Probe("second page (cursor)", path, LIST_BUDGET, _list_call(org_id, {}, cursor=second))
    )
    for resource, service_call, term in (
        ("vendors", vendor_service.list_vendors, vendor[:12]),
        ("clients", client_service.list_clients, client_name[:11]),
    ):
        path = f"/api/v1/{resource}?" + str(httpx.QueryParams({"q": term, "limit": 50}))

        def call(session: Any, list_call: Any = service_call, q: str = term) -> object:
            return list_call(session, org_id, PageParams(limit=50), search=q)

        probes.append(Probe(f"{resource} q=name", path, LIST_BUDGET, call))
    return probes


def _list_probe(name: str, org_id: uuid.UUID, params: dict[str, Any]) -> Probe:
    query = {("q" if k == "search" else k): _param(v) for k, v in params.items()}
    path = "/api/v1/assessments?" + str(httpx.QueryParams({**query, "limit": 50}))
    return Probe(name, path, LIST_BUDGET, _list_call(org_id, params))


def _param(value: object) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def _list_call(
    org_id: uuid.UUID, params: dict[str, Any], cursor: str | None = None
) -> Callable[[Any], object]:
    def call(session: Any) -> object:
        page = PageParams(limit=50, cursor=cursor)
        if cursor:
            page = PageParams(limit=50, cursor=cursor, until=decode_cursor(cursor)[2])
        return listing.list_assessments(session, org_id, page, **params)

    return call


def time_api(client: httpx.Client, engine: Engine, probes: list[Probe], figures: Figures) -> None:
    print(
        f"\n{'API list of 50':28} {'median':>8} {'p95':>8} {'KB':>6}   "
        "EXPLAIN ANALYZE (slowest statement)"
    )
    for probe in probes:
        median, p95, size = time_get(client, probe.path)
        plan_ms, scans = explain(engine, probe.plan) if probe.plan else (float("nan"), "")
        figures.record(probe.name, median, probe.budget, p95=p95, explain=plan_ms)
        flag = "" if median < probe.budget else f"  OVER {probe.budget:.0f} ms"
        print(
            f"{probe.name:28} {median:8.1f} {p95:8.1f} {size / 1024:6.0f}   "
            f"{plan_ms:6.1f} ms  {scans}{flag}"
        )


def sync_pass(
    client: httpx.Client, engine: Engine, org_id: uuid.UUID, pages: int, figures: Figures
) -> None:
    """A full `updated_since` pass in pages of 200 (or the first `pages`), and the EXPLAIN
    ANALYZE of a page in the middle of it."""
    since = "2000-01-01T00:00:00Z"
    path = f"/api/v1/assessments?limit=200&updated_since={since}"
    times: list[float] = []
    middle: str | None = None
    while not pages or len(times) < pages:
        response = client.get(path)
        response.raise_for_status()
        times.append(server_ms(response))
        cursor = response.json().get("next_cursor")
        if not cursor:
            break
        middle = cursor if len(times) == 25 else middle
        path = f"/api/v1/assessments?limit=200&updated_since={since}&cursor={cursor}"
    times.sort()
    median, p95 = statistics.median(times), times[int(len(times) * 0.95) - 1]
    plan_ms, plan = _sync_plan(engine, org_id, middle)
    figures.record("sync page of 200", median, SYNC_BUDGET, p95=p95, explain=plan_ms)
    print(
        f"\nsync, pages of 200: {len(times)} pages, median {median:.1f} ms, "
        f"p95 {p95:.1f} ms, max {max(times):.1f} ms per page, "
        f"{sum(times) / 1000:.1f} s in all (budget {SYNC_BUDGET} ms a page){plan}"
    )


def _sync_plan(engine: Engine, org_id: uuid.UUID, middle: str | None) -> tuple[float | None, str]:
    if not middle:  # a pass shorter than 26 pages
        return None, ""

    def call(session: Any) -> object:
        page = PageParams(
            limit=200,
            cursor=middle,
            updated_since=datetime(2000, 1, 1, tzinfo=UTC),
            until=decode_cursor(middle)[2],
        )
        return listing.list_assessments(session, org_id, page)

    plan_ms, scans = explain(engine, call)
    return plan_ms, f"; EXPLAIN ANALYZE of page 26: {plan_ms:.1f} ms  {scans}"


def web_probes(engine: Engine) -> list[Probe]:
    """The web dashboard (first page, a deep page by cursor, each sort both ways, each filter,
    `q`) and the comparison pages: found once, timed each run.

    Vacuums first, as autovacuum would soon after the seed: the counts read a covering index,
    which PostgreSQL answers from the index alone only for pages the vacuum marked visible."""
    with engine.connect() as connection:
        autocommit = connection.execution_options(isolation_level="AUTOCOMMIT")
        autocommit.execute(text("VACUUM (ANALYZE) assessments, vendors, clients, scores"))
    with engine.connect() as connection:
        deep = connection.execute(
            text(
                "SELECT updated_at, id FROM assessments WHERE superseded_by_id IS NULL "
                "ORDER BY updated_at DESC, id DESC OFFSET 50000 LIMIT 1"
            )
        ).one_or_none()
        names = connection.execute(
            text(
                "SELECT v.name, c.name, a.client_id FROM assessments a "
                "JOIN vendors v ON v.id = a.vendor_id JOIN clients c ON c.id = a.client_id "
                "WHERE a.status = 'draft' LIMIT 1"
            )
        ).one()
        client_id, six_query = _compare_six(connection)
    paths = {"dashboard, first page": "/"}
    if deep is not None:
        cursor = Cursor("updated", Key(deep[0], deep[1])).encode()
        paths["dashboard, page 1,001 (cursor)"] = f"/?cursor={cursor}"
    for sort in ("updated", "title", "vendor", "client", "status", "due", "currency", "risk"):
        for way in ("asc", "desc"):
            paths[f"dashboard sort={sort} {way}"] = f"/?sort={sort}&dir={way}"
    paths |= {
        "dashboard status=draft": "/?status=draft",
        "dashboard status=submitted": "/?status=submitted",
        "dashboard client=<name>": "/?" + str(httpx.QueryParams({"client": names[1]})),
        "dashboard client=<id>": f"/?client={names[2]}",
        "dashboard vendor=<name>": "/?" + str(httpx.QueryParams({"vendor": names[0]})),
        "dashboard client=<part of many>": "/?client=Client+00",
        "dashboard q=word": "/?q=Assessment+4242+",
        "dashboard q=no match": "/?q=zzzz-nothing",
        "dashboard q + status + sort": "/?q=Assessment+42&status=draft&sort=title",
        "/compare": "/compare",
        "/compare?q=": "/compare?q=Client+05",
        "/compare/{client} (default)": f"/compare/{client_id}",
        "/compare/{client} 6 vendors": f"/compare/{client_id}?{six_query}",
    }
    return [Probe(name, path, _web_budget(name)) for name, path in paths.items()]


def _compare_six(connection: Connection) -> tuple[uuid.UUID, str]:
    """The client with the most scored vendors, and a query comparing six of them."""
    client_id = connection.execute(
        text(
            "SELECT client_id FROM assessments WHERE latest_score_id IS NOT NULL "
            "AND status NOT IN ('draft', 'changes_requested') "
            "GROUP BY client_id ORDER BY count(DISTINCT vendor_id) DESC LIMIT 1"
        )
    ).scalar_one()
    six = connection.execute(
        text(
            "SELECT DISTINCT ON (vendor_id) id FROM assessments WHERE client_id = :c "
            "AND latest_score_id IS NOT NULL AND status NOT IN ('draft', 'changes_requested')"
            " LIMIT 6"
        ),
        {"c": client_id},
    ).scalars()
    return client_id, "&".join(f"assessment_id={i}" for i in six)


def _web_budget(name: str) -> float:
    if "6 vendors" in name:
        return COMPARE_SIX_BUDGET
    return COMPARE_BUDGET if name.startswith("/compare") else DASHBOARD_BUDGET


@contextmanager
def signed_in(base: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base, timeout=120, follow_redirects=True) as browser:
        page = browser.get("/sign-in")
        csrf = re.search(r'name="_csrf" value="([^"]+)"', page.text)
        assert csrf, "no CSRF token on the sign-in page"
        browser.post(
            "/sign-in", data={"_csrf": csrf.group(1), "email": USER[0], "password": USER[1]}
        )
        yield browser


def time_web(browser: httpx.Client, probes: list[Probe], figures: Figures) -> None:
    print(f"\n{'web page (server time)':34} {'median':>8} {'p95':>8} {'KB':>6}")
    for probe in probes:
        median, p95, size = time_get(browser, probe.path, gets=WEB_GETS)
        figures.record(probe.name, median, probe.budget, p95=p95)
        flag = "" if median < probe.budget else f"  OVER {probe.budget:.0f} ms"
        print(f"{probe.name:34} {median:8.1f} {p95:8.1f} {size / 1024:6.0f}{flag}")


def record_memory(port: int, figures: Figures) -> None:
    """The server's peak RSS so far (VmHWM; it only grows, so later runs read at least as
    much as earlier ones)."""
    pids = [p for p in Path("/proc").iterdir() if p.name.isdigit() and _is_serve(p, port)]
    for pid in pids:
        peak = peak_memory_mb(int(pid.name))
        figures.record("API process peak RSS", peak, RSS_BUDGET_MB, unit="MB")
        print(f"\nserver process {pid.name}: peak RSS {peak:.0f} MB (budget {RSS_BUDGET_MB})")


def peak_memory_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _is_serve(proc: Path, port: int) -> bool:
    try:
        return f"--port\x00{port}" in (proc / "cmdline").read_text()
    except OSError:
        return False


PARTS = ("api", "sync", "web")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", metavar="URL", required=True)
    parser.add_argument("--assessments", type=int, default=100_000)
    parser.add_argument("--sync-pages", type=int, default=0, help="0: the whole pass")
    parser.add_argument("--repeat", type=int, default=1, help="runs (3: min/median/max)")
    parser.add_argument(
        "--only", choices=PARTS, action="append", help="run only this part (repeatable)"
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="reuse the schema a previous run seeded (migrated to head, a new API key)",
    )
    return parser.parse_args()


@dataclass(frozen=True)
class Bench:
    """What every run reuses: one server, its clients, and the probes found once."""

    client: httpx.Client
    browser: httpx.Client
    engine: Engine
    org_id: uuid.UUID
    port: int
    api: list[Probe]
    web: list[Probe]
    sync_pages: int | None
    """None: no sync pass; 0: the whole pass."""

    def run(self, figures: Figures) -> None:
        if self.api:
            time_api(self.client, self.engine, self.api, figures)
        if self.sync_pages is not None:
            sync_pass(self.client, self.engine, self.org_id, self.sync_pages, figures)
        if self.web:
            time_web(self.browser, self.web, figures)
        record_memory(self.port, figures)


def main() -> None:
    args = parse_args()
    parts = set(args.only or PARTS)
    url, token, org_id = seeded(args)
    env = {k: v for k, v in os.environ.items() if not k.startswith("STACKVET_")}
    env |= {"STACKVET_DATABASE_URL": url, "STACKVET_EMBEDDED_WORKER": "false"}
    env |= {"STACKVET_API_RATE_LIMITS": "disabled"}
    engine = create_db_engine(url)
    headers = {"Authorization": f"Bearer {token}"}
    port = free_port()
    with (
        server([STACKVET, "serve", "--port", str(port)], env, port, "/healthz") as base,
        httpx.Client(base_url=base, headers=headers, timeout=120) as client,
        signed_in(base) as browser,
    ):
        bench = Bench(
            client,
            browser,
            engine,
            org_id,
            port,
            api=api_probes(client, engine, org_id) if "api" in parts else [],
            web=web_probes(engine) if "web" in parts else [],
            sync_pages=args.sync_pages if "sync" in parts else None,
        )
        figures = repeated(bench, args.repeat)
    engine.dispose()
    print("\n" + "\n".join(figures.summary()))


def repeated(bench: Bench, repeat: int) -> Figures:
    """Every part `repeat` times, interleaved (run 1 of each part, then run 2...), so that
    other work on the machine slows all parts alike."""
    figures = Figures()
    for run in range(1, repeat + 1):
        start = load_average()
        print(f"\n=== run {run} of {repeat}: load average {start} (1, 5, 15 min)")
        bench.run(figures)
        figures.loads.append((start, end := load_average()))
        print(f"=== run {run} of {repeat} done: load average {end}")
    return figures


if __name__ == "__main__":
    main()
