"""The set of questionnaire definitions shipped in `questionnaires/definitions/`.

Each file is `<slug>-<version>.yaml`. The catalog is loaded and fully checked at start-up and by
`stackvet questionnaires check`; a broken file never reaches a request.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from packaging.version import Version

from service.questionnaires.checks import check_questionnaire
from service.questionnaires.loader import (
    DefinitionError,
    DefinitionProblem,
    content_hash,
    parse,
    read_yaml,
)
from service.questionnaires.schema import Questionnaire

DEFINITIONS_FOLDER = "definitions"


@dataclass(frozen=True)
class Definition:
    """A questionnaire version together with the hash that pins it."""

    questionnaire: Questionnaire
    content_hash: str

    @property
    def slug(self) -> str:
        return self.questionnaire.slug

    @property
    def version(self) -> str:
        return self.questionnaire.version


@dataclass(frozen=True)
class Catalog:
    definitions: tuple[Definition, ...] = field(default_factory=tuple)

    def slugs(self) -> list[str]:
        return sorted({d.slug for d in self.definitions})

    def versions(self, slug: str) -> list[Definition]:
        """All versions of one questionnaire, oldest first."""
        found = [d for d in self.definitions if d.slug == slug]
        return sorted(found, key=lambda d: Version(d.version))

    def latest(self, slug: str) -> Definition | None:
        versions = self.versions(slug)
        return versions[-1] if versions else None

    def get(self, slug: str, version: str) -> Definition | None:
        return next((d for d in self.versions(slug) if d.version == version), None)

    def __iter__(self) -> Iterator[Definition]:
        return iter(self.definitions)


def load_definition(path: Path) -> Definition:
    """Parse and check one questionnaire file."""
    questionnaire = parse(Questionnaire, read_yaml(path), path.name)
    problems = [
        DefinitionProblem(path.name, item, message)
        for item, message in check_questionnaire(questionnaire)
    ]
    expected = f"{questionnaire.slug}-{questionnaire.version}.yaml"
    if path.name != expected:
        problems.append(
            DefinitionProblem(path.name, "file", f"name the file {expected} (slug-version.yaml)")
        )
    if problems:
        raise DefinitionError(problems)
    return Definition(questionnaire, content_hash(questionnaire))


def load_catalog(root: Path) -> Catalog:
    """Load every definition under `root/definitions`; report all problems at once."""
    folder = root / DEFINITIONS_FOLDER
    paths = sorted(folder.glob("*.yaml"))
    if not paths:
        raise DefinitionError(
            [DefinitionProblem(str(folder), "folder", "no questionnaire definitions (*.yaml)")]
        )
    definitions: list[Definition] = []
    problems: list[DefinitionProblem] = []
    for path in paths:
        try:
            definitions.append(load_definition(path))
        except DefinitionError as exc:
            problems.extend(exc.problems)
    if problems:
        raise DefinitionError(problems)
    return Catalog(tuple(definitions))
