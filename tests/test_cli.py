"""The `stackvet` command."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.assessments.models import Assessment
from service.auth import service as auth_service
from service.cli import main
from service.config import PROJECT_ROOT, get_settings
from service.db import create_db_engine
from tests.databases import ScratchDatabases


class Invoke(Protocol):
    def __call__(self, *args: str, **env: str) -> Result: ...


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch) -> Iterator[Invoke]:
    def invoke(*args: str, **env: str) -> Result:
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        get_settings.cache_clear()
        return CliRunner().invoke(main, list(args), catch_exceptions=False)

    yield invoke
    get_settings.cache_clear()


def test_questionnaires_check_passes_on_the_shipped_files(run: Invoke) -> None:
    result = run("questionnaires", "check")
    assert result.exit_code == 0, result.output
    assert "ok  ai-framework@1.0" in result.output
    assert "ok  client-environment@1.0" in result.output


def test_questionnaires_check_fails_with_file_item_and_reason(run: Invoke, tmp_path: Path) -> None:
    shutil.copytree(PROJECT_ROOT / "questionnaires", tmp_path, dirs_exist_ok=True)
    path = tmp_path / "definitions" / "ai-framework-1.0.yaml"
    text = path.read_text().replace("equals: other", "equals: othr", 1)
    path.write_text(text)
    result = run("questionnaires", "check", STACKVET_DEFINITIONS_DIR=str(tmp_path))
    assert result.exit_code == 1
    assert (
        "error  ai-framework-1.0.yaml: framework.other_name > show_if: 'othr' is not an option "
        "of 'framework.primary'; did you mean 'other'?" in result.output
    )
    assert "1 problem(s) found." in result.output


def test_migrate_keys_and_demo(run: Invoke, scratch_databases: ScratchDatabases) -> None:
    url = scratch_databases.create("cli")
    env = {"STACKVET_DATABASE_URL": url}
    assert run("migrate", **env).exit_code == 0

    result = run("keys", "create", "--org", "Acme Agency", "--role", "procurement", **env)
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    engine = create_db_engine(url)
    try:
        with Session(engine) as session:
            principal = auth_service.authenticate(session, token)
            assert principal.role == "procurement"

        first = run("demo", **env)
        assert "nothing created" in first.output, "demo data only goes into an empty database"
    finally:
        engine.dispose()


def test_demo_seeds_an_empty_database_once(
    run: Invoke, scratch_databases: ScratchDatabases
) -> None:
    url = scratch_databases.create("demo")
    env = {"STACKVET_DATABASE_URL": url}
    run("migrate", **env)
    result = run("demo", **env)
    assert result.exit_code == 0, result.output
    token = next(w for w in result.output.split() if w.startswith("svk_"))
    engine = create_db_engine(url)
    try:
        with Session(engine) as session:
            assert auth_service.authenticate(session, token).role == "admin"
            assert session.scalar(select(func.count()).select_from(Assessment)) == 2
        assert "nothing created" in run("demo", **env).output
        with Session(engine) as session:
            assert session.scalar(select(func.count()).select_from(Assessment)) == 2
    finally:
        engine.dispose()


def test_keys_create_rejects_an_unknown_role(run: Invoke) -> None:
    result = CliRunner().invoke(main, ["keys", "create", "--org", "A", "--role", "owner"])
    assert result.exit_code == 2
    assert "'owner' is not one of 'admin', 'procurement', 'account_lead', 'integration'" in (
        result.output
    )
