"""The kinds of evidence file, how a kind is recognised, and how large each may be."""

from __future__ import annotations

import re
from enum import StrEnum

KIB = 1024
MIB = 1024 * KIB


class EvidenceKind(StrEnum):
    MODEL_CARD = "model_card"
    MODEL_CONFIG = "model_config"
    REQUIREMENTS = "requirements"
    PYPROJECT = "pyproject"
    POETRY_LOCK = "poetry_lock"
    UV_LOCK = "uv_lock"
    CONDA_ENVIRONMENT = "conda_environment"
    DOCKERFILE = "dockerfile"
    HELM_CHART = "helm_chart"
    HELM_VALUES = "helm_values"
    KUBERNETES = "kubernetes"
    CYCLONEDX = "cyclonedx"
    SPDX = "spdx"
    HUB_FILES = "hub_files"
    """The file list of a Hugging Face repository (written by the online look-up)."""


LABELS: dict[EvidenceKind, str] = {
    EvidenceKind.MODEL_CARD: "Hugging Face model card",
    EvidenceKind.MODEL_CONFIG: "model config.json",
    EvidenceKind.REQUIREMENTS: "requirements.txt",
    EvidenceKind.PYPROJECT: "pyproject.toml",
    EvidenceKind.POETRY_LOCK: "poetry.lock",
    EvidenceKind.UV_LOCK: "uv.lock",
    EvidenceKind.CONDA_ENVIRONMENT: "conda environment.yml",
    EvidenceKind.DOCKERFILE: "Dockerfile",
    EvidenceKind.HELM_CHART: "Helm Chart.yaml",
    EvidenceKind.HELM_VALUES: "Helm values.yaml",
    EvidenceKind.KUBERNETES: "Kubernetes manifests",
    EvidenceKind.CYCLONEDX: "CycloneDX SBOM / ML-BOM (JSON)",
    EvidenceKind.SPDX: "SPDX SBOM (JSON)",
    EvidenceKind.HUB_FILES: "Hugging Face Hub file list",
}

SIZE_LIMITS: dict[EvidenceKind, int] = {
    EvidenceKind.MODEL_CARD: 512 * KIB,
    EvidenceKind.MODEL_CONFIG: 256 * KIB,
    EvidenceKind.REQUIREMENTS: 256 * KIB,
    EvidenceKind.PYPROJECT: 256 * KIB,
    EvidenceKind.POETRY_LOCK: 4 * MIB,
    EvidenceKind.UV_LOCK: 4 * MIB,
    EvidenceKind.CONDA_ENVIRONMENT: 256 * KIB,
    EvidenceKind.DOCKERFILE: 128 * KIB,
    EvidenceKind.HELM_CHART: 64 * KIB,
    EvidenceKind.HELM_VALUES: 512 * KIB,
    EvidenceKind.KUBERNETES: 1 * MIB,
    EvidenceKind.CYCLONEDX: 8 * MIB,
    EvidenceKind.SPDX: 8 * MIB,
    EvidenceKind.HUB_FILES: 1 * MIB,
}
MAX_UPLOAD = max(SIZE_LIMITS.values())


def human_size(size: int) -> str:
    if size >= MIB:
        return f"{size / MIB:.1f} MiB".replace(".0 ", " ")
    if size >= KIB:
        return f"{size / KIB:.0f} KiB"
    return f"{size} bytes"


_BY_NAME: tuple[tuple[re.Pattern[str], EvidenceKind], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), kind)
    for pattern, kind in (
        (r"(^|[._-])dockerfile([._-]|$)|\.dockerfile$|^containerfile$", EvidenceKind.DOCKERFILE),
        (r"^poetry\.lock$", EvidenceKind.POETRY_LOCK),
        (r"^uv\.lock$", EvidenceKind.UV_LOCK),
        (r"^pyproject\.toml$", EvidenceKind.PYPROJECT),
        (r"requirements.*\.(txt|in)$|^constraints.*\.txt$", EvidenceKind.REQUIREMENTS),
        (r"^(environment|conda).*\.ya?ml$", EvidenceKind.CONDA_ENVIRONMENT),
        (r"^chart\.ya?ml$", EvidenceKind.HELM_CHART),
        (r"^values.*\.ya?ml$", EvidenceKind.HELM_VALUES),
        (r"\.(cdx|bom)\.json$|^bom\.json$|cyclonedx.*\.json$", EvidenceKind.CYCLONEDX),
        (r"\.spdx\.json$|^spdx.*\.json$", EvidenceKind.SPDX),
        (r"^(config|.*[._-]config)\.json$", EvidenceKind.MODEL_CONFIG),
        (r"^(readme|model[._-]?card).*\.md$", EvidenceKind.MODEL_CARD),
    )
)


def detect(filename: str, head: bytes) -> EvidenceKind | None:
    """The kind a file is, from its name first and then from what it starts with."""
    base = filename.replace("\\", "/").rsplit("/", 1)[-1].strip()
    for pattern, kind in _BY_NAME:
        if pattern.search(base):
            return kind
    return _by_content(base, head[:4096].decode("utf-8", "replace"))


_FROM = re.compile(r"^\s*FROM\s+\S+", re.MULTILINE | re.IGNORECASE)
_INSTRUCTION = re.compile(r"^\s*(RUN|COPY|ENTRYPOINT|CMD|ENV|EXPOSE)\s", re.MULTILINE)

_JSON_MARKERS = (
    ('"bomFormat"', EvidenceKind.CYCLONEDX),
    ('"spdxVersion"', EvidenceKind.SPDX),
    ('"architectures"', EvidenceKind.MODEL_CONFIG),
    ('"model_type"', EvidenceKind.MODEL_CONFIG),
)


def _by_content(name: str, head: str) -> EvidenceKind | None:  # noqa: PLR0911 (one test a kind)
    stripped = head.lstrip()
    if stripped.startswith("{"):
        return next((kind for marker, kind in _JSON_MARKERS if marker in head), None)
    if stripped.startswith("---") and name.lower().endswith(".md"):
        return EvidenceKind.MODEL_CARD
    if _FROM.search(head) and _INSTRUCTION.search(head):
        return EvidenceKind.DOCKERFILE
    if re.search(r"^apiVersion:", head, re.MULTILINE) and re.search(r"^kind:", head, re.MULTILINE):
        return EvidenceKind.KUBERNETES
    if name.lower().endswith((".yaml", ".yml")):
        return EvidenceKind.KUBERNETES  # other YAML shipped with a product: manifests
    if re.search(r"^\s*[A-Za-z0-9_.-]+\s*(==|>=|~=)", head, re.MULTILINE):
        return EvidenceKind.REQUIREMENTS
    return None
