"""The `stackvet` command tree (entry point: `service.cli`)."""

from __future__ import annotations

import logging
import logging.config
import signal
import sys
from typing import NoReturn

import click
import uvicorn
from sqlalchemy.orm import Session

from service import migration
from service.auth import service as auth_service
from service.auth.models import Organisation
from service.auth.permissions import Role
from service.catalog import service as catalog_service
from service.config import get_settings
from service.db import create_db_engine, create_session_factory
from service.demo import seed as demo
from service.errors import NotFound, ServiceError
from service.http_protocol import HeaderLimitsProtocol
from service.knowledge import commands as knowledge_commands
from service.observability import logs, metrics
from service.observability import server as metrics_server
from service.questionnaires.catalog import Catalog, load_catalog
from service.questionnaires.loader import DefinitionError
from service.reporting import commands as report_commands
from service.reporting.pool import shutdown_default_pool
from service.scores import commands as score_commands
from service.scores import service as score_service
from service.scoring.cases import load_cases
from service.scoring.library import Library, load_library
from service.users import passwords
from service.users import service as users_service
from service.worker.runner import Worker


@click.group()
@click.version_option(package_name="stackvet")
def main() -> None:
    """stackvet: AI vendor framework assessments."""
    settings = get_settings()
    logging.config.dictConfig(logs.dict_config(settings.log_format, settings.log_level))


@main.command()
def migrate() -> None:
    """Apply database migrations (Alembic upgrade head) and publish the shipped definitions."""
    settings = get_settings()
    catalog, library = definitions_or_exit()
    # Publishing stays under the migration lock too, so replicas never publish side by side.
    with migration.locked_connection(settings.database_url) as connection:
        migration.upgrade_on(connection, settings.database_url)
        publish_definitions(settings.database_url, catalog, library)
    click.echo("Database is at the latest migration.")


def publish_definitions(database_url: str, catalog: Catalog, library: Library) -> None:
    engine = create_db_engine(database_url)
    try:
        with create_session_factory(engine).begin() as session:
            catalog_service.publish_all(session, catalog)
            score_service.publish_all(session, library)
    except DefinitionError as exc:
        fail(exc)
    finally:
        engine.dispose()


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(min=1),
    envvar="STACKVET_WEB_CONCURRENCY",
    show_envvar=True,
    help="API processes; each has its own render workers and database pool.",
)
def serve(host: str, port: int, workers: int) -> None:
    """Serve the API. SIGTERM lets requests in flight finish (STACKVET_SHUTDOWN_GRACE_SECONDS)."""
    settings = get_settings()
    metrics_server.prepare_processes(workers)
    metrics_engine = create_db_engine(settings.database_url, pool_size=1)
    metrics_server.serve_on_own_port(settings, metrics_engine)
    # uvicorn raises the SIGTERM it handled again once it has shut down, to die of it; a
    # graceful stop is a clean exit (0) here, which is what supervisors and Kubernetes expect.
    signal.signal(signal.SIGTERM, lambda *_: None)
    try:
        uvicorn.run(
            "service.main:create_served_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            proxy_headers=True,
            access_log=False,  # replaced by the `stackvet.access` line, with the request id
            log_config=logs.dict_config(settings.log_format, settings.log_level),
            timeout_graceful_shutdown=settings.shutdown_grace_seconds,
            http=HeaderLimitsProtocol,
            limit_concurrency=settings.limit_concurrency,
            timeout_keep_alive=settings.keep_alive_seconds,
        )
    finally:
        metrics_engine.dispose()


@main.command("demo")
def seed_demo() -> None:
    """Create the demo data set if the database is empty, and print its admin key once."""
    settings = get_settings()
    catalog, library = definitions_or_exit()
    engine = create_db_engine(settings.database_url)
    try:
        with create_session_factory(engine).begin() as session:
            if not demo.is_empty(session):
                click.echo("Demo data: the database already has data; nothing created.")
                return
            examples = settings.definitions_dir / "examples"
            credentials = demo.seed(session, catalog, library, examples)
    finally:
        engine.dispose()
    click.echo(credentials.welcome())


@main.command()
@click.option("--once", is_flag=True, help="Handle what is due now, then stop.")
def worker(once: bool) -> None:
    """Send webhooks and e-mail, queue reminders, pre-render reports (run as many as you like
    on PostgreSQL)."""
    settings = get_settings()
    _, library = definitions_or_exit()
    engine = create_db_engine(settings.database_url, pool_size=settings.db_pool_size)
    metrics.instrument_engine(engine)
    metrics_server.serve_on_own_port(settings, engine)
    runner = Worker(create_session_factory(engine), library, settings)
    signal.signal(signal.SIGTERM, lambda *_: _stop_worker(runner))
    try:
        if once:
            while not runner.stop.is_set() and runner.run_once():
                pass
        else:
            runner.run_forever(runner.stop)
    except KeyboardInterrupt:
        click.echo("Worker stopped.")
    finally:
        shutdown_default_pool()
        engine.dispose()
        metrics.process_exited()


def _stop_worker(runner: Worker) -> None:
    """SIGTERM: finish the delivery or job in hand, release the other claims, and exit 0."""
    logging.getLogger(__name__).info("SIGTERM: stopping after the work in hand")
    runner.stop.set()


@main.group()
def keys() -> None:
    """Manage API keys."""


@keys.command("create")
@click.option("--org", "organisation", required=True, help="Organisation name (created if new).")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--name", default="Created with the stackvet command", show_default=True)
def create_key(organisation: str, role: str, name: str) -> None:
    """Create an API key; the key is the last line of output."""
    engine = create_db_engine(get_settings().database_url)
    try:
        with create_session_factory(engine).begin() as session:
            org = auth_service.get_or_create_organisation(session, organisation)
            created = auth_service.create_key(session, org, Role(role), name)
    finally:
        engine.dispose()
    click.echo(f"Created {role} key {created.key.prefix} for organisation '{org.name}'.")
    click.echo(created.token)


@main.group()
def users() -> None:
    """Manage the people who sign in to the web app."""


@users.command("create")
@click.option("--org", "organisation", required=True, help="Organisation name.")
@click.option(
    "--create-org", is_flag=True, help="Create the organisation if there is none of that name."
)
@click.option("--email", required=True, help="Their e-mail address; they sign in with it.")
@click.option(
    "--role", type=click.Choice([r.value for r in users_service.WEB_ROLES]), required=True
)
@click.option("--name", default=None, help="Full name, shown in the answer history.")
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help=f"At least {passwords.MIN_LENGTH} characters; prompted (twice, hidden) when left out.",
)
def create_user(
    organisation: str, create_org: bool, email: str, role: str, name: str | None, password: str
) -> None:
    """Create a user who signs in at /sign-in with e-mail and password."""
    engine = create_db_engine(get_settings().database_url)
    try:
        with create_session_factory(engine).begin() as session:
            org = _organisation(session, organisation, create=create_org)
            user = users_service.create_user(
                session,
                org,
                email=email,
                name=name or email.split("@", maxsplit=1)[0].replace(".", " ").title(),
                role=Role(role),
                password=password,
            )
    except ServiceError as exc:
        click.echo(f"error  {exc.detail}", err=True)
        sys.exit(1)
    finally:
        engine.dispose()
    click.echo(f"Created {role} user {user.email} ({user.name}) in organisation '{org.name}'.")


def _organisation(session: Session, name: str, *, create: bool) -> Organisation:
    """The named organisation; a typo must not quietly start a new, empty one."""
    found = auth_service.find_organisation(session, name)
    if found is not None:
        return found
    if not create:
        known = ", ".join(f"'{n}'" for n in auth_service.organisation_names(session)) or "none yet"
        raise NotFound(
            f"There is no organisation '{name}' (known: {known}). Check the spelling, or add "
            "--create-org to create it."
        )
    return auth_service.get_or_create_organisation(session, name)


@main.group()
def questionnaires() -> None:
    """Questionnaire definitions, rule packs and the knowledge base."""


@questionnaires.command("check")
def check_questionnaires() -> None:
    """Validate every definition file; exit 1 with file, item and reason on any problem."""
    catalog, library = definitions_or_exit()
    for definition in catalog:
        q = definition.questionnaire
        click.echo(f"ok  {q.key}  {len(q.questions)} questions  {definition.content_hash[:19]}…")
    for key, loaded in library.packs.items():
        try:
            cases = load_cases(get_settings().definitions_dir, loaded)
        except DefinitionError as exc:
            fail(exc)
        rules = len(loaded.pack.rules)
        click.echo(f"ok  rules for {key} v{loaded.pack.version}  {rules} rules, {len(cases)} cases")
    knowledge = library.knowledge
    click.echo(f"ok  knowledge base as of {knowledge.as_of}  {len(knowledge.entries)} entries")


def definitions_or_exit() -> tuple[Catalog, Library]:
    root = get_settings().definitions_dir
    try:
        catalog = load_catalog(root)
        return catalog, load_library(root, catalog)
    except DefinitionError as exc:
        fail(exc)


def fail(exc: DefinitionError) -> NoReturn:
    for problem in exc.problems:
        click.echo(f"error  {problem}", err=True)
    click.echo(f"{len(exc.problems)} problem(s) found.", err=True)
    sys.exit(1)


score_commands.register(main, definitions_or_exit)
report_commands.register(main, definitions_or_exit)
knowledge_commands.register(main, definitions_or_exit)
