"""Scale: one organisation with 100,000 assessments, 1,000 clients and 5,000 vendors.

    .venv/bin/python -m benchmarks.scale --postgres URL [--assessments 100000]
    .venv/bin/python -m benchmarks.scale --postgres URL --reuse --only sync   # no new seed

Seeds a schema of its own on PostgreSQL cheaply: two real scored assessments (OpenWeave and
Monolith for Northwind) made through the services, then SQL copies of those rows (and of the
vendor and client rows) with new ids, names and change times. Starts `stackvet serve` on it and
times each read by the server's own `Server-Timing` (so the client's overhead is not counted):
API list pages with every filter and `q`, a full `updated_since` sync pass, and the web
dashboard. For each API query it prints PostgreSQL's EXPLAIN ANALYZE execution time and the
plan's scan nodes, and at the end the server's peak memory (VmHWM). Budgets (issue 16): list
pages and filters under 50 ms, sync under 60 ms per page, dashboard under 200 ms, API process
under 300 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Connection, create_engine, event, text
from sqlalchemy.engine import Engine

from benchmarks.load import free_port, server
from service import migration
from service.assessments import listing
from service.assessments import service as assessment_service
from service.assessments.keyset import Cursor, Key
from service.assessments.schemas import AssessmentCreate
from service.auth import service as auth_service
from service.auth.permissions import Role
from service.clients import service as client_service
from service.clients.schemas import ClientCreate
from service.db import create_db_engine, create_session_factory
from service.pagination import PageParams, decode_cursor
from service.questionnaires.catalog import load_catalog
from service.scoring.library import load_library
from service.users import service as user_service
from service.vendors import service as vendor_service
from service.vendors.schemas import VendorCreate

ROOT = Path(__file__).resolve().parent.parent
DEFINITIONS = ROOT / "questionnaires"
STACKVET = str(Path(sys.executable).parent / "stackvet")
SCHEMA = "stackvet_bench_scale"
USER = ("scale@bench.example", "scale-benchmark-password")
REPEAT = 15
ORGANISATION = "Scale benchmark"


def postgres_schema(url: str) -> str:
    admin = create_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        connection.execute(text(f"CREATE SCHEMA {SCHEMA}"))
    admin.dispose()
    return schema_url(url)


def schema_url(url: str) -> str:
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}options=-csearch_path%3D{SCHEMA}"


def reuse_seeded(url: str) -> tuple[str, uuid.UUID]:
    """A new API key for the organisation a previous run seeded (`--reuse`), after migrating
    the schema to the current head."""
    migration.upgrade(url)
    engine = create_db_engine(url)
    with create_session_factory(engine).begin() as session:
        org = auth_service.find_organisation(session, ORGANISATION)
        if org is None:
            raise SystemExit(f"no seeded schema {SCHEMA}: run once without --reuse")
        created = auth_service.create_key(session, org, Role.ADMIN, "scale")
        seeded = session.scalar(text("SELECT count(*) FROM assessments"))
        org_id = org.id
    engine.dispose()
    print(f"reusing schema {SCHEMA}: {seeded} assessments")
    return created.token, org_id


def seed_templates(url: str) -> tuple[str, uuid.UUID, list[uuid.UUID]]:
    """An API key, the organisation, and the two real scored assessments to copy."""
    migration.upgrade(url)
    catalog = load_catalog(DEFINITIONS)
    library = load_library(DEFINITIONS, catalog)
    examples = DEFINITIONS / "examples"
    answers = [
        json.loads((examples / f"{n}.answers.json").read_text()) for n in ("openweave", "monolith")
    ]
    environment = json.loads((examples / "northwind.environment.json").read_text())
    engine = create_db_engine(url)
    with create_session_factory(engine).begin() as session:
        org = auth_service.get_or_create_organisation(session, ORGANISATION)
        created = auth_service.create_key(session, org, Role.ADMIN, "scale")
        user_service.create_user(
            session, org, email=USER[0], name="Scale Bench", role=Role.PROCUREMENT, password=USER[1]
        )
        actor = auth_service.principal_for_key(created.key)
        client = client_service.create_client(
            session, catalog, org.id, ClientCreate(name="Northwind Retail", environment=environment)
        )
        templates = []
        for name, answer in zip(("OpenWeave AI", "Monolith Intelligence"), answers, strict=True):
            vendor = vendor_service.create_vendor(session, org.id, VendorCreate(name=name))
            data = AssessmentCreate(vendor_id=vendor.id, client_id=client.id, answers=answer)
            row = assessment_service.create_assessment(session, catalog, actor, data)
            assessment_service.submit(session, library, actor, row, None)
            templates.append(row.id)
        org_id = org.id
    engine.dispose()
    return created.token, org_id, templates


def _columns(connection: Connection, table: str) -> list[str]:
    query = text(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND table_name = :t ORDER BY ordinal_position"
    )
    return [row[0] for row in connection.execute(query, {"t": table})]


def _copy(
    connection: Connection, table: str, template_where: str, count: int, overrides: dict[str, str]
) -> None:
    """INSERT `count` copies of one row, with some columns computed from `g` (1..count)."""
    columns = _columns(connection, table)
    select = ", ".join(overrides.get(c, f"t.{c}") for c in columns)
    connection.execute(
        text(
            f"INSERT INTO {table} ({', '.join(columns)}) SELECT {select} "
            f"FROM generate_series(1, {count}) AS g, "
            f"(SELECT * FROM {table} WHERE {template_where} LIMIT 1) AS t"
        )
    )


def seed_copies(url: str, templates: list[uuid.UUID], assessments: int) -> None:
    engine = create_engine(url)
    started = time.perf_counter()
    with engine.begin() as connection:
        base = "now() - (g || ' seconds')::interval"
        _copy(
            connection,
            "vendors",
            "true",
            4998,
            {
                "id": "gen_random_uuid()",
                "name": "'Vendor ' || lpad(g::text, 5, '0') || ' ' || md5(g::text)",
                "external_id": "'crm-v-' || g",
                "created_at": base,
                "updated_at": base,
            },
        )
        _copy(
            connection,
            "clients",
            "true",
            999,
            {
                "id": "gen_random_uuid()",
                "name": "'Client ' || lpad(g::text, 4, '0') || ' ' || md5(g::text)",
                "external_id": "'crm-c-' || g",
                "created_at": base,
                "updated_at": base,
            },
        )
        connection.execute(
            text("CREATE TEMP TABLE v AS SELECT row_number() OVER () AS n, id FROM vendors")
        )
        connection.execute(
            text("CREATE TEMP TABLE c AS SELECT row_number() OVER () AS n, id FROM clients")
        )
        half = assessments // 2
        for index, template in enumerate(templates):
            _copy(
                connection,
                "assessments",
                f"id = '{template}'",
                half - 1,
                {
                    "id": "gen_random_uuid()",
                    "vendor_id": "(SELECT id FROM v WHERE n = 1 + (g * 7 + "
                    + str(index)
                    + ") % 5000)",
                    "client_id": "(SELECT id FROM c WHERE n = 1 + (g * 13) % 1000)",
                    "title": "'Assessment ' || g || ' ' || md5(g::text || '" + str(index) + "')",
                    "external_id": "'crm-a-" + str(index) + "-' || g",
                    "status": "CASE WHEN g % 10 = 0 THEN 'draft' ELSE t.status END",
                    "deleted_at": "CASE WHEN g % 100 = 1 THEN now() END",  # 1% tombstones
                    "created_at": f"{base} * 2",
                    "updated_at": f"{base} * 2 - interval '{index} milliseconds'",
                },
            )
        connection.execute(text("ANALYZE"))
    engine.dispose()
    print(
        f"seeded {assessments} assessments, 5,000 vendors, 1,000 clients in "
        f"{time.perf_counter() - started:.1f} s"
    )


def server_ms(response: httpx.Response) -> float:
    match = re.search(r"app;dur=([\d.]+)", response.headers.get("server-timing", ""))
    return float(match.group(1)) if match else float("nan")


def time_get(client: httpx.Client, path: str, repeat: int = REPEAT) -> tuple[float, float, int]:
    """(median server ms, p95 server ms, bytes) of `repeat` GETs after one warm-up."""
    response = client.get(path)
    response.raise_for_status()
    times = []
    for _ in range(repeat):
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


def explain(engine: Engine, call: Callable[[Any], object]) -> str:
    """EXPLAIN ANALYZE of the slowest statement `call(session)` runs: time and scan nodes."""
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
    return f"{worst[0]:6.1f} ms  {worst[1]}"


def _scans(node: dict[str, Any]) -> Iterator[str]:
    kind = node["Node Type"]
    if "Scan" in kind:
        yield f"{kind}({node.get('Index Name') or node.get('Relation Name', '?')})"
    for child in node.get("Plans", []):
        yield from _scans(child)


def api_reads(client: httpx.Client, engine: Engine, org_id: uuid.UUID) -> None:
    with engine.connect() as connection:
        vendor_id, client_id, vendor, client_name = connection.execute(
            text(
                "SELECT a.vendor_id, a.client_id, v.name, c.name FROM assessments a "
                "JOIN vendors v ON v.id = a.vendor_id JOIN clients c ON c.id = a.client_id "
                "WHERE v.name LIKE 'Vendor %' AND c.name LIKE 'Client %' LIMIT 1"
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
    print(
        f"\n{'API list of 50':28} {'median':>8} {'p95':>8} {'KB':>6}   "
        "EXPLAIN ANALYZE (slowest statement)"
    )
    for name, params in filters.items():
        query = {("q" if k == "search" else k): _param(v) for k, v in params.items()}
        path = "/api/v1/assessments?" + str(httpx.QueryParams({**query, "limit": 50}))
        median, p95, size = time_get(client, path)
        plan = explain(engine, _list_call(org_id, params))
        flag = "" if median < 50 else "  OVER 50 ms"
        print(f"{name:28} {median:8.1f} {p95:8.1f} {size / 1024:6.0f}   {plan}{flag}")
    second = client.get("/api/v1/assessments?limit=50").json()["next_cursor"]
    median, p95, size = time_get(client, f"/api/v1/assessments?limit=50&cursor={second}")
    plan = explain(engine, _list_call(org_id, {}, cursor=second))
    flag = "" if median < 50 else "  OVER 50 ms"
    print(f"{'second page (cursor)':28} {median:8.1f} {p95:8.1f} {size / 1024:6.0f}   {plan}{flag}")
    for resource, service_call, term in (
        ("vendors", vendor_service.list_vendors, vendor[:12]),
        ("clients", client_service.list_clients, client_name[:11]),
    ):
        path = f"/api/v1/{resource}?" + str(httpx.QueryParams({"q": term, "limit": 50}))
        median, p95, size = time_get(client, path)

        def call(session: Any, list_call: Any = service_call, q: str = term) -> object:
            return list_call(session, org_id, PageParams(limit=50), search=q)

        flag = "" if median < 50 else "  OVER 50 ms"
        label, plan = f"{resource} q=name", explain(engine, call)
        print(f"{label:28} {median:8.1f} {p95:8.1f} {size / 1024:6.0f}   {plan}{flag}")


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


def sync_pass(client: httpx.Client, engine: Engine, org_id: uuid.UUID, pages: int) -> None:
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
    plan = ""
    if middle:

        def call(session: Any) -> object:
            page = PageParams(
                limit=200,
                cursor=middle,
                updated_since=datetime(2000, 1, 1, tzinfo=UTC),
                until=decode_cursor(middle)[2],
            )
            return listing.list_assessments(session, org_id, page)

        plan = f"; EXPLAIN ANALYZE of page 26: {explain(engine, call)}"
    print(
        f"\nsync, pages of 200: {len(times)} pages, median {statistics.median(times):.1f} ms, "
        f"p95 {times[int(len(times) * 0.95) - 1]:.1f} ms, max {max(times):.1f} ms per page, "
        f"{sum(times) / 1000:.1f} s in all (budget 60 ms a page){plan}"
    )


def web_pages(base: str) -> None:
    with httpx.Client(base_url=base, timeout=120, follow_redirects=True) as browser:
        page = browser.get("/sign-in")
        csrf = re.search(r'name="_csrf" value="([^"]+)"', page.text)
        assert csrf, "no CSRF token on the sign-in page"
        browser.post(
            "/sign-in", data={"_csrf": csrf.group(1), "email": USER[0], "password": USER[1]}
        )
        for path, budget in (("/", 200), ("/compare", 200)):
            median, p95, size = time_get(browser, path, repeat=5)
            flag = "" if median < budget else f"  OVER {budget} ms"
            print(
                f"web {path:10} median {median:8.1f} ms  p95 {p95:8.1f} ms  "
                f"{size / 1024:7.0f} KB{flag}"
            )


def dashboard_and_compare(base: str, engine: Engine) -> None:
    """The web dashboard (first page, a deep page by cursor, each sort both ways, each filter,
    `q`) and the comparison pages, by Server-Timing, with the size of each response.

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
        six_query = "&".join(f"assessment_id={i}" for i in six)
    paths = {"dashboard, first page": "/"}
    if deep is not None:
        cursor = Cursor("updated", Key(deep[0], deep[1])).encode()
        paths["dashboard, page 1,001 (cursor)"] = f"/?cursor={cursor}"
    for sort in ("updated", "title", "vendor", "client", "status", "due"):
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
    with httpx.Client(base_url=base, timeout=120, follow_redirects=True) as browser:
        page = browser.get("/sign-in")
        csrf = re.search(r'name="_csrf" value="([^"]+)"', page.text)
        assert csrf, "no CSRF token on the sign-in page"
        browser.post(
            "/sign-in", data={"_csrf": csrf.group(1), "email": USER[0], "password": USER[1]}
        )
        print(f"\n{'web page (server time)':34} {'median':>8} {'p95':>8} {'KB':>6}")
        for name, path in paths.items():
            budget = 300 if "6 vendors" in name else 200
            median, p95, size = time_get(browser, path, repeat=5)
            flag = "" if median < budget else f"  OVER {budget} ms"
            print(f"{name:34} {median:8.1f} {p95:8.1f} {size / 1024:6.0f}{flag}")


def peak_memory_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


PARTS = ("api", "sync", "web")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", metavar="URL", required=True)
    parser.add_argument("--assessments", type=int, default=100_000)
    parser.add_argument("--sync-pages", type=int, default=0, help="0: the whole pass")
    parser.add_argument(
        "--only", choices=PARTS, action="append", help="run only this part (repeatable)"
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="reuse the schema a previous run seeded (migrated to head, a new API key)",
    )
    args = parser.parse_args()
    parts = set(args.only or PARTS)
    if args.reuse:
        url = schema_url(args.postgres)
        token, org_id = reuse_seeded(url)
    else:
        url = postgres_schema(args.postgres)
        token, org_id, templates = seed_templates(url)
        seed_copies(url, templates, args.assessments)
    env = {k: v for k, v in os.environ.items() if not k.startswith("STACKVET_")}
    env |= {"STACKVET_DATABASE_URL": url, "STACKVET_EMBEDDED_WORKER": "false"}
    env |= {"STACKVET_API_RATE_LIMITS": "disabled"}
    engine = create_db_engine(url)
    port = free_port()
    with server([STACKVET, "serve", "--port", str(port)], env, port, "/healthz") as base:
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=base, headers=headers, timeout=120) as client:
            if "api" in parts:
                api_reads(client, engine, org_id)
            if "sync" in parts:
                sync_pass(client, engine, org_id, args.sync_pages)
        if "web" in parts:
            web_pages(base)
            dashboard_and_compare(base, engine)
        pids = [p for p in Path("/proc").iterdir() if p.name.isdigit() and _is_serve(p, port)]
        for pid in pids:
            print(
                f"\nserver process {pid.name}: peak RSS "
                f"{peak_memory_mb(int(pid.name)):.0f} MB (budget 300)"
            )
    engine.dispose()


def _is_serve(proc: Path, port: int) -> bool:
    try:
        return f"--port\x00{port}" in (proc / "cmdline").read_text()
    except OSError:
        return False


if __name__ == "__main__":
    main()
