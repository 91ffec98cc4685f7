"""The `stackvet` command."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.assessments.models import Assessment
from service.auth import service as auth_service
from service.commands import main
from service.db import create_db_engine
from tests.cli import Invoke
from tests.databases import ScratchDatabases
from tests.reporting.conftest import pdf_text
from tests.repository import REPO_ROOT


def test_questionnaires_check_passes_on_the_shipped_files(run: Invoke) -> None:
    result = run("questionnaires", "check")
    assert result.exit_code == 0, result.output
    assert "ok  ai-framework@1.0" in result.output
    assert "ok  client-environment@1.0" in result.output


def test_questionnaires_check_fails_with_file_item_and_reason(run: Invoke, tmp_path: Path) -> None:
    shutil.copytree(REPO_ROOT / "questionnaires", tmp_path, dirs_exist_ok=True)
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


def test_score_prints_a_table_and_json(run: Invoke) -> None:
    examples = REPO_ROOT / "questionnaires" / "examples"
    args = ("score", str(examples / "monolith.answers.json"), "--client")
    result = run(*args, str(examples / "northwind.environment.json"))
    assert result.exit_code == 0, result.output
    assert "Technical currency    0/100  outdated" in result.output
    assert "Integration risk    100/100  high" in result.output
    assert "Recommendation      not recommended" in result.output
    assert "[ir.hardware.dedicated_server_not_accepted]" in result.output
    as_json = run(*args, str(examples / "northwind.environment.json"), "--json")
    body = json.loads(as_json.output)
    assert body["integration_risk"]["band"] == "high"
    assert body["provenance"]["knowledge_base"]["as_of"]


def test_score_rejects_invalid_answers(run: Invoke, tmp_path: Path) -> None:
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps({"serving.stack": "vlm"}))
    result = CliRunner().invoke(main, ["score", str(answers)])
    assert result.exit_code == 1
    assert "serving.stack: 'vlm' is not an option; did you mean 'vllm'?" in result.output


def test_rules_test_runs_the_packs_cases(run: Invoke) -> None:
    result = run("rules", "test")
    assert result.exit_code == 0, result.output
    assert "PASS  ai-framework@1.0  Seed example" in result.output
    assert result.output.strip().endswith("all cases pass")


def test_rules_test_fails_when_a_case_fails(run: Invoke, tmp_path: Path) -> None:
    shutil.copytree(REPO_ROOT / "questionnaires", tmp_path, dirs_exist_ok=True)
    path = tmp_path / "rules" / "ai-framework-1.0.cases.yaml"
    data = yaml.safe_load(path.read_text())
    data["cases"][0]["expect"]["integration_risk"] = "high"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    result = run("rules", "test", STACKVET_DEFINITIONS_DIR=str(tmp_path))
    assert result.exit_code == 1
    assert "FAIL" in result.output
    assert "integration_risk: expected high, got low" in result.output


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "question: serving.stack",
            "question: serving.stak",
            "unknown question 'serving.stak'; did you mean 'serving.stack'?",
        ),
        ("category: framework", "category: framewrk", "category 'framewrk' is not declared"),
        ("severity: critical", "severity: urgent", "severity: Input should be"),
    ],
)
def test_questionnaires_check_catches_rule_pack_mistakes(
    run: Invoke, tmp_path: Path, old: str, new: str, expected: str
) -> None:
    shutil.copytree(REPO_ROOT / "questionnaires", tmp_path, dirs_exist_ok=True)
    path = tmp_path / "rules" / "ai-framework-1.0.yaml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    result = run("questionnaires", "check", STACKVET_DEFINITIONS_DIR=str(tmp_path))
    assert result.exit_code == 1
    assert "error  ai-framework-1.0.yaml: " in result.output
    assert expected in result.output


def test_rescore_command_reports(run: Invoke, scratch_databases: ScratchDatabases) -> None:
    url = scratch_databases.create("rescore_cli")
    env = {"STACKVET_DATABASE_URL": url}
    run("migrate", **env)
    run("demo", **env)
    result = run("rescore", **env)
    assert result.exit_code == 0, result.output
    assert "2 scored assessments examined: 0 re-scored" in result.output
    assert "2 unchanged inputs" in result.output
    forced = run("rescore", "--force", **env)
    assert "2 re-scored" in forced.output
    assert "No band or recommendation changed." in forced.output


def test_report_from_answer_files_without_a_database(run: Invoke, tmp_path: Path) -> None:
    examples = REPO_ROOT / "questionnaires" / "examples"
    output = tmp_path / "offline.pdf"
    result = run(
        "report",
        "--answers",
        str(examples / "monolith.answers.json"),
        "--client",
        str(examples / "northwind.environment.json"),
        "--vendor-name",
        "Monolith Intelligence",
        "--client-name",
        "Northwind Retail",
        "-o",
        str(output),
        STACKVET_DATABASE_URL="sqlite:////nonexistent/never-used.db",
    )
    assert result.exit_code == 0, result.output
    text = pdf_text(output.read_bytes())
    assert "Monolith Intelligence" in text
    assert "Dedicated server the client will not accept" in text


def test_report_of_a_stored_assessment(
    run: Invoke, scratch_databases: ScratchDatabases, tmp_path: Path
) -> None:
    url = scratch_databases.create("report_cli")
    env = {"STACKVET_DATABASE_URL": url}
    run("migrate", **env)
    run("demo", **env)
    engine = create_db_engine(url)
    try:
        with Session(engine) as session:
            assessment = session.scalars(select(Assessment).order_by(Assessment.title)).first()
            assert assessment is not None
            assessment_id = str(assessment.id)
    finally:
        engine.dispose()
    output = tmp_path / "stored.pdf"
    result = run("report", assessment_id, "-o", str(output), **env)
    assert result.exit_code == 0, result.output
    assert "Northwind Retail" in pdf_text(output.read_bytes())
    missing = run("report", "00000000-0000-0000-0000-000000000000", "-o", str(output), **env)
    assert missing.exit_code == 1
    assert "There is no assessment" in missing.output
    both = CliRunner().invoke(main, ["report", "-o", str(output)])
    assert both.exit_code == 2
    assert "give either ASSESSMENT_ID or --answers" in both.output


def test_the_entry_point_imports_nothing_heavy() -> None:
    """Render workers re-run the console script that spawned them (`stackvet serve`): if the
    entry point imported the app, every worker would carry it in memory."""
    code = (
        "import sys, service.cli\n"
        "heavy = {'fastapi', 'sqlalchemy', 'alembic', 'uvicorn', 'weasyprint', 'pydantic'}\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_the_entry_point_runs_the_command_tree() -> None:
    done = subprocess.run(
        [sys.executable, "-c", "from service.cli import main; main()", "--help"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "rescore" in done.stdout
    assert "questionnaires" in done.stdout


def test_serve_takes_its_process_count_from_stackvet_web_concurrency(run: Invoke) -> None:
    assert "STACKVET_WEB_CONCURRENCY" in run("serve", "--help").output
    refused = run("serve", "--port", "1", STACKVET_WEB_CONCURRENCY="0")
    assert refused.exit_code == 2
    assert "STACKVET_WEB_CONCURRENCY" in refused.output
    assert "0 is not in the range x>=1" in refused.output
