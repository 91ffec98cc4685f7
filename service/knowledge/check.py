"""What in the knowledge base needs a review: stale sources, and versions the base has not seen.

Two signs, both plain data in and out (no database, no web framework):

- a source (or a security advisory) whose `checked` date is older than the base's
  `review_interval_days`: the entry may have moved on since;
- an entry whose `latest` is below a version that vendors' submitted answers mention: the
  project has released since the base was written (or a vendor mistyped; either way, look).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from packaging.version import Version

from service.questionnaires.conditions import is_known, parse_version
from service.scoring.knowledge import Entry, Kind, KnowledgeBase, SourceRef

VERSION_QUESTIONS = {
    Kind.FRAMEWORK: ("framework.primary", "framework.other_name", "framework.version"),
    Kind.SERVING: ("serving.stack", "serving.other_name", "serving.runtime_version"),
}
"""Per kind: the question naming the entry, its free-text "other" name, and its version."""


class IssueKind(StrEnum):
    STALE_SOURCES = "stale_sources"
    BEHIND_ANSWERS = "behind_answers"


@dataclass(frozen=True)
class Issue:
    entry: str
    name: str
    kind: IssueKind
    message: str


SeenVersions = Mapping[str, Counter[str]]
"""Entry id -> version -> number of assessments that answered it."""


def review(knowledge: KnowledgeBase, today: date, seen: SeenVersions) -> list[Issue]:
    """Every issue, stale sources first, each group in the base's entry order."""
    return stale_sources(knowledge, today) + behind_answers(knowledge, seen)


def stale_sources(knowledge: KnowledgeBase, today: date) -> list[Issue]:
    cutoff = today - timedelta(days=knowledge.review_interval_days)
    issues = []
    for entry in knowledge.entries:
        refs = _references(entry)
        stale = [ref for ref in refs if checked_on(ref.checked) < cutoff]
        if stale:
            oldest = min(stale, key=lambda ref: checked_on(ref.checked))
            days = (today - checked_on(oldest.checked)).days
            message = (
                f"{len(stale)} of {len(refs)} sources not checked for over "
                f"{knowledge.review_interval_days} days (oldest: {oldest.checked}, {days} days "
                f"ago: {oldest.title})"
            )
            issues.append(Issue(entry.id, entry.name, IssueKind.STALE_SOURCES, message))
    return issues


def _references(entry: Entry) -> list[SourceRef]:
    return [*entry.sources, *(floor.advisory for floor in entry.security_floors)]


def checked_on(text: str) -> date:
    """A `checked` date; a month or a year alone counts from its first day (the oldest reading)."""
    year, month, day = (int(part) for part in [*text.split("-"), "1", "1"][:3])
    return date(year, month, day)


def behind_answers(knowledge: KnowledgeBase, seen: SeenVersions) -> list[Issue]:
    issues = []
    for entry in knowledge.entries:
        latest = parse_version(entry.latest) if entry.latest else None
        versions = seen.get(entry.id, Counter())
        above = sorted((v for v in versions if _above(v, latest)), key=_version_key)
        if latest is not None and above:
            mentions = ", ".join(f"{v} ({_times(versions[v])})" for v in reversed(above))
            message = f"latest is {entry.latest}, but answers mention {mentions}"
            issues.append(Issue(entry.id, entry.name, IssueKind.BEHIND_ANSWERS, message))
    return issues


def _above(version: str, latest: Version | None) -> bool:
    parsed = parse_version(version)
    return latest is not None and parsed is not None and parsed > latest


def _version_key(version: str) -> Version:
    parsed = parse_version(version)
    assert parsed is not None  # only parsed versions are compared
    return parsed


def _times(count: int) -> str:
    return f"{count} assessment{'s' if count != 1 else ''}"


def versions_in_answers(
    knowledge: KnowledgeBase, answer_sets: Iterable[Mapping[str, Any]]
) -> dict[str, Counter[str]]:
    """The versions each entry is answered with (the "other" name counts when recognised)."""
    seen: dict[str, Counter[str]] = {}
    for answers in answer_sets:
        for kind, (named, other, version_question) in VERSION_QUESTIONS.items():
            entry_id = _entry_named(knowledge, kind, answers.get(named), answers.get(other))
            version = answers.get(version_question)
            if entry_id is not None and isinstance(version, str) and is_known(version):
                seen.setdefault(entry_id, Counter())[version.strip()] += 1
    return seen


def _entry_named(knowledge: KnowledgeBase, kind: Kind, named: Any, other: Any) -> str | None:
    if named == "other" and isinstance(other, str):
        return knowledge.recognise(other, kind)
    entry = knowledge.by_id.get(named) if isinstance(named, str) else None
    return entry.id if entry is not None and entry.kind is kind else None
