"""The pure core stays pure: no web framework, no database in questionnaires/ or scoring/."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from tests.repository import REPO_ROOT

PURE_PACKAGES = ["questionnaires", "scoring"]
FORBIDDEN = ("fastapi", "starlette", "sqlalchemy", "alembic", "psycopg", "service.db")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("package", PURE_PACKAGES)
def test_core_packages_import_no_framework_or_database(package: str) -> None:
    files = sorted((REPO_ROOT / "service" / package).glob("*.py"))
    if package == "questionnaires":
        assert files, "the questionnaires package has no modules"
    for path in files:
        bad = {m for m in imported_modules(path) if m.startswith(FORBIDDEN)}
        assert not bad, f"{path.name} imports {sorted(bad)}"


def test_services_never_commit() -> None:
    for path in (REPO_ROOT / "service").rglob("service.py"):
        assert ".commit()" not in path.read_text(), f"{path} commits; services only flush"


API_PROCESS_IMPORTS = """
import sys
from service.config import Settings
from service.main import create_app
import service.cli, service.commands  # what `stackvet serve` loads before the app
create_app(Settings(database_url="sqlite:///:memory:"))
print(sorted(name for name in sys.modules if name.split(".")[0] == "weasyprint"))
"""


def test_the_api_process_does_not_import_weasyprint(tmp_path: Path) -> None:
    """Only render workers render PDFs; WeasyPrint costs the API ~450 ms at start and ~22 MB."""
    result = subprocess.run(
        [sys.executable, "-c", API_PROCESS_IMPORTS],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


EVIDENCE_PURE = ["facts.py", "kinds.py", "limits.py", "parse.py", "crosscheck.py", "scoring.py"]


def test_evidence_parsing_and_cross_checking_are_pure() -> None:
    """Parsers, limits and the answer-versus-evidence logic take bytes and plain data: no web
    framework, no database, no network client (the online look-up lives in evidence/hub.py)."""
    folder = REPO_ROOT / "service" / "evidence"
    files = [folder / name for name in EVIDENCE_PURE] + sorted((folder / "parsers").glob("*.py"))
    for path in files:
        bad = {
            m
            for m in imported_modules(path)
            if m.startswith((*FORBIDDEN, "huggingface_hub.hf_api", "httpx", "requests", "urllib"))
        }
        assert not bad, f"{path.name} imports {sorted(bad)}"
