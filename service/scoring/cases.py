"""A rule pack's own test cases: answers and a client environment in, expected results out."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from service.questionnaires.answers import check_answers, merge
from service.questionnaires.loader import (
    DefinitionError,
    DefinitionProblem,
    did_you_mean,
    parse,
    read_yaml,
)
from service.scoring.engine import Engine, Recommendation, Score
from service.scoring.library import RULES_FOLDER, LoadedPack
from service.scoring.rules import BANDS, Dimension


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Expectation(_Strict):
    technical_currency: str | None = None
    integration_risk: str | None = None
    recommendation: str | None = None
    fired: tuple[str, ...] = ()
    not_fired: tuple[str, ...] = ()


class Case(_Strict):
    name: str = Field(min_length=1)
    answers_file: str | None = None
    answers: dict[str, Any] = Field(default_factory=dict)
    client_file: str | None = None
    client: dict[str, Any] = Field(default_factory=dict)
    expect: Expectation


class CaseFile(_Strict):
    cases: tuple[Case, ...] = Field(min_length=1)


class ResolvedCase(BaseModel):
    name: str
    answers: dict[str, Any]
    client: dict[str, Any]
    expect: Expectation


def cases_path(root: Path, loaded: LoadedPack) -> Path:
    return root / RULES_FOLDER / (loaded.pack.questionnaire.replace("@", "-") + ".cases.yaml")


def load_cases(root: Path, loaded: LoadedPack) -> list[ResolvedCase]:
    """The pack's cases with their answer files read and every reference checked."""
    path = cases_path(root, loaded)
    file = parse(CaseFile, read_yaml(path), path.name)
    resolved: list[ResolvedCase] = []
    problems: list[DefinitionProblem] = []
    for case in file.cases:
        answers = merge(_read(root, case.answers_file), case.answers)
        client = merge(_read(root, case.client_file), case.client)
        for message in _case_problems(case, answers, client, loaded):
            problems.append(DefinitionProblem(path.name, f"case '{case.name}'", message))
        resolved.append(
            ResolvedCase(name=case.name, answers=answers, client=client, expect=case.expect)
        )
    if problems:
        raise DefinitionError(problems)
    return resolved


def _read(root: Path, name: str | None) -> dict[str, Any]:
    if name is None:
        return {}
    path = root / name
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DefinitionError([DefinitionProblem(name, "file", str(exc))]) from exc
    return data


def _case_problems(
    case: Case, answers: Mapping[str, Any], client: Mapping[str, Any], loaded: LoadedPack
) -> list[str]:
    problems = [f"answer {p.question}: {p.message}" for p in check_answers(loaded.vendor, answers)]
    problems += [f"client {p.question}: {p.message}" for p in check_answers(loaded.client, client)]
    rules = loaded.pack.by_id
    for rule_id in (*case.expect.fired, *case.expect.not_fired):
        if rule_id not in rules:
            problems.append(f"unknown rule '{rule_id}'{did_you_mean(rule_id, rules)}")
    for dimension in Dimension:
        band = getattr(case.expect, dimension.value)
        if band is not None and band not in BANDS[dimension]:
            problems.append(f"'{band}' is not a {dimension} band ({', '.join(BANDS[dimension])})")
    recommendation = case.expect.recommendation
    if recommendation is not None and recommendation not in set(Recommendation):
        problems.append(f"'{recommendation}' is not a recommendation")
    return problems


@dataclass(frozen=True)
class CaseResult:
    case: ResolvedCase
    score: Score
    failures: tuple[str, ...]

    @property
    def passed(self) -> bool:
        return not self.failures


def run_case(engine: Engine, case: ResolvedCase) -> CaseResult:
    score = engine.score(case.answers, case.client)
    failures: list[str] = []
    expect = case.expect
    for dimension in Dimension:
        wanted = getattr(expect, dimension.value)
        got = score.dimension(dimension)
        if wanted is not None and got.band != wanted:
            failures.append(f"{dimension}: expected {wanted}, got {got.band} ({got.score})")
    if expect.recommendation is not None and score.recommendation != expect.recommendation:
        failures.append(
            f"recommendation: expected {expect.recommendation}, got {score.recommendation}"
        )
    fired = {f.id for f in score.findings}
    failures += [f"expected {rule} to fire" for rule in expect.fired if rule not in fired]
    failures += [f"expected {rule} not to fire" for rule in expect.not_fired if rule in fired]
    return CaseResult(case=case, score=score, failures=tuple(failures))
