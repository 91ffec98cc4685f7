"""The pure core stays pure: no web framework, no database in questionnaires/ or scoring/."""

from __future__ import annotations

import ast
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
