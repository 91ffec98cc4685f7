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

from packaging.version import Version
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


class Accelerator(StrEnum):
    NVIDIA = "nvidia"
    AMD = "amd"
    INTEL = "intel"
    GOOGLE_TPU = "google_tpu"
    AWS_NEURON = "aws_neuron"
    APPLE_SILICON = "apple_silicon"
    CPU = "cpu"


class ModelType(StrEnum):
    LLM = "llm"
    EMBEDDINGS = "embeddings"
    IMAGE_GENERATION = "image_generation"
    VISION = "vision"
    SPEECH = "speech"
    CLASSICAL_ML = "classical_ml"


class Grade(StrEnum):
    """Where a version stands against its project's own support window."""

    SUPPORTED = "supported"
    BEHIND = "behind"
    """One window behind: no longer patched, but recent; plan an upgrade."""
    UNSUPPORTED = "unsupported"


class SecurityFloor(_Strict):
    below: VersionText
    summary: Text
    advisory: SourceRef


class Entry(_Strict):
    id: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]
    kind: Kind
    name: Text
    aliases: tuple[Text, ...] = ()
    status: Status
    since: Date | None = None
    latest: str | None = None
    supported_from: VersionText | None = None
    behind_from: VersionText | None = None
    security_floors: tuple[SecurityFloor, ...] = ()
    accelerators: tuple[Accelerator, ...] = ()
    model_types: tuple[ModelType, ...] = ()
    notes: Text
    sources: tuple[SourceRef, ...] = Field(min_length=1)

    def grade(self, version: str) -> Grade | None:
        """The version against the support window; None when it cannot be judged."""
        parsed = parse_version(version)
        floor = parse_version(self.supported_from) if self.supported_from else None
        if parsed is None or floor is None:
            return None
        if parsed >= floor:
            return Grade.SUPPORTED
        behind = parse_version(self.behind_from) if self.behind_from else None
        return Grade.BEHIND if behind is not None and parsed >= behind else Grade.UNSUPPORTED

    def security_floors_above(self, version: str) -> tuple[SecurityFloor, ...]:
        """The advisories a version is still exposed to (empty when it cannot be judged)."""
        parsed = parse_version(version)
        if parsed is None:
            return ()
        return tuple(f for f in self.security_floors if parsed < _parsed(f.below))


def _parsed(version: str) -> Version:
    parsed = parse_version(version)
    assert parsed is not None  # checked when the file was loaded
    return parsed


class KnowledgeBase(_Strict):
    as_of: Date
    review_interval_days: int = Field(default=90, ge=1, le=730)
    entries: tuple[Entry, ...] = Field(min_length=1)

    @cached_property
    def by_alias(self) -> dict[str, str]:
        """Lower-case names and aliases -> entry id, for free-text "other" answers."""
        names: dict[str, str] = {}
        for entry in self.entries:
            for name in (entry.id, entry.name, *entry.aliases):
                names.setdefault(_normalise(name), entry.id)
        return names

    def recognise(self, text: str, kind: Kind | None = None) -> str | None:
        """The entry a typed name refers to ("Apache MXNet 1.9" -> mxnet), if any."""
        words = _normalise(text)
        return next(
            (
                self.by_alias[c]
                for c in _candidates(words)
                if c in self.by_alias and kind in (None, self.by_id[self.by_alias[c]].kind)
            ),
            None,
        )

    def resolve(self, value: str, other_name: str | None) -> str | None:
        """The entry behind an option id, or behind the name typed for "Other"."""
        if value == "other":
            return self.recognise(other_name) if other_name else None
        return value if value in self.by_id else None

    def grade_of(self, entry_id: str, version: str) -> str | None:
        entry = self.by_id.get(entry_id)
        grade = entry.grade(version) if entry else None
        return grade.value if grade else None

    def exposed(self, entry_id: str, version: str) -> bool | None:
        """Whether a version is below one of the entry's security fixes (None: not a version)."""
        entry = self.by_id.get(entry_id)
        if entry is None:
            return False
        if parse_version(version) is None:
            return None
        return bool(entry.security_floors_above(version))

    @cached_property
    def by_id(self) -> dict[str, Entry]:
        return {entry.id: entry for entry in self.entries}

    def status(self, entry_id: str) -> str | None:
        entry = self.by_id.get(entry_id)
        return entry.status.value if entry else None

    def supported_from(self, entry_id: str) -> str | None:
        entry = self.by_id.get(entry_id)
        return entry.supported_from if entry else None


def _normalise(name: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9.+]+", " ", name.lower()).split())


def _candidates(words: str) -> list[str]:
    """The whole text, then every run of words, longest first ("apache mxnet 1.9" ...)."""
    parts = words.split()
    runs = [
        " ".join(parts[start:end])
        for length in range(len(parts), 0, -1)
        for start in range(len(parts) - length + 1)
        for end in (start + length,)
    ]
    return [words, *runs]


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
