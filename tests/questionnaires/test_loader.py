"""Definition files: every kind of mistake fails loading with file, item and reason."""

from __future__ import annotations

import copy
import itertools
from pathlib import Path
from typing import Any

import pytest
import yaml

from service.questionnaires.catalog import Catalog, load_catalog, load_definition
from service.questionnaires.loader import DefinitionError, read_yaml
from service.questionnaires.schema import QuestionType

BASE: dict[str, Any] = {
    "slug": "demo",
    "version": "1.0",
    "title": "Demo",
    "description": "A small questionnaire for tests.",
    "audience": "vendor",
    "sections": [
        {
            "id": "main",
            "title": "Main",
            "questions": [
                {
                    "id": "framework.primary",
                    "type": "single_choice",
                    "label": "Framework?",
                    "help": "Why it matters.",
                    "options": [
                        {"id": "pytorch", "label": "PyTorch"},
                        {"id": "other", "label": "Other"},
                    ],
                },
                {
                    "id": "framework.other_name",
                    "type": "text",
                    "label": "Which?",
                    "help": "Why it matters.",
                    "show_if": {"question": "framework.primary", "equals": "other"},
                },
            ],
        }
    ],
}


def write(tmp_path: Path, data: Any, name: str = "demo-1.0.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False) if not isinstance(data, str) else data)
    return path


def problems(tmp_path: Path, data: Any, name: str = "demo-1.0.yaml") -> list[str]:
    with pytest.raises(DefinitionError) as raised:
        load_definition(write(tmp_path, data, name))
    return [str(p) for p in raised.value.problems]


def with_question(changes: dict[str, Any], index: int = 1) -> dict[str, Any]:
    data: dict[str, Any] = copy.deepcopy(BASE)
    data["sections"][0]["questions"][index].update(changes)
    return data


def test_a_valid_definition_loads_with_a_content_hash(tmp_path: Path) -> None:
    definition = load_definition(write(tmp_path, BASE))
    assert definition.questionnaire.key == "demo@1.0"
    assert definition.content_hash.startswith("sha256:")
    assert list(definition.questionnaire.questions) == ["framework.primary", "framework.other_name"]


def test_hash_ignores_formatting_but_not_content(tmp_path: Path) -> None:
    first = load_definition(write(tmp_path, BASE)).content_hash
    reformatted = "# a comment\n" + yaml.safe_dump(BASE, sort_keys=True, indent=4)
    assert load_definition(write(tmp_path, reformatted)).content_hash == first
    changed = with_question({"label": "Which framework exactly?"})
    assert load_definition(write(tmp_path, changed)).content_hash != first


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"colour": "red"}, "'framework.other_name' > colour: unknown key 'colour'"),
        ({"type": "essay"}, "'framework.other_name' > type: Input should be"),
        ({"help": None}, "'framework.other_name' > help"),
        ({"max_length": 20000}, "less than or equal to 10000"),
        (
            {"options": [{"id": "a", "label": "A"}, {"id": "b", "label": "B"}]},
            "cannot have options",
        ),
        ({"minimum": 1}, "only apply to numbers"),
        ({"id": "Framework Other"}, "should match pattern"),
        (
            {"show_if": {"question": "framework.primary", "equals": "othr"}},
            "framework.other_name > show_if: 'othr' is not an option of 'framework.primary'; "
            "did you mean 'other'?",
        ),
        (
            {"show_if": {"question": "framework.primry", "equals": "other"}},
            "unknown question 'framework.primry'; did you mean 'framework.primary'?",
        ),
        (
            {"show_if": {"question": "framework.primary", "includes_any": ["other"]}},
            "operator 'includes_any' does not fit question 'framework.primary' of type "
            "single_choice",
        ),
        (
            {"show_if": {"question": "framework.primary", "version_below": 2.0}},
            "versions must be quoted strings",
        ),
        (
            {"show_if": {"client": "orchestration", "equals": "kubernetes"}},
            "show_if can only test this questionnaire's own answers",
        ),
    ],
)
def test_question_mistakes_name_the_item(
    tmp_path: Path, changes: dict[str, Any], expected: str
) -> None:
    found = problems(tmp_path, with_question(changes))
    assert any(expected in p for p in found), found
    assert all(p.startswith("demo-1.0.yaml: ") for p in found)


def test_a_choice_question_needs_distinct_options(tmp_path: Path) -> None:
    options = [{"id": "a", "label": "A"}, {"id": "a", "label": "Again"}]
    found = problems(tmp_path, with_question({"options": options}, index=0))
    assert any(
        "'framework.primary' > options" not in p and "duplicate option ids: a" in p for p in found
    ), found


def test_unknown_is_a_reserved_option_id(tmp_path: Path) -> None:
    options = [{"id": "pytorch", "label": "PyTorch"}, {"id": "unknown", "label": "Unsure"}]
    found = problems(tmp_path, with_question({"options": options}, index=0))
    assert any("reserved for the 'unknown' answer" in p for p in found), found


def test_duplicate_question_ids_are_refused(tmp_path: Path) -> None:
    found = problems(tmp_path, with_question({"id": "framework.primary", "show_if": None}))
    assert "demo-1.0.yaml: framework.primary: duplicate question id" in found[0]


def test_show_if_cannot_depend_on_a_later_question(tmp_path: Path) -> None:
    data = with_question({"show_if": {"question": "framework.other_name", "is_unknown": True}}, 0)
    found = problems(tmp_path, data)
    assert any("refers to 'framework.other_name', which comes later" in p for p in found), found


def test_duplicate_yaml_keys_are_refused(tmp_path: Path) -> None:
    text = yaml.safe_dump(BASE, sort_keys=False).replace("title: Demo\n", "title: Demo\ntitle: X\n")
    found = problems(tmp_path, text)
    assert found == ["demo-1.0.yaml: file: duplicate key 'title' at line 4, column 1"]


def test_yaml_syntax_errors_give_a_line(tmp_path: Path) -> None:
    found = problems(tmp_path, "slug: demo\nsections: [\n")
    assert found[0].startswith("demo-1.0.yaml: file: ")
    assert "line" in found[0]


def test_an_unquoted_definition_version_is_refused(tmp_path: Path) -> None:
    text = yaml.safe_dump(BASE, sort_keys=False).replace("version: '1.0'", "version: 1.0")
    found = problems(tmp_path, text)
    assert any("version" in p and "valid string" in p for p in found), found


def test_the_file_name_must_match_slug_and_version(tmp_path: Path) -> None:
    found = problems(tmp_path, BASE, name="demo.yaml")
    assert found == ["demo.yaml: file: name the file demo-1.0.yaml (slug-version.yaml)"]


def test_yaml_is_loaded_safely(tmp_path: Path) -> None:
    path = write(tmp_path, "slug: !!python/object/apply:os.system ['true']\n")
    with pytest.raises(DefinitionError) as raised:
        read_yaml(path)
    assert "could not determine a constructor" in str(raised.value)


def test_catalog_reports_problems_of_every_file(tmp_path: Path) -> None:
    folder = tmp_path / "definitions"
    folder.mkdir()
    write(folder, with_question({"colour": "red"}))
    other = copy.deepcopy(BASE) | {"slug": "other"}
    write(folder, other | {"title": None}, name="other-1.0.yaml")
    with pytest.raises(DefinitionError) as raised:
        load_catalog(tmp_path)
    files = {p.file for p in raised.value.problems}
    assert files == {"demo-1.0.yaml", "other-1.0.yaml"}


def test_catalog_needs_at_least_one_definition(tmp_path: Path) -> None:
    (tmp_path / "definitions").mkdir()
    with pytest.raises(DefinitionError, match="no questionnaire definitions"):
        load_catalog(tmp_path)


def test_catalog_picks_the_latest_version_numerically(tmp_path: Path) -> None:
    folder = tmp_path / "definitions"
    folder.mkdir()
    for version in ("1.2", "1.10", "1.9"):
        write(folder, {**BASE, "version": version}, name=f"demo-{version}.yaml")
    catalog = load_catalog(tmp_path)
    assert [d.version for d in catalog.versions("demo")] == ["1.2", "1.9", "1.10"]
    latest = catalog.latest("demo")
    assert latest is not None
    assert latest.version == "1.10"
    assert catalog.get("demo", "1.9") is not None
    assert catalog.get("demo", "2.0") is None


# The shipped definitions: integrators and the scoring rules rely on these ids.
FIXED_VENDOR_QUESTIONS: dict[str, tuple[QuestionType, tuple[str, ...]]] = {
    "framework.primary": (
        QuestionType.SINGLE_CHOICE,
        (
            "pytorch",
            "tensorflow",
            "jax",
            "scikit_learn",
            "gradient_boosting",
            "proprietary",
            "other",
        ),
    ),
    "framework.version": (QuestionType.VERSION, ()),
    "serving.stack": (
        QuestionType.SINGLE_CHOICE,
        (
            "vllm",
            "sglang",
            "tgi",
            "triton",
            "torchserve",
            "tf_serving",
            "kserve",
            "ray_serve",
            "bentoml",
            "onnx_runtime",
            "llama_cpp",
            "managed_cloud",
            "third_party_api",
            "proprietary",
            "other",
        ),
    ),
    "deployment.container_image": (QuestionType.BOOLEAN, ()),
    "deployment.kubernetes": (
        QuestionType.SINGLE_CHOICE,
        ("helm_chart", "manifests", "operator", "not_supported"),
    ),
    "deployment.models": (
        QuestionType.MULTIPLE_CHOICE,
        ("saas", "customer_cloud", "on_prem", "air_gapped"),
    ),
    "hardware.dedicated_server_required": (QuestionType.BOOLEAN, ()),
    "hardware.gpu": (QuestionType.SINGLE_CHOICE, ("not_needed", "optional", "required")),
    "hf.hub_distribution": (QuestionType.SINGLE_CHOICE, ("public", "private", "none")),
    "hf.transformers_compatible": (QuestionType.BOOLEAN, ()),
    "hf.weight_formats": (
        QuestionType.MULTIPLE_CHOICE,
        ("safetensors", "pytorch_bin", "gguf", "onnx", "tf_savedmodel", "proprietary"),
    ),
    "hf.model_swappable": (QuestionType.BOOLEAN, ()),
}
FIXED_CLIENT_QUESTIONS: dict[str, tuple[QuestionType, tuple[str, ...]]] = {
    "orchestration": (
        QuestionType.SINGLE_CHOICE,
        ("kubernetes", "vms", "serverless", "managed_ml_platform", "none"),
    ),
    "gpu_availability": (QuestionType.SINGLE_CHOICE, ("none", "available", "procurable")),
    "accepts_dedicated_hardware": (QuestionType.BOOLEAN, ()),
    "cloud": (QuestionType.MULTIPLE_CHOICE, ("aws", "gcp", "azure", "on_prem", "other")),
    "air_gapped": (QuestionType.BOOLEAN, ()),
}


@pytest.mark.parametrize(
    ("slug", "fixed"),
    [("ai-framework", FIXED_VENDOR_QUESTIONS), ("client-environment", FIXED_CLIENT_QUESTIONS)],
)
def test_shipped_questionnaires_keep_the_fixed_ids(
    catalog: Catalog, slug: str, fixed: dict[str, tuple[QuestionType, tuple[str, ...]]]
) -> None:
    definition = catalog.latest(slug)
    assert definition is not None
    questions = definition.questionnaire.questions
    for question_id, (kind, options) in fixed.items():
        assert questions[question_id].type is kind, question_id
        kept = [o.id for o in questions[question_id].options if o.id in options]
        assert tuple(kept) == options, question_id


def test_every_version_keeps_every_question_and_option_of_the_one_before(catalog: Catalog) -> None:
    for slug in catalog.slugs():
        versions = catalog.versions(slug)
        for older, newer in itertools.pairwise(versions):
            old_q, new_q = older.questionnaire.questions, newer.questionnaire.questions
            assert set(old_q) <= set(new_q), (slug, newer.version, set(old_q) - set(new_q))
            for question_id, question in old_q.items():
                missing = question.option_ids - new_q[question_id].option_ids
                assert not missing, (slug, newer.version, question_id, missing)


PINNED_2_0_OPTIONS = {
    "portability.weights_licence": {"non_commercial", "open_restricted"},
    "hf.weight_formats": {"joblib_pickle", "skops", "xgboost_native", "tensorrt_engine"},
}


def test_the_2_0_questionnaire_has_the_pinned_options(catalog: Catalog) -> None:
    definition = catalog.get("ai-framework", "2.0")
    assert definition is not None
    for question_id, options in PINNED_2_0_OPTIONS.items():
        assert options <= definition.questionnaire.questions[question_id].option_ids


def test_vendor_questionnaire_size_and_help(catalog: Catalog) -> None:
    definition = catalog.latest("ai-framework")
    assert definition is not None
    questions = definition.questionnaire.questions.values()
    assert 35 <= len(questions) <= 60
    assert all(len(q.help) > 40 for q in questions)


PUBLISHED_1_0 = {
    "ai-framework": "sha256:e527fef3e53b8dc91645f2df3606e29c4928ee44e415b512716070947e9838aa",
    "client-environment": "sha256:eeb83281a2866f0e03cb7485d60cbe43d62be3badf830a2fcbb798fe98d413f8",
}


def test_published_1_0_definitions_keep_their_hash_as_the_format_grows(catalog: Catalog) -> None:
    # Databases hold these hashes; a changed hash would make start-up refuse the definition.
    for slug, published in PUBLISHED_1_0.items():
        definition = catalog.get(slug, "1.0")
        assert definition is not None
        assert definition.content_hash == published, slug
