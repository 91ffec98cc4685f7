"""Each answer against the evidence: declared, evidenced, contradicted, or suggested.

Pure: the questionnaire, the answers and the facts in; a status per question out.

- `declared`: the vendor's word, no evidence about it.
- `evidenced`: the evidence agrees (the facts that agree are listed).
- `contradicted`: the evidence disagrees; the score uses the evidenced value.
- `suggested`: the answer is unknown or missing and the evidence has one: the respondent may
  accept it in one click. It is never filled in silently.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from packaging.version import InvalidVersion, Version

from service.evidence.facts import FRAMEWORK_PRIORITY, Fact
from service.questionnaires.answers import resolve
from service.questionnaires.conditions import is_known
from service.questionnaires.schema import Questionnaire, QuestionType


class Status(StrEnum):
    DECLARED = "declared"
    EVIDENCED = "evidenced"
    CONTRADICTED = "contradicted"
    SUGGESTED = "suggested"


@dataclass(frozen=True)
class Check:
    question: str
    status: Status
    declared: Any
    evidenced: Any
    """The value the evidence gives, in the answer's terms (None when there is none)."""
    facts: tuple[Fact, ...]
    """The facts behind `evidenced`, each with its file and location."""


_WRAPPERS = frozenset(
    {"kserve", "ray_serve", "dynamo", "nim", "triton", "managed_cloud", "bentoml"}
)
"""Serving stacks that run another runtime inside (KServe serving a vLLM image): a different
engine image does not contradict them."""

_VERSION_OF = {"framework.version": "framework.primary", "serving.runtime_version": "serving.stack"}

_AUTHORITY = frozenset({"poetry_lock", "uv_lock", "cyclonedx", "spdx"})
"""Files whose pins say what is installed, preferred over requirements and images."""


def check_all(
    questionnaire: Questionnaire, answers: Mapping[str, Any], facts: Sequence[Fact]
) -> dict[str, Check]:
    """The status of every visible question that has an answer or evidence, by id."""
    visible, _ = resolve(questionnaire, answers)
    by_question: dict[str, list[Fact]] = {}
    for fact in facts:
        by_question.setdefault(fact.question, []).append(fact)
    checks: dict[str, Check] = {}
    for question in visible:
        if question.id in _VERSION_OF:
            continue
        declared = answers.get(question.id)
        found = by_question.get(question.id, [])
        checks[question.id] = _check(question.id, question.type, declared, found)
    for version_id, subject_id in _VERSION_OF.items():
        if version_id in questionnaire.questions and any(q.id == version_id for q in visible):
            subject = _subject(checks.get(subject_id), answers.get(subject_id))
            found = [f for f in by_question.get(version_id, []) if f.subject == subject]
            checks[version_id] = _check_version(version_id, answers.get(version_id), found)
    return {k: v for k, v in checks.items() if v.facts or is_known(v.declared)}


def effective_answers(answers: Mapping[str, Any], checks: Mapping[str, Check]) -> dict[str, Any]:
    """The answers the score uses: a contradicted answer takes the evidenced value."""
    scored = dict(answers)
    for check in checks.values():
        if check.status is Status.CONTRADICTED:
            scored[check.question] = check.evidenced
    return scored


def _subject(check: Check | None, declared: Any) -> Any:
    if check is not None and check.status in {Status.CONTRADICTED, Status.SUGGESTED}:
        return check.evidenced
    return declared


def _check(question: str, kind: QuestionType, declared: Any, facts: list[Fact]) -> Check:
    if not facts:
        return Check(question, Status.DECLARED, declared, None, ())
    if kind is QuestionType.MULTIPLE_CHOICE:
        return _multiple(question, declared, facts)
    if kind is QuestionType.BOOLEAN:
        value = any(f.value is True for f in facts)
        backing = tuple(f for f in facts if f.value is value)
        return _compare(question, declared, value, backing, declared == value)
    if kind is QuestionType.TEXT:
        return _text(question, declared, facts)
    return _single(question, declared, facts)


def _compare(
    question: str,
    declared: Any,
    value: Any,
    facts: tuple[Fact, ...],
    agrees: bool,
) -> Check:
    if not is_known(declared):
        return Check(question, Status.SUGGESTED, declared, value, facts)
    status = Status.EVIDENCED if agrees else Status.CONTRADICTED
    return Check(question, status, declared, value, facts)


def _single(question: str, declared: Any, facts: list[Fact]) -> Check:
    values = [f.value for f in facts]
    if is_known(declared) and declared in values:
        return Check(
            question,
            Status.EVIDENCED,
            declared,
            declared,
            tuple(f for f in facts if f.value == declared),
        )
    value = _preferred(question, values)
    backing = tuple(f for f in facts if f.value == value)
    if question == "serving.stack" and declared in _WRAPPERS:
        return Check(question, Status.DECLARED, declared, None, ())
    return _compare(question, declared, value, backing, _single_agrees(question, declared))


def _single_agrees(question: str, declared: Any) -> bool:
    if question == "deployment.kubernetes":
        return bool(declared != "not_supported")  # a chart or manifests prove support either way
    if question == "hardware.gpu":
        return bool(declared != "not_needed")
    if question == "portability.weights_licence":
        return bool(declared == "mixed")
    return False


def _preferred(question: str, values: list[Any]) -> Any:
    if question == "framework.primary":
        ranked = [v for v in FRAMEWORK_PRIORITY if v in values]
        if ranked:
            return ranked[0]
    return values[0]


def _multiple(question: str, declared: Any, facts: list[Fact]) -> Check:
    found = sorted({f.value for f in facts})
    if not is_known(declared):
        return Check(question, Status.SUGGESTED, declared, found, tuple(facts))
    chosen = set(declared) if isinstance(declared, list) else {declared}
    extra = [v for v in found if v not in chosen]
    if not extra:
        return Check(question, Status.EVIDENCED, declared, found, tuple(facts))
    scored = sorted(chosen | set(found))
    backing = tuple(f for f in facts if f.value in extra)
    return Check(question, Status.CONTRADICTED, declared, scored, backing)


def _text(question: str, declared: Any, facts: list[Fact]) -> Check:
    names = list(dict.fromkeys(str(f.value) for f in facts))
    value = ", ".join(names)
    if not is_known(declared):
        return Check(question, Status.SUGGESTED, declared, value, tuple(facts))
    said = _squash(str(declared))
    agrees = all(_squash(n.rsplit("/", 1)[-1]) in said for n in names)
    return _compare(question, declared, value, tuple(facts), agrees)


def _squash(text: str) -> str:
    return re.sub(r"[^a-z0-9.]", "", text.lower())


def _check_version(question: str, declared: Any, facts: list[Fact]) -> Check:
    if not facts:
        return Check(question, Status.DECLARED, declared, None, ())
    if is_known(declared):
        agreeing = tuple(f for f in facts if _same_release(str(declared), str(f.value)))
        if agreeing:
            return Check(question, Status.EVIDENCED, declared, agreeing[0].value, agreeing)
    best = _authoritative(facts)
    value = min((f.value for f in best), key=_sort_key)
    backing = tuple(f for f in best if f.value == value)
    return _compare(question, declared, value, backing, False)


def _authoritative(facts: Iterable[Fact]) -> list[Fact]:
    facts = list(facts)
    strong = [f for f in facts if f.kind in _AUTHORITY]
    return strong or facts


def _same_release(declared: str, pinned: str) -> bool:
    """`2.1` and `2.1.2` agree (the answer is less precise); `2.14.1` and `2.1.2` do not."""
    said, found = _parts(declared), _parts(pinned)
    return bool(said) and found[: len(said)] == said


def _parts(text: str) -> tuple[int, ...]:
    try:
        return Version(text.strip().lstrip("vV")).release
    except InvalidVersion:
        return ()


def _sort_key(value: Any) -> tuple[int, ...]:
    return _parts(str(value)) or (0,)
