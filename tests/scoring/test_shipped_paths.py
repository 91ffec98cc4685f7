"""Improvement paths on the shipped pack: what a vendor can really act on, re-scored."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from service.scoring.engine import Engine
from service.scoring.library import Library
from service.scoring.path_candidates import touched_by, version_entries
from service.scoring.paths import ImprovementPath, improvement_paths
from service.scoring.rules import BANDS
from tests.builders import example
from tests.scoring.test_scenarios import scenarios

KEY = "ai-framework@2.0"
EXAMPLES = Path(__file__).parents[2] / "questionnaires" / "examples"


def shipped(library: Library) -> Engine:
    engine = library.engine(KEY)
    assert engine is not None
    return engine


def paths_for(
    engine: Engine, answers: dict[str, Any], client: dict[str, Any]
) -> list[ImprovementPath]:
    return list(improvement_paths(engine, answers, client, engine.score(answers, client)))


def proposed(found: list[ImprovementPath]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for path in found:
        for change in path.changes:
            for option in change.options:
                values = option if isinstance(option, list) else [option]
                out.setdefault(change.question, set()).update(map(str, values))
    return out


def test_torchserve_is_never_told_to_move_to_proprietary_or_a_third_party_api(
    library: Library,
) -> None:
    engine = shipped(library)
    answers = {
        **example("openweave.answers"),
        "serving.stack": "torchserve",
        "serving.runtime_version": "0.12.0",
    }
    options = proposed(paths_for(engine, answers, example("northwind.environment")))
    assert "vllm" in options["serving.stack"]
    assert not options["serving.stack"] & {
        "proprietary",
        "third_party_api",
        "other",
        "managed_cloud",
    }


def test_a_vision_model_is_not_sent_to_an_llm_server(library: Library) -> None:
    engine = shipped(library)
    answers = {
        **example("openweave.answers"),
        "product.model_types": ["vision"],
        "serving.stack": "torchserve",
        "serving.runtime_version": "0.12.0",
    }
    options = proposed(paths_for(engine, answers, example("northwind.environment")))
    assert options["serving.stack"]
    assert not options["serving.stack"] & {"vllm", "sglang", "tgi", "ollama", "tei", "lmdeploy"}


def test_versions_come_from_the_same_project_and_only_move_up(library: Library) -> None:
    engine = shipped(library)
    answers = {**example("openweave.answers"), "framework.primary": "tensorflow"}
    answers["framework.version"] = "2.15.0"
    found = paths_for(engine, answers, example("northwind.environment"))
    assert any(c.question == "framework.version" for p in found for c in p.changes)
    for path in found:
        changes = {c.question: c.options[0] for c in path.changes}
        framework = changes.get("framework.primary", "tensorflow")
        entry = engine.knowledge.by_id[str(framework)]
        if "framework.version" in changes:
            # never another project's version (TensorFlow 2.58 was Ray's)
            assert changes["framework.version"] in {entry.latest, entry.supported_from}, path


@pytest.mark.parametrize("scenario", scenarios(), ids=lambda s: s.name)
def test_every_path_moves_the_band_it_claims_and_never_touches_the_product(
    library: Library, scenario: Any
) -> None:
    engine = shipped(library)
    found = paths_for(engine, scenario.answers, scenario.client)
    for path in found:
        assert not any(c.question.startswith("product.") for c in path.changes)
        changed = {**scenario.answers, **{c.question: c.options[0] for c in path.changes}}
        after = engine.score(changed, scenario.client).dimension(path.dimension)
        order = BANDS[path.dimension]
        assert order.index(after.band) <= order.index(path.to_band), path
        assert order.index(path.to_band) < order.index(path.from_band)
        for change in path.changes:
            question = engine.vendor.questions[change.question]
            blocked = {o.id for o in question.options if not o.suggest}
            for option in change.options:
                values = set(option) if isinstance(option, list) else {option}
                before = change.current if isinstance(change.current, list) else [change.current]
                assert not (values - set(before)) & blocked, (change.question, option)


def test_the_answers_a_change_moves_are_each_engines_own(library: Library) -> None:
    """`touched_by` is kept per engine: each engine's comes from its own pack's version
    questions, never another's (1.0 and 2.0 read different versions)."""
    seen = []
    for key in ("ai-framework@1.0", KEY):
        engine = library.engine(key)
        assert engine is not None
        entries = version_entries(engine)
        touched = touched_by(engine)
        assert set(touched) == set(engine.vendor.questions)
        for question, moved in touched.items():
            followers = {v for v, entry in entries.items() if entry == question}
            assert moved == {question, *followers}
        seen.append(touched)
    assert seen[0] != seen[1]
    assert any(len(moved) > 1 for moved in seen[1].values()), "a choice carries its version"
