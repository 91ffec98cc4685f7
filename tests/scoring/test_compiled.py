"""Client plans: a profile seen again is scored with the pack folded for it, within bounds."""

from __future__ import annotations

from service.scoring.compiled import ClientPlans, Visibility, profile_key
from service.scoring.library import Library
from service.scoring.serialise import score_to_result
from tests.builders import example
from tests.scoring.fixtures import CLIENT, K8S_WITH_GPUS, KNOWLEDGE, make_engine


def plans(size: int = 256) -> ClientPlans:
    engine = make_engine()
    return ClientPlans(engine.rules, Visibility(CLIENT), KNOWLEDGE, size=size)


def test_a_profile_is_folded_from_its_second_score_on() -> None:
    kept = plans()
    first = kept.plan(K8S_WITH_GPUS)
    second = kept.plan(dict(K8S_WITH_GPUS))  # equal content, another dict
    assert len(first.rules) == len(make_engine().rules)  # the whole pack
    assert len(second.rules) < len(first.rules)  # rules this client rules out are gone
    assert kept.plan(K8S_WITH_GPUS) is second


def test_profiles_that_differ_only_in_type_are_kept_apart() -> None:
    assert profile_key({"gpus": True}) != profile_key({"gpus": 1})
    assert profile_key({"n": 1}) != profile_key({"n": 1.0})
    assert profile_key({"a": ["x"]}) != profile_key({"a": ("x",)})


def test_at_most_size_profiles_are_kept() -> None:
    kept = plans(size=2)
    for gpus in (True, False, "unknown"):
        for _ in range(2):
            kept.plan({"orchestration": "kubernetes", "gpus": gpus})
    assert len(kept._plans) <= 2


def test_changing_a_profile_after_scoring_changes_nothing_kept(library: Library) -> None:
    engine = library.engine("ai-framework@2.0")
    assert engine is not None
    answers, client = example("openweave.answers"), example("northwind.environment")
    wanted = score_to_result(engine.score(answers, client))
    engine.score(answers, client)  # folded and kept
    client["cloud"].clear()  # the caller's list, changed in place afterwards
    assert score_to_result(engine.score(answers, example("northwind.environment"))) == wanted
