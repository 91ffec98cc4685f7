"""Each evidence file yields the facts it states, with the line or JSON pointer they came from;
hostile files give one clear error each, quickly."""

from __future__ import annotations

import time
from typing import Any

import pytest

from service.evidence.kinds import EvidenceKind, detect
from service.evidence.parse import parse
from tests.evidence.files import (
    alias_bomb,
    binary_junk,
    card_with_toml_front_matter,
    deep_yaml,
    fixture,
    many_keys_under_size,
    million_keys,
)


def facts(name: str, kind: EvidenceKind | None = None) -> set[tuple[str, Any, str]]:
    content = fixture(name)
    detected = kind or detect(name, content)
    assert detected is not None, name
    parsed = parse(detected, content)
    assert parsed.error is None, parsed.error
    return {(f.question, _hashable(f.value), f.location) for f in parsed.facts}


def _hashable(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("README.md", EvidenceKind.MODEL_CARD),
        ("config.json", EvidenceKind.MODEL_CONFIG),
        ("requirements.txt", EvidenceKind.REQUIREMENTS),
        ("pyproject.toml", EvidenceKind.PYPROJECT),
        ("poetry.lock", EvidenceKind.POETRY_LOCK),
        ("uv.lock", EvidenceKind.UV_LOCK),
        ("environment.yml", EvidenceKind.CONDA_ENVIRONMENT),
        ("Dockerfile", EvidenceKind.DOCKERFILE),
        ("Chart.yaml", EvidenceKind.HELM_CHART),
        ("values.yaml", EvidenceKind.HELM_VALUES),
        ("deployment.yaml", EvidenceKind.KUBERNETES),
        ("bom.cdx.json", EvidenceKind.CYCLONEDX),
        ("sbom.spdx.json", EvidenceKind.SPDX),
    ],
)
def test_kind_is_detected_from_the_name(name: str, kind: EvidenceKind) -> None:
    assert detect(name, fixture(name)) is kind


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("bom.cdx.json", EvidenceKind.CYCLONEDX),
        ("sbom.spdx.json", EvidenceKind.SPDX),
        ("config.json", EvidenceKind.MODEL_CONFIG),
        ("deployment.yaml", EvidenceKind.KUBERNETES),
        ("Dockerfile", EvidenceKind.DOCKERFILE),
    ],
)
def test_kind_is_detected_from_the_content_when_the_name_says_nothing(
    name: str, kind: EvidenceKind
) -> None:
    anonymous = "upload.txt" if kind is EvidenceKind.DOCKERFILE else "upload.json"
    if kind is EvidenceKind.KUBERNETES:
        anonymous = "upload.yaml"
    assert detect(anonymous, fixture(name)) is kind


def test_model_card() -> None:
    assert facts("README.md") >= {
        ("portability.weights_licence", "permissive", "line 5"),
        ("product.base_models", "Qwen/Qwen2.5-7B-Instruct", "line 8"),
        ("hf.transformers_compatible", True, "line 6"),
        ("hf.weight_formats", "safetensors", "line 10"),
    }


def test_config_with_and_without_auto_map() -> None:
    assert ("hf.trust_remote_code", True, "/auto_map") in facts("config.json")
    assert ("hf.trust_remote_code", False, "/") in facts("config-standard.json")
    assert ("hf.transformers_compatible", True, "/transformers_version") in facts("config.json")


def test_requirements_pin_old_versions_and_ignore_ranges() -> None:
    found = facts("requirements.txt")
    assert found >= {
        ("framework.primary", "pytorch", "line 3"),
        ("framework.version", "2.1.2", "line 3"),  # the local version +cu121 is dropped
        ("serving.stack", "vllm", "line 4"),
        ("serving.runtime_version", "0.2.7", "line 4"),
    }
    assert not any(q == "framework.primary" and v == "scikit_learn" for q, v, _ in found)


def test_lock_files_pin_new_versions_by_line() -> None:
    assert facts("poetry.lock") >= {
        ("framework.version", "2.14.1", "line 11"),
        ("serving.runtime_version", "0.30.2", "line 27"),
    }
    assert ("framework.version", "0.3.25", "line 5") in facts("uv.lock")
    assert ("framework.version", "2.14.1", "line 6") in facts("pyproject.toml")
    assert ("framework.version", "0.90", "line 6") in facts("environment.yml")


def test_dockerfile_and_helm_values_name_vllm_and_an_nvidia_gpu() -> None:
    assert facts("Dockerfile") >= {
        ("serving.stack", "vllm", "line 2"),
        ("serving.runtime_version", "0.30.1", "line 2"),
        ("deployment.container_image", True, "line 1"),
    }
    assert facts("values.yaml") >= {
        ("serving.runtime_version", "0.30.1", "line 4"),
        ("hardware.gpu_vendors", "nvidia", "line 19"),
        ("hardware.gpu", "required", "line 19"),
        ("deployment.kubernetes", "helm_chart", "line 1"),
    }
    assert ("deployment.kubernetes", "helm_chart", "line 1") in facts("Chart.yaml")


def test_kubernetes_manifests_with_several_documents() -> None:
    assert facts("deployment.yaml") >= {
        ("deployment.kubernetes", "manifests", "line 11"),
        ("serving.stack", "triton", "line 27"),
        ("serving.runtime_version", "2.54.0", "line 27"),  # NGC 25.01 = Triton 2.54
        ("hardware.gpu_vendors", "amd", "line 30"),
    }


def test_cyclonedx_ml_bom() -> None:
    assert facts("bom.cdx.json") >= {
        ("maintenance.sbom", "cyclonedx", "/bomFormat"),
        ("maintenance.ml_bom", True, "/components/0/type"),
        ("portability.weights_licence", "permissive", "/components/0/licenses/0"),
        ("framework.version", "2.14.1", "/components/1"),
        ("serving.stack", "vllm", "/components/2"),
        ("hf.weight_formats", "pytorch_bin", "/components/0/components/1/name"),
    }


def test_spdx() -> None:
    assert facts("sbom.spdx.json") >= {
        ("maintenance.sbom", "spdx", "/spdxVersion"),
        ("framework.version", "2.14.1", "/packages/0"),
    }


def test_old_cyclonedx_is_refused_with_the_reason() -> None:
    parsed = parse(EvidenceKind.CYCLONEDX, b'{"bomFormat": "CycloneDX", "specVersion": "1.4"}')
    assert parsed.error is not None
    assert "CycloneDX 1.4 is not read" in parsed.error
    assert "1.5 or later" in parsed.error


HOSTILE = [
    (
        "oversized",
        EvidenceKind.MODEL_CONFIG,
        b"{" + b" " * (300 * 1024) + b"}",
        "over the 256 KiB limit",
    ),
    ("deep YAML", EvidenceKind.HELM_VALUES, deep_yaml(), "nested more than 64 levels"),
    ("alias bomb", EvidenceKind.KUBERNETES, alias_bomb(), "alias"),
    ("10^6 keys", EvidenceKind.CYCLONEDX, million_keys(), "over the 8 MiB limit"),
    ("250,000 keys", EvidenceKind.CYCLONEDX, many_keys_under_size(), "more than 200,000 keys"),
    (
        "TOML front matter",
        EvidenceKind.MODEL_CARD,
        card_with_toml_front_matter(),
        "the front matter is not",
    ),
    ("binary .json", EvidenceKind.MODEL_CONFIG, binary_junk(), "binary"),
    ("deep JSON", EvidenceKind.MODEL_CONFIG, b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
]


@pytest.mark.parametrize(
    ("what", "kind", "content", "message"), HOSTILE, ids=[h[0] for h in HOSTILE]
)
def test_hostile_files_give_a_clear_error_quickly(
    what: str, kind: EvidenceKind, content: bytes, message: str
) -> None:
    started = time.monotonic()
    parsed = parse(kind, content)
    assert parsed.facts == ()
    assert parsed.error is not None
    assert message in parsed.error, parsed.error
    assert time.monotonic() - started < 20  # generous: the point is that it ends


def test_an_alias_bomb_under_the_alias_limit_stops_at_the_expansion_budget() -> None:
    # 4 levels of 9 aliases = 36 aliases (under the limit) expanding to 9**4 * 9 values
    lines = ["a0: &a0 [" + ", ".join(["x"] * 9) + "]"]
    for level in range(1, 7):
        lines.append(f"a{level}: &a{level} [{', '.join([f'*a{level - 1}'] * 9)}]")
    parsed = parse(EvidenceKind.KUBERNETES, "\n".join(lines).encode())
    assert parsed.error is not None
    assert "expands to more than" in parsed.error
