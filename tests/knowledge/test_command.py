"""`stackvet kb check` against a scratch database and a copy of the definitions folder."""

from __future__ import annotations

import json
import shutil
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from sqlalchemy.orm import Session

from service.commands import main
from service.db import create_db_engine
from service.questionnaires.catalog import Catalog
from service.scoring.library import Library
from tests import builders
from tests.builders import example
from tests.cli import Invoke
from tests.databases import ScratchDatabases
from tests.repository import REPO_ROOT


@pytest.fixture
def env(tmp_path: Path, scratch_databases: ScratchDatabases) -> dict[str, str]:
    """A migrated empty database, and definitions whose base is reviewed every 730 days."""
    root = tmp_path / "questionnaires"
    shutil.copytree(REPO_ROOT / "questionnaires", root)
    path = root / "knowledge-base.yaml"
    data = yaml.safe_load(path.read_text())
    data["review_interval_days"] = 730
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return {
        "STACKVET_DATABASE_URL": scratch_databases.migrated(f"kb_{tmp_path.name}"),
        "STACKVET_DEFINITIONS_DIR": str(root),
    }


def as_of(library: Library) -> str:
    return library.knowledge.as_of


def newer_than_latest(library: Library, entry_id: str) -> str:
    latest = library.knowledge.by_id[entry_id].latest
    assert latest is not None
    return f"{int(latest.split('.')[0]) + 1}.0.0"


def add_assessments(catalog: Catalog, url: str, answers: dict[str, Any]) -> None:
    """One submitted assessment with these answers, and a draft with them (not counted)."""
    engine = create_db_engine(url)
    try:
        with Session(engine) as session:
            org = builders.organisation(session)
            builders.assessment(session, catalog, org, answers=answers, submitted=True)
            builders.assessment(session, catalog, org, answers=answers)
            session.commit()
    finally:
        engine.dispose()


def test_nothing_to_review_exits_0(run: Invoke, env: dict[str, str], library: Library) -> None:
    result = run("kb", "check", "--today", as_of(library), **env)
    assert result.exit_code == 0, result.output
    assert "reviewed every 730 days" in result.output
    assert "against 0 submitted assessments" in result.output
    assert "Nothing to review" in result.output


def test_a_version_above_latest_in_a_submitted_assessment_is_reported(
    run: Invoke, env: dict[str, str], library: Library, catalog: Catalog
) -> None:
    version = newer_than_latest(library, "vllm")
    answers = {**example("openweave.answers"), "serving.runtime_version": version}
    add_assessments(catalog, env["STACKVET_DATABASE_URL"], answers)

    result = run("kb", "check", "--today", as_of(library), **env)

    assert result.exit_code == 1, result.output
    assert "against 1 submitted assessment." in result.output
    assert "Behind the answers" in result.output
    latest = library.knowledge.by_id["vllm"].latest
    assert f"latest is {latest}, but answers mention {version} (1 assessment)" in result.output
    assert "1 entry to review" in result.output

    as_json = run("kb", "check", "--today", as_of(library), "--json", **env)
    assert as_json.exit_code == 1
    body = json.loads(as_json.output)
    assert body["submitted_assessments"] == 1
    assert [(i["entry"], i["kind"]) for i in body["issues"]] == [("vllm", "behind_answers")]


def test_sources_older_than_the_interval_are_reported(
    run: Invoke, env: dict[str, str], library: Library
) -> None:
    later = date.fromisoformat(as_of(library)) + timedelta(days=731)
    result = run("kb", "check", "--today", later.isoformat(), **env)
    assert result.exit_code == 1
    assert "Sources not checked within the review interval:" in result.output
    vllm = library.knowledge.by_id["vllm"]
    assert f"  vllm{' ' * 19}{vllm.name}: " in result.output
    count = len(library.knowledge.entries)
    assert f"{count} entries to review" in result.output


def test_an_unreadable_database_is_reported(run: Invoke, tmp_path: Path) -> None:
    result = run("kb", "check", STACKVET_DATABASE_URL=f"sqlite:///{tmp_path}/missing/stackvet.db")
    assert result.exit_code == 1
    assert "error  cannot read submitted assessments from the database" in result.output
    assert "nothing was checked" in result.output


def test_a_malformed_date_is_a_usage_error(run: Invoke) -> None:
    result = CliRunner().invoke(main, ["kb", "check", "--today", "01/02/2027"])
    assert result.exit_code == 2
    assert "'01/02/2027' does not match the format '%Y-%m-%d'" in result.output
