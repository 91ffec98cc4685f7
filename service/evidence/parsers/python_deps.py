"""requirements.txt, pyproject.toml, poetry.lock, uv.lock and conda environment.yml.

Only exact pins are facts (`==`, `===` and lock entries): a range says what would be allowed,
not what runs. Requirements are parsed with `packaging`; TOML with `tomllib`; the environment
file with the bounded YAML loader. Nothing is installed or resolved.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement

from service.evidence.facts import Fact, line
from service.evidence.limits import EvidenceLimit, yaml_document
from service.evidence.parsers.pins import pin_facts


def requirements(text: str) -> Iterator[Fact]:
    for number, raw in enumerate(text.splitlines(), start=1):
        entry = raw.split(" #", 1)[0].strip()
        if not entry or entry.startswith(("#", "-", "--")):
            continue
        yield from _requirement(entry, line(number))


def _requirement(entry: str, location: str) -> Iterator[Fact]:
    try:
        requirement = Requirement(entry)
    except InvalidRequirement:
        return
    for spec in requirement.specifier:
        if spec.operator in ("==", "===") and "*" not in spec.version:
            yield from pin_facts(requirement.name, spec.version, location, entry)


def _toml(text: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise EvidenceLimit(f"not valid TOML: {exc}") from exc


def pyproject(text: str) -> Iterator[Fact]:
    data = _toml(text)
    project = data.get("project") or {}
    entries: list[str] = [d for d in project.get("dependencies") or [] if isinstance(d, str)]
    for group in (project.get("optional-dependencies") or {}).values():
        entries.extend(d for d in group if isinstance(d, str))
    for entry in entries:
        yield from _requirement(entry, _line_of(text, entry))
    poetry = ((data.get("tool") or {}).get("poetry") or {}).get("dependencies") or {}
    for name, spec in poetry.items():
        version = spec.get("version") if isinstance(spec, dict) else spec
        if isinstance(version, str) and re.fullmatch(r"=?=?\s*\d[\w.+!-]*", version):
            pinned = version.lstrip("= ")
            yield from pin_facts(name, pinned, _line_of(text, name), f"{name} = {version!r}")


def lock(text: str) -> Iterator[Fact]:
    """poetry.lock and uv.lock: `[[package]]` tables with a name and an exact version."""
    data = _toml(text)
    packages = data.get("package")
    if not isinstance(packages, list):
        raise EvidenceLimit("no [[package]] entries: this is not a poetry.lock or uv.lock file")
    starts = _package_lines(text)
    for index, package in enumerate(packages):
        name, version = package.get("name"), package.get("version")
        if isinstance(name, str) and isinstance(version, str):
            location = line(starts[index]) if index < len(starts) else "line ?"
            yield from pin_facts(name, version, location, f"{name} {version}")


def _package_lines(text: str) -> list[int]:
    return [n for n, raw in enumerate(text.splitlines(), start=1) if raw.strip() == "[[package]]"]


def _line_of(text: str, needle: str) -> str:
    for number, raw in enumerate(text.splitlines(), start=1):
        if needle in raw:
            return line(number)
    return "line ?"


def environment(text: str) -> Iterator[Fact]:
    """conda `environment.yml`: `name=version` conda specs and a `pip:` list."""
    document = yaml_document(text)
    data = document.value
    if not isinstance(data, dict) or not isinstance(data.get("dependencies"), list):
        raise EvidenceLimit("no `dependencies:` list: this is not a conda environment file")
    for index, item in enumerate(data["dependencies"]):
        location = line(document.line(f"/dependencies/{index}"))
        if isinstance(item, str):
            match = re.fullmatch(r"(?:[\w-]+::)?([A-Za-z0-9_.-]+)\s*==?\s*([\w.+!]+)(=.*)?", item)
            if match:
                yield from pin_facts(match[1], match[2], location, item)
        elif isinstance(item, dict) and isinstance(item.get("pip"), list):
            for pip_index, entry in enumerate(item["pip"]):
                if isinstance(entry, str):
                    where = line(document.line(f"/dependencies/{index}/pip/{pip_index}"))
                    yield from _requirement(entry, where)
