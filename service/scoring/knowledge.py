"""The technical-currency knowledge base: a dated file of frameworks and serving stacks.

Each entry says whether a framework or serving stack is current, merely maintained, in limited
maintenance or end-of-life, the oldest version line that still gets fixes, and where that
comes from. Rules consult it through the `kb_status` and `below_supported_floor_of` operators.
Pure: no I/O beyond reading the file.
"""

from __future__ import annotations

import re
from enum import StrEnum
from functools import cached_property
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from service.questionnaires.conditions import parse_version
from service.questionnaires.loader import (
    DefinitionError,
    DefinitionProblem,
    content_hash,
    parse,
    read_yaml,
)

KNOWLEDGE_FILE = "knowledge-base.yaml"


class Status(StrEnum):
    CURRENT = "current"
    MAINTAINED = "maintained"
    LIMITED_MAINTENANCE = "limited_maintenance"
    END_OF_LIFE = "end_of_life"


class Kind(StrEnum):
    FRAMEWORK = "framework"
    SERVING = "serving"


def _date(value: str) -> str:
    if not re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", value):
        raise ValueError(f"'{value}' is not a date such as 2026-11-24 (or 2025-03, or 2025)")
    return value


def _version(value: str) -> str:
    if parse_version(value) is None:
        raise ValueError(f"'{value}' is not a version number such as '2.4'")
    return value


Date = Annotated[str, AfterValidator(_date)]
VersionText = Annotated[str, AfterValidator(_version)]
Text = Annotated[str, StringConstraints(min_length=1, strip_whitespace=True)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SourceRef(_Strict):
    title: Text
    url: Annotated[str, StringConstraints(pattern=r"^https?://\S+$")]
    checked: Date


class Entry(_Strict):
    id: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]
    kind: Kind
    name: Text
    status: Status
    since: Date | None = None
    latest: str | None = None
    supported_from: VersionText | None = None
    notes: Text
    sources: tuple[SourceRef, ...] = Field(min_length=1)


class KnowledgeBase(_Strict):
    as_of: Date
    entries: tuple[Entry, ...] = Field(min_length=1)

    @cached_property
    def by_id(self) -> dict[str, Entry]:
        return {entry.id: entry for entry in self.entries}

    def status(self, entry_id: str) -> str | None:
        entry = self.by_id.get(entry_id)
        return entry.status.value if entry else None

    def supported_from(self, entry_id: str) -> str | None:
        entry = self.by_id.get(entry_id)
        return entry.supported_from if entry else None


def load_knowledge(root: Path) -> tuple[KnowledgeBase, str]:
    """The knowledge base and its content hash; every mistake is a located DefinitionError."""
    path = root / KNOWLEDGE_FILE
    knowledge = parse(KnowledgeBase, read_yaml(path), path.name)
    ids = [entry.id for entry in knowledge.entries]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise DefinitionError(
            [DefinitionProblem(path.name, f"entry '{d}'", "duplicate entry id") for d in duplicates]
        )
    return knowledge, content_hash(knowledge)
