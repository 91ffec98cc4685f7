"""`stackvet users create`, and the demo user of `stackvet demo`."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from click.testing import CliRunner, Result
from sqlalchemy.orm import Session

from service.commands import main
from service.config import get_settings
from service.db import create_db_engine
from service.users import service as users_service
from service.users.models import User
from service.users.service import SignInRefused, SignInThrottle
from tests.databases import ScratchDatabases

PASSWORD = "correct horse battery staple"


@pytest.fixture
def database(
    scratch_databases: ScratchDatabases,
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
) -> Iterator[str]:
    url = scratch_databases.migrated(f"cli_{request.node.name}"[:50])
    monkeypatch.setenv("STACKVET_DATABASE_URL", url)
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()


def invoke(*args: str, stdin: str | None = None) -> Result:
    return CliRunner().invoke(main, list(args), input=stdin, catch_exceptions=False)


def signs_in(url: str, email: str, password: str) -> User | SignInRefused:
    engine = create_db_engine(url)
    try:
        with Session(engine) as session:
            return users_service.sign_in(session, SignInThrottle(), email, password, "127.0.0.1")
    finally:
        engine.dispose()


def test_users_create_with_a_password(database: str) -> None:
    result = invoke(
        "users",
        "create",
        "--org",
        "Acme Agency",
        "--create-org",
        "--email",
        "Pat@Acme.example",
        "--role",
        "procurement",
        "--name",
        "Pat Lee",
        "--password",
        PASSWORD,
    )
    assert result.exit_code == 0, result.output
    assert result.output == (
        "Created procurement user pat@acme.example (Pat Lee) in organisation 'Acme Agency'.\n"
    )
    user = signs_in(database, "pat@acme.example", PASSWORD)
    assert isinstance(user, User)
    assert user.name == "Pat Lee"


def test_users_create_prompts_twice_for_a_hidden_password(database: str) -> None:
    args = ["users", "create", "--org", "Acme", "--create-org", "--email", "kim@acme.example"]
    args += ["--role", "admin"]
    result = invoke(*args, stdin=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert "Password: \nRepeat for confirmation: \n" in result.output, "input is not echoed"
    assert PASSWORD not in result.output
    user = signs_in(database, "kim@acme.example", PASSWORD)
    assert isinstance(user, User)
    assert user.name == "Kim"


def test_users_create_explains_a_refusal(database: str) -> None:
    result = CliRunner().invoke(
        main,
        [
            "users",
            "create",
            "--org",
            "A",
            "--create-org",
            "--email",
            "bad",
            "--role",
            "admin",
            "--password",
            "x",
        ],
    )
    assert result.exit_code == 1
    assert (
        "error  The user cannot be created: email: 'bad' is not an e-mail address; password: "
        "must be at least 12 characters long." in result.output
    )


def test_users_create_refuses_an_unknown_organisation_unless_told_to_create_it(
    database: str,
) -> None:
    base = ["users", "create", "--email", "lee@acme.example", "--role", "admin"]
    created = invoke(*base, "--org", "Acme Agency", "--create-org", "--password", PASSWORD)
    assert created.exit_code == 0, created.output
    typo = invoke(
        *base[:2],
        "--org",
        "Acme Agncy",
        "--email",
        "sam@acme.example",
        "--role",
        "admin",
        "--password",
        PASSWORD,
    )
    assert typo.exit_code == 1
    assert (
        "error  There is no organisation 'Acme Agncy' (known: 'Acme Agency'). Check the "
        "spelling, or add --create-org to create it." in typo.output
    )
    assert isinstance(signs_in(database, "sam@acme.example", PASSWORD), SignInRefused)
    again = invoke(
        *base[:2],
        "--org",
        "Acme Agency",
        "--email",
        "sam@acme.example",
        "--role",
        "admin",
        "--password",
        PASSWORD,
    )
    assert again.exit_code == 0, again.output
    assert "in organisation 'Acme Agency'" in again.output


def test_users_create_offers_only_the_web_roles() -> None:
    result = CliRunner().invoke(
        main, ["users", "create", "--org", "A", "--email", "a@b.example", "--role", "integration"]
    )
    assert result.exit_code == 2
    roles = "'admin', 'procurement', 'reviewer', 'account_lead'"
    assert f"'integration' is not one of {roles}" in result.output


def test_the_demo_prints_a_user_who_can_sign_in(database: str) -> None:
    result = invoke("demo")
    assert result.exit_code == 0, result.output
    assert "Web app: http://127.0.0.1:8000/sign-in" in result.output
    email = re.search(r"e-mail:\s+(\S+)", result.output)
    password = re.search(r"password:\s+(\S+)", result.output)
    assert email
    assert password
    user = signs_in(database, email.group(1), password.group(1))
    assert isinstance(user, User)
    assert user.role == "procurement"
