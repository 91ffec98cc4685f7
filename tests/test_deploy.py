"""The deployable stack: the compose file parses, and the image copies what exists."""

from __future__ import annotations

import re
import shutil
import subprocess

import yaml

from tests.repository import REPO_ROOT
from tests.tools import unavailable
from tests.wheel import BUILD, INSTALL


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
        message = "neither `docker compose` nor `docker-compose` is installed (apt: docker-compose)"
        unavailable(message, "STACKVET_REQUIRE_COMPOSE", "the compose check")
    result = subprocess.run(
        [*command, "config", "--quiet"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_the_stack_migrates_once_before_the_api_and_the_worker_start() -> None:
    compose = yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert set(services) == {"db", "migrate", "api", "worker"}
    for name in ("db", "api", "worker"):
        assert "healthcheck" in services[name], name
    assert services["migrate"]["command"] == ["stackvet", "migrate"]
    assert services["migrate"]["restart"] == "no"
    for name in ("api", "worker"):
        assert services[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }
        assert "migrate" not in " ".join(services[name]["command"]), "migrate runs once"
    assert services["worker"]["command"] == ["stackvet", "worker"]


def dockerfile_commands() -> str:
    """The Dockerfile with continuation lines joined and runs of blanks made single."""
    text = (REPO_ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    return " ".join(text.split())


def test_the_image_builds_and_installs_the_wheel_as_the_wheel_test_does() -> None:
    dockerfile = dockerfile_commands()
    folders = {"repo": "/src", "dist": "/dist", "venv": "/opt/stackvet"}
    assert f"RUN {BUILD.format(**folders)}" in dockerfile
    for command in INSTALL:
        assert command.format(**folders, lock="/dist/requirements.lock") in dockerfile, command
    stages = re.split(r"^FROM ", (REPO_ROOT / "Dockerfile").read_text(), flags=re.MULTILINE)[1:]
    assert len(stages) == 2, "a build stage and a runtime stage"
    runtime = stages[1]
    assert runtime.startswith("python:3.11-slim")
    assert "COPY --from=build /dist /dist" in runtime, "only the built wheel and the lock"
    assert "libpango-1.0-0" in runtime, "WeasyPrint's libraries in the runtime image"


def test_the_image_runs_as_a_user_without_privileges() -> None:
    users = [
        line.split()[1]
        for line in (REPO_ROOT / "Dockerfile").read_text().splitlines()
        if line.startswith("USER ")
    ]
    assert users, "the image sets a USER"
    assert users[-1] not in {"root", "0"}


def test_the_image_copies_what_exists() -> None:
    for line in (REPO_ROOT / "Dockerfile").read_text().splitlines():
        if line.startswith("COPY ") and "--from=" not in line:
            for source in line.split()[1:-1]:
                assert (REPO_ROOT / source).exists(), source
