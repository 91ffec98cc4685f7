"""The deployable stack: the compose file parses, and the image copies what exists."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest
import yaml

from tests.repository import REPO_ROOT


def compose_command() -> list[str] | None:
    if (
        shutil.which("docker")
        and subprocess.run(
            ["docker", "compose", "version"], capture_output=True, check=False
        ).returncode
        == 0
    ):
        return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    return None


def test_docker_compose_accepts_the_file() -> None:
    command = compose_command()
    if command is None:
        if os.environ.get("STACKVET_REQUIRE_COMPOSE"):
            pytest.fail("docker compose is required here (CI installs Debian's docker-compose)")
        pytest.skip("neither `docker compose` nor `docker-compose` is installed")
    result = subprocess.run(
        [*command, "config", "--quiet"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_the_stack_has_a_database_an_api_and_a_worker_with_health_checks() -> None:
    compose = yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert set(services) == {"db", "api", "worker"}
    for name in services:
        assert "healthcheck" in services[name], name
    assert "stackvet migrate" in " ".join(services["api"]["command"])
    assert services["worker"]["command"] == ["stackvet", "worker"]


def test_the_image_copies_what_exists() -> None:
    for line in (REPO_ROOT / "Dockerfile").read_text().splitlines():
        if line.startswith("COPY "):
            for source in line.split()[1:-1]:
                assert (REPO_ROOT / source).exists(), source
