"""The OpenAPI document passes Redocly CLI's `recommended` ruleset and Spectral's `spectral:oas`
with no errors and no warnings (reviewed exceptions: .ci/openapi/.redocly.lint-ignore.yaml).

The linters come from npm (`make openapi-tools`); without them the test skips, unless
STACKVET_REQUIRE_NODE is set (CI), where it fails.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from fastapi import FastAPI

from tests.tools import unavailable

TOOLS = Path(__file__).resolve().parents[1] / ".ci" / "openapi"
CONFIG_FILES = ("redocly.yaml", ".redocly.lint-ignore.yaml", ".spectral.yaml")


def _tool(name: str) -> Path:
    path = TOOLS / "node_modules" / ".bin" / name
    if not path.exists():
        message = f"{path} is missing (run `make openapi-tools`, which needs npm)"
        unavailable(message, "STACKVET_REQUIRE_NODE", "the lint")
    return path


@pytest.fixture
def document(app: FastAPI, tmp_path: Path) -> Path:
    for name in CONFIG_FILES:
        shutil.copy(TOOLS / name, tmp_path / name)
    path = tmp_path / "openapi.json"
    path.write_text(json.dumps(app.openapi()), encoding="utf-8")
    return path


def test_redocly_recommended_has_no_errors_or_warnings(document: Path) -> None:
    redocly = _tool("redocly")
    result = subprocess.run(
        [str(redocly), "lint", document.name, "--format", "json"],
        cwd=document.parent,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    report = json.loads(result.stdout)
    problems = [
        f"{p['ruleId']} {p['location'][0]['pointer']}: {p['message']}"
        for p in report["problems"]
        if not p.get("ignored")
    ]
    assert problems == []
    assert result.returncode == 0, result.stderr


def test_spectral_oas_has_no_findings(document: Path) -> None:
    spectral = _tool("spectral")
    result = subprocess.run(
        [str(spectral), "lint", document.name, "--format", "json", "--quiet"],
        cwd=document.parent,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    findings = json.loads(result.stdout or "[]")
    assert [f"{f['code']} {'.'.join(map(str, f['path']))}: {f['message']}" for f in findings] == []
    assert result.returncode == 0, result.stderr
