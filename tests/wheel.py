"""The built wheel, installed in a fresh virtual environment, prepared in the background.

The wheel is built and installed with the same commands as the Dockerfile (`BUILD` and
`INSTALL`; tests/test_deploy.py checks that the Dockerfile uses them). That is about half a
minute of pip, mostly on one core, so tests/conftest.py starts it in a thread as soon as the
collected tests include tests/test_installed_wheel.py: it overlaps the tests that run before
that module, whose fixture then waits for it (and fails with pip's output if a command failed).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from tests.repository import REPO_ROOT

# The Dockerfile runs these same commands (tests/test_deploy.py checks it, with its own folders
# for the fields): `{repo}` the checkout, `{dist}` the built wheel, `{venv}` the environment.
BUILD = "pip wheel --no-deps --wheel-dir {dist} {repo}"
INSTALL = (
    "{venv}/bin/pip install --require-hashes -r {lock}",
    "{venv}/bin/pip install --no-deps {dist}/stackvet-*.whl",
    "{venv}/bin/pip check",
)


def expand(command: str, **fields: Path) -> list[str]:
    """The command's words, with the fields filled in and `*` patterns matched on disk."""
    words = command.format(repo=REPO_ROOT, **fields).split()
    argv = [sys.executable, "-m", *words] if words[0] == "pip" else words
    matched: list[str] = []
    for word in argv:
        hits = sorted(Path("/").glob(word[1:])) if "*" in word else []
        matched.extend([str(hit) for hit in hits] or [word])
    return matched


def run_checked(argv: list[str]) -> None:
    result = subprocess.run(argv, capture_output=True, text=True, timeout=900, check=False)
    assert result.returncode == 0, f"{' '.join(argv)}\n{result.stdout}\n{result.stderr}"


def build_and_install(root: Path) -> Path:
    """Build the wheel into root/dist and install it into the new environment root/venv."""
    dist, venv = root / "dist", root / "venv"
    run_checked(expand(BUILD, dist=dist))
    run_checked([sys.executable, "-m", "venv", str(venv)])
    for command in INSTALL:
        run_checked(expand(command, dist=dist, venv=venv, lock=REPO_ROOT / "requirements.lock"))
    return venv


class _Build:
    """One build and install, running in a daemon thread from construction."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.venv: Path | None = None
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="wheel-build", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            self.venv = build_and_install(self.root)
        except BaseException as exc:  # re-raised in the test's fixture, by wait()
            self.error = exc


_build: _Build | None = None


def start() -> None:
    """Begin building and installing in a background thread (once per session)."""
    global _build  # noqa: PLW0603 - one build per test session
    if _build is None:
        _build = _Build(Path(tempfile.mkdtemp(prefix="stackvet-wheel-")))


def wait() -> Path:
    """The environment's folder, once built and installed (started here if not yet begun)."""
    start()
    assert _build is not None
    _build.thread.join()
    if _build.error is not None:
        raise _build.error
    assert _build.venv is not None
    return _build.venv


def discard() -> None:
    """Remove the wheel and the environment (at the end of the session)."""
    global _build  # noqa: PLW0603 - one build per test session
    if _build is None:
        return
    _build.thread.join()
    shutil.rmtree(_build.root, ignore_errors=True)
    _build = None
