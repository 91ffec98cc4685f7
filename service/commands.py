"""The `stackvet` command tree (entry point: `service.cli`)."""

from __future__ import annotations

import logging
import signal
import sys
import threading
from typing import NoReturn

import click
import uvicorn

from service import migration
from service.auth import service as auth_service
from service.auth.permissions import Role
from service.catalog import service as catalog_service
from service.config import get_settings
from service.db import create_db_engine, create_session_factory
from service.demo import seed as demo
from service.errors import ServiceError
from service.knowledge import commands as knowledge_commands
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
def main() -> None:
    """stackvet: AI vendor framework assessments."""
    logging.basicConfig(
        level=get_settings().log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


@main.command()
def migrate() -> None:
    """Apply database migrations (Alembic upgrade head) and publish the shipped definitions."""
    settings = get_settings()
    catalog, library = definitions_or_exit()
    migration.upgrade(settings.database_url)
    engine = create_db_engine(settings.database_url)
    try:
        with create_session_factory(engine).begin() as session:
            catalog_service.publish_all(session, catalog)
            score_service.publish_all(session, library)
    except DefinitionError as exc:
        fail(exc)
    finally:
        engine.dispose()
    click.echo("Database is at the latest migration.")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
def serve(host: str, port: int) -> None:
    """Serve the API."""
    uvicorn.run("service.main:create_app", factory=True, host=host, port=port, proxy_headers=True)


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
    """Send webhooks and pre-render reports (run as many as you like on PostgreSQL)."""
    settings = get_settings()
    _, library = definitions_or_exit()
    engine = create_db_engine(settings.database_url, pool_size=settings.db_pool_size)
    runner = Worker(create_session_factory(engine), library, settings)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        if once:
            while runner.run_once():
                pass
        else:
            runner.run_forever(stop)
    except KeyboardInterrupt:
        click.echo("Worker stopped.")
    finally:
        shutdown_default_pool()
        engine.dispose()


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
@click.option("--org", "organisation", required=True, help="Organisation name (created if new).")
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
def create_user(organisation: str, email: str, role: str, name: str | None, password: str) -> None:
    """Create a user who signs in at /sign-in with e-mail and password."""
    engine = create_db_engine(get_settings().database_url)
    try:
        with create_session_factory(engine).begin() as session:
            org = auth_service.get_or_create_organisation(session, organisation)
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
