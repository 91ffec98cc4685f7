"""Which parser reads which kind of evidence."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from service.evidence.facts import Fact
from service.evidence.kinds import EvidenceKind
from service.evidence.parsers import deployment, model, python_deps, sbom

Parser = Callable[[str], Iterator[Fact]]


PARSERS: dict[EvidenceKind, Parser] = {
    EvidenceKind.MODEL_CARD: model.model_card,
    EvidenceKind.MODEL_CONFIG: model.model_config,
    EvidenceKind.REQUIREMENTS: python_deps.requirements,
    EvidenceKind.PYPROJECT: python_deps.pyproject,
    EvidenceKind.POETRY_LOCK: python_deps.lock,
    EvidenceKind.UV_LOCK: python_deps.lock,
    EvidenceKind.CONDA_ENVIRONMENT: python_deps.environment,
    EvidenceKind.DOCKERFILE: deployment.dockerfile,
    EvidenceKind.HELM_CHART: deployment.helm_chart,
    EvidenceKind.HELM_VALUES: deployment.helm_values,
    EvidenceKind.KUBERNETES: deployment.kubernetes,
    EvidenceKind.CYCLONEDX: sbom.cyclonedx,
    EvidenceKind.SPDX: sbom.spdx,
    EvidenceKind.HUB_FILES: model.weight_files,
}
