"""Test fixtures: one migrated database per run, and each test inside a rolled-back transaction.

The database is SQLite by default. With STACKVET_TEST_BACKEND=postgresql the same tests run on
the PostgreSQL named by STACKVET_TEST_DATABASE_URL, in a schema of their own that is recreated
at the start of the run. A missing or unreachable PostgreSQL is a failure, never a skip.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker

from service import migration
from service.auth.models import Organisation
from service.auth.permissions import Role
from service.commands import main
from service.config import Settings, get_settings
from service.db import create_db_engine
from service.main import create_app
from service.questionnaires.catalog import Catalog, load_catalog
from service.reporting import pool
from service.scoring.library import Library, load_library
from tests import builders, wheel
from tests.api import Caller, caller
from tests.cli import Invoke
from tests.databases import ScratchDatabases, wipe
from tests.receiver import receiver  # noqa: F401 - a fixture for every test package
from tests.repository import REPO_ROOT
from tests.smtp import mailbox  # noqa: F401 - a fixture for every test package

BACKEND = os.environ.get("STACKVET_TEST_BACKEND", "sqlite")


def pytest_report_header() -> str:
    if BACKEND == "postgresql":
        return f"stackvet database backend: {BACKEND}"
    return f"stackvet database backend: {BACKEND} (tests marked postgresql_only left out)"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test that touches the database, so the PostgreSQL pass can select them; on
    SQLite, leave out (deselect, counted in the summary) the tests marked `postgresql_only`."""
    kept: list[pytest.Item] = []
    dropped: list[pytest.Item] = []
    for item in items:
        if {"engine", "scratch_databases"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.db)
        postgresql_only = item.get_closest_marker("postgresql_only") is not None
        (dropped if postgresql_only and BACKEND != "postgresql" else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


def pytest_collection_finish(session: pytest.Session) -> None:
    """Start building the wheel for tests/test_installed_wheel.py now, when it will run: half a
    minute of pip that overlaps the tests before it (see tests/wheel.py). Not in a pytest-xdist
    worker, where the other worker gives the overlap."""
    if session.config.option.collectonly:
        return
    if hasattr(session.config, "workerinput"):
        # pytest-xdist: every worker collects every test, and one of them runs the module; it
        # builds when the fixture first asks (the other worker keeps the second core busy)
        return
    if any(item.path.name == "test_installed_wheel.py" for item in session.items):
        wheel.start()


def pytest_sessionfinish() -> None:
    wheel.discard()


@pytest.fixture(scope="session")
def scratch_databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ScratchDatabases]:
    databases = ScratchDatabases(BACKEND, tmp_path_factory.mktemp("databases"))
    yield databases
    databases.drop_all()


@pytest.fixture(scope="session")
def database_url(scratch_databases: ScratchDatabases) -> str:
    url = scratch_databases.create("suite")
    migration.upgrade(url)
    return url


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    engine = create_db_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog(REPO_ROOT / "questionnaires")


@pytest.fixture(scope="session")
def library(catalog: Catalog) -> Library:
    return load_library(REPO_ROOT / "questionnaires", catalog)


@pytest.fixture
def settings(database_url: str) -> Settings:
    """Tests drive the worker themselves, so the API never starts one in the background."""
    return Settings(database_url=database_url, embedded_worker=False)


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    """A connection inside a transaction that is rolled back after the test."""
    with engine.connect() as connection:
        transaction = connection.begin()
        yield connection
        transaction.rollback()


@pytest.fixture
def session_factory(connection: Connection) -> sessionmaker[Session]:
    """Sessions whose commit only releases a savepoint of the test's transaction."""
    return sessionmaker(
        bind=connection,
        join_transaction_mode="create_savepoint",
        expire_on_commit=False,
        autoflush=False,
    )


@pytest.fixture
def session(session_factory: sessionmaker[Session]) -> Iterator[Session]:
    with session_factory() as session:
        yield session


@pytest.fixture
def app(
    settings: Settings,
    catalog: Catalog,
    library: Library,
    engine: Engine,
    session_factory: sessionmaker[Session],
) -> FastAPI:
    app = create_app(settings, catalog=catalog, library=library, engine=engine)
    app.state.session_factory = session_factory
    return app


@pytest.fixture
def http(app: FastAPI) -> TestClient:
    return TestClient(app)


@pytest.fixture
def live_app(
    settings: Settings, catalog: Catalog, library: Library, engine: Engine
) -> Iterator[FastAPI]:
    """An app whose requests really commit, for tests of concurrency between transactions.

    It must not be combined with `connection`/`session` (whose open transaction would block
    SQLite writers); the tables are emptied afterwards.
    """
    yield create_app(settings, catalog=catalog, library=library, engine=engine)
    wipe(engine)


@pytest.fixture(scope="session", autouse=True)
def render_pool() -> Iterator[pool.RenderPool]:
    """One render worker for the whole session, started on first use (spawning is slow)."""
    shared = pool.RenderPool(workers=1, timeout=60, max_pages=80, memory_mb=1024)
    pool.observe(shared)
    previous = pool._default
    pool._default = shared
    yield shared
    shared.close()
    pool._default = previous


@pytest.fixture
def examples() -> Path:
    return REPO_ROOT / "questionnaires" / "examples"


@pytest.fixture
def org(session: Session) -> Organisation:
    return builders.organisation(session)


@pytest.fixture
def as_role(http: TestClient, session: Session, org: Organisation) -> Callable[[Role], Caller]:
    """Make a caller of the test organisation with the given role."""
    return lambda role: caller(http, session, org, role)


@pytest.fixture
def admin(as_role: Callable[[Role], Caller]) -> Caller:
    return as_role(Role.ADMIN)


@pytest.fixture
def procurement(as_role: Callable[[Role], Caller]) -> Caller:
    return as_role(Role.PROCUREMENT)


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch) -> Iterator[Invoke]:
    """`run("migrate", STACKVET_DATABASE_URL=...)`: the command in-process, settings re-read."""

    def invoke(*args: str, **env: str) -> Result:
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        get_settings.cache_clear()
        return CliRunner().invoke(main, list(args), catch_exceptions=False)

    yield invoke
    get_settings.cache_clear()
