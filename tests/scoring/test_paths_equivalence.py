"""The improvement-path search gives exactly the paths of the plain procedure it replaced.

`service.scoring.paths` re-evaluates only the rules a candidate change touches and skips
questions whose best case cannot help; `tests.scoring.reference_paths` is the search as it was,
re-scoring every candidate with `Engine.score`. Over every expert scenario, every rule-pack
case, the shipped examples against several client profiles and random answer sets (unknown and
unanswered questions on both sides), both must return equal paths: the same dimensions, bands,
scores, changes with their options in order, and resolved rules.
"""

from __future__ import annotations

from typing import Any

import pytest

from service.scoring.cases import load_cases
from service.scoring.engine import Engine
from service.scoring.library import Library
from service.scoring.paths import improvement_paths
from tests.builders import example
from tests.repository import REPO_ROOT
from tests.scoring import reference_paths
from tests.scoring.fixtures import BEST, K8S_WITH_GPUS, make_engine
from tests.scoring.test_equivalence import KEYS, _clients, _random_inputs
from tests.scoring.test_scenarios import scenarios


def same_paths(engine: Engine, answers: dict[str, Any], client: dict[str, Any]) -> int:
    """Asserts equal paths; returns how many there are."""
    score = engine.score(answers, client)
    wanted = reference_paths.improvement_paths(engine, answers, client, score)
    assert improvement_paths(engine, answers, client, score) == wanted, (answers, client)
    return len(wanted)


def test_expert_scenarios(library: Library) -> None:
    engine = library.engine("ai-framework@2.0")
    assert engine is not None
    found = sum(same_paths(engine, s.answers, s.client) for s in scenarios())
    assert found > 0, "some scenario has paths, so the comparison compares something"


@pytest.mark.parametrize("key", KEYS)
def test_rule_pack_cases_and_examples(library: Library, key: str) -> None:
    loaded, engine = library.pack_for(key), library.engine(key)
    assert loaded is not None
    assert engine is not None
    for case in load_cases(REPO_ROOT / "questionnaires", loaded):
        same_paths(engine, case.answers, case.client)
    for answers in (example("openweave.answers"), example("monolith.answers"), {}):
        for client in _clients():
            same_paths(engine, answers, client)


@pytest.mark.parametrize("key", KEYS)
def test_random_answers_on_both_sides(library: Library, key: str) -> None:
    engine = library.engine(key)
    assert engine is not None
    found = sum(same_paths(engine, a, c) for a, c in _random_inputs(engine, seed=5, count=120))
    assert found > 50


def test_the_synthetic_pack() -> None:
    engine = make_engine()
    same_paths(engine, BEST, K8S_WITH_GPUS)
    for answers, client in _random_inputs(engine, seed=9, count=150):
        same_paths(engine, answers, client)
