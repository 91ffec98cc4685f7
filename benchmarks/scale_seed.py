"""Seeding for benchmarks/scale.py: one organisation with 100,000 assessments, 1,000 clients
and 5,000 vendors in a PostgreSQL schema of its own.

Two real scored assessments (OpenWeave and Monolith for Northwind) are made through the
services, then SQL copies of those rows (and of the vendor and client rows) with new ids, names
and change times; `--reuse` takes the schema an earlier run seeded.
"""

from __future__ import annotations

import argparse
import json
import time
import uuid
from pathlib import Path

from sqlalchemy import Connection, create_engine, text

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
from service.users import service as user_service
from service.vendors import service as vendor_service
from service.vendors.schemas import VendorCreate

DEFINITIONS = Path(__file__).resolve().parent.parent / "questionnaires"
SCHEMA = "stackvet_bench_scale"
USER = ("scale@bench.example", "scale-benchmark-password")
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


def seeded(args: argparse.Namespace) -> tuple[str, str, uuid.UUID]:
    """The schema's URL, an API key and the organisation, seeded now or by an earlier run."""
    if args.reuse:
        url = schema_url(args.postgres)
        return url, *reuse_seeded(url)
    url = postgres_schema(args.postgres)
    token, org_id, templates = seed_templates(url)
    seed_copies(url, templates, args.assessments)
    return url, token, org_id
