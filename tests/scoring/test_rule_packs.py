"""Rule packs and the knowledge base: every kind of mistake fails loading precisely."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from service.questionnaires.catalog import Catalog, Definition
from service.questionnaires.loader import DefinitionError, content_hash
from service.scoring.knowledge import load_knowledge
from service.scoring.library import load_library, load_pack
from tests.scoring.fixtures import CLIENT, KNOWLEDGE, PACK, VENDOR

CATALOG = Catalog(
    (Definition(VENDOR, content_hash(VENDOR)), Definition(CLIENT, content_hash(CLIENT)))
)


def problems_of(tmp_path: Path, pack: dict[str, Any], name: str = "mini-1.0.yaml") -> list[str]:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(pack, sort_keys=False))
    with pytest.raises(DefinitionError) as raised:
        load_pack(path, CATALOG, KNOWLEDGE)
    return [str(p) for p in raised.value.problems]


def with_rule(index: int, **changes: Any) -> dict[str, Any]:
    pack = copy.deepcopy(PACK)
    pack["rules"][index].update(changes)
    return pack


def test_the_synthetic_pack_loads(tmp_path: Path) -> None:
    path = tmp_path / "mini-1.0.yaml"
    path.write_text(yaml.safe_dump(PACK))
    loaded = load_pack(path, CATALOG, KNOWLEDGE)
    assert loaded.pack.key == "mini@1.0 rules 1.0"
    assert loaded.content_hash.startswith("sha256:")


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {"when": {"question": "framwork", "equals": "proprietary"}},
            "rule 'tc.framework.proprietary': unknown question 'framwork'; did you mean "
            "'framework'?",
        ),
        (
            {"when": {"question": "framework", "equals": "proprietry"}},
            "'proprietry' is not an option of 'framework'; did you mean 'proprietary'?",
        ),
        (
            {"when": {"question": "framework", "includes_any": ["pytorch"]}},
            "operator 'includes_any' does not fit question 'framework' of type single_choice",
        ),
        (
            {"when": {"question": "framework_version", "version_below": 2.1}},
            "versions must be quoted strings",
        ),
        (
            {"when": {"client": "orchestraton", "equals": "kubernetes"}},
            "unknown client fact 'orchestraton'; did you mean 'orchestration'?",
        ),
        (
            {"when": {"question": "serving", "kb_status": ["limited"]}},
            "'limited' is not a knowledge-base status; did you mean 'limited_maintenance'?",
        ),
        (
            {"when": {"question": "kubernetes", "equals": "yes"}},
            "'kubernetes' is a boolean question; 'equals: 'yes'' cannot match",
        ),
        ({"category": "framewrk"}, "category 'framewrk' is not declared for technical_currency"),
        ({"min_band": "old"}, "min_band 'old' is not a technical_currency band"),
        ({"if_unknown": 5}, "if_unknown (5) is below points (30)"),
        ({"severity": "urgent"}, "severity: Input should be"),
        ({"colour": "red"}, "unknown key 'colour'"),
        ({"follow_up": []}, "follow_up: Tuple should have at least 1 item"),
    ],
)
def test_rule_mistakes_are_located_and_explained(
    tmp_path: Path, changes: dict[str, Any], expected: str
) -> None:
    found = problems_of(tmp_path, with_rule(0, **changes))
    assert any(expected in p for p in found), found
    assert all(p.startswith("mini-1.0.yaml: ") for p in found)


def test_schema_errors_name_the_rule(tmp_path: Path) -> None:
    found = problems_of(tmp_path, with_rule(0, points=-1))
    assert found == [
        "mini-1.0.yaml: rules > 'tc.framework.proprietary' > points: Input should be greater "
        "than or equal to 0"
    ]


def test_duplicate_rule_ids(tmp_path: Path) -> None:
    found = problems_of(tmp_path, with_rule(1, id="tc.framework.proprietary"))
    assert "mini-1.0.yaml: rule 'tc.framework.proprietary': duplicate rule id" in found


def test_thresholds_must_be_ordered(tmp_path: Path) -> None:
    pack = copy.deepcopy(PACK)
    pack["thresholds"]["technical_currency"] = {"current": 50, "lagging": 75}
    assert any("'lagging' must be below 'current'" in p for p in problems_of(tmp_path, pack))


def test_the_pack_must_name_a_known_questionnaire(tmp_path: Path) -> None:
    pack = {**copy.deepcopy(PACK), "questionnaire": "mini@9.9"}
    found = problems_of(tmp_path, pack, name="mini-9.9.yaml")
    assert found == [
        "mini-9.9.yaml: questionnaire: no questionnaire mini@9.9 (mini@1.0, mini-client@1.0)"
    ]


def test_the_file_name_must_match(tmp_path: Path) -> None:
    assert problems_of(tmp_path, PACK, name="rules.yaml") == [
        "rules.yaml: file: name the file mini-1.0.yaml"
    ]


def test_every_vendor_questionnaire_needs_a_pack(tmp_path: Path) -> None:
    (tmp_path / "rules").mkdir()
    (tmp_path / "knowledge-base.yaml").write_text(
        yaml.safe_dump(KNOWLEDGE.model_dump(mode="json", exclude_none=True))
    )
    with pytest.raises(DefinitionError) as raised:
        load_library(tmp_path, CATALOG)
    assert [str(p) for p in raised.value.problems] == [
        "rules/mini-1.0.yaml: file: missing: every vendor questionnaire version needs a rule "
        "pack, and mini@1.0 has none"
    ]


@pytest.mark.parametrize(
    ("entry_changes", "expected"),
    [
        ({"status": "dead"}, "status: Input should be"),
        ({"supported_from": 2.4}, "supported_from: Input should be a valid string"),
        ({"supported_from": "two"}, "'two' is not a version number"),
        ({"sources": []}, "sources: Tuple should have at least 1 item"),
        ({"since": "March 2025"}, "'March 2025' is not a date"),
        ({"homepage": "x"}, "unknown key 'homepage'"),
    ],
)
def test_knowledge_base_mistakes(
    tmp_path: Path, entry_changes: dict[str, Any], expected: str
) -> None:
    data = KNOWLEDGE.model_dump(mode="json", exclude_none=True)
    data["entries"][0].update(entry_changes)
    (tmp_path / "knowledge-base.yaml").write_text(yaml.safe_dump(data))
    with pytest.raises(DefinitionError) as raised:
        load_knowledge(tmp_path)
    found = [str(p) for p in raised.value.problems]
    assert any(expected in p and "'pytorch'" in p for p in found), found


def test_knowledge_base_ids_are_unique(tmp_path: Path) -> None:
    data = KNOWLEDGE.model_dump(mode="json", exclude_none=True)
    data["entries"].append(copy.deepcopy(data["entries"][0]))
    (tmp_path / "knowledge-base.yaml").write_text(yaml.safe_dump(data))
    with pytest.raises(DefinitionError, match="entry 'pytorch': duplicate entry id"):
        load_knowledge(tmp_path)
