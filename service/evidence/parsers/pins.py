"""Pinned Python distributions as facts: which framework and runtime, at which version."""

from __future__ import annotations

from collections.abc import Iterator

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from service.evidence.facts import FRAMEWORK_PACKAGES, RUNTIME_PACKAGES, Fact


def pin_facts(name: str, version: str, location: str, excerpt: str) -> Iterator[Fact]:
    """Facts for one exactly pinned distribution (`torch==2.1.2`, a lock-file entry)."""
    package = canonicalize_name(name)
    release = _release(version)
    framework = FRAMEWORK_PACKAGES.get(package)
    if framework:
        yield Fact("framework.primary", framework, location, excerpt)
        if release:
            yield Fact("framework.version", release, location, excerpt, subject=framework)
    runtime = RUNTIME_PACKAGES.get(package)
    if runtime:
        yield Fact("serving.stack", runtime, location, excerpt)
        if release:
            yield Fact("serving.runtime_version", release, location, excerpt, subject=runtime)
    if package == "transformers":
        yield Fact("hf.transformers_compatible", True, location, excerpt)


def _release(version: str) -> str | None:
    """The release part of a version (`2.1.2+cu121` -> `2.1.2`), or None if it is not one."""
    try:
        return ".".join(str(part) for part in Version(version).release)
    except InvalidVersion:
        return None
