"""Loading everything scoring needs from `questionnaires/`: rule packs and the knowledge base.

    questionnaires/knowledge-base.yaml                 the dated knowledge base
    questionnaires/rules/<slug>-<version>.yaml         the rule pack of one questionnaire version
    questionnaires/rules/<slug>-<version>.cases.yaml   that pack's own test cases

Every vendor questionnaire version must have a pack. Problems in any file are collected and
raised together, each with its file, item and reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from service.questionnaires.catalog import Catalog
from service.questionnaires.loader import (
    DefinitionError,
    DefinitionProblem,
    content_hash,
    parse,
    read_yaml,
)
from service.questionnaires.schema import Audience, Questionnaire
from service.scoring.engine import Engine
from service.scoring.knowledge import KnowledgeBase, load_knowledge
from service.scoring.rules import RulePack, check_pack

RULES_FOLDER = "rules"


@dataclass(frozen=True)
class LoadedPack:
    pack: RulePack
    content_hash: str
    vendor: Questionnaire
    client: Questionnaire


@dataclass(frozen=True)
class Library:
    """The rule packs by questionnaire key (`ai-framework@1.0`) and the knowledge base."""

    knowledge: KnowledgeBase
    knowledge_hash: str
    packs: dict[str, LoadedPack] = field(default_factory=dict)
    _engines: dict[str, Engine] = field(default_factory=dict, repr=False, compare=False)

    def pack_for(self, questionnaire_key: str) -> LoadedPack | None:
        return self.packs.get(questionnaire_key)

    def engine(self, questionnaire_key: str) -> Engine | None:
        """The compiled engine for a questionnaire version (built once)."""
        engine = self._engines.get(questionnaire_key)
        loaded = self.packs.get(questionnaire_key)
        if engine is None and loaded is not None:
            engine = Engine(loaded.pack, loaded.vendor, loaded.client, self.knowledge)
            self._engines[questionnaire_key] = engine
        return engine


def load_library(root: Path, catalog: Catalog) -> Library:
    problems: list[DefinitionProblem] = []
    knowledge, knowledge_hash = load_knowledge(root)
    packs: dict[str, LoadedPack] = {}
    for path in sorted((root / RULES_FOLDER).glob("*.yaml")):
        if path.name.endswith(".cases.yaml"):
            continue
        try:
            loaded = load_pack(path, catalog, knowledge)
        except DefinitionError as exc:
            problems.extend(exc.problems)
            continue
        packs[loaded.pack.questionnaire] = loaded
    problems.extend(_missing_packs(catalog, packs))
    if problems:
        raise DefinitionError(problems)
    return Library(knowledge=knowledge, knowledge_hash=knowledge_hash, packs=packs)


def load_pack(path: Path, catalog: Catalog, knowledge: KnowledgeBase) -> LoadedPack:
    pack = parse(RulePack, read_yaml(path), path.name)
    vendor = _questionnaire(catalog, pack.questionnaire, path.name, "questionnaire")
    client = _questionnaire(catalog, pack.environment, path.name, "environment")
    kinds = {entry.id: entry.kind.value for entry in knowledge.entries}
    problems = [
        DefinitionProblem(path.name, item, message)
        for item, message in check_pack(pack, vendor, client, kinds)
    ]
    expected = pack.questionnaire.replace("@", "-") + ".yaml"
    if path.name != expected:
        problems.append(DefinitionProblem(path.name, "file", f"name the file {expected}"))
    if problems:
        raise DefinitionError(problems)
    return LoadedPack(pack=pack, content_hash=content_hash(pack), vendor=vendor, client=client)


def _questionnaire(catalog: Catalog, key: str, file: str, item: str) -> Questionnaire:
    slug, version = key.split("@")
    definition = catalog.get(slug, version)
    if definition is None:
        known = ", ".join(f"{d.slug}@{d.version}" for d in catalog)
        raise DefinitionError([DefinitionProblem(file, item, f"no questionnaire {key} ({known})")])
    return definition.questionnaire


def _missing_packs(catalog: Catalog, packs: dict[str, LoadedPack]) -> list[DefinitionProblem]:
    return [
        DefinitionProblem(
            f"{RULES_FOLDER}/{d.slug}-{d.version}.yaml",
            "file",
            "missing: every vendor "
            f"questionnaire version needs a rule pack, and {d.slug}@{d.version} has none",
        )
        for d in catalog
        if d.questionnaire.audience is Audience.VENDOR and f"{d.slug}@{d.version}" not in packs
    ]
