"""The optimised engine gives exactly the records of the plain reference procedure.

Every expert scenario, every rule-pack case, the shipped examples against several client
profiles, and a few thousand random answer sets (with unknown and unanswered questions on both
sides) are scored by `Engine.score` and by `tests.scoring.reference.reference_score`; the stored
records (findings with their facts, points, bands, verdict, assumptions) and the root findings
a report lists must be identical.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from functools import cache
from typing import Any

import pytest

from service.questionnaires.schema import Questionnaire, QuestionType
from service.scoring.cases import load_cases
from service.scoring.engine import Engine, Score
from service.scoring.library import Library
from service.scoring.paths import candidate_values
from service.scoring.serialise import score_to_result
from tests.builders import example
from tests.repository import REPO_ROOT
from tests.scoring.fixtures import BEST, K8S_WITH_GPUS, make_engine
from tests.scoring.reference import reference_score
from tests.scoring.test_scenarios import scenarios

KEYS = ("ai-framework@1.0", "ai-framework@2.0")
NUMBERS = (0, 1, 16, 24, 40, 48, 80, 120, 150, 160, 400)


def client_candidates(questionnaire: Questionnaire) -> dict[str, tuple[Any, ...]]:
    values: dict[str, tuple[Any, ...]] = {}
    for question in questionnaire.questions.values():
        ids = [o.id for o in question.options]
        if question.type is QuestionType.SINGLE_CHOICE:
            values[question.id] = tuple(ids)
        elif question.type is QuestionType.MULTIPLE_CHOICE:
            values[question.id] = (*([o] for o in ids), ids[:2], ids, [])
        elif question.type is QuestionType.BOOLEAN:
            values[question.id] = (True, False)
        elif question.type is QuestionType.NUMBER:
            values[question.id] = NUMBERS
    return values


def random_answers(
    rng: random.Random, pool: dict[str, tuple[Any, ...]], unknown: float, missing: float
) -> dict[str, Any]:
    answers: dict[str, Any] = {}
    for question, values in pool.items():
        roll = rng.random()
        if roll < unknown:
            answers[question] = "unknown"
        elif roll < unknown + missing:
            continue
        else:
            answers[question] = rng.choice(values)
    return answers


def same(engine: Engine, answers: dict[str, Any], client: dict[str, Any]) -> None:
    """Twice: a client profile's first score runs the whole pack, later ones the pack folded
    for that profile."""
    wanted = reference_score(engine, answers, client)
    for _ in range(2):
        got = engine.score(answers, client)
        assert score_to_result(got) == score_to_result(wanted)
        assert got == wanted
        assert _reading(got) == _reading(wanted)


def _reading(score: Score) -> list[Any]:
    """What a report shows beyond the record: roots, what to confirm, top reasons."""
    roots = [(r.id, r.points, [f.id for f in r.findings]) for r in score.roots()]
    confirm = [(r.id, r.question, r.blocking) for r in score.to_confirm()]
    top = [[f.id for f in score.top_reasons(d.dimension)] for d in (score.technical_currency,)]
    return [roots, confirm, top, score.roots(score.findings[0].basis) if score.findings else []]


@cache
def _clients() -> tuple[dict[str, Any], ...]:
    shipped = [example("northwind.environment"), {}]
    return (*shipped, *(s.client for s in scenarios()))


def test_expert_scenarios(library: Library) -> None:
    engine = library.engine("ai-framework@2.0")
    assert engine is not None
    for scenario in scenarios():
        same(engine, scenario.answers, scenario.client)


@pytest.mark.parametrize("key", KEYS)
def test_rule_pack_cases_and_examples(library: Library, key: str) -> None:
    engine = library.pack_for(key)
    scorer = library.engine(key)
    assert engine is not None
    assert scorer is not None
    for case in load_cases(REPO_ROOT / "questionnaires", engine):
        same(scorer, case.answers, case.client)
    for answers in (example("openweave.answers"), example("monolith.answers"), {}):
        for client in _clients():
            same(scorer, answers, client)


def _random_inputs(engine: Engine, seed: int, count: int) -> Iterator[tuple[Any, Any]]:
    rng = random.Random(seed)
    vendor, client = candidate_values(engine), client_candidates(engine.client)
    for _ in range(count):
        unknown = rng.choice((0.0, 0.08, 0.3, 0.9))
        yield (
            random_answers(rng, vendor, unknown, rng.choice((0.0, 0.1, 0.5))),
            random_answers(rng, client, rng.choice((0.0, 0.1, 0.5)), rng.choice((0.0, 0.2))),
        )


@pytest.mark.parametrize("key", KEYS)
def test_random_answers_on_both_sides(library: Library, key: str) -> None:
    engine = library.engine(key)
    assert engine is not None
    for answers, client in _random_inputs(engine, seed=len(key), count=600):
        same(engine, answers, client)


def test_the_synthetic_pack() -> None:
    engine = make_engine()
    same(engine, BEST, K8S_WITH_GPUS)
    for answers, client in _random_inputs(engine, seed=3, count=300):
        same(engine, answers, client)


def test_the_reference_can_tell_a_difference(library: Library) -> None:
    """A broken engine is caught: dropping one rule changes the record."""
    engine = library.engine("ai-framework@2.0")
    assert engine is not None
    answers, client = example("monolith.answers"), example("northwind.environment")
    broken = Engine(
        engine.pack.model_copy(update={"rules": engine.pack.rules[1:]}),
        engine.vendor,
        engine.client,
        engine.knowledge,
    )
    wanted = score_to_result(reference_score(engine, answers, client))
    assert score_to_result(broken.score(answers, client)) != wanted
