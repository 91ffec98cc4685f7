"""The lock files: every dependency pinned with hashes, and the same versions in both."""

from __future__ import annotations

import re
import tomllib

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.repository import REPO_ROOT

PIN = re.compile(r"^([A-Za-z0-9_.\-]+)==(\S+) \\$", re.MULTILINE)


def pins(name: str) -> dict[str, str]:
    text = (REPO_ROOT / name).read_text()
    found: dict[str, str] = {
        canonicalize_name(package): version for package, version in PIN.findall(text)
    }
    assert text.count("==") == len(found), f"{name}: every pin is followed by its hashes"
    return found


def test_every_runtime_dependency_is_pinned_in_both_locks_at_the_same_version() -> None:
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    runtime, dev = pins("requirements.lock"), pins("requirements-dev.lock")
    for requirement in map(Requirement, project["dependencies"]):
        name = canonicalize_name(requirement.name)
        assert name in runtime, f"{name} is not in requirements.lock (run make lock)"
        assert requirement.specifier.contains(runtime[name]), f"{name} {runtime[name]}"
    for requirement in map(Requirement, project["optional-dependencies"]["dev"]):
        assert canonicalize_name(requirement.name) in dev, f"{requirement.name}: make lock"
    differing = {n: (v, dev.get(n)) for n, v in runtime.items() if dev.get(n) != v}
    assert differing == {}, "requirements-dev.lock pins the runtime versions too (make lock)"


def test_the_locks_name_no_index_of_this_machine() -> None:
    for name in ("requirements.lock", "requirements-dev.lock"):
        text = (REPO_ROOT / name).read_text()
        assert "--find-links" not in text
        assert "--extra-index-url" not in text
        assert "--hash=sha256:" in text
