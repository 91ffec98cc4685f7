"""Schemathesis against a live `stackvet serve`: every operation, a fixed seed, bounded examples.

Examples, coverage, fuzzing and stateful phases (links where the document has them). The run
must find 0 server errors, 0 responses that break their schema and 0 undocumented statuses.
`make fuzz` runs the same with more examples (STACKVET_SCHEMATHESIS_EXAMPLES).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.processes import demo_server

SEED = 11
EXAMPLES = int(os.environ.get("STACKVET_SCHEMATHESIS_EXAMPLES", "10"))
CHECKS = "not_a_server_error,status_code_conformance,response_schema_conformance"
BIN = Path(sys.executable).parent


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """(base URL, admin API key) of a server on a scratch SQLite database with the demo data."""
    with demo_server(tmp_path) as server:
        yield server


def test_schemathesis_finds_no_server_errors_or_contract_breaks(
    live_server: tuple[str, str], tmp_path: Path
) -> None:
    base, key = live_server
    run = subprocess.run(
        [
            BIN / "schemathesis",
            "run",
            f"{base}/openapi.json",
            "--header",
            f"Authorization: Bearer {key}",
            "--checks",
            CHECKS,
            "--max-examples",
            str(EXAMPLES),
            "--seed",
            str(SEED),
            "--request-timeout",
            "60",
            "--no-color",
        ],
        check=False,
        cwd=tmp_path,  # its example database stays out of the checkout
        capture_output=True,
        text=True,
        timeout=1800,
        env={**os.environ, "SCHEMATHESIS_HOOKS": ""},
    )
    summary = re.search(r"(\d+) generated", run.stdout)
    assert run.returncode == 0, run.stdout[-20000:] + run.stderr[-2000:]
    assert summary is not None, run.stdout[-3000:]
    assert int(summary.group(1)) >= 40 * EXAMPLES, "every operation was exercised"
    assert re.search(r"Tested: (\d+)", run.stdout) is not None
