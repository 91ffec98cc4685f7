"""Tests marked `postgresql_only` are left out of the SQLite pass and collected in the
PostgreSQL pass (they must never silently drop out of both)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.repository import REPO_ROOT

MODULES = ("tests/test_pool_ping.py", "tests/assessments/test_lists.py")


def collected(backend: str) -> list[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env["STACKVET_TEST_BACKEND"] = backend
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:xdist", *MODULES],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return [line for line in result.stdout.splitlines() if "::" in line]


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_postgresql_only_tests_run_in_the_postgresql_pass_alone(backend: str) -> None:
    nodes = collected(backend)
    postgresql_only = [
        "tests/test_pool_ping.py::test_a_connection_that_died_while_idle_is_replaced_before_use",
        "tests/assessments/test_lists.py::test_status_and_q_filters_are_index_searches",
    ]
    for node in postgresql_only:
        assert (node in nodes) is (backend == "postgresql"), (backend, node, nodes)
    listed = "tests/assessments/test_lists.py::"
    assert any(node.startswith(listed) for node in nodes), "the others stay"
