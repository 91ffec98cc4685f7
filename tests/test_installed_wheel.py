"""What users install: the built wheel, in a fresh virtual environment, run outside the checkout.

The wheel is built and installed with the same commands as the Dockerfile (`INSTALL` in
tests/wheel.py; tests/test_deploy.py checks that the Dockerfile uses them), so this test proves
the image's steps where no Docker engine runs. Every command an operator runs is run from a working
directory outside the repository, with no `STACKVET_*` setting but the database URL, on SQLite
(the default database, ./var/stackvet.db) and, when STACKVET_TEST_DATABASE_URL is set as in CI,
on PostgreSQL (its URL read from a secrets file), in one virtual environment.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import time
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx2 as httpx
import pytest

from tests import wheel
from tests.databases import ScratchDatabases
from tests.repository import REPO_ROOT
from tests.tools import unavailable

BACKENDS = ["sqlite", "postgresql"]


@dataclass(frozen=True)
class Installed:
    venv: Path

    def env(self, **settings: str) -> dict[str, str]:
        """The caller's environment without anything that points into the checkout."""
        kept = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("STACKVET_", "PYTHON", "VIRTUAL_ENV", "PYTEST"))
        }
        kept["PATH"] = f"{self.venv / 'bin'}{os.pathsep}{kept.get('PATH', '')}"
        return {**kept, **settings}

    def run(self, cwd: Path, *args: str, **settings: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.venv / "bin" / "stackvet"), *args],
            cwd=cwd,
            env=self.env(**settings),
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )


@pytest.fixture(scope="module")
def installed() -> Installed:
    """Built and installed in the background since collection ended (see tests/wheel.py)."""
    return Installed(wheel.wait())


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A working directory outside the repository."""
    assert not tmp_path.resolve().is_relative_to(REPO_ROOT)
    return tmp_path


@pytest.fixture(params=BACKENDS)
def server_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A PostgreSQL schema of its own, or no URL at all for SQLite (the default location)."""
    if request.param == "sqlite":
        yield ""
        return
    if not os.environ.get("STACKVET_TEST_DATABASE_URL"):
        message = "STACKVET_TEST_DATABASE_URL is not set (the installed wheel on PostgreSQL)"
        unavailable(message, "STACKVET_REQUIRE_POSTGRES", "the PostgreSQL check")
    databases = ScratchDatabases("postgresql", tmp_path)
    yield databases.create("installed_wheel")
    databases.drop_all()


def test_the_installed_package_is_not_the_checkout(installed: Installed, outside: Path) -> None:
    python = installed.venv / "bin" / "python"
    result = subprocess.run(
        [str(python), "-c", "import service; print(service.__file__)"],
        cwd=outside,
        env=installed.env(),
        capture_output=True,
        text=True,
        check=True,
    )
    assert Path(result.stdout.strip()).is_relative_to(installed.venv)


def test_version(installed: Installed, outside: Path) -> None:
    version = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]["version"]
    result = installed.run(outside, "--version")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"stackvet, version {version}"


def test_every_command_works_from_the_wheel(
    installed: Installed, outside: Path, server_url: str
) -> None:
    settings = {}
    if server_url:  # PostgreSQL, its URL given the way Docker and Kubernetes secrets are
        secret = outside / "database_url"
        secret.write_text(f"{server_url}\n", encoding="utf-8")
        settings = {"STACKVET_DATABASE_URL_FILE": str(secret)}

    def stackvet(*args: str) -> str:
        result = installed.run(outside, *args, **settings)
        assert result.returncode == 0, f"stackvet {' '.join(args)}\n{result.stderr}"
        return result.stdout

    assert "latest migration" in stackvet("migrate")
    if not server_url:
        assert (outside / "var" / "stackvet.db").is_file()
    admin_key = re.search(r"Admin API key.*?\n\s+(\S+)", stackvet("demo"), re.DOTALL)
    assert admin_key is not None
    with serving(installed, outside, settings) as base:
        check_the_server(base, admin_key.group(1))
    stackvet("worker", "--once")
    checked = stackvet("questionnaires", "check")
    assert "ok  ai-framework" in checked
    assert "ok  knowledge base" in checked


@contextmanager
def serving(installed: Installed, cwd: Path, settings: dict[str, str]) -> Iterator[str]:
    port = free_port()
    server = subprocess.Popen(
        [str(installed.venv / "bin" / "stackvet"), "serve", "--port", str(port)],
        cwd=cwd,
        env=installed.env(**settings),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_ready(server, base)
        yield base
    finally:
        server.send_signal(signal.SIGTERM)
        output, _ = server.communicate(timeout=60)
    # uvicorn shuts down cleanly, then re-raises the SIGTERM it handled (exit status -15).
    assert server.returncode in {0, -signal.SIGTERM}, output
    assert "Application shutdown complete" in output


def wait_until_ready(server: subprocess.Popen[str], base: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"stackvet serve exited {server.returncode}:\n{server.communicate()[0]}")
        try:
            if httpx.get(f"{base}/readyz").status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    pytest.fail("stackvet serve was not ready within 60 seconds")


def check_the_server(base: str, admin_key: str) -> None:
    ready = httpx.get(f"{base}/readyz")
    assert ready.status_code == 200, ready.text
    sign_in = httpx.get(f"{base}/sign-in")
    assert sign_in.status_code == 200
    assert "text/html" in sign_in.headers["content-type"]
    assert "password" in sign_in.text
    stylesheet = httpx.get(f"{base}/static/app.css")
    assert stylesheet.status_code == 200
    assert stylesheet.headers["content-type"].startswith("text/css")
    auth = {"Authorization": f"Bearer {admin_key}"}
    listing = httpx.get(f"{base}/api/v1/assessments", headers=auth)
    assert listing.status_code == 200, listing.text
    assessment_id = listing.json()["items"][0]["id"]
    report = httpx.get(
        f"{base}/api/v1/assessments/{assessment_id}/report.pdf", headers=auth, timeout=120
    )
    assert report.status_code == 200, report.text
    assert report.headers["content-type"] == "application/pdf"
    assert report.content.startswith(b"%PDF-")
    assert len(report.content) > 20_000, "fonts and styles are embedded"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
