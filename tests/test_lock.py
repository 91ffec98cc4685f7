"""The lock files: every dependency pinned with hashes, and the same versions in both."""

from __future__ import annotations

import re
import tomllib
from importlib import metadata

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.repository import REPO_ROOT

PIN = re.compile(
    r"^([A-Za-z0-9_.\-]+)(?:\[[a-z0-9,\-]+\])?==(\S+)(?: ; [^\\\n]+)? \\$", re.MULTILINE
)
"""A pin and its version, with an environment marker or none (`uvloop==0.23.0 ; sys_platform
!= "win32" \\`)."""
PIN_EXTRAS = re.compile(r"^([A-Za-z0-9_.\-]+)\[([a-z0-9,\-]+)\]==", re.MULTILINE)


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


def test_a_pin_carries_the_extras_its_dependents_ask_for() -> None:
    """pip 23 in hash mode resolves `fonttools[woff]>=4.59.2` (WeasyPrint's requirement) apart
    from a bare `fonttools==4.68.0` pin and fails ("must have their versions pinned with ==") as
    soon as PyPI has a newer fonttools; a pin written `fonttools[woff]==4.68.0` holds."""
    installed = {str(canonicalize_name(d.metadata["Name"])): d for d in metadata.distributions()}
    for name in ("requirements.lock", "requirements-dev.lock"):
        pinned, text = pins(name), (REPO_ROOT / name).read_text()
        extras = {
            canonicalize_name(package): set(found.split(","))
            for package, found in PIN_EXTRAS.findall(text)
        }
        for package in pinned:
            for requirement in map(Requirement, installed[package].requires or []):
                wanted = canonicalize_name(requirement.name)
                if not requirement.extras or wanted not in pinned:
                    continue
                if requirement.marker and not requirement.marker.evaluate({"extra": ""}):
                    continue
                missing = requirement.extras - extras.get(wanted, set())
                assert not missing, f"{name}: pin {wanted}{sorted(missing)} (from {package})"
